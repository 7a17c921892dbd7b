//! What the runtime needs to know about a provider, as traits the generated modules
//! implement: the endpoints and status table (from the spec), the request body, and views
//! of the answers (task id, state, failure, outputs). The client is generic over
//! [`Provider`]; no provider is named here.

use serde_json::Value;

use super::billing::{BillingError, CostEstimate};
use super::client::{ClientBuilder, ClientSettings, DynClient};
use super::decode::{Decode, DecodeError};
use super::error::Error;
use super::meta::{CallbackRules, Endpoint, PollingGuidance, ProviderInfo, StatusRule, TaskPaths, TaskPhase};
use super::money::Decimal;
use super::violation::Violations;

/// A provider endpoint family, implemented by the generated `Api` type of each module.
pub trait Provider: Sized + Send + Sync + 'static {
    /// The submit request body.
    type Request: SubmitBody + RequestOf<Self>;
    /// The submit answer.
    type Submitted: Decode + SubmitAnswer + Send;
    /// The status answer.
    type Status: Decode + StatusAnswer + Send + Sync;
    /// The body of an error answer.
    type ErrorBody: Decode + ErrorAnswer;

    /// Name, base URL, authentication, envelope success code.
    const INFO: ProviderInfo;
    /// The operations that create a task: one per model or endpoint of the provider.
    const SUBMITS: &'static [Endpoint];
    /// The operation that reads a task.
    const STATUS: Endpoint;
    /// The documented HTTP status table.
    const HTTP_STATUSES: &'static [StatusRule];
    /// Whether a status the table does not list proves a submit was not accepted (false:
    /// its outcome is unknown, the spec's recorded fallback).
    const UNLISTED_STATUS_REJECTED: bool;
    /// The documented polling guidance of every mode.
    const POLLING: &'static [PollingGuidance];
    /// Where the task id (and follow URL) are in a raw submit answer.
    const TASK_PATHS: TaskPaths;
    /// Whether the docs say where a finished task's outputs are; then a success without
    /// outputs is an error.
    const OUTPUTS_DOCUMENTED: bool;
    /// The top-level request key carrying a webhook callback URL, when the provider
    /// delivers webhooks (the client adds a per-task token to that URL).
    const CALLBACK_URL_FIELD: Option<&'static str>;
    /// The provider's task modes.
    type Mode: TaskMode;

    /// The submit endpoint of an operation (its spec key).
    fn submit_endpoint(operation: &str) -> Option<&'static Endpoint> {
        Self::SUBMITS.iter().find(|e| e.key == operation)
    }

    /// The documented row for a status, if any.
    fn status_rule(status: u16) -> Option<&'static StatusRule> {
        Self::HTTP_STATUSES.iter().find(|r| r.status == status)
    }

    /// The documented polling guidance of a mode tag, if the provider has that mode.
    fn polling_of(mode: &str) -> Option<PollingGuidance> {
        Self::POLLING.iter().find(|p| p.mode == mode).copied()
    }
}

/// A task mode of a provider (the generated `Mode` enums): its wire tag and documented
/// polling guidance.
pub trait TaskMode {
    /// The wire tag, `video-edit` (or `default`).
    fn tag(&self) -> &'static str;
    /// The documented polling guidance.
    fn polling(&self) -> PollingGuidance;
}

/// A provider that delivers results by webhook.
pub trait CallbackProvider: Provider {
    /// The webhook body.
    type Payload: Decode + StatusAnswer + Send + Sync;
    /// How deliveries are made and retried.
    const CALLBACKS: CallbackRules;
}

/// A submit request body.
pub trait SubmitBody: super::json::ToJson + Send + Sync {
    /// Reads and checks a raw JSON body for the submit operation `operation` (its spec key,
    /// as in [`Endpoint::key`]): every documented rule it breaks, or the value.
    fn from_json(operation: &str, body: &Value) -> Result<Self, Violations>
    where
        Self: Sized;
    /// The key of the submit operation that sends this body.
    fn operation(&self) -> &'static str;
    /// Every documented rule the value breaks, or `Ok`.
    fn validate(&self) -> Result<(), Violations>;
    /// The documented polling guidance for the request's mode.
    fn polling(&self) -> PollingGuidance;
    /// The request's mode (`default` when the endpoint has one).
    fn mode(&self) -> &'static str;
    /// The JSON body.
    fn body(&self) -> Value {
        self.to_json()
    }
    /// The JSON body as bytes, written straight from the value (fields in their declared
    /// order).
    fn body_bytes(&self) -> Vec<u8> {
        self.to_json_bytes()
    }
    /// The cost estimate, when the provider documents prices. `inputs` are the billing
    /// inputs the request does not carry, by name (`input_video_seconds`).
    fn estimate(&self, inputs: &[(&str, Decimal)]) -> Option<Result<CostEstimate, BillingError>> {
        let _ = inputs;
        None
    }
}

/// A body the client of provider `P` submits: `P::Request` and, when `P` has several
/// submit operations, each operation's own request type, so
/// `client.submit(&TextToVideoRequest::new(..))` needs no conversion.
pub trait RequestOf<P: Provider>: SubmitBody {}

/// The answer to a submit.
pub trait SubmitAnswer {
    /// The new task's id.
    fn task_id(&self) -> &str;
    /// An absolute URL to query the task with, when the provider gives one.
    fn follow_url(&self) -> Option<&str> {
        None
    }
    /// The envelope code (compared with [`Envelope::success_code`](super::meta::Envelope)),
    /// when the provider has an envelope.
    fn envelope_code(&self) -> Option<i64> {
        None
    }
    /// The envelope message, when the provider has an envelope and the answer carries one.
    fn envelope_message(&self) -> Option<&str> {
        None
    }
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
    /// False when the state is not one the docs list (it is kept, and treated as pending).
    fn state_documented(&self) -> bool {
        true
    }
    /// Why it failed, when it failed.
    fn failure(&self) -> Option<Failure>;
    /// The produced files, once it succeeded.
    fn outputs(&self) -> Vec<Output>;
    /// The envelope code, when the provider has an envelope.
    fn envelope_code(&self) -> Option<i64> {
        None
    }
    /// The envelope message, when the provider has an envelope and the answer carries one.
    fn envelope_message(&self) -> Option<&str> {
        None
    }
}

/// A provider's error code: a number (`400` in a `{code, message}` envelope) or a text
/// (`"invalid_request"` in an `{"error": {"code": ...}}` body), as its docs define it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A numeric code.
    Number(i64),
    /// A text code.
    Text(String),
}

impl ErrorCode {
    /// The code when it is a number.
    pub fn as_number(&self) -> Option<i64> {
        match self {
            ErrorCode::Number(n) => Some(*n),
            ErrorCode::Text(_) => None,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorCode::Number(n) => write!(f, "{n}"),
            ErrorCode::Text(t) => f.write_str(t),
        }
    }
}

/// The body of an error answer. Which status rule applies is chosen by the HTTP status
/// (or, with an envelope, by an error code in a 2xx answer), never by a text code.
pub trait ErrorAnswer {
    /// The provider's error code, a number or a text.
    fn error_code(&self) -> Option<ErrorCode>;
    /// The provider's error message.
    fn api_message(&self) -> Option<&str>;
    /// The provider's error code when it is a number.
    fn api_code(&self) -> Option<i64> {
        self.error_code().as_ref().and_then(ErrorCode::as_number)
    }
}

/// An object-safe view of a generated module, for tools that handle every provider the
/// same way (the generated `providers::MODULES` lists them). Implemented for every
/// [`Provider`].
pub trait Module: Sync {
    /// Name, module, base URL, authentication.
    fn info(&self) -> &'static ProviderInfo;
    /// The submit endpoints, one per operation that creates a task.
    fn submit_endpoints(&self) -> &'static [Endpoint];
    /// The status endpoint.
    fn status_endpoint(&self) -> &'static Endpoint;
    /// Reads and checks a raw body for the submit operation `operation`; on success, its mode
    /// and JSON as written back.
    fn check_request(&self, operation: &str, body: &Value) -> Result<(&'static str, Value), Violations>;
    /// The cost estimate of a raw submit body, when the provider documents prices.
    fn estimate(
        &self,
        operation: &str,
        body: &Value,
        inputs: &[(&str, Decimal)],
    ) -> Option<Result<CostEstimate, BillingError>>;
    /// Decodes a submit answer.
    fn decode_submitted(&self, body: &[u8]) -> Result<Box<dyn SubmitAnswer>, DecodeError>;
    /// Decodes a status answer (or a webhook body).
    fn decode_status(&self, body: &[u8]) -> Result<Box<dyn StatusAnswer>, DecodeError>;
    /// Decodes an error body.
    fn decode_error(&self, body: &[u8]) -> Result<Box<dyn ErrorAnswer>, DecodeError>;
    /// Builds a client of this provider.
    fn connect(&self, settings: ClientSettings) -> Result<Box<dyn DynClient>, Error>;
}

impl<P: Provider> Module for P
where
    P::Submitted: 'static,
    P::Status: 'static,
    P::ErrorBody: 'static,
{
    fn info(&self) -> &'static ProviderInfo {
        const { &P::INFO }
    }
    fn submit_endpoints(&self) -> &'static [Endpoint] {
        P::SUBMITS
    }
    fn status_endpoint(&self) -> &'static Endpoint {
        const { &P::STATUS }
    }
    fn check_request(&self, operation: &str, body: &Value) -> Result<(&'static str, Value), Violations> {
        let r = P::Request::from_json(operation, body)?;
        Ok((r.mode(), r.body()))
    }
    fn estimate(
        &self,
        operation: &str,
        body: &Value,
        inputs: &[(&str, Decimal)],
    ) -> Option<Result<CostEstimate, BillingError>> {
        P::Request::from_json(operation, body).ok()?.estimate(inputs)
    }
    fn decode_submitted(&self, body: &[u8]) -> Result<Box<dyn SubmitAnswer>, DecodeError> {
        Ok(Box::new(super::decode::body::<P::Submitted>(body)?))
    }
    fn decode_status(&self, body: &[u8]) -> Result<Box<dyn StatusAnswer>, DecodeError> {
        Ok(Box::new(super::decode::body::<P::Status>(body)?))
    }
    fn decode_error(&self, body: &[u8]) -> Result<Box<dyn ErrorAnswer>, DecodeError> {
        Ok(Box::new(super::decode::body::<P::ErrorBody>(body)?))
    }
    fn connect(&self, settings: ClientSettings) -> Result<Box<dyn DynClient>, Error> {
        Ok(Box::new(ClientBuilder::<P>::from_settings(settings).build()?))
    }
}
