//! Descriptions of a provider that generated modules fill in from the spec: endpoints,
//! the HTTP status table, polling guidance, callbacks, media rules.

use std::time::Duration;

/// Who a generated module talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderInfo {
    /// Display name of the provider.
    pub name: &'static str,
    /// The generated module's name.
    pub module: &'static str,
    /// Endpoint family, `happyHorse`.
    pub family: &'static str,
    /// Documented base URL; operation paths are relative to it.
    pub base_url: &'static str,
    /// Environment variable a base URL is read from when the builder is given none: a
    /// switch to a simulator or proxy without code changes. Not from the docs: the spec
    /// records it as a decision (`[provider] base_url_env`).
    pub base_url_env: Option<&'static str>,
    /// Header carrying the API key.
    pub auth_header: &'static str,
    /// Environment variable the API key is read from.
    pub api_key_env: &'static str,
    /// The `{code, message}` envelope around every answer, when the provider has one; `None`
    /// when answers carry their fields at the top level and success is the HTTP status
    /// alone.
    pub envelope: Option<Envelope>,
    /// The spec file the module was generated from.
    pub spec_file: &'static str,
    /// SHA-256 of that spec file.
    pub spec_sha256: &'static str,
}

/// The envelope a provider wraps every answer in: a code (success, or an error code in a
/// 2xx answer) and a message at the root of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// Key of the code at the root of an answer, `code`.
    pub code: &'static str,
    /// Key of the message at the root of an answer, `message`.
    pub message: &'static str,
    /// The code of a successful answer (`200` or `0`, as documented).
    pub success_code: i64,
}

impl Envelope {
    /// The code of a JSON answer when it is an integer other than the success code: the
    /// answer is an error, whatever its HTTP status.
    pub fn error_code(&self, answer: &serde_json::Value) -> Option<i64> {
        let code = super::read::integer(answer.get(self.code)?)?;
        (code != self.success_code).then_some(code)
    }
}

/// Where an operation takes the task id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdParam {
    /// A query parameter of this name (`?taskId=`).
    Query(&'static str),
    /// A path placeholder of this name (`{task_id}`).
    Path(&'static str),
}

/// An HTTP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// The operation's key in the spec (`submit`, `status`, `r2v`).
    pub key: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template relative to the base URL.
    pub path: &'static str,
    /// Content type of the request body, when there is one.
    pub content_type: Option<&'static str>,
    /// Where the task id goes, for operations that take one.
    pub id_param: Option<IdParam>,
    /// Creates a paid task: never retried once it may have reached the provider.
    pub creates_task: bool,
}

/// What the docs say to do after an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAdvice {
    /// Do not retry as is (fix the request, the key or the balance first).
    Never,
    /// Retry with exponential backoff.
    Backoff,
}

/// One row of a provider's HTTP status table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRule {
    /// The status code.
    pub status: u16,
    /// What it means, from the docs.
    pub meaning: &'static str,
    /// What to do, from the docs.
    pub action: &'static str,
    /// Retry advice.
    pub retry: RetryAdvice,
    /// At most this many retries, when the docs give a number.
    pub max_retries: Option<u32>,
    /// The answer proves the task was not created, so a submit can be sent again.
    pub rejected: bool,
}

/// Where a task is in its life, as far as waiting is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskPhase {
    /// Not finished: keep polling.
    Pending,
    /// Finished with a result.
    Succeeded,
    /// Finished without a result.
    Failed,
}

impl TaskPhase {
    /// Succeeded or failed.
    pub fn is_terminal(self) -> bool {
        !matches!(self, TaskPhase::Pending)
    }
}

/// The documented polling schedule of one mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollingGuidance {
    /// The mode, `text-to-video` (or `default`).
    pub mode: &'static str,
    /// Recommended delay between task creation and the first poll.
    pub first_poll: Duration,
    /// Recommended interval between polls: lower bound.
    pub interval_min: Duration,
    /// Recommended interval between polls: upper bound (equal to the lower when the docs
    /// give one number).
    pub interval_max: Duration,
}

/// How a provider delivers webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackRules {
    /// HTTP method of the delivery.
    pub method: &'static str,
    /// Status the receiver answers to acknowledge a delivery (when any 2xx acknowledges it,
    /// `200`).
    pub ack_status: u16,
    /// Any 2xx status acknowledges a delivery, not only [`CallbackRules::ack_status`].
    pub ack_any_2xx: bool,
    /// Within this time.
    pub ack_within: Duration,
    /// Deliveries are retried up to this many times when not acknowledged, so one task can
    /// arrive more than once.
    pub max_redeliveries: u32,
    /// The documented delay before each redelivery (as many as `max_redeliveries`), when
    /// the docs give a schedule; empty otherwise.
    pub retry_schedule: &'static [Duration],
    /// The top-level request key carrying the callback URL, where the client adds its
    /// per-task token ([`crate::webhook::TOKEN_PARAM`]).
    pub url_field: Option<&'static str>,
}

impl CallbackRules {
    /// Whether the provider takes `status` as the acknowledgement of a delivery (no
    /// redelivery follows).
    pub fn acknowledges(&self, status: u16) -> bool {
        if self.ack_any_2xx { (200..=299).contains(&status) } else { status == self.ack_status }
    }

    /// The documented delay before redelivery `n` (1 for the first redelivery), when the
    /// docs give a schedule; `None` past the last redelivery or without a schedule.
    pub fn redelivery_delay(&self, n: u32) -> Option<Duration> {
        let i = usize::try_from(n.checked_sub(1)?).ok()?;
        self.retry_schedule.get(i).copied()
    }

    /// With a documented schedule: how long after the first delivery attempt the last
    /// redelivery can still arrive, when no attempt is acknowledged (each attempt waits up
    /// to `ack_within` for the answer, then the next delay). A delivery store must remember
    /// a task at least this long to recognise every redelivery. `None` without a schedule.
    pub fn redelivery_window(&self) -> Option<Duration> {
        if self.retry_schedule.is_empty() {
            return None;
        }
        let waits: Duration = self.retry_schedule.iter().sum();
        Some(waits + self.ack_within * self.max_redeliveries)
    }
}

/// Where the task facts are in a raw submit answer, as wire-name paths (`["data",
/// "taskId"]`): read before the answer is decoded, so an answer that differs elsewhere from
/// the docs never loses a paid task's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskPaths {
    /// The task id.
    pub submit_id: &'static [&'static str],
    /// The absolute URL to query the task with, when the provider gives one.
    pub follow: Option<&'static [&'static str]>,
}

/// Requirements on media behind a URL, which only a fetch can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaRules {
    /// Accepted formats (lower-case extensions / subtypes).
    pub formats: &'static [&'static str],
    /// Minimum length of the shorter image edge, in pixels.
    pub min_short_edge_px: Option<u32>,
    /// Minimum image width, in pixels.
    pub min_width_px: Option<u32>,
    /// Minimum image height, in pixels.
    pub min_height_px: Option<u32>,
    /// The allowed width:height ratios.
    pub aspect: Option<AspectRange>,
    /// Maximum file size, in bytes.
    pub max_bytes: u64,
}

/// An inclusive range of width:height ratios, as exact fractions (`1:2.5` is `(2, 5)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AspectRange {
    /// The narrowest ratio, `(width, height)`.
    pub min: (u64, u64),
    /// The widest ratio, `(width, height)`.
    pub max: (u64, u64),
    /// The narrowest ratio as the docs write it, `1:2.5`.
    pub min_text: &'static str,
    /// The widest ratio as the docs write it, `2.5:1`.
    pub max_text: &'static str,
}

impl AspectRange {
    /// Whether a `width` x `height` image is inside the range (compared exactly, without
    /// floating point).
    pub fn contains(&self, width: u32, height: u32) -> bool {
        let (w, h) = (u128::from(width), u128::from(height));
        // min.0/min.1 <= w/h <= max.0/max.1
        u128::from(self.min.0) * h <= w * u128::from(self.min.1)
            && w * u128::from(self.max.1) <= u128::from(self.max.0) * h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEDULE: &[Duration] = &[Duration::from_secs(10), Duration::from_secs(60), Duration::from_secs(300)];

    fn rules(ack_any_2xx: bool, retry_schedule: &'static [Duration]) -> CallbackRules {
        CallbackRules {
            method: "POST",
            ack_status: 200,
            ack_any_2xx,
            ack_within: Duration::from_secs(5),
            max_redeliveries: u32::try_from(retry_schedule.len()).unwrap_or(0),
            retry_schedule,
            url_field: None,
        }
    }

    #[test]
    fn an_exact_acknowledgement_is_one_status_and_any_2xx_is_the_class() {
        let exact = rules(false, &[]);
        assert!(exact.acknowledges(200));
        assert!(!exact.acknowledges(204), "the docs name 200 only");
        let any = rules(true, &[]);
        for s in [200, 201, 202, 204, 299] {
            assert!(any.acknowledges(s), "{s}");
        }
        for s in [199, 300, 302, 400, 500] {
            assert!(!any.acknowledges(s), "{s}");
        }
    }

    #[test]
    fn the_schedule_gives_each_redelivery_delay_and_the_window() {
        let r = rules(false, SCHEDULE);
        assert_eq!(r.redelivery_delay(0), None);
        assert_eq!(r.redelivery_delay(1), Some(Duration::from_secs(10)));
        assert_eq!(r.redelivery_delay(3), Some(Duration::from_secs(300)));
        assert_eq!(r.redelivery_delay(4), None, "three redeliveries, then none");
        // 10 + 60 + 300 s of delays, and up to 5 s waiting on each of the 3 redeliveries.
        assert_eq!(r.redelivery_window(), Some(Duration::from_secs(385)));
        assert_eq!(rules(false, &[]).redelivery_window(), None);
    }

    #[test]
    fn an_envelope_error_is_an_integer_other_than_the_success_code() {
        let e = Envelope { code: "code", message: "message", success_code: 0 };
        assert_eq!(e.error_code(&serde_json::json!({"code": 0})), None);
        assert_eq!(e.error_code(&serde_json::json!({"code": 400})), Some(400));
        assert_eq!(e.error_code(&serde_json::json!({"code": 400.0})), Some(400));
        assert_eq!(e.error_code(&serde_json::json!({"code": "400"})), None, "not an integer code");
        assert_eq!(e.error_code(&serde_json::json!({"data": {}})), None);
    }
}
