//! The async client, generic over a generated [`Provider`]: `submit` validates first and is
//! never retried once the request may have reached the provider; `status` is retried on
//! transient failures with backoff, jitter and `Retry-After`; `wait` follows the documented
//! polling guidance; `download` fetches results.

mod dynamic;
mod http;
mod urls;
mod wait;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};

pub use dynamic::{BoxFuture, DynClient, DynStatus};
pub use wait::{Progress, WaitOptions};

use self::http::{Answer, SendError};
use super::clock::{Clock, SystemClock};
use super::decode::Decode;
use super::error::{ApiError, DecodeFailure, Error, OutcomeUnknown, TransportError, UnknownReason, snippet};
use super::meta::{PollingGuidance, RetryAdvice};
use super::provider::{ErrorAnswer, Provider, StatusAnswer, SubmitAnswer, SubmitBody};
use super::retry::{Jitter, RetryPolicy, retry_after};
use super::secret::ApiKey;

pub(crate) use http::describe as describe_transport;
pub(crate) use urls::{check_scheme, is_loopback};

/// The default cap on answer bodies.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Statuses a read (never a submit) is retried on, whatever the provider's table says.
const TRANSIENT: [u16; 5] = [429, 500, 502, 503, 504];

/// A submitted task. Keep its id: it is how the task is found again.
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
    /// A URL the provider gave to query the task, already checked to be on the base URL's
    /// origin.
    pub follow_url: Option<Url>,
}

impl Task {
    /// A task known by id (from your database, say), polled with `polling`.
    pub fn new(id: impl Into<String>, mode: &'static str, polling: PollingGuidance) -> Self {
        Task { id: id.into(), mode, polling, submitted_at: None, follow_url: None }
    }
}

/// Everything a client is built from, without the provider (see [`ClientBuilder`] for the
/// meaning and defaults of each). Used to build clients of any provider through
/// [`super::provider::Module::connect`].
#[derive(Clone)]
pub struct ClientSettings {
    /// The API key; `None` reads the provider's environment variable.
    pub key: Option<ApiKey>,
    /// The base URL; `None` is the documented one.
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
    /// Timeout of one whole exchange.
    pub request_timeout: Duration,
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

    /// The base URL (default: the documented one). It must be https unless the host is
    /// loopback, without credentials, query or fragment. An origin alone
    /// (`http://127.0.0.1:8080`) gets the documented base path.
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

    /// Connect timeout (default 10 s), read timeout between bytes (default 30 s) and
    /// timeout of one whole exchange (default 60 s).
    #[must_use]
    pub fn timeouts(mut self, connect: Duration, read: Duration, request: Duration) -> Self {
        self.settings.connect_timeout = connect;
        self.settings.read_timeout = read;
        self.settings.request_timeout = request;
        self
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
        let base = urls::base_url(settings.base_url.as_deref().unwrap_or(P::INFO.base_url), P::INFO.base_url)?;
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
            .read_timeout(settings.read_timeout)
            .timeout(settings.request_timeout);
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
            _p: PhantomData,
        })
    }
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

    /// A client for the documented base URL with the key from the provider's environment
    /// variable.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A client for the documented base URL with this key.
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
        tracing::warn!(
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
        let parsed = super::decode::parse_body(&answer.body).ok().and_then(|v| P::ErrorBody::decode(&v, "").ok());
        let (code, message) = match &parsed {
            Some(b) => (b.api_code(), b.api_message().map(str::to_owned)),
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

    fn unknown(&self, reason: UnknownReason, answer: Option<&Answer>, detail: Option<String>) -> Error {
        Error::SubmissionOutcomeUnknown(Box::new(OutcomeUnknown {
            reason,
            status: answer.map(|a| a.status),
            snippet: answer.filter(|a| !a.body.is_empty()).map(|a| self.snippet(&a.body)),
            task_id: None,
            detail,
        }))
    }

    /// Submits a task. Validates first: an invalid request is never sent. The request is
    /// sent again only when the answer proves it was not accepted (429, honouring
    /// `Retry-After`) or the connection was never made; any other failure after sending is
    /// [`Error::SubmissionOutcomeUnknown`], because a duplicate task is billed twice.
    pub async fn submit(&self, request: &P::Request) -> Result<Task, Error> {
        request.validate()?;
        let body = serde_json::to_vec(&request.body())
            .map_err(|e| Error::Config { message: format!("cannot serialise the request: {e}") })?;
        let url = urls::endpoint(&self.base, &P::SUBMIT, None)?;
        let method = Method::from_bytes(P::SUBMIT.method.as_bytes())
            .map_err(|_| Error::Config { message: format!("invalid method {}", P::SUBMIT.method) })?;
        let content_type = P::SUBMIT.content_type.unwrap_or("application/json");
        let deadline = self.clock.now() + self.retry.deadline;
        let mut attempt = 0;
        loop {
            attempt += 1;
            tracing::debug!(provider = P::INFO.name, mode = request.mode(), attempt, "submitting a task");
            let req =
                self.http.request(method.clone(), url.clone()).header(CONTENT_TYPE, content_type).body(body.clone());
            let answer = match http::exchange(req, self.max_body).await {
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
                Err(SendError::Lost(m)) => return Err(self.unknown(UnknownReason::ConnectionLost, None, Some(m))),
                Err(SendError::TimedOut(m)) => return Err(self.unknown(UnknownReason::Timeout, None, Some(m))),
                Err(SendError::TooLarge { status, limit }) => {
                    return Err(Error::SubmissionOutcomeUnknown(Box::new(OutcomeUnknown {
                        reason: UnknownReason::BodyTooLarge { limit },
                        status: Some(status),
                        snippet: None,
                        task_id: None,
                        detail: None,
                    })));
                }
            };
            if answer.is_success() {
                return self.accepted(request, &answer);
            }
            if answer.status == 429 {
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
            return Err(self.unknown(reason, Some(&answer), None));
        }
    }

    /// A 2xx answer to a submit: a task, an error envelope, or an unknown outcome.
    fn accepted(&self, request: &P::Request, answer: &Answer) -> Result<Task, Error> {
        let Ok(json) = super::decode::parse_body(&answer.body) else {
            return Err(self.unknown(UnknownReason::NotJson, Some(answer), None));
        };
        if let Some(code) = error_envelope::<P>(&json) {
            if not_accepted::<P>(u16::try_from(code).unwrap_or(0)) {
                let mut e = self.api_error(answer, 1, None);
                e.status = u16::try_from(code).unwrap_or(answer.status);
                e.not_accepted = true;
                let rule = P::status_rule(e.status);
                (e.meaning, e.action) = (rule.map(|r| r.meaning), rule.map(|r| r.action));
                return Err(Error::Api(Box::new(e)));
            }
            return Err(self.unknown(UnknownReason::UnexpectedEnvelope { code }, Some(answer), None));
        }
        let submitted = match P::Submitted::decode(&json, "") {
            Ok(s) if !s.task_id().trim().is_empty() => s,
            Ok(_) => {
                let reason = UnknownReason::NoTaskId { path: String::new(), message: "the task id is empty".into() };
                return Err(self.unknown(reason, Some(answer), None));
            }
            Err(e) => {
                return Err(self.unknown(
                    UnknownReason::NoTaskId { path: e.path, message: e.message },
                    Some(answer),
                    None,
                ));
            }
        };
        let follow_url = submitted.follow_url().and_then(|u| {
            let url = urls::same_origin(&self.base, u);
            if url.is_none() {
                tracing::warn!(
                    provider = P::INFO.name,
                    "the answer's task URL is not on the base URL's origin; using the documented status endpoint"
                );
            }
            url
        });
        let id = submitted.task_id().to_owned();
        tracing::info!(provider = P::INFO.name, task_id = %id, "task submitted");
        Ok(Task {
            id,
            mode: request.mode(),
            polling: request.polling(),
            submitted_at: Some(self.clock.now()),
            follow_url,
        })
    }

    /// Reads a task's status, retrying transient failures (429, 500, 502, 503, 504, the
    /// documented retryable statuses, and network errors) with backoff and `Retry-After`.
    pub async fn status(&self, task_id: &str) -> Result<P::Status, Error> {
        let url = urls::endpoint(&self.base, &P::STATUS, Some(task_id))?;
        let deadline = self.clock.now() + self.retry.deadline;
        self.query(url, task_id, deadline).await
    }

    /// Reads a submitted task's status, at the URL the provider gave when it gave one.
    pub async fn status_of(&self, task: &Task) -> Result<P::Status, Error> {
        let deadline = self.clock.now() + self.retry.deadline;
        self.query(self.status_url(task)?, &task.id, deadline).await
    }

    fn status_url(&self, task: &Task) -> Result<Url, Error> {
        match &task.follow_url {
            Some(u) => Ok(u.clone()),
            None => urls::endpoint(&self.base, &P::STATUS, Some(&task.id)),
        }
    }

    async fn query(&self, url: Url, task_id: &str, deadline: Instant) -> Result<P::Status, Error> {
        let method = Method::from_bytes(P::STATUS.method.as_bytes()).unwrap_or(Method::GET);
        let mut attempt = 0;
        loop {
            attempt += 1;
            tracing::debug!(provider = P::INFO.name, task_id, attempt, "querying a task");
            let outcome = http::exchange(self.http.request(method.clone(), url.clone()), self.max_body).await;
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
            if answer.is_success() {
                return self.decode_status(&answer, task_id);
            }
            let rule = P::status_rule(answer.status);
            let transient = TRANSIENT.contains(&answer.status) || rule.is_some_and(|r| r.retry == RetryAdvice::Backoff);
            if transient {
                let max = rule
                    .and_then(|r| r.max_retries)
                    .map_or(self.retry.max_attempts, |n| self.retry.max_attempts.min(n + 1));
                let cause = RetryCause { call: "status", why: "transient answer", task_id: Some(task_id) };
                if self.wait_to_retry(attempt, max, Some(&answer), deadline, cause).await {
                    continue;
                }
            }
            return Err(Error::Api(Box::new(self.api_error(&answer, attempt, Some(task_id)))));
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
            e.retryable = rule.is_some_and(|r| r.retry == RetryAdvice::Backoff);
            return Err(Error::Api(Box::new(e)));
        }
        let status = P::Status::decode(&json, "").map_err(|e| decode_error(e.path, e.message))?;
        if status.task_id() != task_id {
            return Err(decode_error(
                String::new(),
                format!("the answer is about task {:?}, not the task asked for", status.task_id()),
            ));
        }
        Ok(status)
    }
}

/// The envelope code of a JSON answer when it is not the success code.
fn error_envelope<P: Provider>(json: &serde_json::Value) -> Option<i64> {
    let body = P::ErrorBody::decode(json, "").ok()?;
    body.api_code().filter(|c| *c != P::INFO.success_code)
}

/// Whether a status proves the request was not accepted: the documented rejection rows,
/// and any other 4xx except 408 (a client error the server refused to process).
fn not_accepted<P: Provider>(status: u16) -> bool {
    match P::status_rule(status) {
        Some(rule) => rule.rejected,
        None => (400..500).contains(&status) && status != 408,
    }
}
