//! The async client, generic over a generated [`Provider`]: `submit` validates first and is
//! never retried once the request may have reached the provider; `status` is retried on
//! transient failures with backoff, jitter and `Retry-After`; `wait` follows the documented
//! polling guidance; `download` fetches results.
//!
//! With a task journal ([`ClientBuilder::journal_file`]), every submit records its intent
//! before the request and its outcome after; [`Client::recover`] reads them back after a
//! restart.

mod dynamic;
mod http;
mod recover;
mod urls;
mod wait;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};

pub use dynamic::{BoxFuture, DynClient, DynStatus};
pub use recover::{Recovery, Resolution, SubmitOptions, UnknownSubmission};
pub use wait::{Progress, WaitOptions};

use self::http::{Answer, SendError};
use super::clock::{Clock, SystemClock};
use super::error::{
    ApiError, DecodeFailure, Error, JournalFailure, OutcomeUnknown, TransportError, UnknownReason, Unresolved,
    raw_body, snippet,
};
use super::journal::{FileJournal, Journal, Outcome, Record, TaskJournal, unix_ms};
use super::meta::{PollingGuidance, RetryAdvice, TaskPhase};
use super::provider::{ErrorAnswer, Provider, RequestOf, StatusAnswer, SubmitBody, TaskMode};
use super::retry::{Jitter, RetryPolicy, retry_after};
use super::secret::ApiKey;

pub(crate) use http::describe as describe_transport;
pub(crate) use urls::{check_scheme, is_loopback};

/// The default cap on answer bodies.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Default of [`ClientBuilder::max_concurrent_polls`].
pub const DEFAULT_MAX_CONCURRENT_POLLS: usize = 128;

/// Statuses a read (never a submit) is retried on, whatever the provider's table says.
const TRANSIENT: [u16; 5] = [429, 500, 502, 503, 504];

/// A submitted task. Keep its id: it is how the task is found again (a client with a
/// journal keeps it for you, see [`Client::recover`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// The provider's task id.
    pub id: String,
    /// The request's mode.
    pub mode: &'static str,
    /// The documented polling guidance for that mode.
    pub polling: PollingGuidance,
    /// When the submit was answered (on the client's clock), if this client submitted it.
    pub submitted_at: Option<Instant>,
    /// A URL the provider gave to query the task; private, and checked against the client's
    /// base URL origin on every use, so a task rebuilt from stored data can never send the
    /// API key to another host.
    follow_url: Option<Url>,
    /// The journal's submission id, when a journal recorded the submit.
    submission: Option<String>,
}

impl Task {
    /// A task known by id (from your database, say), in one of the provider's modes
    /// (`Task::resume(id, <module>::Mode::VideoEdit)`): polled with that mode's documented
    /// guidance. Prefer [`Client::resume`], which also checks the id.
    pub fn resume(id: impl Into<String>, mode: impl TaskMode) -> Self {
        Task {
            id: id.into(),
            mode: mode.tag(),
            polling: mode.polling(),
            submitted_at: None,
            follow_url: None,
            submission: None,
        }
    }

    /// The URL the provider gave to query the task, if any (used only on the base URL's
    /// origin).
    pub fn follow_url(&self) -> Option<&Url> {
        self.follow_url.as_ref()
    }

    /// The journal's id of the submit that created the task, if a journal recorded it.
    pub fn submission(&self) -> Option<&str> {
        self.submission.as_deref()
    }
}

/// Everything a client is built from, without the provider (see [`ClientBuilder`] for the
/// meaning and defaults of each). Used to build clients of any provider through
/// [`super::provider::Module::connect`].
#[derive(Clone)]
pub struct ClientSettings {
    /// The API key; `None` reads the provider's environment variable.
    pub key: Option<ApiKey>,
    /// The base URL; `None` reads the provider's base-URL environment variable
    /// ([`ProviderInfo::base_url_env`](super::meta::ProviderInfo::base_url_env)) when it is
    /// set, else uses the documented one.
    pub base_url: Option<String>,
    /// How reads are retried and how long submit may wait on 429s.
    pub retry: RetryPolicy,
    /// The clock and sleeper.
    pub clock: Arc<dyn Clock>,
    /// A fixed seed for backoff jitter.
    pub jitter_seed: Option<u64>,
    /// The largest answer body accepted.
    pub max_body_bytes: usize,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Read timeout between bytes.
    pub read_timeout: Duration,
    /// Timeout of one whole exchange (measured on `clock`).
    pub request_timeout: Duration,
    /// How many status polls of [`Client::wait`] may be in flight at once, across the
    /// client and its clones.
    pub max_concurrent_polls: usize,
    /// The task journal, if any.
    pub journal: Option<Arc<dyn TaskJournal>>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            key: None,
            base_url: None,
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            jitter_seed: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            max_concurrent_polls: DEFAULT_MAX_CONCURRENT_POLLS,
            journal: None,
        }
    }
}

impl fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSettings")
            .field("key", &self.key)
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_concurrent_polls", &self.max_concurrent_polls)
            .field("journal", &self.journal)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder<P: Provider> {
    settings: ClientSettings,
    _p: PhantomData<fn() -> P>,
}

impl<P: Provider> fmt::Debug for ClientBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder").field("provider", &P::INFO.name).field("settings", &self.settings).finish()
    }
}

impl<P: Provider> ClientBuilder<P> {
    fn new() -> Self {
        Self::from_settings(ClientSettings::default())
    }

    /// A builder starting from `settings`.
    pub fn from_settings(settings: ClientSettings) -> Self {
        ClientBuilder { settings, _p: PhantomData }
    }

    /// The API key. Without one, `build` reads the provider's environment variable.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.settings.key = Some(key.into());
        self
    }

    /// The base URL. It must be https unless the host is loopback, without credentials,
    /// query or fragment. An origin alone (`http://127.0.0.1:8080`) gets the documented
    /// base path. Without one, `build` reads the provider's base-URL environment variable
    /// ([`ProviderInfo::base_url_env`](super::meta::ProviderInfo::base_url_env), named in
    /// the spec) when it is set, else uses the documented base URL.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.settings.base_url = Some(url.into());
        self
    }

    /// How reads are retried and how long submit may wait on 429s.
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// The clock and sleeper (a [`super::clock::ManualClock`] in tests).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.settings.clock = clock;
        self
    }

    /// A fixed seed for backoff jitter (reproducible tests).
    #[must_use]
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.settings.jitter_seed = Some(seed);
        self
    }

    /// The largest answer body accepted (default 16 MiB).
    #[must_use]
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.settings.max_body_bytes = n;
        self
    }

    /// How many status polls of [`Client::wait`] may be in flight at once, across the
    /// client and its clones (default 128, at least 1). Each poll in flight holds an HTTP
    /// connection and its buffers, so this bounds the memory of many concurrent waits; a
    /// poll that has to queue is sent late, never early or twice.
    #[must_use]
    pub fn max_concurrent_polls(mut self, n: usize) -> Self {
        self.settings.max_concurrent_polls = n;
        self
    }

    /// Connect timeout (default 10 s), read timeout between bytes (default 30 s) and
    /// timeout of one whole exchange (default 60 s, measured on the client's clock).
    #[must_use]
    pub fn timeouts(mut self, connect: Duration, read: Duration, request: Duration) -> Self {
        self.settings.connect_timeout = connect;
        self.settings.read_timeout = read;
        self.settings.request_timeout = request;
        self
    }

    /// A task journal: every submit records its intent before the request is sent and its
    /// outcome after, waits and webhooks record terminal states, and a body whose earlier
    /// submit has an unknown outcome is refused (see [`Client::recover`]).
    #[must_use]
    pub fn journal(mut self, journal: Arc<dyn TaskJournal>) -> Self {
        self.settings.journal = Some(journal);
        self
    }

    /// The embedded task journal: an append-only JSON-lines file at `path`, created if
    /// missing (see [`crate::journal::FileJournal`]). Errors opening it are
    /// reported by this call.
    pub fn journal_file(self, path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let file = FileJournal::open(path).map_err(|e| journal_error(e.message, None, false))?;
        Ok(self.journal(Arc::new(file)))
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client<P>, Error> {
        let settings = self.settings;
        let key = match settings.key {
            Some(k) => k,
            None => ApiKey::from_env(P::INFO.api_key_env).ok_or_else(|| Error::Config {
                message: format!("no API key: pass one or set the {} environment variable", P::INFO.api_key_env),
            })?,
        };
        if key.is_empty() {
            return Err(Error::Config { message: "the API key is empty".into() });
        }
        let base = match (&settings.base_url, P::INFO.base_url_env) {
            (Some(given), _) => urls::base_url(given, P::INFO.base_url)?,
            (None, Some(var)) => urls::base_url_from_env(var, std::env::var_os(var), P::INFO.base_url)?,
            (None, None) => urls::base_url(P::INFO.base_url, P::INFO.base_url)?,
        };
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| Error::Config {
            message: "the API key contains characters an HTTP header cannot carry".into(),
        })?;
        auth.set_sensitive(true);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("happyhorse-client/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout);
        if urls::is_loopback(&base) {
            http = http.no_proxy();
        }
        let http = http
            .build()
            .map_err(|e| Error::Config { message: format!("cannot build the HTTP client: {}", http::describe(&e)) })?;
        Ok(Client {
            http,
            base,
            secret: Arc::from(key.expose()),
            retry: settings.retry,
            clock: settings.clock,
            jitter: Arc::new(settings.jitter_seed.map_or_else(Jitter::new, Jitter::seeded)),
            max_body: settings.max_body_bytes,
            request_timeout: settings.request_timeout,
            polls: Arc::new(tokio::sync::Semaphore::new(settings.max_concurrent_polls.max(1))),
            journal: settings.journal.map(|j| Arc::new(Journal::new(j))),
            _p: PhantomData,
        })
    }
}

fn journal_error(message: String, task_id: Option<String>, request_sent: bool) -> Error {
    Error::Journal(Box::new(JournalFailure { message, task_id, request_sent }))
}

/// An async client for one provider endpoint family (the generated modules export it as
/// `Client`). Cheap to clone; clones share the connection pool.
pub struct Client<P: Provider> {
    http: reqwest::Client,
    base: Url,
    /// Only to redact it from echoed bodies; the header is set once at build time.
    secret: Arc<str>,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    jitter: Arc<Jitter>,
    max_body: usize,
    request_timeout: Duration,
    /// Permits for the status polls of waits in flight (see `max_concurrent_polls`).
    polls: Arc<tokio::sync::Semaphore>,
    journal: Option<Arc<Journal>>,
    _p: PhantomData<fn() -> P>,
}

impl<P: Provider> Clone for Client<P> {
    fn clone(&self) -> Self {
        Client {
            http: self.http.clone(),
            base: self.base.clone(),
            secret: self.secret.clone(),
            retry: self.retry,
            clock: self.clock.clone(),
            jitter: self.jitter.clone(),
            max_body: self.max_body,
            request_timeout: self.request_timeout,
            polls: self.polls.clone(),
            journal: self.journal.clone(),
            _p: PhantomData,
        }
    }
}

impl<P: Provider> fmt::Debug for Client<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("provider", &P::INFO.name)
            .field("base_url", &self.base.as_str())
            .field("key", &"<redacted>")
            .field("retry", &self.retry)
            .field("max_body_bytes", &self.max_body)
            .field("journal", &self.journal.as_ref().map(|j| j.store()))
            .finish()
    }
}

/// Why a call is being tried again, for the log.
struct RetryCause<'a> {
    call: &'static str,
    why: &'static str,
    task_id: Option<&'a str>,
}

impl<P: Provider> Client<P> {
    /// A builder.
    pub fn builder() -> ClientBuilder<P> {
        ClientBuilder::new()
    }

    /// A client configured by the environment: the key from the provider's variable
    /// ([`ProviderInfo::api_key_env`](super::meta::ProviderInfo::api_key_env)), and the base
    /// URL from its base-URL variable
    /// ([`ProviderInfo::base_url_env`](super::meta::ProviderInfo::base_url_env)) when that is
    /// set, else the documented one. Setting the base-URL variable to a simulator
    /// (`http://127.0.0.1:8787`) switches an application to it without code changes; a
    /// value that is not a usable base URL is an [`Error::Config`] naming the variable and
    /// the value, never a fall-back to the documented (paid) API.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A client with this key, for the documented base URL (or the one the provider's
    /// base-URL environment variable names, as with [`Client::from_env`]).
    pub fn new(key: impl Into<ApiKey>) -> Result<Self, Error> {
        Self::builder().api_key(key).build()
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    fn snippet(&self, body: &[u8]) -> String {
        snippet(body, &self.secret)
    }

    fn raw(&self, body: &[u8]) -> String {
        raw_body(body, &self.secret)
    }

    /// The task journal, if the client has one.
    pub fn journal(&self) -> Option<&Arc<Journal>> {
        self.journal.as_ref()
    }

    /// One exchange within the request timeout.
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Answer, SendError> {
        http::exchange(req, self.max_body, &*self.clock, self.request_timeout).await
    }

    /// Whether to try again after `attempt`: if so, logs why and sleeps first, for the
    /// `Retry-After` the answer asks for, else backoff with jitter; never past the deadline.
    async fn wait_to_retry(
        &self,
        attempt: u32,
        max_attempts: u32,
        answer: Option<&Answer>,
        deadline: Instant,
        cause: RetryCause<'_>,
    ) -> bool {
        if attempt >= max_attempts {
            return false;
        }
        let delay = answer
            .and_then(Answer::retry_after)
            .and_then(|v| retry_after(v, self.clock.wall()))
            .unwrap_or_else(|| self.retry.backoff(attempt, &self.jitter));
        if self.clock.now() + delay > deadline {
            return false;
        }
        tracing::warn!(target: "happyhorse_client",
            provider = P::INFO.name,
            task_id = cause.task_id,
            attempt,
            status = answer.map(|a| a.status),
            delay_ms = delay.as_millis() as u64,
            "{}: {}; retrying",
            cause.call,
            cause.why
        );
        self.clock.sleep(delay).await;
        true
    }

    fn api_error(&self, answer: &Answer, attempts: u32, task_id: Option<&str>) -> ApiError {
        let rule = P::status_rule(answer.status);
        let parsed = super::decode::body::<P::ErrorBody>(&answer.body).ok();
        let (code, message) = match &parsed {
            Some(b) => (b.error_code(), b.api_message().map(str::to_owned)),
            None => (None, None),
        };
        let snippet = (parsed.is_none() && !answer.body.is_empty()).then(|| self.snippet(&answer.body));
        ApiError {
            status: answer.status,
            code,
            message,
            meaning: rule.map(|r| r.meaning),
            action: rule.map(|r| r.action),
            retryable: rule.map_or(TRANSIENT.contains(&answer.status), |r| r.retry == RetryAdvice::Backoff),
            not_accepted: not_accepted::<P>(answer.status),
            task_id: task_id.map(str::to_owned),
            attempts,
            snippet,
        }
    }

    fn unknown(
        &self,
        reason: UnknownReason,
        answer: Option<&Answer>,
        detail: Option<String>,
        task_id: Option<String>,
    ) -> Error {
        let body = answer.filter(|a| !a.body.is_empty());
        Error::SubmissionOutcomeUnknown(Box::new(OutcomeUnknown {
            reason,
            status: answer.map(|a| a.status),
            snippet: body.map(|a| self.snippet(&a.body)),
            task_id,
            detail,
            body: body.map(|a| self.raw(&a.body)),
        }))
    }

    /// A task known by id (from your database, say) in one of the provider's modes, polled
    /// with that mode's documented guidance. The id is checked like every id the client
    /// sends.
    pub fn resume(&self, id: impl Into<String>, mode: P::Mode) -> Result<Task, Error> {
        let id = id.into();
        urls::check_task_id(&id)?;
        Ok(Task::resume(id, mode))
    }

    /// Submits a task (see [`Client::submit_with`]), refusing a body whose earlier submit
    /// has an unknown outcome in the journal.
    pub async fn submit<R: RequestOf<P>>(&self, request: &R) -> Result<Task, Error> {
        self.submit_with(request, SubmitOptions::default()).await
    }

    /// Submits a task. Validates first: an invalid request is never sent. The request is
    /// sent again only when the answer proves it was not accepted (429, honouring
    /// `Retry-After`) or the connection was never made; any other failure after sending is
    /// [`Error::SubmissionOutcomeUnknown`], because a duplicate task is billed twice.
    ///
    /// The task id is read by its documented path before the rest of a 2xx answer is
    /// decoded (leniently), so an answer that differs elsewhere from the docs still gives
    /// the id; every error after that carries it and the raw body.
    ///
    /// **Cancel-safe.** Once validated, the exchange runs on its own tokio task: dropping
    /// the returned future does not stop it, and its outcome (the task id, or unknown with
    /// the reason) is recorded in the journal and logged. With a journal, the intent is
    /// recorded durably before the request is sent, and a body whose earlier submit has an
    /// unknown outcome (or is still in flight) is refused with [`Error::DuplicateRefused`]
    /// unless `options` say [`SubmitOptions::resubmit_unknown`].
    pub async fn submit_with<R: RequestOf<P>>(&self, request: &R, options: SubmitOptions) -> Result<Task, Error> {
        request.validate()?;
        let body = request.body();
        let operation = request.operation();
        // The same body sent to two endpoints is two tasks: the fingerprint names the
        // endpoint when the provider has several.
        let fingerprint = if P::SUBMITS.len() > 1 {
            super::token::fingerprint(&format!("{}/{operation}", P::INFO.module), &body)
        } else {
            super::token::fingerprint(P::INFO.module, &body)
        };
        let (mode, polling) = (request.mode(), request.polling());
        if let Some(journal) = &self.journal
            && !options.resubmit_unknown
        {
            let blocking = journal
                .with_ledger(|l| l.blocking(P::INFO.module, &fingerprint).cloned())
                .await
                .map_err(|e| journal_error(e.message, None, false))?;
            if let Some(b) = blocking {
                let reason = match &b.state {
                    super::journal::SubmissionState::Unknown { reason, .. } => {
                        format!("its outcome is unknown ({reason})")
                    }
                    _ if journal.is_live(&b.id) => "it is still in flight in this process".to_owned(),
                    _ => "it was sent and its outcome never recorded (the process stopped)".to_owned(),
                };
                return Err(Error::DuplicateRefused(Box::new(Unresolved {
                    submission: b.id.clone(),
                    fingerprint,
                    submitted_at_ms: b.at_ms,
                    reason,
                })));
            }
        }
        let (body, token) = self.with_callback_token(operation, body)?;
        let bytes = serde_json::to_vec(&body)
            .map_err(|e| Error::Config { message: format!("cannot serialise the request: {e}") })?;
        let submission = super::token::random_hex(16)?;
        let this = self.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let intent = Record::Intent {
            submission: submission.clone(),
            provider: P::INFO.module.to_owned(),
            fingerprint,
            mode: mode.to_owned(),
            at_ms: unix_ms(self.clock.wall()),
            token,
        };
        tokio::spawn(async move {
            let result = this.submit_recorded(intent, submission, bytes, operation, mode, polling).await;
            if let Err(result) = tx.send(result) {
                // The caller stopped waiting; the outcome is in the journal (if any) and here.
                match &result {
                    Ok(task) => {
                        tracing::warn!(target: "happyhorse_client", provider = P::INFO.name, task_id = %task.id, "a submit finished after its caller stopped waiting: the task was created")
                    }
                    Err(e) => {
                        tracing::warn!(target: "happyhorse_client", provider = P::INFO.name, task_id = e.task_id(), error = %e, "a submit finished after its caller stopped waiting")
                    }
                }
            }
        });
        rx.await.unwrap_or_else(|_| {
            Err(Error::Config {
                message: "the submit task stopped without an outcome (the runtime is shutting down)".into(),
            })
        })
    }

    /// Records the intent, sends, records the outcome. Runs on its own task.
    async fn submit_recorded(
        &self,
        intent: Record,
        submission: String,
        bytes: Vec<u8>,
        operation: &'static str,
        mode: &'static str,
        polling: PollingGuidance,
    ) -> Result<Task, Error> {
        if let Some(journal) = &self.journal {
            journal.set_live(&submission, true);
            if let Err(e) = journal.append(&intent).await {
                journal.set_live(&submission, false);
                return Err(journal_error(format!("cannot record the intent, so nothing was sent: {e}"), None, false));
            }
        }
        let result = self.send_submit(bytes, operation, mode, polling).await;
        let Some(journal) = &self.journal else { return result };
        let outcome = match &result {
            Ok(task) => Outcome::Accepted {
                task_id: task.id.clone(),
                follow: task.follow_url.as_ref().map(|u| u.as_str().to_owned()),
            },
            Err(e) if e.safe_to_resubmit() => Outcome::Rejected { reason: e.to_string() },
            Err(e) => Outcome::Unknown { reason: e.to_string(), task_id: e.task_id().map(str::to_owned) },
        };
        let record = Record::Outcome { submission: submission.clone(), outcome, at_ms: unix_ms(self.clock.wall()) };
        if let Err(e) = journal.append(&record).await {
            tracing::error!(target: "happyhorse_client", provider = P::INFO.name, task_id = result.as_ref().ok().map(|t| t.id.as_str()), error = %e, "cannot record a submit's outcome in the journal");
        }
        journal.set_live(&submission, false);
        result.map(|mut t| {
            t.submission = Some(submission);
            t
        })
    }

    /// Adds a fresh per-task token to the callback URL, when the body has one.
    fn with_callback_token(
        &self,
        operation: &str,
        body: serde_json::Value,
    ) -> Result<(serde_json::Value, Option<String>), Error> {
        let Some(field) = super::webhook::callback_url_field::<P>() else { return Ok((body, None)) };
        let Some(url) = body.get(field).and_then(serde_json::Value::as_str) else { return Ok((body, None)) };
        let token = super::token::random_hex(32)?;
        let mut parsed =
            Url::parse(url).map_err(|e| Error::Config { message: format!("invalid callback URL: {e}") })?;
        parsed.query_pairs_mut().append_pair(super::webhook::TOKEN_PARAM, &token);
        let mut body = body;
        body[field] = serde_json::Value::String(parsed.into());
        // The URL changed: check the body again, so what is sent is still valid.
        P::Request::from_json(operation, &body)?;
        Ok((body, Some(token)))
    }

    async fn send_submit(
        &self,
        body: Vec<u8>,
        operation: &str,
        mode: &'static str,
        polling: PollingGuidance,
    ) -> Result<Task, Error> {
        let endpoint = P::submit_endpoint(operation).ok_or_else(|| Error::Config {
            message: format!("{} has no submit operation `{operation}`", P::INFO.name),
        })?;
        let url = urls::endpoint(&self.base, endpoint, None)?;
        let method = Method::from_bytes(endpoint.method.as_bytes())
            .map_err(|_| Error::Config { message: format!("invalid method {}", endpoint.method) })?;
        let content_type = endpoint.content_type.unwrap_or("application/json");
        let deadline = self.clock.now() + self.retry.deadline;
        let mut attempt = 0;
        loop {
            attempt += 1;
            tracing::debug!(target: "happyhorse_client", provider = P::INFO.name, mode, attempt, "submitting a task");
            let req =
                self.http.request(method.clone(), url.clone()).header(CONTENT_TYPE, content_type).body(body.clone());
            let answer = match self.send(req).await {
                Ok(a) => a,
                Err(SendError::NotSent(message)) => {
                    let cause = RetryCause { call: "submit", why: "connection not made", task_id: None };
                    if self.wait_to_retry(attempt, self.retry.max_attempts, None, deadline, cause).await {
                        continue;
                    }
                    return Err(Error::Transport(Box::new(TransportError {
                        task_id: None,
                        message,
                        attempts: attempt,
                        request_sent: false,
                    })));
                }
                Err(SendError::Lost(m)) => {
                    return Err(self.unknown(UnknownReason::ConnectionLost, None, Some(m), None));
                }
                Err(SendError::TimedOut(m)) => return Err(self.unknown(UnknownReason::Timeout, None, Some(m), None)),
                Err(SendError::TooLarge { status, limit }) => {
                    return Err(Error::SubmissionOutcomeUnknown(Box::new(OutcomeUnknown {
                        reason: UnknownReason::BodyTooLarge { limit },
                        status: Some(status),
                        snippet: None,
                        task_id: None,
                        detail: None,
                        body: None,
                    })));
                }
            };
            if answer.is_success() {
                return self.accepted(mode, polling, &answer);
            }
            if answer.status == 429 && not_accepted::<P>(429) {
                let cause = RetryCause { call: "submit", why: "rate limited (429), not accepted", task_id: None };
                if self.wait_to_retry(attempt, self.retry.max_attempts, Some(&answer), deadline, cause).await {
                    continue;
                }
                return Err(Error::Api(Box::new(self.api_error(&answer, attempt, None))));
            }
            if not_accepted::<P>(answer.status) {
                return Err(Error::Api(Box::new(self.api_error(&answer, attempt, None))));
            }
            let reason = match answer.status {
                408 => UnknownReason::RequestTimeout,
                500..=599 => UnknownReason::ServerError,
                _ => UnknownReason::UnexpectedStatus,
            };
            return Err(self.unknown(reason, Some(&answer), None, None));
        }
    }

    /// A 2xx answer to a submit: the task id first, by its documented path; then the rest,
    /// leniently. Without an id: an error envelope, or an unknown outcome.
    fn accepted(&self, mode: &'static str, polling: PollingGuidance, answer: &Answer) -> Result<Task, Error> {
        let Ok(json) = super::decode::parse_body(&answer.body) else {
            return Err(self.unknown(UnknownReason::NotJson, Some(answer), None, None));
        };
        let envelope = error_envelope::<P>(&json);
        let id_path = P::TASK_PATHS.submit_id.join(".");
        let Some(id) = read_id(&json, P::TASK_PATHS.submit_id) else {
            if let Some(code) = envelope {
                if not_accepted::<P>(u16::try_from(code).unwrap_or(0)) {
                    let mut e = self.api_error(answer, 1, None);
                    e.status = u16::try_from(code).unwrap_or(answer.status);
                    e.not_accepted = true;
                    let rule = P::status_rule(e.status);
                    (e.meaning, e.action) = (rule.map(|r| r.meaning), rule.map(|r| r.action));
                    return Err(Error::Api(Box::new(e)));
                }
                return Err(self.unknown(UnknownReason::UnexpectedEnvelope { code }, Some(answer), None, None));
            }
            let message = match lookup(&json, P::TASK_PATHS.submit_id) {
                None => "missing".to_owned(),
                Some(v) => format!("expected a non-empty string, got {}", super::read::describe(v)),
            };
            return Err(self.unknown(UnknownReason::NoTaskId { path: id_path, message }, Some(answer), None, None));
        };
        // From here on the provider named a task: every error carries its id.
        if let Some(code) = envelope {
            return Err(self.unknown(UnknownReason::UnexpectedEnvelope { code }, Some(answer), None, Some(id)));
        }
        if let Err(e) = super::decode::body::<P::Submitted>(&answer.body) {
            tracing::warn!(target: "happyhorse_client",
                provider = P::INFO.name,
                task_id = %id,
                path = %e.path,
                "the submit answer differs from the docs ({}); the task id was read by its documented path",
                e.message
            );
        }
        let follow_url =
            P::TASK_PATHS.follow.and_then(|p| lookup(&json, p)).and_then(serde_json::Value::as_str).and_then(|u| {
                let url = urls::same_origin(&self.base, u);
                if url.is_none() {
                    tracing::warn!(target: "happyhorse_client",
                        provider = P::INFO.name,
                        task_id = %id,
                        "the answer's task URL is not on the base URL's origin; using the documented status endpoint"
                    );
                }
                url
            });
        tracing::info!(target: "happyhorse_client", provider = P::INFO.name, task_id = %id, "task submitted");
        Ok(Task { id, mode, polling, submitted_at: Some(self.clock.now()), follow_url, submission: None })
    }

    /// Reads a task's status, retrying transient failures (429, 500, 502, 503, 504, the
    /// documented retryable statuses, a 2xx answer whose envelope carries one of them, and
    /// network errors) with backoff and `Retry-After`.
    pub async fn status(&self, task_id: &str) -> Result<P::Status, Error> {
        let url = urls::endpoint(&self.base, &P::STATUS, Some(task_id))?;
        let deadline = self.clock.now() + self.retry.deadline;
        self.query(url, task_id, deadline).await
    }

    /// Reads a submitted task's status, at the URL the provider gave when it gave one on
    /// the base URL's origin.
    pub async fn status_of(&self, task: &Task) -> Result<P::Status, Error> {
        let deadline = self.clock.now() + self.retry.deadline;
        self.query(self.status_url(task)?, &task.id, deadline).await
    }

    /// The URL to query a task at: its follow URL when that is on the base URL's origin
    /// (checked on every use), else the documented status endpoint.
    fn status_url(&self, task: &Task) -> Result<Url, Error> {
        match task.follow_url.as_ref().and_then(|u| urls::same_origin(&self.base, u.as_str())) {
            Some(u) => Ok(u),
            None => {
                if task.follow_url.is_some() {
                    tracing::warn!(target: "happyhorse_client", provider = P::INFO.name, task_id = %task.id, "the task's follow URL is not on the base URL's origin; using the documented status endpoint");
                }
                urls::endpoint(&self.base, &P::STATUS, Some(&task.id))
            }
        }
    }

    async fn query(&self, url: Url, task_id: &str, deadline: Instant) -> Result<P::Status, Error> {
        let method = Method::from_bytes(P::STATUS.method.as_bytes()).unwrap_or(Method::GET);
        let mut attempt = 0;
        loop {
            attempt += 1;
            tracing::debug!(target: "happyhorse_client", provider = P::INFO.name, task_id, attempt, "querying a task");
            let outcome = self.send(self.http.request(method.clone(), url.clone())).await;
            let answer = match outcome {
                Ok(a) => a,
                Err(SendError::TooLarge { status, limit }) => {
                    return Err(Error::Decode(Box::new(DecodeFailure {
                        task_id: Some(task_id.to_owned()),
                        status,
                        path: String::new(),
                        message: format!("the answer is larger than {limit} bytes"),
                        snippet: String::new(),
                    })));
                }
                Err(SendError::NotSent(m) | SendError::Lost(m) | SendError::TimedOut(m)) => {
                    let cause = RetryCause { call: "status", why: "network error", task_id: Some(task_id) };
                    if self.wait_to_retry(attempt, self.retry.max_attempts, None, deadline, cause).await {
                        continue;
                    }
                    return Err(Error::Transport(Box::new(TransportError {
                        task_id: Some(task_id.to_owned()),
                        message: m,
                        attempts: attempt,
                        request_sent: true,
                    })));
                }
            };
            let (code, error) = if answer.is_success() {
                match self.decode_status(&answer, task_id) {
                    Ok(status) => return Ok(status),
                    // A 2xx answer carrying an error envelope: retried like that status.
                    Err(Error::Api(e)) if e.retryable => (e.status, Error::Api(e)),
                    Err(e) => return Err(e),
                }
            } else {
                (answer.status, Error::Api(Box::new(self.api_error(&answer, attempt, Some(task_id)))))
            };
            let rule = P::status_rule(code);
            let transient = TRANSIENT.contains(&code) || rule.is_some_and(|r| r.retry == RetryAdvice::Backoff);
            if transient {
                let max = rule
                    .and_then(|r| r.max_retries)
                    .map_or(self.retry.max_attempts, |n| self.retry.max_attempts.min(n + 1));
                let cause = RetryCause { call: "status", why: "transient answer", task_id: Some(task_id) };
                if self.wait_to_retry(attempt, max, Some(&answer), deadline, cause).await {
                    continue;
                }
            }
            return Err(match error {
                Error::Api(mut e) => {
                    e.attempts = attempt;
                    Error::Api(e)
                }
                other => other,
            });
        }
    }

    fn decode_status(&self, answer: &Answer, task_id: &str) -> Result<P::Status, Error> {
        let decode_error = |path: String, message: String| {
            Error::Decode(Box::new(DecodeFailure {
                task_id: Some(task_id.to_owned()),
                status: answer.status,
                path,
                message,
                snippet: self.snippet(&answer.body),
            }))
        };
        let json = super::decode::parse_body(&answer.body).map_err(|e| decode_error(e.path, e.message))?;
        if let Some(code) = error_envelope::<P>(&json) {
            let mut e = self.api_error(answer, 1, Some(task_id));
            e.status = u16::try_from(code).unwrap_or(answer.status);
            let rule = P::status_rule(e.status);
            (e.meaning, e.action, e.not_accepted) = (rule.map(|r| r.meaning), rule.map(|r| r.action), false);
            e.retryable = TRANSIENT.contains(&e.status) || rule.is_some_and(|r| r.retry == RetryAdvice::Backoff);
            return Err(Error::Api(Box::new(e)));
        }
        let status = super::decode::body::<P::Status>(&answer.body).map_err(|e| decode_error(e.path, e.message))?;
        if status.task_id() != task_id {
            return Err(decode_error(
                String::new(),
                format!("the answer is about task {:?}, not the task asked for", status.task_id()),
            ));
        }
        Ok(status)
    }

    /// A succeeded task must name its outputs when the docs say where they are.
    pub(crate) fn check_outputs(status: &P::Status) -> Result<(), Error> {
        if P::OUTPUTS_DOCUMENTED && status.phase() == TaskPhase::Succeeded && status.outputs().is_empty() {
            return Err(Error::NoResult(Box::new(super::error::NoResult {
                task_id: status.task_id().to_owned(),
                state: status.state().to_owned(),
            })));
        }
        Ok(())
    }

    /// Records a terminal state in the journal, if any (a failure to do so is logged).
    pub(crate) async fn note_terminal(&self, status: &P::Status, via: &str) {
        let Some(journal) = &self.journal else { return };
        let record = Record::Terminal {
            provider: P::INFO.module.to_owned(),
            task_id: status.task_id().to_owned(),
            state: status.state().to_owned(),
            phase: status.phase(),
            via: via.to_owned(),
            at_ms: unix_ms(self.clock.wall()),
        };
        if let Err(e) = journal.append(&record).await {
            tracing::error!(target: "happyhorse_client", provider = P::INFO.name, task_id = status.task_id(), error = %e, "cannot record a terminal state in the journal");
        }
    }
}

/// The value at a wire-name path of a JSON answer.
fn lookup<'v>(json: &'v serde_json::Value, path: &[&str]) -> Option<&'v serde_json::Value> {
    path.iter().try_fold(json, |v, k| v.get(k))
}

/// A task id at a path: a non-empty string (trimmed of nothing: ids are sent as given), or
/// an integer, which some answers use for ids.
fn read_id(json: &serde_json::Value, path: &[&str]) -> Option<String> {
    match lookup(json, path)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

/// The envelope code of a JSON answer when it is not the success code (never, for a
/// provider without an envelope: its 2xx answers are successes by their status alone).
fn error_envelope<P: Provider>(json: &serde_json::Value) -> Option<i64> {
    P::INFO.envelope.and_then(|e| e.error_code(json))
}

/// Whether a status proves the request was not accepted: the documented rows' `rejected`
/// flags (each with a recorded decision), and for unlisted statuses the spec's fallback
/// (an unknown outcome unless a doc fact says otherwise).
fn not_accepted<P: Provider>(status: u16) -> bool {
    match P::status_rule(status) {
        Some(rule) => rule.rejected,
        None => P::UNLISTED_STATUS_REJECTED,
    }
}
