//! After a restart: what the journal says must be resumed or resolved, and how a caller
//! resolves an unknown outcome once they have checked with the provider.

use super::{Client, Task, journal_error};
use crate::error::Error;
use crate::journal::{Record, SubmissionState, unix_ms};
use crate::provider::Provider;

/// How to submit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubmitOptions {
    /// Send even if the journal holds a submission of the same body whose outcome is
    /// unknown or that is in flight. Only after checking with the provider that it did not
    /// create a task (or deciding a second task is wanted): a duplicate is billed twice.
    pub resubmit_unknown: bool,
}

impl SubmitOptions {
    /// The defaults: a body with an unknown outcome in the journal is refused.
    pub fn new() -> Self {
        SubmitOptions::default()
    }

    /// Sends even if the same body has an unknown outcome in the journal.
    #[must_use]
    pub fn resubmit_unknown(mut self) -> Self {
        self.resubmit_unknown = true;
        self
    }
}

/// A submission whose outcome is unknown: the provider may or may not have created (and
/// billed) a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSubmission {
    /// The journal's submission id (to [`Client::resolve_unknown`]).
    pub submission: String,
    /// The fingerprint of the body (a resubmit of the same body is refused until resolved).
    pub fingerprint: String,
    /// The mode.
    pub mode: String,
    /// When it was submitted (Unix milliseconds).
    pub submitted_at_ms: u64,
    /// Why the outcome is unknown.
    pub reason: String,
}

/// What the journal says after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recovery {
    /// Tasks whose id is known and that have not reached a terminal state: resume them
    /// with [`Client::wait`].
    pub tasks: Vec<Task>,
    /// Submissions whose outcome is unknown: check with the provider, then resolve them.
    pub unknown: Vec<UnknownSubmission>,
    /// Journal entries that could not be read (a torn last line after a crash), skipped.
    pub skipped_entries: usize,
}

/// What checking with the provider showed about an unknown submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// It created this task (now resumable).
    Created(String),
    /// It created no task (the same body may be submitted again).
    NotCreated,
}

impl<P: Provider> Client<P> {
    fn require_journal(&self) -> Result<&std::sync::Arc<crate::journal::Journal>, Error> {
        self.journal.as_ref().ok_or_else(|| Error::Config {
            message: "this client has no task journal: build it with journal_file(...) or journal(...)".into(),
        })
    }

    /// Reads the journal: this provider's tasks to resume (id known, not terminal) and its
    /// submissions whose outcome is unknown (including those whose process stopped between
    /// recording the intent and the outcome). Submissions still in flight in this process
    /// are not listed.
    pub async fn recover(&self) -> Result<Recovery, Error> {
        let journal = self.require_journal()?;
        let module = P::INFO.module;
        let (entries, unknown, skipped) = journal
            .with_ledger(|l| {
                let tasks: Vec<_> = l.tasks(module).filter(|t| t.terminal.is_none()).cloned().collect();
                let unknown: Vec<_> = l
                    .submissions()
                    .filter(|s| s.provider == module && s.blocks_resubmit() && !journal.is_live(&s.id))
                    .map(|s| UnknownSubmission {
                        submission: s.id.clone(),
                        fingerprint: s.fingerprint.clone(),
                        mode: s.mode.clone(),
                        submitted_at_ms: s.at_ms,
                        reason: match &s.state {
                            SubmissionState::Unknown { reason, .. } => reason.clone(),
                            _ => "the intent was recorded and no outcome: the process stopped while submitting"
                                .to_owned(),
                        },
                    })
                    .collect();
                (tasks, unknown, l.skipped)
            })
            .await
            .map_err(|e| journal_error(e.message, None, false))?;
        let tasks = entries
            .into_iter()
            .map(|t| {
                let polling = P::polling_of(&t.mode).unwrap_or_else(|| {
                    tracing::warn!(target: "happyhorse_client", provider = P::INFO.name, task_id = %t.id, mode = %t.mode, "a journal task's mode is not one of the provider's; using the first mode's polling guidance");
                    P::POLLING[0]
                });
                let follow = t.follow.as_deref().and_then(|u| reqwest::Url::parse(u).ok());
                Task {
                    id: t.id,
                    mode: polling.mode,
                    polling,
                    submitted_at: None,
                    follow_url: follow,
                    submission: t.submission,
                }
            })
            .collect();
        Ok(Recovery { tasks, unknown, skipped_entries: skipped })
    }

    /// Records what checking with the provider showed about an unknown submission: the task
    /// it created (which becomes resumable), or that it created none (which lets the same
    /// body be submitted again).
    pub async fn resolve_unknown(&self, submission: &str, resolution: Resolution) -> Result<(), Error> {
        let journal = self.require_journal()?;
        let found = journal
            .with_ledger(|l| l.submission(submission).filter(|s| s.provider == P::INFO.module).cloned())
            .await
            .map_err(|e| journal_error(e.message, None, false))?;
        let Some(found) = found else {
            return Err(Error::Config {
                message: format!("the journal has no {} submission {submission:?}", P::INFO.name),
            });
        };
        if !found.blocks_resubmit() || journal.is_live(submission) {
            return Err(Error::Config {
                message: format!("submission {submission:?} is not unknown ({:?}); nothing to resolve", found.state),
            });
        }
        let task_id = match resolution {
            Resolution::Created(id) => {
                super::urls::check_task_id(&id)?;
                Some(id)
            }
            Resolution::NotCreated => None,
        };
        let record = Record::Resolved { submission: submission.to_owned(), task_id, at_ms: unix_ms(self.clock.wall()) };
        journal.append(&record).await.map_err(|e| journal_error(e.message, None, false))
    }
}
