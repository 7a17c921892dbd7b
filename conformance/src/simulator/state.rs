//! Tasks and their lifecycle, and the request counters.
//!
//! A task is pending until it has answered `polls_to_finish` status queries as pending, or
//! until `run_time` has passed on the simulator's clock since it was created, whichever comes
//! first; then it is terminal with the outcome decided when it was created.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
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
    pub body: Value,
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
    body: Value,
    /// When it was created, on the simulator's clock.
    created: Duration,
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
    tasks: HashMap<(usize, String), TaskRecord>,
    created: HashMap<usize, u64>,
}

/// Every task of every module.
#[derive(Debug, Default)]
pub(crate) struct Tasks {
    store: Mutex<Store>,
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
    /// `<name>-task-<n>`.
    pub fn create(&self, module: usize, name: &str, new: NewTask, clock: &SimClock) -> TaskView {
        let mut store = self.lock();
        let n = store.created.entry(module).or_insert(0);
        *n += 1;
        let id = format!("{name}-task-{n}");
        let record = TaskRecord {
            id: id.clone(),
            operation: new.operation,
            body: new.body,
            created: clock.elapsed(),
            create_ms: clock.unix_ms(),
            polls: 0,
            outcome: new.outcome,
            complete_ms: None,
            origin: new.origin,
            callback_url: new.callback_url,
        };
        let view = record.view(module);
        store.tasks.insert((module, id), record);
        view
    }

    /// Answers one status query: counts the poll, and makes the task terminal when it has
    /// already answered `polls_to_finish` queries as pending or `run_time` has passed.
    pub fn poll(&self, module: usize, id: &str, rules: Lifecycle<'_>) -> Option<Looked> {
        let mut store = self.lock();
        let record = store.tasks.get_mut(&(module, id.to_owned()))?;
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
        let record = store.tasks.get_mut(&(module, id.to_owned()))?;
        let became_terminal = record.finish_if_due(rules.clock, rules.run_time);
        Some(Looked { view: record.view(module), became_terminal })
    }

    /// Number of tasks created for module `module` (index).
    pub fn created(&self, module: usize) -> u64 {
        self.lock().created.get(&module).copied().unwrap_or(0)
    }
}

/// When tasks finish: the simulator's clock and the configured polls and run time.
#[derive(Clone, Copy)]
pub(crate) struct Lifecycle<'a> {
    pub clock: &'a SimClock,
    pub polls_to_finish: u32,
    pub run_time: Duration,
}

/// Counters of requests per route (by name) and of the simulator's own routes.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    counts: Mutex<BTreeMap<String, u64>>,
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
        let mut counts: BTreeMap<String, u64> = names.into_iter().map(|n| (n, 0)).collect();
        for own in [FILES, FILES_WITH_AUTHORIZATION, CONTROL, OTHER] {
            counts.insert(own.to_owned(), 0);
        }
        Stats { counts: Mutex::new(counts) }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, u64>> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one request under `name`.
    pub fn count(&self, name: &str) {
        *self.lock().entry(name.to_owned()).or_insert(0) += 1;
    }

    /// The count under `name`.
    pub fn get(&self, name: &str) -> u64 {
        self.lock().get(name).copied().unwrap_or(0)
    }

    /// Every counter, by name.
    pub fn all(&self) -> BTreeMap<String, u64> {
        self.lock().clone()
    }
}
