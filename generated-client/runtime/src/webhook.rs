//! Receiving webhooks, verified by default. A delivery is a hint; the status answer is the
//! truth: [`WebhookReceiver`] decodes a delivery, checks its per-task token when the journal
//! has one, then queries the task's status with the client and reports the *queried* status,
//! only when it confirms the delivery. Anyone who knows a task id can POST a fake `success`
//! with their own result URLs; it never reaches the application, and so it can never make
//! the genuine delivery look like a repeat.
//!
//! Deduplication (a provider that redelivers when it gets no timely `200` can deliver one
//! task more than once) goes through a [`DeliveryStore`]: in memory ([`MemoryDeliveries`]),
//! the journal file ([`JournalDeliveries`], shared by every process on the machine), or
//! PostgreSQL (`postgres::PgDeliveries`, cargo feature `postgres`) for receivers that run as
//! several replicas. Keys are claimed only after verification.
//!
//! In your HTTP handler (any framework): pass the query string and the body, answer with
//! the status the receiver says.
//!
//! ```no_run
//! use happyhorse_runtime::provider::{CallbackProvider, StatusAnswer};
//! use happyhorse_runtime::{Client, Delivery, WebhookReceiver};
//!
//! /// Returns the HTTP status to answer the delivery with (`P`: a generated module's `Api`
//! /// whose provider delivers webhooks).
//! async fn on_webhook<P: CallbackProvider>(receiver: &WebhookReceiver<P>, query: Option<&str>, body: &[u8]) -> u16 {
//!     match receiver.receive(query, body).await {
//!         Ok(Delivery::First(status)) => {
//!             // Verified with the provider: the outputs are the provider's, not the caller's.
//!             for output in status.outputs() {
//!                 println!("task {} produced {}", status.task_id(), output.url);
//!             }
//!             200
//!         }
//!         Ok(Delivery::Repeat(_)) => 200, // already handled
//!         Err(rejection) => {
//!             eprintln!("{rejection}");
//!             rejection.http_status()
//!         }
//!     }
//! }
//!
//! async fn serve<P: CallbackProvider>() -> Result<(), happyhorse_runtime::Error> {
//!     // Built once; its client's journal (if any) holds the per-task tokens and the dedup.
//!     let client = Client::<P>::builder().journal_file("/var/lib/myapp/happyhorse.jsonl")?.build()?;
//!     let receiver = WebhookReceiver::new(client);
//!     let status = on_webhook(&receiver, Some("hh_token=..."), b"{}").await;
//!     # let _ = status;
//!     Ok(())
//! }
//! ```

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

use super::client::{BoxFuture, Client};
use super::decode::DecodeError;
use super::error::Error;
use super::journal::{Journal, Record, unix_ms};
use super::meta::{CallbackRules, TaskPhase};
use super::provider::{CallbackProvider, Provider, StatusAnswer};

#[cfg(feature = "postgres")]
pub mod postgres;

/// The query parameter of the callback URL that carries the per-task token.
pub const TOKEN_PARAM: &str = "hh_token";

/// The largest delivery body accepted by default (a status answer is a few KiB).
pub const DEFAULT_MAX_DELIVERY_BYTES: usize = 256 * 1024;

/// The dedup key of a task state: provider module, task id and state.
pub fn delivery_key(provider: &str, task_id: &str, state: &str) -> String {
    format!("{provider}\u{1f}{task_id}\u{1f}{state}")
}

/// Remembers the last `capacity` keys seen; older keys are forgotten first.
#[derive(Debug)]
pub struct Deduper {
    seen: Mutex<(HashSet<String>, VecDeque<String>)>,
    capacity: usize,
}

impl Deduper {
    /// Remembers at most `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Self {
        Deduper { seen: Mutex::new((HashSet::new(), VecDeque::new())), capacity: capacity.max(1) }
    }

    /// True the first time `key` is offered (while remembered), false after.
    pub fn first(&self, key: &str) -> bool {
        let mut guard = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let (set, order) = &mut *guard;
        if set.contains(key) {
            return false;
        }
        if order.len() == self.capacity
            && let Some(old) = order.pop_front()
        {
            set.remove(&old);
        }
        set.insert(key.to_owned());
        order.push_back(key.to_owned());
        true
    }

    /// Forgets `key`, so its next delivery counts as first.
    pub fn forget(&self, key: &str) {
        let mut guard = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let (set, order) = &mut *guard;
        if set.remove(key) {
            order.retain(|k| k != key);
        }
    }
}

/// A delivery store failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    /// What failed.
    pub message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "delivery store: {}", self.message)
    }
}

impl std::error::Error for StoreError {}

/// Where verified deliveries are deduplicated: the first claim of a key wins, everywhere the
/// store is shared.
pub trait DeliveryStore: Send + Sync + fmt::Debug {
    /// Claims `key`: true for the first claim (process the delivery), false after.
    fn claim<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Gives a claim up (handling failed), so the next delivery of the key is processed.
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// Dedup in this process's memory, remembering the last `capacity` keys.
#[derive(Debug)]
pub struct MemoryDeliveries(Deduper);

impl MemoryDeliveries {
    /// A store remembering at most `capacity` keys.
    pub fn new(capacity: usize) -> Self {
        MemoryDeliveries(Deduper::new(capacity))
    }
}

impl DeliveryStore for MemoryDeliveries {
    fn claim<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move { Ok(self.0.first(key)) })
    }
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.0.forget(key);
            Ok(())
        })
    }
}

/// Dedup in the task journal: a claim is a journal record, and the first claim of a key in
/// journal order wins, so every process appending to the same journal file agrees.
#[derive(Debug, Clone)]
pub struct JournalDeliveries {
    journal: Arc<Journal>,
}

impl JournalDeliveries {
    /// A store in `journal` (a client's, see [`Client::journal`]).
    pub fn new(journal: Arc<Journal>) -> Self {
        JournalDeliveries { journal }
    }
}

fn store_error(e: impl fmt::Display) -> StoreError {
    StoreError { message: e.to_string() }
}

fn now_ms() -> u64 {
    unix_ms(std::time::SystemTime::now())
}

impl DeliveryStore for JournalDeliveries {
    fn claim<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let claim = super::token::random_hex(16).map_err(store_error)?;
            let record = Record::Claim { key: key.to_owned(), claim: claim.clone(), at_ms: now_ms() };
            self.journal.append(&record).await.map_err(store_error)?;
            self.journal.with_ledger(|l| l.claim_owner(key) == Some(claim.as_str())).await.map_err(store_error)
        })
    }
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let owner =
                self.journal.with_ledger(|l| l.claim_owner(key).map(str::to_owned)).await.map_err(store_error)?;
            let Some(claim) = owner else { return Ok(()) };
            let record = Record::Release { key: key.to_owned(), claim, at_ms: now_ms() };
            self.journal.append(&record).await.map_err(store_error)
        })
    }
}

/// A verified webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery<T> {
    /// The first verified delivery of this task state: handle it.
    First(T),
    /// A redelivery of a task state already handled: answer `200` and do nothing else.
    Repeat(T),
}

impl<T> Delivery<T> {
    /// The status, first or not.
    pub fn into_inner(self) -> T {
        match self {
            Delivery::First(t) | Delivery::Repeat(t) => t,
        }
    }
}

/// Why a delivery was not passed on. [`Rejection::http_status`] is what to answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum Rejection {
    /// The body is larger than the limit.
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The body is not a delivery of this provider.
    Malformed(DecodeError),
    /// The delivery is not genuine: a wrong or missing token, a task the provider does not
    /// know, or a state the provider contradicts.
    Forged {
        /// The task the delivery named.
        task_id: String,
        /// Why.
        reason: String,
    },
    /// The provider's status does not (yet) confirm the delivered state; a genuine
    /// delivery is redelivered when it is not acknowledged.
    Unconfirmed {
        /// The task.
        task_id: String,
        /// The state delivered.
        delivered: String,
        /// The state the provider reports.
        actual: String,
    },
    /// The status could not be queried (network or provider trouble); answer an error so
    /// the provider redelivers.
    Unverified(Error),
    /// The provider confirms the task succeeded, but names no output.
    NoResult(Error),
    /// The delivery store failed.
    Store(StoreError),
}

impl Rejection {
    /// The HTTP status to answer: 413, 400, 403, or 503 for what a redelivery may fix
    /// (unconfirmed, unverified, store trouble); 200 for a genuine task without output
    /// (a redelivery cannot fix it).
    pub fn http_status(&self) -> u16 {
        match self {
            Rejection::TooLarge { .. } => 413,
            Rejection::Malformed(_) => 400,
            Rejection::Forged { .. } => 403,
            Rejection::Unconfirmed { .. } | Rejection::Unverified(_) | Rejection::Store(_) => 503,
            Rejection::NoResult(_) => 200,
        }
    }

    /// The task the delivery named, when it could be read.
    pub fn task_id(&self) -> Option<&str> {
        match self {
            Rejection::Forged { task_id, .. } | Rejection::Unconfirmed { task_id, .. } => Some(task_id),
            Rejection::Unverified(e) | Rejection::NoResult(e) => e.task_id(),
            _ => None,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::TooLarge { size, limit } => {
                write!(f, "webhook delivery of {size} bytes refused: larger than the {limit}-byte limit")
            }
            Rejection::Malformed(e) => write!(f, "webhook delivery refused: not a delivery of this provider: {e}"),
            Rejection::Forged { task_id, reason } => {
                write!(f, "webhook delivery for task {task_id} refused as not genuine: {reason}")
            }
            Rejection::Unconfirmed { task_id, delivered, actual } => write!(
                f,
                "webhook delivery for task {task_id} says {delivered:?} but the provider reports {actual:?}; not passed on"
            ),
            Rejection::Unverified(e) => write!(f, "webhook delivery could not be verified: {e}"),
            Rejection::NoResult(e) => write!(f, "webhook delivery verified, but: {e}"),
            Rejection::Store(e) => write!(f, "webhook delivery verified, but {e}"),
        }
    }
}

impl std::error::Error for Rejection {}

/// The token in a callback URL's query string, if any.
fn token_of(query: Option<&str>) -> Option<String> {
    let q = query?.trim_start_matches('?');
    url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == TOKEN_PARAM).map(|(_, v)| v.into_owned())
}

/// Verifies and deduplicates webhook deliveries of a provider (see the module docs).
/// Answer a delivery with the provider's acknowledgement status ([`WebhookReceiver::rules`])
/// when `receive` returns `Ok` (first or repeat), and with [`Rejection::http_status`] when
/// it does not.
pub struct WebhookReceiver<P: CallbackProvider> {
    client: Client<P>,
    store: Arc<dyn DeliveryStore>,
    max_body: usize,
    require_token: bool,
    _p: PhantomData<fn() -> P>,
}

impl<P: CallbackProvider> fmt::Debug for WebhookReceiver<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("client", &self.client)
            .field("store", &self.store)
            .field("max_body", &self.max_body)
            .field("require_token", &self.require_token)
            .finish()
    }
}

impl<P: CallbackProvider> WebhookReceiver<P>
where
    P::Status: Send,
{
    /// A receiver verifying deliveries with `client`. Dedup goes to the client's journal
    /// when it has one (shared by every process using the file), else to this process's
    /// memory (the last 10,000 keys); see [`WebhookReceiver::with_store`].
    pub fn new(client: Client<P>) -> Self {
        let store: Arc<dyn DeliveryStore> = match client.journal() {
            Some(j) => Arc::new(JournalDeliveries::new(j.clone())),
            None => Arc::new(MemoryDeliveries::new(10_000)),
        };
        WebhookReceiver { client, store, max_body: DEFAULT_MAX_DELIVERY_BYTES, require_token: false, _p: PhantomData }
    }

    /// Dedups through `store` (share one store between the replicas of a receiver).
    #[must_use]
    pub fn with_store(mut self, store: Arc<dyn DeliveryStore>) -> Self {
        self.store = store;
        self
    }

    /// Refuses deliveries whose task has no token in the journal (tasks submitted
    /// elsewhere). Off by default: the status query alone verifies those.
    #[must_use]
    pub fn require_token(mut self, require: bool) -> Self {
        self.require_token = require;
        self
    }

    /// The largest body accepted (default 256 KiB).
    #[must_use]
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body = n;
        self
    }

    /// The provider's delivery rules (method, expected status, time limit, redeliveries).
    pub fn rules() -> CallbackRules {
        P::CALLBACKS
    }

    /// The dedup key of a status.
    pub fn key(status: &P::Status) -> String {
        delivery_key(P::INFO.module, status.task_id(), status.state())
    }

    /// Verifies one delivery. `query` is the query string of the URL it was delivered to
    /// (it carries the task's token when the client added one), `body` its body. On `Ok`,
    /// the value is the provider's *queried* status, not the delivered payload.
    pub async fn receive(&self, query: Option<&str>, body: &[u8]) -> Result<Delivery<P::Status>, Rejection> {
        if body.len() > self.max_body {
            return Err(Rejection::TooLarge { size: body.len(), limit: self.max_body });
        }
        let payload = super::decode::body::<P::Payload>(body).map_err(Rejection::Malformed)?;
        let task_id = payload.task_id().to_owned();
        let forged = |reason: String| Rejection::Forged { task_id: task_id.clone(), reason };
        if !payload.phase().is_terminal() {
            return Err(forged(format!("deliveries carry a final state; {:?} is not one", payload.state())));
        }

        // The per-task token, when the journal has one for this task.
        let given = token_of(query);
        let (expected, unknown_match) = match self.client.journal() {
            Some(j) => {
                let g = given.clone();
                j.with_ledger(|l| {
                    let expected = l.token_for_task(P::INFO.module, &task_id).map(str::to_owned);
                    // A token of a submission whose outcome is unknown names that submission.
                    let unknown = g.as_deref().and_then(|g| {
                        l.submissions()
                            .find(|s| {
                                s.provider == P::INFO.module
                                    && s.blocks_resubmit()
                                    && s.token
                                        .as_deref()
                                        .is_some_and(|t| super::token::constant_time_eq(t.as_bytes(), g.as_bytes()))
                            })
                            .map(|s| s.id.clone())
                    });
                    (expected, unknown)
                })
                .await
                .map_err(|e| Rejection::Store(store_error(e)))?
            }
            None => (None, None),
        };
        match (&expected, &given) {
            (Some(e), Some(g)) if super::token::constant_time_eq(e.as_bytes(), g.as_bytes()) => {}
            (Some(_), Some(_)) => return Err(forged("the callback token does not match the task's".into())),
            (Some(_), None) => return Err(forged("the callback URL carries no token, and the task has one".into())),
            (None, _) if self.require_token && unknown_match.is_none() => {
                return Err(forged("no token is recorded for this task, and tokens are required".into()));
            }
            (None, _) => {}
        }

        // The status answer is the truth.
        let status = match self.client.status(&task_id).await {
            Ok(s) => s,
            Err(Error::Config { message }) => return Err(forged(message)),
            Err(e) if e.is_retryable() => return Err(Rejection::Unverified(e)),
            Err(e) => return Err(forged(format!("the provider does not confirm the task: {e}"))),
        };
        if status.state() != payload.state() {
            if status.phase() == TaskPhase::Pending {
                return Err(Rejection::Unconfirmed {
                    task_id,
                    delivered: payload.state().to_owned(),
                    actual: status.state().to_owned(),
                });
            }
            return Err(forged(format!("it says {:?}, the provider reports {:?}", payload.state(), status.state())));
        }
        Client::<P>::check_outputs(&status).map_err(Rejection::NoResult)?;

        if !self.store.claim(&Self::key(&status)).await.map_err(Rejection::Store)? {
            return Ok(Delivery::Repeat(status));
        }
        self.client.note_terminal(&status, "webhook").await;
        if let (Some(journal), Some(sub)) = (self.client.journal(), unknown_match) {
            // A verified delivery with the token of an unknown submission: it created this task.
            let record = Record::Resolved { submission: sub, task_id: Some(task_id.clone()), at_ms: now_ms() };
            if let Err(e) = journal.append(&record).await {
                tracing::error!(target: "happyhorse_client", task_id = %task_id, error = %e, "cannot record a resolved submission in the journal");
            }
        }
        Ok(Delivery::First(status))
    }

    /// Gives up the claim of a status (its handling failed), so the provider's redelivery
    /// is processed again.
    pub async fn release(&self, status: &P::Status) -> Result<(), StoreError> {
        self.store.release(&Self::key(status)).await
    }
}

/// The top-level request key that carries the callback URL, if the provider has one.
pub(crate) fn callback_url_field<P: Provider>() -> Option<&'static str> {
    P::CALLBACK_URL_FIELD
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_is_bounded_and_forgets_oldest_first() {
        let d = Deduper::new(2);
        assert!(d.first("a"));
        assert!(!d.first("a"));
        assert!(d.first("b"));
        assert!(d.first("c"), "evicts a");
        assert!(d.first("a"), "a was forgotten");
        assert!(!d.first("c"));
        d.forget("c");
        assert!(d.first("c"));
    }

    #[test]
    fn tokens_are_read_from_the_query() {
        assert_eq!(token_of(Some("a=1&hh_token=abc%20d")), Some("abc d".into()));
        assert_eq!(token_of(Some("?hh_token=x")), Some("x".into()));
        assert_eq!(token_of(Some("a=1")), None);
        assert_eq!(token_of(None), None);
    }
}
