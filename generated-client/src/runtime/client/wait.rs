//! Waiting for a task: the first poll after the documented delay (counted from the submit),
//! then every documented interval, each observed state reported, until a terminal state or
//! the deadline. Cancel-safe: the future holds no state the caller needs; dropping it at
//! any await point loses nothing, and `wait` can be called again with the same task.

use std::fmt;
use std::time::Duration;

use super::{Client, Task};
use crate::runtime::error::{Error, TaskFailure, TimeoutError};
use crate::runtime::meta::TaskPhase;
use crate::runtime::provider::{Provider, StatusAnswer};

/// One observed state, reported to the progress callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The task.
    pub task_id: String,
    /// The state, as sent.
    pub state: String,
    /// Pending, succeeded or failed.
    pub phase: TaskPhase,
    /// Polls so far, this one included.
    pub polls: u32,
    /// Time since `wait` started.
    pub elapsed: Duration,
}

/// A progress callback.
type ProgressFn = Box<dyn FnMut(&Progress) + Send>;

/// How to wait. Defaults: the task's documented first-poll delay and the lower bound of its
/// documented interval, a 30-minute deadline, no progress callback.
pub struct WaitOptions {
    first_poll: Option<Duration>,
    interval: Option<Duration>,
    deadline: Duration,
    progress: Option<ProgressFn>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions { first_poll: None, interval: None, deadline: Duration::from_secs(30 * 60), progress: None }
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("first_poll", &self.first_poll)
            .field("interval", &self.interval)
            .field("deadline", &self.deadline)
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .finish()
    }
}

impl WaitOptions {
    /// Overrides the delay between the submit and the first poll.
    #[must_use]
    pub fn first_poll(mut self, d: Duration) -> Self {
        self.first_poll = Some(d);
        self
    }

    /// Overrides the interval between polls.
    #[must_use]
    pub fn interval(mut self, d: Duration) -> Self {
        self.interval = Some(d);
        self
    }

    /// The longest the whole wait may take.
    #[must_use]
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = d;
        self
    }

    /// Called with every observed state (for a progress display).
    #[must_use]
    pub fn on_progress(mut self, f: impl FnMut(&Progress) + Send + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }
}

impl<P: Provider> Client<P> {
    /// Waits until the task succeeds (its status is returned) or fails
    /// ([`Error::TaskFailed`]), or the deadline passes ([`Error::Timeout`], with the last
    /// state seen). Every error carries the task id.
    pub async fn wait(&self, task: &Task, mut options: WaitOptions) -> Result<P::Status, Error> {
        let start = self.clock.now();
        let deadline = start + options.deadline;
        let first = options.first_poll.unwrap_or(task.polling.first_poll);
        let interval = options.interval.unwrap_or(task.polling.interval_min);
        let url = self.status_url(task)?;
        let timeout = |clock: &dyn crate::runtime::clock::Clock, last_state: Option<String>| {
            Error::Timeout(Box::new(TimeoutError {
                operation: "wait",
                task_id: Some(task.id.clone()),
                waited: clock.now() - start,
                last_state,
            }))
        };

        let since_submit = task.submitted_at.map_or(Duration::ZERO, |t| start.saturating_duration_since(t));
        let mut delay = first.saturating_sub(since_submit);
        let mut last_state = None;
        let mut polls = 0;
        loop {
            if self.clock.now() + delay > deadline {
                return Err(timeout(&*self.clock, last_state));
            }
            self.clock.sleep(delay).await;
            polls += 1;
            let status = self.query(url.clone(), &task.id, deadline).await.map_err(|e| e.with_task_id(&task.id))?;
            let progress = Progress {
                task_id: task.id.clone(),
                state: status.state().to_owned(),
                phase: status.phase(),
                polls,
                elapsed: self.clock.now() - start,
            };
            tracing::debug!(task_id = %task.id, state = %progress.state, polls, "task state");
            if let Some(f) = options.progress.as_mut() {
                f(&progress);
            }
            match progress.phase {
                TaskPhase::Succeeded => return Ok(status),
                TaskPhase::Failed => {
                    let failure = status.failure();
                    return Err(Error::TaskFailed(Box::new(TaskFailure {
                        task_id: task.id.clone(),
                        state: progress.state,
                        code: failure.as_ref().and_then(|f| f.code.clone()),
                        message: failure.as_ref().and_then(|f| f.message.clone()),
                        retry_may_help: failure.is_some_and(|f| f.retry_may_help),
                    })));
                }
                TaskPhase::Pending => {}
            }
            last_state = Some(progress.state);
            delay = interval;
        }
    }
}
