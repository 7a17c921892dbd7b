//! Receiving webhooks: decode a delivery into the same typed status as polling, and tell a
//! first delivery from a redelivery (a provider that redelivers when it gets no timely
//! `200` can deliver one task more than once).

use std::collections::{HashSet, VecDeque};
use std::marker::PhantomData;
use std::sync::{Mutex, PoisonError};

use super::decode::{Decode, DecodeError};
use super::meta::CallbackRules;
use super::provider::{CallbackProvider, StatusAnswer};

/// The query parameter of the callback URL that carries the per-task token.
pub const TOKEN_PARAM: &str = "hh_token";

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

    /// Forgets `key`, so its next delivery counts as first (call it when handling a
    /// delivery failed and you want the provider's redelivery to be processed).
    pub fn forget(&self, key: &str) {
        let mut guard = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let (set, order) = &mut *guard;
        if set.remove(key) {
            order.retain(|k| k != key);
        }
    }
}

/// A decoded webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery<T> {
    /// The first delivery of this task state.
    First(T),
    /// A redelivery of a task state already received: answer `200` and do nothing else.
    Repeat(T),
}

impl<T> Delivery<T> {
    /// The payload, first or not.
    pub fn into_inner(self) -> T {
        match self {
            Delivery::First(t) | Delivery::Repeat(t) => t,
        }
    }
}

/// Decodes and deduplicates webhook deliveries of a provider. Answer every delivery that
/// decodes with `200` quickly (see [`WebhookReceiver::rules`]), first or repeat.
#[derive(Debug)]
pub struct WebhookReceiver<P: CallbackProvider> {
    seen: Deduper,
    _p: PhantomData<fn() -> P>,
}

impl<P: CallbackProvider> Default for WebhookReceiver<P> {
    fn default() -> Self {
        WebhookReceiver::new(10_000)
    }
}

impl<P: CallbackProvider> WebhookReceiver<P> {
    /// A receiver remembering the last `capacity` deliveries.
    pub fn new(capacity: usize) -> Self {
        WebhookReceiver { seen: Deduper::new(capacity), _p: PhantomData }
    }

    /// The provider's delivery rules (method, expected status, time limit, redeliveries).
    pub fn rules() -> CallbackRules {
        P::CALLBACKS
    }

    /// The dedup key of a payload: its task id and state.
    pub fn key(payload: &P::Payload) -> String {
        format!("{}\u{0}{}", payload.task_id(), payload.state())
    }

    /// Decodes a delivery's body and says whether it is the first of its task state.
    pub fn receive(&self, body: &[u8]) -> Result<Delivery<P::Payload>, DecodeError> {
        let json = super::decode::parse_body(body)?;
        let payload = P::Payload::decode(&json, "")?;
        if self.seen.first(&Self::key(&payload)) { Ok(Delivery::First(payload)) } else { Ok(Delivery::Repeat(payload)) }
    }

    /// Forgets a payload, so a redelivery is processed again.
    pub fn forget(&self, payload: &P::Payload) {
        self.seen.forget(&Self::key(payload));
    }
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
}
