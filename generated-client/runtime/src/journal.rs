//! The task journal: a durable, append-only record of every paid submit, so that no task
//! id is lost and no body is submitted twice by accident, across cancellations, crashes
//! and restarts.
//!
//! The client records, in order: the **intent** (a fingerprint of the validated body, the
//! mode, the time, the webhook token) *before* the request is sent; the **outcome** after
//! (the task id, a rejection, or "unknown" with the reason); and **terminal** states seen by
//! waits and verified webhooks. [`Ledger`] folds the records into what
//! [`crate::Client::recover`] reports after a restart: tasks to resume (id known,
//! not terminal) and submissions whose outcome is unknown, which block a resubmit of the
//! same body until resolved.
//!
//! [`TaskJournal`] is the storage: append a record durably, read the records after a
//! cursor. [`FileJournal`] is the embedded default, needing no server: one JSON record per
//! line, appended with a single write and `fsync`'d before `append` returns, tolerant of a
//! torn last line (a crash mid-write): an incomplete line is never read, and the next append
//! starts on a fresh line, so the fragment is skipped as unreadable. Several processes on
//! one machine may append to one file on a local filesystem (each record is one `O_APPEND`
//! write; network filesystems do not promise that); every reader sees the same order,
//! which is what makes [`crate::webhook::JournalDeliveries`] a shared dedup store.
//!
//! After a restart, resume what the journal knows and resolve what it does not:
//!
//! ```no_run
//! use happyhorse_runtime::provider::{Provider, StatusAnswer};
//! use happyhorse_runtime::{Client, Error, Resolution, WaitOptions};
//!
//! // Any generated provider module's `Api` (its `Client` is `runtime::Client<Api>`).
//! async fn restart<P: Provider>() -> Result<(), Error> {
//!     let client = Client::<P>::builder().journal_file("/var/lib/myapp/happyhorse.jsonl")?.build()?;
//!     recover(&client).await
//! }
//!
//! async fn recover<P: Provider>(client: &Client<P>) -> Result<(), Error> {
//! let recovery = client.recover().await?;
//! for task in &recovery.tasks {
//!     // Id known, not finished: wait again (downloads follow as usual).
//!     let done = client.wait(task, WaitOptions::default()).await?;
//!     println!("{} finished with {} output(s)", task.id, done.outputs().len());
//! }
//! for unknown in &recovery.unknown {
//!     // Sent, outcome unknown: the same body is refused until this is resolved. Check the
//!     // provider's console for a task created at `submitted_at_ms`, then say what you found.
//!     let found: Option<String> = None;
//!     let resolution = match found {
//!         Some(id) => Resolution::Created(id),
//!         None => Resolution::NotCreated,
//!     };
//!     client.resolve_unknown(&unknown.submission, resolution).await?;
//! }
//! Ok(())
//! }
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};

use super::client::BoxFuture;
use super::meta::TaskPhase;

/// What happened to a submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The provider created the task.
    Accepted {
        /// Its id.
        task_id: String,
        /// The URL the provider gave to query it, if any (checked against the base URL's
        /// origin on every use).
        follow: Option<String>,
    },
    /// The provider certainly did not create a task (or nothing was sent).
    Rejected {
        /// Why.
        reason: String,
    },
    /// Whether a task was created is not known.
    Unknown {
        /// Why.
        reason: String,
        /// The id, when an answer named one despite the doubt.
        task_id: Option<String>,
    },
}

/// One journal record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Record {
    /// About to send a submit (written before the request).
    Intent {
        /// A random id of this submission.
        submission: String,
        /// The provider module name (`ProviderInfo::module`).
        provider: String,
        /// SHA-256 of the provider and the validated body ([`crate::token::fingerprint`]).
        fingerprint: String,
        /// The request's mode tag.
        mode: String,
        /// Unix milliseconds.
        at_ms: u64,
        /// The per-task webhook token put in the callback URL, if any.
        token: Option<String>,
    },
    /// The submit's outcome.
    Outcome {
        /// The submission.
        submission: String,
        /// What happened.
        outcome: Outcome,
        /// Unix milliseconds.
        at_ms: u64,
    },
    /// A task reached a terminal state.
    Terminal {
        /// The provider module.
        provider: String,
        /// The task.
        task_id: String,
        /// The state, as sent.
        state: String,
        /// Succeeded or failed.
        phase: TaskPhase,
        /// Who saw it: `wait` or `webhook`.
        via: String,
        /// Unix milliseconds.
        at_ms: u64,
    },
    /// Someone resolved an unknown outcome (after checking with the provider).
    Resolved {
        /// The submission.
        submission: String,
        /// The task it created, or `None` when it created none.
        task_id: Option<String>,
        /// Unix milliseconds.
        at_ms: u64,
    },
    /// A claim on a webhook delivery key (the first claim in journal order wins).
    Claim {
        /// The delivery key.
        key: String,
        /// A random id of the claim.
        claim: String,
        /// Unix milliseconds.
        at_ms: u64,
    },
    /// A claim given up (handling failed; the next delivery is processed again).
    Release {
        /// The delivery key.
        key: String,
        /// The claim released.
        claim: String,
        /// Unix milliseconds.
        at_ms: u64,
    },
}

fn phase_text(p: TaskPhase) -> &'static str {
    match p {
        TaskPhase::Pending => "pending",
        TaskPhase::Succeeded => "succeeded",
        TaskPhase::Failed => "failed",
    }
}

impl Record {
    /// The record as one JSON object (`"v": 1`, `"kind"`).
    pub fn to_json(&self) -> Value {
        match self {
            Record::Intent { submission, provider, fingerprint, mode, at_ms, token } => json!({
                "v": 1, "kind": "intent", "submission": submission, "provider": provider,
                "fingerprint": fingerprint, "mode": mode, "at_ms": at_ms, "token": token,
            }),
            Record::Outcome { submission, outcome, at_ms } => {
                let (result, task_id, follow, reason) = match outcome {
                    Outcome::Accepted { task_id, follow } => ("accepted", Some(task_id), follow.as_ref(), None),
                    Outcome::Rejected { reason } => ("rejected", None, None, Some(reason)),
                    Outcome::Unknown { reason, task_id } => ("unknown", task_id.as_ref(), None, Some(reason)),
                };
                json!({
                    "v": 1, "kind": "outcome", "submission": submission, "result": result,
                    "task_id": task_id, "follow": follow, "reason": reason, "at_ms": at_ms,
                })
            }
            Record::Terminal { provider, task_id, state, phase, via, at_ms } => json!({
                "v": 1, "kind": "terminal", "provider": provider, "task_id": task_id, "state": state,
                "phase": phase_text(*phase), "via": via, "at_ms": at_ms,
            }),
            Record::Resolved { submission, task_id, at_ms } => json!({
                "v": 1, "kind": "resolved", "submission": submission, "task_id": task_id, "at_ms": at_ms,
            }),
            Record::Claim { key, claim, at_ms } => json!({
                "v": 1, "kind": "claim", "key": key, "claim": claim, "at_ms": at_ms,
            }),
            Record::Release { key, claim, at_ms } => json!({
                "v": 1, "kind": "release", "key": key, "claim": claim, "at_ms": at_ms,
            }),
        }
    }

    /// Reads a record written by [`Record::to_json`]; `Err` names what is wrong.
    pub fn from_json(v: &Value) -> Result<Record, String> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| format!("`{k}` missing"));
        let opt = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let at_ms = v.get("at_ms").and_then(Value::as_u64).ok_or("`at_ms` missing")?;
        if v.get("v").and_then(Value::as_u64) != Some(1) {
            return Err("unknown record version (expected \"v\": 1)".into());
        }
        Ok(match s("kind")?.as_str() {
            "intent" => Record::Intent {
                submission: s("submission")?,
                provider: s("provider")?,
                fingerprint: s("fingerprint")?,
                mode: s("mode")?,
                at_ms,
                token: opt("token"),
            },
            "outcome" => {
                let outcome = match s("result")?.as_str() {
                    "accepted" => Outcome::Accepted { task_id: s("task_id")?, follow: opt("follow") },
                    "rejected" => Outcome::Rejected { reason: s("reason")? },
                    "unknown" => Outcome::Unknown { reason: s("reason")?, task_id: opt("task_id") },
                    other => return Err(format!("unknown outcome `{other}`")),
                };
                Record::Outcome { submission: s("submission")?, outcome, at_ms }
            }
            "terminal" => Record::Terminal {
                provider: s("provider")?,
                task_id: s("task_id")?,
                state: s("state")?,
                phase: match s("phase")?.as_str() {
                    "succeeded" => TaskPhase::Succeeded,
                    "failed" => TaskPhase::Failed,
                    "pending" => TaskPhase::Pending,
                    other => return Err(format!("unknown phase `{other}`")),
                },
                via: s("via")?,
                at_ms,
            },
            "resolved" => Record::Resolved { submission: s("submission")?, task_id: opt("task_id"), at_ms },
            "claim" => Record::Claim { key: s("key")?, claim: s("claim")?, at_ms },
            "release" => Record::Release { key: s("key")?, claim: s("claim")?, at_ms },
            other => return Err(format!("unknown kind `{other}`")),
        })
    }
}

/// A journal failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalError {
    /// What failed.
    pub message: String,
}

impl JournalError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        JournalError { message: message.into() }
    }
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JournalError {}

/// Records read from a journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// The records after the cursor, in journal order.
    pub records: Vec<Record>,
    /// Where the next read starts.
    pub cursor: u64,
    /// Entries that could not be read (a torn or foreign line), skipped.
    pub skipped: usize,
}

/// Durable storage of journal records.
pub trait TaskJournal: Send + Sync + fmt::Debug {
    /// Appends one record; returns once it is durable (on stable storage).
    fn append<'a>(&'a self, record: &'a Record) -> BoxFuture<'a, Result<(), JournalError>>;
    /// Every record appended (by anyone) after `cursor` (0 is the start), in journal order.
    fn read_since(&self, cursor: u64) -> BoxFuture<'_, Result<Batch, JournalError>>;
}

/// The embedded journal: an append-only file of JSON lines (see the module docs).
#[derive(Debug, Clone)]
pub struct FileJournal {
    path: PathBuf,
    file: Arc<Mutex<File>>,
}

impl FileJournal {
    /// Opens (or creates, readable by its owner only) the journal file at `path`. A new
    /// file's directory entry is made durable too.
    pub fn open(path: impl AsRef<Path>) -> Result<FileJournal, JournalError> {
        let path = path.as_ref().to_owned();
        let io = |what: &str, e: std::io::Error| JournalError::new(format!("{what} {}: {e}", path.display()));
        let existed = path.exists();
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|e| io("cannot open the journal", e))?;
        if !existed {
            file.sync_all().map_err(|e| io("cannot sync the journal", e))?;
            // The new directory entry must survive a crash too (not possible on every
            // platform, hence best effort).
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && let Ok(d) = File::open(dir)
            {
                let _ = d.sync_all();
            }
        }
        Ok(FileJournal { path, file: Arc::new(Mutex::new(file)) })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn append_blocking(&self, line: &[u8]) -> Result<(), JournalError> {
        let io = |what: &str, e: std::io::Error| JournalError::new(format!("{what} {}: {e}", self.path.display()));
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        // After a torn write (a crash mid-append), the file does not end with a newline:
        // start on a fresh line so the fragment stays one unreadable line of its own.
        let len = file.metadata().map_err(|e| io("cannot stat the journal", e))?.len();
        let mut buf = Vec::with_capacity(line.len() + 2);
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1)).map_err(|e| io("cannot read the journal", e))?;
            file.read_exact(&mut last).map_err(|e| io("cannot read the journal", e))?;
            if last[0] != b'\n' {
                buf.push(b'\n');
            }
        }
        buf.extend_from_slice(line);
        buf.push(b'\n');
        file.write_all(&buf).map_err(|e| io("cannot append to the journal", e))?;
        file.sync_data().map_err(|e| io("cannot sync the journal", e))
    }

    fn read_blocking(&self, cursor: u64) -> Result<Batch, JournalError> {
        let io = |what: &str, e: std::io::Error| JournalError::new(format!("{what} {}: {e}", self.path.display()));
        let mut f = File::open(&self.path).map_err(|e| io("cannot open the journal", e))?;
        f.seek(SeekFrom::Start(cursor)).map_err(|e| io("cannot read the journal", e))?;
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).map_err(|e| io("cannot read the journal", e))?;
        // Only complete lines: a line without its newline is being written, or was torn.
        let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let mut batch = Batch { records: Vec::new(), cursor: cursor + end as u64, skipped: 0 };
        for line in bytes[..end].split(|b| *b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Value>(line).map_err(|e| e.to_string()).and_then(|v| Record::from_json(&v)) {
                Ok(r) => batch.records.push(r),
                Err(e) => {
                    tracing::warn!(target: "happyhorse_client", journal = %self.path.display(), error = %e, "skipping an unreadable journal line");
                    batch.skipped += 1;
                }
            }
        }
        Ok(batch)
    }
}

fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, JournalError> + Send + 'static,
) -> BoxFuture<'static, Result<T, JournalError>> {
    Box::pin(async move {
        tokio::task::spawn_blocking(f)
            .await
            .unwrap_or_else(|e| Err(JournalError::new(format!("the journal task failed: {e}"))))
    })
}

impl TaskJournal for FileJournal {
    fn append<'a>(&'a self, record: &'a Record) -> BoxFuture<'a, Result<(), JournalError>> {
        let line = record.to_json().to_string().into_bytes();
        let this = self.clone();
        blocking(move || this.append_blocking(&line))
    }

    fn read_since(&self, cursor: u64) -> BoxFuture<'_, Result<Batch, JournalError>> {
        let this = self.clone();
        blocking(move || this.read_blocking(cursor))
    }
}

/// Where a submission stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionState {
    /// The intent is recorded and no outcome: in flight, or the process died meanwhile.
    InFlight,
    /// The provider created the task.
    Accepted {
        /// Its id.
        task_id: String,
    },
    /// No task was created.
    Rejected {
        /// Why.
        reason: String,
    },
    /// Unknown.
    Unknown {
        /// Why.
        reason: String,
        /// An id, when an answer named one despite the doubt.
        task_id: Option<String>,
    },
    /// Resolved by someone who checked with the provider.
    Resolved {
        /// The task it created, if any.
        task_id: Option<String>,
    },
}

/// A submission as the journal knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Its id.
    pub id: String,
    /// The provider module.
    pub provider: String,
    /// The body's fingerprint.
    pub fingerprint: String,
    /// The mode tag.
    pub mode: String,
    /// When (Unix milliseconds).
    pub at_ms: u64,
    /// The webhook token, if any.
    pub token: Option<String>,
    /// Where it stands.
    pub state: SubmissionState,
}

impl Submission {
    /// True while it blocks a resubmit of the same body: in flight, or unknown without an id.
    pub fn blocks_resubmit(&self) -> bool {
        matches!(self.state, SubmissionState::InFlight | SubmissionState::Unknown { task_id: None, .. })
    }
}

/// A task as the journal knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskEntry {
    /// The provider module.
    pub provider: String,
    /// The task id.
    pub id: String,
    /// The mode tag (empty when only a terminal state was recorded).
    pub mode: String,
    /// The submission that created it, if known.
    pub submission: Option<String>,
    /// The follow URL the provider gave, if any.
    pub follow: Option<String>,
    /// The terminal state, once seen.
    pub terminal: Option<(String, TaskPhase)>,
}

/// The journal's records folded into current state.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    submissions: BTreeMap<String, Submission>,
    order: Vec<String>,
    tasks: BTreeMap<(String, String), TaskEntry>,
    claims: HashMap<String, String>,
    /// Unreadable entries skipped so far.
    pub skipped: usize,
}

impl Ledger {
    /// Applies one record.
    pub fn apply(&mut self, r: &Record) {
        match r {
            Record::Intent { submission, provider, fingerprint, mode, at_ms, token } => {
                if !self.submissions.contains_key(submission) {
                    self.order.push(submission.clone());
                }
                self.submissions.insert(
                    submission.clone(),
                    Submission {
                        id: submission.clone(),
                        provider: provider.clone(),
                        fingerprint: fingerprint.clone(),
                        mode: mode.clone(),
                        at_ms: *at_ms,
                        token: token.clone(),
                        state: SubmissionState::InFlight,
                    },
                );
            }
            Record::Outcome { submission, outcome, .. } => {
                let Some(s) = self.submissions.get_mut(submission) else { return };
                let (state, task, follow) = match outcome {
                    Outcome::Accepted { task_id, follow } => {
                        (SubmissionState::Accepted { task_id: task_id.clone() }, Some(task_id), follow.clone())
                    }
                    Outcome::Rejected { reason } => (SubmissionState::Rejected { reason: reason.clone() }, None, None),
                    Outcome::Unknown { reason, task_id } => (
                        SubmissionState::Unknown { reason: reason.clone(), task_id: task_id.clone() },
                        task_id.as_ref(),
                        None,
                    ),
                };
                s.state = state;
                let (provider, mode) = (s.provider.clone(), s.mode.clone());
                if let Some(id) = task {
                    self.note_task(&provider, id, &mode, Some(submission), follow);
                }
            }
            Record::Resolved { submission, task_id, .. } => {
                let Some(s) = self.submissions.get_mut(submission) else { return };
                s.state = SubmissionState::Resolved { task_id: task_id.clone() };
                let (provider, mode) = (s.provider.clone(), s.mode.clone());
                if let Some(id) = task_id {
                    self.note_task(&provider, id, &mode, Some(submission), None);
                }
            }
            Record::Terminal { provider, task_id, state, phase, .. } => {
                let e = self.note_task(provider, task_id, "", None, None);
                e.terminal = Some((state.clone(), *phase));
            }
            Record::Claim { key, claim, .. } => {
                self.claims.entry(key.clone()).or_insert_with(|| claim.clone());
            }
            Record::Release { key, claim, .. } => {
                if self.claims.get(key) == Some(claim) {
                    self.claims.remove(key);
                }
            }
        }
    }

    fn note_task(
        &mut self,
        provider: &str,
        id: &str,
        mode: &str,
        submission: Option<&String>,
        follow: Option<String>,
    ) -> &mut TaskEntry {
        let e = self.tasks.entry((provider.to_owned(), id.to_owned())).or_insert_with(|| TaskEntry {
            provider: provider.to_owned(),
            id: id.to_owned(),
            mode: String::new(),
            submission: None,
            follow: None,
            terminal: None,
        });
        if e.mode.is_empty() {
            e.mode = mode.to_owned();
        }
        if e.submission.is_none() {
            e.submission = submission.cloned();
        }
        if follow.is_some() {
            e.follow = follow;
        }
        e
    }

    /// Every submission, in journal order.
    pub fn submissions(&self) -> impl Iterator<Item = &Submission> {
        self.order.iter().filter_map(|id| self.submissions.get(id))
    }

    /// A submission by id.
    pub fn submission(&self, id: &str) -> Option<&Submission> {
        self.submissions.get(id)
    }

    /// The first submission of `provider` with this fingerprint that blocks a resubmit.
    pub fn blocking(&self, provider: &str, fingerprint: &str) -> Option<&Submission> {
        self.submissions().find(|s| s.provider == provider && s.fingerprint == fingerprint && s.blocks_resubmit())
    }

    /// Every task of `provider` the journal knows, in id order.
    pub fn tasks(&self, provider: &str) -> impl Iterator<Item = &TaskEntry> {
        self.tasks.values().filter(move |t| t.provider == provider)
    }

    /// A task by provider and id.
    pub fn task(&self, provider: &str, id: &str) -> Option<&TaskEntry> {
        self.tasks.get(&(provider.to_owned(), id.to_owned()))
    }

    /// The webhook token recorded for a task (through the submission that created it).
    pub fn token_for_task(&self, provider: &str, id: &str) -> Option<&str> {
        let sub = self.task(provider, id)?.submission.as_ref()?;
        self.submissions.get(sub)?.token.as_deref()
    }

    /// The claim that currently owns a delivery key.
    pub fn claim_owner(&self, key: &str) -> Option<&str> {
        self.claims.get(key).map(String::as_str)
    }
}

/// A journal and its folded state, shared by a client, its clones and its webhook
/// receivers. It reads what other writers appended before every decision.
#[derive(Debug)]
pub struct Journal {
    store: Arc<dyn TaskJournal>,
    state: tokio::sync::Mutex<(Ledger, u64)>,
    live: Mutex<HashSet<String>>,
}

impl Journal {
    /// A journal over `store`.
    pub fn new(store: Arc<dyn TaskJournal>) -> Journal {
        Journal { store, state: tokio::sync::Mutex::new((Ledger::default(), 0)), live: Mutex::new(HashSet::new()) }
    }

    /// The storage.
    pub fn store(&self) -> &Arc<dyn TaskJournal> {
        &self.store
    }

    /// Appends a record durably.
    pub async fn append(&self, record: &Record) -> Result<(), JournalError> {
        self.store.append(record).await
    }

    /// Reads what was appended since the last look and runs `f` on the current state.
    pub async fn with_ledger<T>(&self, f: impl FnOnce(&Ledger) -> T) -> Result<T, JournalError> {
        let mut guard = self.state.lock().await;
        let (ledger, cursor) = &mut *guard;
        let batch = self.store.read_since(*cursor).await?;
        for r in &batch.records {
            ledger.apply(r);
        }
        ledger.skipped += batch.skipped;
        *cursor = batch.cursor;
        Ok(f(ledger))
    }

    /// Marks a submission of this process as in flight (or not).
    pub(crate) fn set_live(&self, submission: &str, live: bool) {
        let mut set = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        if live {
            set.insert(submission.to_owned());
        } else {
            set.remove(submission);
        }
    }

    /// Whether a submission is in flight in this process.
    pub(crate) fn is_live(&self, submission: &str) -> bool {
        self.live.lock().unwrap_or_else(PoisonError::into_inner).contains(submission)
    }
}

/// Unix milliseconds of a wall-clock time.
pub(crate) fn unix_ms(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(sub: &str, fp: &str) -> Record {
        Record::Intent {
            submission: sub.into(),
            provider: "p".into(),
            fingerprint: fp.into(),
            mode: "m".into(),
            at_ms: 1,
            token: Some("tok".into()),
        }
    }

    #[test]
    fn records_round_trip_through_json() {
        let all = [
            intent("s1", "f"),
            Record::Outcome {
                submission: "s1".into(),
                outcome: Outcome::Accepted { task_id: "t".into(), follow: Some("https://x/t".into()) },
                at_ms: 2,
            },
            Record::Outcome {
                submission: "s1".into(),
                outcome: Outcome::Unknown { reason: "timeout".into(), task_id: None },
                at_ms: 2,
            },
            Record::Outcome { submission: "s1".into(), outcome: Outcome::Rejected { reason: "400".into() }, at_ms: 2 },
            Record::Terminal {
                provider: "p".into(),
                task_id: "t".into(),
                state: "success".into(),
                phase: TaskPhase::Succeeded,
                via: "wait".into(),
                at_ms: 3,
            },
            Record::Resolved { submission: "s1".into(), task_id: None, at_ms: 4 },
            Record::Claim { key: "k".into(), claim: "c".into(), at_ms: 5 },
            Record::Release { key: "k".into(), claim: "c".into(), at_ms: 6 },
        ];
        for r in all {
            assert_eq!(Record::from_json(&r.to_json()), Ok(r.clone()));
        }
        assert!(Record::from_json(&json!({"v": 2, "kind": "claim", "at_ms": 1})).is_err());
    }

    #[test]
    fn the_ledger_tracks_unknowns_tasks_and_claims() {
        let mut l = Ledger::default();
        l.apply(&intent("s1", "f1"));
        assert!(l.blocking("p", "f1").is_some(), "in flight blocks");
        l.apply(&Record::Outcome {
            submission: "s1".into(),
            outcome: Outcome::Unknown { reason: "lost".into(), task_id: None },
            at_ms: 2,
        });
        assert!(l.blocking("p", "f1").is_some(), "unknown blocks");
        assert!(l.blocking("q", "f1").is_none(), "per provider");
        l.apply(&Record::Resolved { submission: "s1".into(), task_id: Some("t1".into()), at_ms: 3 });
        assert!(l.blocking("p", "f1").is_none());
        assert_eq!(l.token_for_task("p", "t1"), Some("tok"));
        assert_eq!(l.tasks("p").map(|t| t.mode.as_str()).collect::<Vec<_>>(), ["m"]);
        for (claim, owner) in [("a", "a"), ("b", "a")] {
            l.apply(&Record::Claim { key: "k".into(), claim: claim.into(), at_ms: 1 });
            assert_eq!(l.claim_owner("k"), Some(owner));
        }
        l.apply(&Record::Release { key: "k".into(), claim: "b".into(), at_ms: 1 });
        assert_eq!(l.claim_owner("k"), Some("a"), "only the owner releases");
        l.apply(&Record::Release { key: "k".into(), claim: "a".into(), at_ms: 1 });
        assert_eq!(l.claim_owner("k"), None);
    }
}
