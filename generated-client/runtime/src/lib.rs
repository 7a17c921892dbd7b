//! The hand-written, provider-agnostic runtime that generated modules call into.
//!
//! Nothing here names a provider: paths, limits, states, prices and schedules reach it as
//! data from the generated code. Each piece is tested where it lives.
//!
//! It is its own crate, inside `generated-client/` (so a vendored copy of that directory
//! still builds on its own): regenerating the providers rechecks only the generated code.
//! Applications and generated code reach it as `happyhorse_client::runtime`, which
//! re-exports this crate; its log events keep the target `happyhorse_client`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod billing;
pub mod body;
pub mod check;
pub mod client;
pub mod clock;
pub mod count;
pub mod decode;
pub mod download;
pub mod error;
pub mod journal;
pub mod json;
pub mod lint;
pub mod media;
pub mod meta;
pub mod money;
pub mod preflight;
pub mod provider;
pub mod read;
pub mod retry;
mod scan;
pub mod secret;
pub mod time;
pub mod token;
pub mod violation;
pub mod webhook;
pub mod wire;

/// The crates generated code names, re-exported so code expanded by the proc-macro in
/// another crate does not need its own dependency on them.
#[doc(hidden)]
pub mod export {
    pub use serde;
    pub use serde_json;
}

pub use billing::{BillingError, CostBound, CostEstimate, UnitPrice};
pub use body::{request_body, response_body, submit_body};
pub use check::{Check, FieldRules};
pub use client::{
    Client, ClientBuilder, ClientSettings, DynClient, Progress, Recovery, Resolution, SubmitOptions, Task,
    UnknownSubmission, WaitOptions,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use decode::DecodeError;
pub use download::{DownloadError, DownloadOptions, Downloaded, download, download_with_clock};
pub use error::Error;
pub use journal::{FileJournal, TaskJournal};
pub use lint::Lint;
pub use media::{DataUri, MediaSource};
pub use meta::{
    AspectRange, CallbackRules, Endpoint, Envelope, IdParam, MediaRules, PollingGuidance, ProviderInfo, RetryAdvice,
    StatusRule, TaskPaths, TaskPhase,
};
pub use money::{Decimal, Money, PriceUnit};
pub use provider::{ErrorCode, Failure, Output, TaskMode};
pub use retry::RetryPolicy;
pub use secret::ApiKey;
pub use time::{Millis, UnixMillis};
pub use violation::{Path, Rule, Violation, Violations};
pub use webhook::{Delivery, DeliveryStore, JournalDeliveries, MemoryDeliveries, Rejection, WebhookReceiver};
