//! What the runtime needs to know about a provider, as traits the generated modules
//! implement: the endpoints and status table (from the spec), the request body, and views
//! of the answers (task id, state, failure, outputs). The client is generic over
//! [`Provider`]; no provider is named here.

use serde_json::Value;

use super::decode::Decode;
use super::meta::{CallbackRules, Endpoint, PollingGuidance, ProviderInfo, StatusRule, TaskPhase};
use super::violation::Violations;

/// A provider endpoint family, implemented by the generated `Api` type of each module.
pub trait Provider: Send + Sync + 'static {
    /// The submit request body.
    type Request: SubmitBody;
    /// The submit answer.
    type Submitted: Decode + SubmitAnswer + Send;
    /// The status answer.
    type Status: Decode + StatusAnswer + Send;
    /// The body of an error answer.
    type ErrorBody: Decode + ErrorAnswer;

    /// Name, base URL, authentication, envelope success code.
    const INFO: ProviderInfo;
    /// The operation that creates a task.
    const SUBMIT: Endpoint;
    /// The operation that reads a task.
    const STATUS: Endpoint;
    /// The documented HTTP status table.
    const HTTP_STATUSES: &'static [StatusRule];

    /// The documented row for a status, if any.
    fn status_rule(status: u16) -> Option<&'static StatusRule> {
        Self::HTTP_STATUSES.iter().find(|r| r.status == status)
    }
}

/// A provider that delivers results by webhook.
pub trait CallbackProvider: Provider {
    /// The webhook body.
    type Payload: Decode + StatusAnswer + Send;
    /// How deliveries are made and retried.
    const CALLBACKS: CallbackRules;
}

/// A submit request body.
pub trait SubmitBody: Send + Sync {
    /// Every documented rule the value breaks, or `Ok`.
    fn validate(&self) -> Result<(), Violations>;
    /// The documented polling guidance for the request's mode.
    fn polling(&self) -> PollingGuidance;
    /// The request's mode (`default` when the endpoint has one).
    fn mode(&self) -> &'static str;
    /// The JSON body.
    fn body(&self) -> Value;
}

/// The answer to a submit.
pub trait SubmitAnswer {
    /// The new task's id.
    fn task_id(&self) -> &str;
    /// An absolute URL to query the task with, when the provider gives one.
    fn follow_url(&self) -> Option<&str> {
        None
    }
    /// The envelope code (compared with [`ProviderInfo::success_code`]).
    fn envelope_code(&self) -> i64;
    /// The envelope message.
    fn envelope_message(&self) -> Option<&str>;
}

/// Why a task failed, as far as the provider says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The provider's failure code (canonical spelling), if it gives one.
    pub code: Option<String>,
    /// The provider's failure message, if it gives one.
    pub message: Option<String>,
    /// Whether the docs say a retry (a new, paid task) can help.
    pub retry_may_help: bool,
}

/// A file a finished task produced.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Output {
    /// Where to download it. Such URLs expire: download promptly.
    pub url: String,
    /// Its type, when the provider says (`video`).
    pub kind: Option<String>,
}

/// The answer to a status query (and a webhook body, which has the same shape).
pub trait StatusAnswer {
    /// The task's id.
    fn task_id(&self) -> &str;
    /// The state, as sent.
    fn state(&self) -> &str;
    /// Pending, succeeded or failed.
    fn phase(&self) -> TaskPhase;
    /// Why it failed, when it failed.
    fn failure(&self) -> Option<Failure>;
    /// The produced files, once it succeeded.
    fn outputs(&self) -> Vec<Output>;
    /// The envelope code.
    fn envelope_code(&self) -> i64;
    /// The envelope message.
    fn envelope_message(&self) -> Option<&str>;
}

/// The body of an error answer.
pub trait ErrorAnswer {
    /// The provider's error code.
    fn api_code(&self) -> Option<i64>;
    /// The provider's error message.
    fn api_message(&self) -> Option<&str>;
}
