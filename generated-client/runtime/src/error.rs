//! One error type for every client call, and for the steps around them: `?` turns the
//! errors of [`validate`](super::Violations), cost estimates ([`BillingError`]) and
//! [`download`](super::download()) ([`DownloadError`]) into it too, each in a variant of its own,
//! so an application's whole submit-wait-download flow can return `Result<_, Error>`.
//!
//! Once a provider has returned a task id, every later error of a client call carries it
//! ([`Error::task_id`]), so no task is lost; and a failed submit says whether sending it
//! again could create a second, paid task ([`Error::safe_to_resubmit`]).

use std::fmt;
use std::time::Duration;

use super::billing::BillingError;
use super::download::DownloadError;
use super::violation::Violations;

/// Everything a client call can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The client cannot be built or called as asked (no API key, a base URL that is not
    /// https, an unusable task id). Nothing was sent.
    Config {
        /// What is wrong.
        message: String,
    },
    /// The request breaks documented rules; nothing was sent.
    Validation(Violations),
    /// The provider answered with an error.
    Api(Box<ApiError>),
    /// A submit was sent, and whether it created a (paid) task is not known. Do not
    /// resubmit blindly: a duplicate task is billed twice.
    SubmissionOutcomeUnknown(Box<OutcomeUnknown>),
    /// The task finished without a result.
    TaskFailed(Box<TaskFailure>),
    /// A deadline passed.
    Timeout(Box<TimeoutError>),
    /// An answer could not be decoded.
    Decode(Box<DecodeFailure>),
    /// The network failed.
    Transport(Box<TransportError>),
    /// The task succeeded but the answer names no output (paid, nothing to download).
    NoResult(Box<NoResult>),
    /// The task journal holds a submission of the same body whose outcome is unknown (or
    /// that is still in flight): sending it again could create a second paid task. Nothing
    /// was sent. Check the provider, then resolve it (`Client::resolve_unknown`) or submit
    /// with `SubmitOptions::resubmit_unknown`.
    DuplicateRefused(Box<Unresolved>),
    /// The task journal could not be read or written.
    Journal(Box<JournalFailure>),
    /// A cost could not be estimated (a value the price depends on is unset or out of
    /// range). Nothing was sent: estimates run before any submit.
    Billing(Box<BillingError>),
    /// A result file could not be downloaded ([`download`](super::download())). The task
    /// itself succeeded and is paid; its result URLs expire, so retry the download soon
    /// ([`Error::is_retryable`] says when that may help). [`download`](super::download())
    /// does not know the task, so this error does not carry its id: it is the one you
    /// waited on.
    Download(Box<DownloadError>),
}

/// A task that succeeded without outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoResult {
    /// The task.
    pub task_id: String,
    /// Its state, as sent.
    pub state: String,
}

/// A submission in the journal whose outcome is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The journal's submission id.
    pub submission: String,
    /// The fingerprint of the body.
    pub fingerprint: String,
    /// When it was submitted (Unix milliseconds).
    pub submitted_at_ms: u64,
    /// Why its outcome is unknown, or that it is still in flight.
    pub reason: String,
}

/// A journal failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalFailure {
    /// What failed.
    pub message: String,
    /// The task, if the failure came after the provider named one.
    pub task_id: Option<String>,
    /// Whether a request may have reached the provider (false: the intent could not be
    /// recorded, so nothing was sent).
    pub request_sent: bool,
}

/// An error answer from the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status (or the envelope code, when a 2xx answer carried an error code).
    pub status: u16,
    /// The provider's error code from the body, if any.
    pub code: Option<super::provider::ErrorCode>,
    /// The provider's error message from the body, if any.
    pub message: Option<String>,
    /// What the docs say the status means, when they list it.
    pub meaning: Option<&'static str>,
    /// What the docs say to do, when they list it.
    pub action: Option<&'static str>,
    /// A later identical call may succeed (the docs say to retry with backoff).
    pub retryable: bool,
    /// The answer proves the request was not accepted (no task was created).
    pub not_accepted: bool,
    /// The task the call was about, if any.
    pub task_id: Option<String>,
    /// Attempts made.
    pub attempts: u32,
    /// The start of the body, when it could not be decoded as the provider's error body.
    pub snippet: Option<String>,
}

/// Why a submit's outcome is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownReason {
    /// A server error (5xx) after the request was sent.
    ServerError,
    /// 408 Request Timeout.
    RequestTimeout,
    /// Another status that proves nothing either way (3xx, 1xx).
    UnexpectedStatus,
    /// No answer in time.
    Timeout,
    /// The connection was lost after the request may have been sent.
    ConnectionLost,
    /// A 2xx answer that is not JSON.
    NotJson,
    /// A 2xx answer without a usable task id.
    NoTaskId {
        /// Where decoding failed, `data.taskId`.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// A 2xx answer whose envelope code is neither success nor a rejection.
    UnexpectedEnvelope {
        /// The envelope code.
        code: i64,
    },
    /// An answer larger than the configured limit.
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

/// What is known about a submit whose outcome is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeUnknown {
    /// Why it is unknown.
    pub reason: UnknownReason,
    /// The HTTP status, if an answer arrived.
    pub status: Option<u16>,
    /// The start of the answer's body, if one arrived.
    pub snippet: Option<String>,
    /// A task id, if the answer named one.
    pub task_id: Option<String>,
    /// Details from the transport, if any.
    pub detail: Option<String>,
    /// The whole answer body (at most 64 KiB, the API key redacted), if one arrived.
    pub body: Option<String>,
}

/// A task that finished without a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailure {
    /// The task.
    pub task_id: String,
    /// Its state, as sent.
    pub state: String,
    /// The provider's failure code, if it gives one.
    pub code: Option<String>,
    /// The provider's failure message, if it gives one.
    pub message: Option<String>,
    /// Whether the docs say a retry (a new, paid task) can help.
    pub retry_may_help: bool,
}

/// A deadline that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeoutError {
    /// What was being done: `wait`, `status`, `submit`.
    pub operation: &'static str,
    /// The task, if any.
    pub task_id: Option<String>,
    /// How long it went on.
    pub waited: Duration,
    /// The last state seen, if any.
    pub last_state: Option<String>,
}

/// An answer that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeFailure {
    /// The task, if any.
    pub task_id: Option<String>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// Where decoding failed (empty for the whole body).
    pub path: String,
    /// What was wrong.
    pub message: String,
    /// The start of the body.
    pub snippet: String,
}

/// A network failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// The task, if any.
    pub task_id: Option<String>,
    /// What failed.
    pub message: String,
    /// Attempts made.
    pub attempts: u32,
    /// Whether the request may have reached the provider (false: the connection was never
    /// made).
    pub request_sent: bool,
}

impl Error {
    /// The task this error is about, once the provider has returned its id.
    pub fn task_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.task_id.as_deref(),
            Error::SubmissionOutcomeUnknown(e) => e.task_id.as_deref(),
            Error::TaskFailed(e) => Some(&e.task_id),
            Error::Timeout(e) => e.task_id.as_deref(),
            Error::Decode(e) => e.task_id.as_deref(),
            Error::Transport(e) => e.task_id.as_deref(),
            Error::NoResult(e) => Some(&e.task_id),
            Error::Journal(e) => e.task_id.as_deref(),
            Error::Config { .. }
            | Error::Validation(_)
            | Error::DuplicateRefused(_)
            | Error::Billing(_)
            | Error::Download(_) => None,
        }
    }

    /// For a failed submit: true when the provider certainly did not create a task, so
    /// sending the (fixed) request again cannot bill twice.
    pub fn safe_to_resubmit(&self) -> bool {
        match self {
            Error::Config { .. } | Error::Validation(_) | Error::Billing(_) => true,
            Error::Api(e) => e.not_accepted,
            Error::Transport(e) => !e.request_sent,
            Error::Journal(e) => !e.request_sent,
            _ => false,
        }
    }

    /// True when the same call may succeed later (transient network or provider trouble;
    /// for a download: a network failure, its deadline, or a 408, 429 or 5xx answer).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.retryable,
            Error::Transport(_) | Error::Timeout(_) => true,
            Error::Download(e) => match **e {
                DownloadError::Network { .. } | DownloadError::Deadline { .. } => true,
                DownloadError::Http { status, .. } => status == 408 || status == 429 || status >= 500,
                _ => false,
            },
            _ => false,
        }
    }

    pub(crate) fn with_task_id(mut self, id: &str) -> Self {
        let slot = match &mut self {
            Error::Api(e) => &mut e.task_id,
            Error::SubmissionOutcomeUnknown(e) => &mut e.task_id,
            Error::Timeout(e) => &mut e.task_id,
            Error::Decode(e) => &mut e.task_id,
            Error::Transport(e) => &mut e.task_id,
            Error::Journal(e) => &mut e.task_id,
            Error::Config { .. }
            | Error::Validation(_)
            | Error::TaskFailed(_)
            | Error::NoResult(_)
            | Error::DuplicateRefused(_)
            | Error::Billing(_)
            | Error::Download(_) => return self,
        };
        if slot.is_none() {
            *slot = Some(id.to_owned());
        }
        self
    }
}

fn task(id: &Option<String>) -> String {
    id.as_ref().map_or_else(String::new, |t| format!(" (task {t})"))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { message } => write!(f, "client configuration: {message}"),
            Error::Validation(v) => write!(f, "the request was not sent: {v}"),
            Error::Api(e) => {
                write!(f, "the provider answered {}", e.status)?;
                if let Some(m) = e.meaning {
                    write!(f, " ({m})")?;
                }
                match (&e.code, &e.message) {
                    (Some(c), Some(m)) => write!(f, ": code {c}: {m}")?,
                    (None, Some(m)) => write!(f, ": {m}")?,
                    (Some(c), None) => write!(f, ": code {c}")?,
                    (None, None) => {}
                }
                if let Some(s) = &e.snippet {
                    write!(f, "; body: {s}")?;
                }
                if let Some(a) = e.action {
                    write!(f, "; what to do: {a}")?;
                }
                if e.not_accepted {
                    write!(f, "; the request was not accepted")?;
                }
                write!(f, "{}", task(&e.task_id))?;
                if e.attempts > 1 {
                    write!(f, " after {} attempts", e.attempts)?;
                }
                Ok(())
            }
            Error::SubmissionOutcomeUnknown(e) => {
                write!(f, "the submit may or may not have created a task (")?;
                match &e.reason {
                    UnknownReason::ServerError => write!(f, "server error")?,
                    UnknownReason::RequestTimeout => write!(f, "408 request timeout")?,
                    UnknownReason::UnexpectedStatus => write!(f, "unexpected status")?,
                    UnknownReason::Timeout => write!(f, "no answer in time")?,
                    UnknownReason::ConnectionLost => write!(f, "connection lost after sending")?,
                    UnknownReason::NotJson => write!(f, "the answer is not JSON")?,
                    UnknownReason::NoTaskId { path, message } => {
                        write!(f, "no task id in the answer: {path}: {message}")?
                    }
                    UnknownReason::UnexpectedEnvelope { code } => write!(f, "unexpected envelope code {code}")?,
                    UnknownReason::BodyTooLarge { limit } => write!(f, "answer larger than {limit} bytes")?,
                }
                write!(f, ")")?;
                if let Some(s) = e.status {
                    write!(f, "; status {s}")?;
                }
                if let Some(d) = &e.detail {
                    write!(f, "; {d}")?;
                }
                if let Some(s) = &e.snippet {
                    write!(f, "; body: {s}")?;
                }
                write!(f, "{}", task(&e.task_id))?;
                write!(
                    f,
                    ". Do not resubmit blindly: check the provider's task list first, a duplicate is billed twice"
                )
            }
            Error::TaskFailed(e) => {
                write!(f, "task {} failed (state {})", e.task_id, e.state)?;
                if let Some(c) = &e.code {
                    write!(f, ": {c}")?;
                }
                if let Some(m) = &e.message {
                    write!(f, ": {m}")?;
                }
                if e.retry_may_help {
                    write!(f, "; a retry may help")
                } else {
                    write!(f, "; a retry as is will not help")
                }
            }
            Error::Timeout(e) => {
                write!(f, "{} did not finish within {:?}{}", e.operation, e.waited, task(&e.task_id))?;
                if let Some(s) = &e.last_state {
                    write!(f, "; last state: {s}")?;
                }
                Ok(())
            }
            Error::Decode(e) => {
                let at = if e.path.is_empty() { String::new() } else { format!(" at {}", e.path) };
                write!(
                    f,
                    "cannot decode the answer (status {}){at}: {}; body: {}{}",
                    e.status,
                    e.message,
                    e.snippet,
                    task(&e.task_id)
                )
            }
            Error::Transport(e) => {
                write!(f, "network error: {}{}", e.message, task(&e.task_id))?;
                if e.attempts > 1 {
                    write!(f, " after {} attempts", e.attempts)?;
                }
                if !e.request_sent {
                    write!(f, "; the request never reached the provider")?;
                }
                Ok(())
            }
            Error::NoResult(e) => write!(
                f,
                "task {} reached state {} but the answer names no output: it is paid and there is nothing to download; contact the provider with the task id",
                e.task_id, e.state
            ),
            Error::DuplicateRefused(e) => write!(
                f,
                "not sent: the journal holds submission {} of the same body (fingerprint {}, at {} ms): {}. A second submit could create a second paid task: check the provider first, then resolve it or submit with resubmit_unknown",
                e.submission, e.fingerprint, e.submitted_at_ms, e.reason
            ),
            Error::Journal(e) => {
                write!(f, "task journal: {}{}", e.message, task(&e.task_id))?;
                if !e.request_sent {
                    write!(f, "; nothing was sent")?;
                }
                Ok(())
            }
            Error::Billing(e) => write!(f, "{e}"),
            Error::Download(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Violations> for Error {
    fn from(v: Violations) -> Self {
        Error::Validation(v)
    }
}

impl From<BillingError> for Error {
    fn from(e: BillingError) -> Self {
        Error::Billing(Box::new(e))
    }
}

impl From<DownloadError> for Error {
    fn from(e: DownloadError) -> Self {
        Error::Download(Box::new(e))
    }
}

/// The largest raw body kept in an error.
pub(crate) const RAW_BODY_LIMIT: usize = 64 * 1024;

/// A whole body for an error: at most [`RAW_BODY_LIMIT`] bytes (cut at a character
/// boundary, `…` appended), invalid UTF-8 replaced, and `secret` redacted.
pub(crate) fn raw_body(body: &[u8], secret: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let mut text = if secret.is_empty() { text.into_owned() } else { text.replace(secret, "<redacted>") };
    if text.len() > RAW_BODY_LIMIT {
        let mut cut = RAW_BODY_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('\u{2026}');
    }
    text
}

/// The start of a body for a message: at most 200 characters, control characters escaped,
/// and `secret` (the API key) never included even if the server echoes it.
pub(crate) fn snippet(body: &[u8], secret: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let text = if secret.is_empty() { text.into_owned() } else { text.replace(secret, "<redacted>") };
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == 200 {
            out.push('\u{2026}');
            break;
        }
        if c.is_control() { out.extend(c.escape_default()) } else { out.push(c) }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_short_and_never_hold_the_key() {
        let s = snippet(b"{\"echo\": \"Bearer sk-123\"}\n", "sk-123");
        assert_eq!(s, "{\"echo\": \"Bearer <redacted>\"}\\n");
        assert_eq!(snippet(&[b'x'; 500], "k").chars().count(), 201);
    }

    #[test]
    fn raw_bodies_are_capped_and_redacted() {
        assert_eq!(raw_body(b"{\"k\": \"sk-1\"}", "sk-1"), "{\"k\": \"<redacted>\"}");
        let big = "\u{e9}".repeat(RAW_BODY_LIMIT);
        let r = raw_body(big.as_bytes(), "k");
        assert!(r.len() <= RAW_BODY_LIMIT + 3 && r.ends_with('\u{2026}'));
    }

    #[test]
    fn resubmission_safety() {
        let unknown = Error::SubmissionOutcomeUnknown(Box::new(OutcomeUnknown {
            reason: UnknownReason::ServerError,
            status: Some(500),
            snippet: None,
            task_id: None,
            detail: None,
            body: None,
        }));
        assert!(!unknown.safe_to_resubmit());
        assert!(unknown.to_string().contains("Do not resubmit blindly"));
        let refused = Error::Transport(Box::new(TransportError {
            task_id: None,
            message: "connection refused".into(),
            attempts: 3,
            request_sent: false,
        }));
        assert!(refused.safe_to_resubmit());
        assert_eq!(refused.with_task_id("t1").task_id(), Some("t1"));
    }

    /// `?` on a cost estimate and on a download lands in variants of their own, not in a
    /// transport or configuration error, with the inner message intact.
    #[test]
    fn billing_and_download_errors_convert_into_their_own_variants() {
        fn estimate() -> Result<(), Error> {
            Err(BillingError::MissingInput { name: "input.duration" })?
        }
        let e = estimate().unwrap_err();
        assert!(matches!(&e, Error::Billing(b) if **b == BillingError::MissingInput { name: "input.duration" }));
        assert!(e.to_string().contains("`input.duration` is not set"), "{e}");
        // Nothing is sent by an estimate: fixing the input and submitting cannot bill twice.
        assert!(e.safe_to_resubmit() && !e.is_retryable() && e.task_id().is_none());

        let download = |d: DownloadError| -> Result<(), Error> { Err(d)? };
        let url = || "https://files.example.test/v.mp4".to_owned();
        let e = download(DownloadError::Http { url: url(), status: 503 }).unwrap_err();
        assert!(matches!(&e, Error::Download(d) if matches!(**d, DownloadError::Http { status: 503, .. })));
        assert_eq!(e.to_string(), "download of https://files.example.test/v.mp4 answered 503");
        // The task was paid for: a resubmit would bill again, a download retry may help.
        assert!(!e.safe_to_resubmit() && e.is_retryable());
        for (d, retryable) in [
            (DownloadError::Http { url: url(), status: 404 }, false),
            (DownloadError::Http { url: url(), status: 429 }, true),
            (DownloadError::Network { url: url(), message: "reset".into() }, true),
            (DownloadError::Deadline { url: url(), deadline: Duration::from_secs(1) }, true),
            (DownloadError::TooLarge { url: url(), limit: 1 }, false),
            (DownloadError::Exists { path: "v.mp4".into() }, false),
        ] {
            let shown = d.to_string();
            let e = Error::from(d);
            assert_eq!(e.is_retryable(), retryable, "{shown}");
            assert_eq!(e.to_string(), shown);
        }
    }
}
