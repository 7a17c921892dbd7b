//! Tasks and their lifecycle, and the request counters.
//!
//! A task is pending until it has answered `polls_to_finish` status queries as pending, or
//! until `run_time` has passed on the simulator's clock since it was created, whichever comes
//! first; then it is terminal with the outcome decided when it was created.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;

use super::clock::SimClock;
use super::faults::{Route, SimProvider};

/// A task as the simulator stores it, returned by [`Simulator::task`](super::Simulator::task).
#[derive(Debug, Clone, PartialEq)]
pub struct SimTask {
    /// The task id (`task_<n>` for APIXO, `task-<n>` for Modellix).
    pub id: String,
    /// The state in the provider's wire spelling: APIXO `processing`/`success`/`failed`,
    /// Modellix `pending`/`success`/`failed`.
    pub state: String,
    /// The accepted request body as stored (a Modellix prompt is stored truncated).
    pub body: Value,
    /// Number of status queries this task has answered.
    pub polls: u32,
}

/// How a task ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    /// A failed task; `code` and `message` are APIXO's `failCode`/`failMsg` (Modellix only
    /// reports `failed`).
    Failed {
        code: String,
        message: String,
    },
}

/// Where a task is in its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    Pending,
    Succeeded,
    Failed { code: String, message: String },
}

/// A copy of a task, taken under the lock, to answer from.
#[derive(Debug, Clone)]
pub(crate) struct TaskView {
    pub id: String,
    pub body: Value,
    pub create_ms: u64,
    pub complete_ms: Option<u64>,
    pub phase: Phase,
    pub polls: u32,
    /// Base URL (`http://host:port`) the submit was sent to.
    pub base: String,
    /// APIXO `callback_url`, for callback tasks.
    pub callback_url: Option<String>,
}

#[derive(Debug)]
struct TaskRecord {
    id: String,
    body: Value,
    /// When it was created, on the simulator's clock.
    created: Duration,
    create_ms: u64,
    polls: u32,
    outcome: Outcome,
    complete_ms: Option<u64>,
    base: String,
    callback_url: Option<String>,
}

impl TaskRecord {
    fn view(&self) -> TaskView {
        let phase = match (self.complete_ms, &self.outcome) {
            (None, _) => Phase::Pending,
            (Some(_), Outcome::Success) => Phase::Succeeded,
            (Some(_), Outcome::Failed { code, message }) => {
                Phase::Failed { code: code.clone(), message: message.clone() }
            }
        };
        TaskView {
            id: self.id.clone(),
            body: self.body.clone(),
            create_ms: self.create_ms,
            complete_ms: self.complete_ms,
            phase,
            polls: self.polls,
            base: self.base.clone(),
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
    tasks: HashMap<(SimProvider, String), TaskRecord>,
    created: HashMap<SimProvider, u64>,
}

/// Every task of both providers.
#[derive(Debug, Default)]
pub(crate) struct Tasks {
    store: Mutex<Store>,
}

/// What a new task is made of.
pub(crate) struct NewTask {
    pub body: Value,
    pub outcome: Outcome,
    pub base: String,
    pub callback_url: Option<String>,
}

impl Tasks {
    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates and counts a task; its id is `task_<n>` (APIXO) or `task-<n>` (Modellix).
    pub fn create(&self, provider: SimProvider, new: NewTask, clock: &SimClock) -> TaskView {
        let mut store = self.lock();
        let n = store.created.entry(provider).or_insert(0);
        *n += 1;
        let id = match provider {
            SimProvider::Apixo => format!("task_{n}"),
            SimProvider::Modellix => format!("task-{n}"),
        };
        let record = TaskRecord {
            id: id.clone(),
            body: new.body,
            created: clock.elapsed(),
            create_ms: clock.unix_ms(),
            polls: 0,
            outcome: new.outcome,
            complete_ms: None,
            base: new.base,
            callback_url: new.callback_url,
        };
        let view = record.view();
        store.tasks.insert((provider, id), record);
        view
    }

    /// Answers one status query: counts the poll, and makes the task terminal when it has
    /// already answered `polls_to_finish` queries as pending or `run_time` has passed.
    pub fn poll(&self, provider: SimProvider, id: &str, rules: Lifecycle<'_>) -> Option<Looked> {
        let mut store = self.lock();
        let record = store.tasks.get_mut(&(provider, id.to_owned()))?;
        let mut became_terminal = record.finish_if_due(rules.clock, rules.run_time);
        if record.complete_ms.is_none() && record.polls >= rules.polls_to_finish {
            record.finish_now(rules.clock);
            became_terminal = true;
        }
        record.polls = record.polls.saturating_add(1);
        Some(Looked { view: record.view(), became_terminal })
    }

    /// Looks a task up without counting a poll (it still becomes terminal when due).
    pub fn get(&self, provider: SimProvider, id: &str, rules: Lifecycle<'_>) -> Option<Looked> {
        let mut store = self.lock();
        let record = store.tasks.get_mut(&(provider, id.to_owned()))?;
        let became_terminal = record.finish_if_due(rules.clock, rules.run_time);
        Some(Looked { view: record.view(), became_terminal })
    }

    /// Number of tasks created for `provider`.
    pub fn created(&self, provider: SimProvider) -> u64 {
        self.lock().created.get(&provider).copied().unwrap_or(0)
    }
}

/// When tasks finish: the simulator's clock and the configured polls and run time.
#[derive(Clone, Copy)]
pub(crate) struct Lifecycle<'a> {
    pub clock: &'a SimClock,
    pub polls_to_finish: u32,
    pub run_time: Duration,
}

/// Counters of requests per route (and of the simulator's own routes).
#[derive(Debug, Default)]
pub(crate) struct Stats {
    counts: [AtomicU64; StatKey::COUNT],
}

/// What a request counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatKey {
    Route(Route),
    Files,
    FilesWithAuthorization,
    Control,
    Other,
}

impl StatKey {
    const COUNT: usize = 9;
    pub const ALL: [StatKey; StatKey::COUNT] = [
        StatKey::Route(Route::Submit(SimProvider::Apixo)),
        StatKey::Route(Route::Status(SimProvider::Apixo)),
        StatKey::Route(Route::Submit(SimProvider::Modellix)),
        StatKey::Route(Route::Status(SimProvider::Modellix)),
        StatKey::Route(Route::AnyConnection),
        StatKey::Files,
        StatKey::FilesWithAuthorization,
        StatKey::Control,
        StatKey::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StatKey::Route(route) => route.name(),
            StatKey::Files => "files",
            StatKey::FilesWithAuthorization => "files_with_authorization",
            StatKey::Control => "control",
            StatKey::Other => "other",
        }
    }

    fn index(self) -> usize {
        StatKey::ALL.iter().position(|k| *k == self).unwrap_or(StatKey::COUNT - 1)
    }
}

impl Stats {
    pub fn count(&self, key: StatKey) {
        self.counts[key.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self, key: StatKey) -> u64 {
        self.counts[key.index()].load(Ordering::Relaxed)
    }
}
