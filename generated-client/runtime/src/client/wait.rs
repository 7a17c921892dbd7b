//! Waiting for a task: the first poll after the documented delay (counted from the submit),
//! then every documented interval, each observed state reported, until a terminal state or
//! the deadline. Cancel-safe: the future holds no state the caller needs; dropping it at
//! any await point loses nothing, and `wait` can be called again with the same task.

use std::fmt;
use std::time::Duration;

use super::{Client, Task};
use crate::error::{Error, TaskFailure, TimeoutError};
use crate::meta::TaskPhase;
use crate::provider::{Provider, StatusAnswer};

/// One poll, reported to the progress callback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The task.
    pub task_id: String,
    /// The state, as sent (after a failed poll: the last state seen, or empty).
    pub state: String,
    /// Pending, succeeded or failed.
    pub phase: TaskPhase,
    /// False when the state is not one the docs list: it is kept and treated as pending,
    /// so the wait goes on (until its deadline) and says so here.
    pub state_documented: bool,
    /// Polls so far, this one included.
    pub polls: u32,
    /// Time since `wait` started.
    pub elapsed: Duration,
    /// The delay until the next poll; `None` when the task reached a terminal state.
    pub next_poll: Option<Duration>,
    /// Why this poll failed, when it failed transiently (a network error, or an answer the
    /// provider says to retry after its retries ran out): the wait goes on.
    pub poll_error: Option<String>,
}

/// A progress callback.
type ProgressFn = Box<dyn FnMut(&Progress) + Send>;

/// How to wait. Defaults: the task's documented first-poll delay, then intervals drawn
/// uniformly (jittered) from its documented range (such as 10-15 s), a
/// 30-minute deadline, no progress callback.
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

    /// Overrides the interval between polls (a fixed one, no jitter).
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
    /// state seen). Like a smithy waiter: a poll that fails transiently (network errors,
    /// retryable answers once the status call's own retries are spent) is a "retry" outcome
    /// while the deadline allows, reported through progress; states the docs do not list
    /// keep it polling and are reported too. A success whose answer names no output is
    /// [`Error::NoResult`]. Every error carries the task id; terminal states are recorded in
    /// the journal.
    pub async fn wait(&self, task: &Task, mut options: WaitOptions) -> Result<P::Status, Error> {
        let start = self.clock.now();
        let deadline = start + options.deadline;
        let first = options.first_poll.unwrap_or(task.polling.first_poll);
        let timeout = |clock: &dyn crate::clock::Clock, last_state: Option<String>| {
            Error::Timeout(Box::new(TimeoutError {
                operation: "wait",
                task_id: Some(task.id.clone()),
                waited: clock.now() - start,
                last_state,
            }))
        };

        let since_submit = task.submitted_at.map_or(Duration::ZERO, |t| start.saturating_duration_since(t));
        let mut delay = first.saturating_sub(since_submit);
        let mut last_state: Option<String> = None;
        let mut polls = 0;
        let mut warned_unknown = false;
        loop {
            if self.clock.now() + delay > deadline {
                return Err(timeout(&*self.clock, last_state));
            }
            self.clock.sleep(delay).await;
            polls += 1;
            // The follow URL is checked against the base URL's origin on every poll.
            let url = self.status_url(task)?;
            let query_deadline = deadline.min(self.clock.now() + self.retry.deadline);
            let next = self.next_interval(task, &options);
            // Boxed: a wait that sleeps between polls then holds a pointer, not the whole
            // HTTP exchange's state, so thousands of waits stay small.
            let permit = self.polls.acquire().await.ok(); // never closed: always `Some`
            let answer = Box::pin(self.query(url, &task.id, query_deadline)).await;
            drop(permit);
            let status = match answer {
                Ok(status) => status,
                Err(e) if e.is_retryable() && self.clock.now() + next <= deadline => {
                    let e = e.with_task_id(&task.id);
                    tracing::warn!(target: "happyhorse_client", task_id = %task.id, polls, error = %e, "a poll failed; the wait goes on");
                    let progress = Progress {
                        task_id: task.id.clone(),
                        state: last_state.clone().unwrap_or_default(),
                        phase: TaskPhase::Pending,
                        state_documented: true,
                        polls,
                        elapsed: self.clock.now() - start,
                        next_poll: Some(next),
                        poll_error: Some(e.to_string()),
                    };
                    if let Some(f) = options.progress.as_mut() {
                        f(&progress);
                    }
                    delay = next;
                    continue;
                }
                Err(e) => return Err(e.with_task_id(&task.id)),
            };
            let phase = status.phase();
            let progress = Progress {
                task_id: task.id.clone(),
                state: status.state().to_owned(),
                phase,
                state_documented: status.state_documented(),
                polls,
                elapsed: self.clock.now() - start,
                next_poll: (!phase.is_terminal()).then_some(next),
                poll_error: None,
            };
            if !progress.state_documented && !warned_unknown {
                warned_unknown = true;
                tracing::warn!(target: "happyhorse_client", task_id = %task.id, state = %progress.state, "the task is in a state the docs do not list; polling on until it ends or the deadline");
            }
            tracing::debug!(target: "happyhorse_client", task_id = %task.id, state = %progress.state, polls, "task state");
            if let Some(f) = options.progress.as_mut() {
                f(&progress);
            }
            match phase {
                TaskPhase::Succeeded => {
                    self.note_terminal(&status, "wait").await;
                    Self::check_outputs(&status)?;
                    return Ok(status);
                }
                TaskPhase::Failed => {
                    self.note_terminal(&status, "wait").await;
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
            delay = next;
        }
    }

    /// The delay before the next poll: the override, or a uniform draw from the documented
    /// interval range, so many clients do not poll in step.
    fn next_interval(&self, task: &Task, options: &WaitOptions) -> Duration {
        if let Some(d) = options.interval {
            return d;
        }
        let (lo, hi) = (task.polling.interval_min, task.polling.interval_max.max(task.polling.interval_min));
        let span = u64::try_from((hi - lo).as_millis()).unwrap_or(u64::MAX);
        if span == 0 {
            return lo;
        }
        lo + Duration::from_millis(self.jitter.next() % (span + 1))
    }
}
