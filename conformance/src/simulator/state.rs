//! Tasks and their lifecycle, and the request counters.
//!
//! A task is pending until it has answered `polls_to_finish` status queries as pending, or
//! until `run_time` has passed on the simulator's clock since it was created, whichever comes
//! first; then it is terminal with the outcome decided when it was created.
//!
//! The store is bounded: a task expires [`SimConfig::task_ttl`](super::SimConfig::task_ttl)
//! after it became terminal (a lookup no longer finds it, and the next submit frees its
//! memory), and at most [`SimConfig::max_tasks`](super::SimConfig::max_tasks) tasks are kept;
//! a submit that would exceed the cap while no task has expired is refused ([`StoreFull`])
//! instead of growing the store.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;

use super::clock::SimClock;

/// A task as the simulator stores it, returned by [`Simulator::task`](super::Simulator::task).
#[derive(Debug, Clone, PartialEq)]
pub struct SimTask {
    /// The task id, `<module>-task-<n>`.
    pub id: String,
    /// The submit operation that created it (its spec key).
    pub operation: String,
    /// The state in the provider's wire spelling (a value of the spec's state enum).
    pub state: String,
    /// The accepted request body as stored (values the provider truncates are stored
    /// truncated).
    pub body: Value,
    /// Number of status queries this task has answered.
    pub polls: u32,
}

/// How a task ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    /// A failed task, with the fail code and message its answers carry (when the spec has
    /// places for them).
    Failed {
        code: Option<String>,
        message: Option<String>,
        /// The failed state it ends in (wire), when not the state enum's first failed one.
        state: Option<String>,
    },
}

/// Where a task is in its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    Pending,
    Succeeded,
    Failed { code: Option<String>, message: Option<String>, state: Option<String> },
}

/// A copy of a task, taken under the lock, to answer from.
#[derive(Debug, Clone)]
pub(crate) struct TaskView {
    /// Index of the module in the simulator's list.
    pub module: usize,
    pub id: String,
    pub operation: String,
    /// The accepted body as JSON text, shared with the stored task: answering never copies
    /// it, and text takes a fraction of the memory of a parsed value.
    pub body: Arc<str>,
    pub create_ms: u64,
    pub complete_ms: Option<u64>,
    pub phase: Phase,
    pub polls: u32,
    /// Origin (`http://host:port`) the submit was sent to.
    pub origin: String,
    /// The request's callback URL, for callback tasks.
    pub callback_url: Option<String>,
}

#[derive(Debug)]
struct TaskRecord {
    id: String,
    operation: String,
    body: Arc<str>,
    /// When it was created, on the simulator's clock.
    created: Duration,
    /// When a status query made it terminal before its run time, on the simulator's clock.
    finished_early: Option<Duration>,
    create_ms: u64,
    polls: u32,
    outcome: Outcome,
    complete_ms: Option<u64>,
    origin: String,
    callback_url: Option<String>,
}

impl TaskRecord {
    fn view(&self, module: usize) -> TaskView {
        let phase = match (self.complete_ms, &self.outcome) {
            (None, _) => Phase::Pending,
            (Some(_), Outcome::Success) => Phase::Succeeded,
            (Some(_), Outcome::Failed { code, message, state }) => {
                Phase::Failed { code: code.clone(), message: message.clone(), state: state.clone() }
            }
        };
        TaskView {
            module,
            id: self.id.clone(),
            operation: self.operation.clone(),
            body: self.body.clone(),
            create_ms: self.create_ms,
            complete_ms: self.complete_ms,
            phase,
            polls: self.polls,
            origin: self.origin.clone(),
            callback_url: self.callback_url.clone(),
        }
    }

    /// Makes the task terminal once `run_time` has passed; `true` when this call did it.
    fn finish_if_due(&mut self, clock: &SimClock, run_time: Duration) -> bool {
        if self.complete_ms.is_some() || clock.elapsed().saturating_sub(self.created) < run_time {
            return false;
        }
        let run_ms = u64::try_from(run_time.as_millis()).unwrap_or(u64::MAX);
        self.complete_ms = Some(self.create_ms.saturating_add(run_ms));
        true
    }

    fn finish_now(&mut self, clock: &SimClock) {
        self.complete_ms = Some(clock.unix_ms().max(self.create_ms));
        self.finished_early = Some(clock.elapsed());
    }

    /// When the task expires, on the simulator's clock: `ttl` after it became terminal (a
    /// task is terminal by `run_time` after its creation at the latest, polled or not).
    fn expires_at(&self, run_time: Duration, ttl: Duration) -> Duration {
        let terminal = self.created.saturating_add(run_time);
        self.finished_early.map_or(terminal, |f| f.min(terminal)).saturating_add(ttl)
    }
}

/// A task lookup's result: the task, and whether this lookup made it terminal (so the
/// caller delivers its callback).
pub(crate) struct Looked {
    pub view: TaskView,
    pub became_terminal: bool,
}

#[derive(Debug, Default)]
struct Store {
    /// By module index, then task id.
    tasks: HashMap<usize, HashMap<String, TaskRecord>>,
    /// Every stored task, oldest first: the order they expire in (a task created later is
    /// terminal no earlier than `run_time` after an earlier one could be).
    order: VecDeque<(usize, String)>,
    created: HashMap<usize, u64>,
}

impl Store {
    fn len(&self) -> usize {
        self.order.len()
    }

    /// Removes the tasks that have expired, oldest first.
    fn expire(&mut self, now: Duration, rules: Lifecycle<'_>) {
        while let Some((module, id)) = self.order.front() {
            let tasks = self.tasks.get_mut(module);
            let expired = tasks
                .as_ref()
                .and_then(|t| t.get(id.as_str()))
                .is_none_or(|r| r.expires_at(rules.run_time, rules.task_ttl) <= now);
            if !expired {
                return;
            }
            if let Some(tasks) = tasks {
                tasks.remove(id.as_str());
            }
            self.order.pop_front();
        }
    }

    fn live(&mut self, module: usize, id: &str, rules: Lifecycle<'_>) -> Option<&mut TaskRecord> {
        let now = rules.clock.elapsed();
        self.tasks.get_mut(&module)?.get_mut(id).filter(|r| r.expires_at(rules.run_time, rules.task_ttl) > now)
    }
}

/// Every task of every module.
#[derive(Debug, Default)]
pub(crate) struct Tasks {
    store: Mutex<Store>,
}

/// A submit refused because the task store holds
/// [`SimConfig::max_tasks`](super::SimConfig::max_tasks) tasks and none has expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoreFull {
    /// The cap.
    pub max_tasks: usize,
    /// How long finished tasks are kept.
    pub task_ttl: Duration,
    /// When the oldest task expires, from now.
    pub retry_after: Duration,
}

impl StoreFull {
    /// What the refusal says: the limit and how to raise it.
    pub fn detail(&self) -> String {
        format!(
            "the simulator's task store is full: it keeps at most {} tasks (max_tasks, --max-tasks) and a finished task for {} s (task_ttl, --task-ttl); the oldest task expires in {} s",
            self.max_tasks,
            self.task_ttl.as_secs_f64(),
            self.retry_after.as_secs_f64().ceil()
        )
    }
}

/// What a new task is made of.
pub(crate) struct NewTask {
    pub operation: String,
    pub body: Value,
    pub outcome: Outcome,
    pub origin: String,
    pub callback_url: Option<String>,
}

impl Tasks {
    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates and counts a task of module `module` (index) named `name`; its id is
    /// `<name>-task-<n>`. Expired tasks are removed first; when the store still holds
    /// `max_tasks` tasks, nothing is created.
    pub fn create(&self, module: usize, name: &str, new: NewTask, rules: Lifecycle<'_>) -> Result<TaskView, StoreFull> {
        let clock = rules.clock;
        let now = clock.elapsed();
        let mut store = self.lock();
        store.expire(now, rules);
        if store.len() >= rules.max_tasks {
            let oldest = store.order.front().and_then(|(m, id)| store.tasks.get(m)?.get(id.as_str()));
            let retry_after =
                oldest.map_or(rules.task_ttl, |r| r.expires_at(rules.run_time, rules.task_ttl).saturating_sub(now));
            return Err(StoreFull { max_tasks: rules.max_tasks, task_ttl: rules.task_ttl, retry_after });
        }
        let n = store.created.entry(module).or_insert(0);
        *n += 1;
        let id = format!("{name}-task-{n}");
        let record = TaskRecord {
            id: id.clone(),
            operation: new.operation,
            body: Arc::from(new.body.to_string()),
            created: now,
            finished_early: None,
            create_ms: clock.unix_ms(),
            polls: 0,
            outcome: new.outcome,
            complete_ms: None,
            origin: new.origin,
            callback_url: new.callback_url,
        };
        let view = record.view(module);
        store.order.push_back((module, id.clone()));
        store.tasks.entry(module).or_default().insert(id, record);
        Ok(view)
    }

    /// Answers one status query: counts the poll, and makes the task terminal when it has
    /// already answered `polls_to_finish` queries as pending or `run_time` has passed.
    pub fn poll(&self, module: usize, id: &str, rules: Lifecycle<'_>) -> Option<Looked> {
        let mut store = self.lock();
        let record = store.live(module, id, rules)?;
        let mut became_terminal = record.finish_if_due(rules.clock, rules.run_time);
        if record.complete_ms.is_none() && record.polls >= rules.polls_to_finish {
            record.finish_now(rules.clock);
            became_terminal = true;
        }
        record.polls = record.polls.saturating_add(1);
        Some(Looked { view: record.view(module), became_terminal })
    }

    /// Looks a task up without counting a poll (it still becomes terminal when due).
    pub fn get(&self, module: usize, id: &str, rules: Lifecycle<'_>) -> Option<Looked> {
        let mut store = self.lock();
        let record = store.live(module, id, rules)?;
        let became_terminal = record.finish_if_due(rules.clock, rules.run_time);
        Some(Looked { view: record.view(module), became_terminal })
    }

    /// Number of tasks created for module `module` (index).
    pub fn created(&self, module: usize) -> u64 {
        self.lock().created.get(&module).copied().unwrap_or(0)
    }

    /// Number of tasks stored now (expired ones not yet removed included).
    pub fn stored(&self) -> usize {
        self.lock().len()
    }
}

/// When tasks finish and expire: the simulator's clock and the configured polls, run time,
/// time-to-live and cap.
#[derive(Clone, Copy)]
pub(crate) struct Lifecycle<'a> {
    pub clock: &'a SimClock,
    pub polls_to_finish: u32,
    pub run_time: Duration,
    pub task_ttl: Duration,
    pub max_tasks: usize,
}

/// Counters of requests per route (by name) and of the simulator's own routes: fixed when
/// the simulator starts, so counting takes no lock.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    counts: BTreeMap<String, AtomicU64>,
}

/// What a request counter counts, besides the operations' routes.
pub(crate) const FILES: &str = "files";
/// Result-file requests that carried an `Authorization` header.
pub(crate) const FILES_WITH_AUTHORIZATION: &str = "files_with_authorization";
/// `/_sim/...` requests.
pub(crate) const CONTROL: &str = "control";
/// Requests no route takes.
pub(crate) const OTHER: &str = "other";

impl Stats {
    /// Counters for `names` (and the simulator's own), all at zero.
    pub fn new(names: impl IntoIterator<Item = String>) -> Self {
        let mut counts: BTreeMap<String, AtomicU64> = names.into_iter().map(|n| (n, AtomicU64::new(0))).collect();
        for own in [FILES, FILES_WITH_AUTHORIZATION, CONTROL, OTHER] {
            counts.insert(own.to_owned(), AtomicU64::new(0));
        }
        Stats { counts }
    }

    /// Counts one request under `name` (one of the names it was made with).
    pub fn count(&self, name: &str) {
        if let Some(n) = self.counts.get(name) {
            n.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The count under `name`.
    pub fn get(&self, name: &str) -> u64 {
        self.counts.get(name).map_or(0, |n| n.load(Ordering::Relaxed))
    }

    /// Every counter, by name.
    pub fn all(&self) -> BTreeMap<String, u64> {
        self.counts.iter().map(|(k, n)| (k.clone(), n.load(Ordering::Relaxed))).collect()
    }
}
