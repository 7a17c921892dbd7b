//! Typed, validated clients for the HappyHorse video model on APIXO and Modellix.
//!
//! The provider modules ([`apixo`], [`modellix`]) are generated from `spec/*.toml` by
//! `cargo xtask codegen` and checked in; do not edit them by hand. The [`runtime`] they
//! call into is hand-written and provider-agnostic.
//!
//! Requests are strict: `validate()` returns every broken rule at once, with its JSON
//! path, the rule, the limit and the actual value, and a raw JSON body can be checked with
//! `from_json_value`. Responses are lenient: unknown fields are ignored and unknown states
//! or codes are kept, not rejected.
//!
//! # Vendoring
//!
//! Copy this directory into your repository (it builds on its own: it inherits nothing
//! from the workspace it was generated in) and depend on it by path. The client runs on
//! tokio and needs a runtime with its time and I/O drivers: `#[tokio::main]` enables both
//! (with the `macros` and `rt-multi-thread` features, or `rt` and
//! `#[tokio::main(flavor = "current_thread")]`); a runtime built by hand needs
//! `enable_all()`.
//!
//! ```toml
//! [dependencies]
//! happyhorse-client = { path = "vendor/happyhorse-client" }
//! tokio = { version = "1.47", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! The cargo feature `postgres` adds a PostgreSQL webhook dedup store
//! (`runtime::webhook::postgres`, built only with that feature); nothing else is optional.
//!
//! # Quick start
//!
//! A request is checked and priced on the machine; nothing is sent:
//!
//! ```
//! use happyhorse_client::apixo::{BillingInputs, Resolution, SubmitRequest, TextToVideoInput};
//! use happyhorse_client::runtime::Error;
//!
//! let request = SubmitRequest::new(
//!     TextToVideoInput::new("a red kite over a grey sea").with_resolution(Resolution::P1080).with_duration(8),
//! );
//! request.validate()?;
//! let cost = request.estimate_cost(&BillingInputs::default())?;
//! assert_eq!(cost.official.to_string(), "1.8 USD"); // 8 s x 0.225 USD/s at 1080p
//!
//! // A broken request is never sent: every broken rule is reported, each with its path.
//! let violations = SubmitRequest::new(TextToVideoInput::new("")).validate().unwrap_err();
//! assert!(violations.to_string().contains("input.prompt"), "{violations}");
//! # Ok::<(), Error>(())
//! ```
//!
//! Submit, wait and download. [`apixo::Client::from_env`] reads the key from
//! `APIXO_API_KEY` and, when it is set, the base URL from `APIXO_BASE_URL`
//! (`http://127.0.0.1:8787/api/v1` is the workspace's simulator, `cargo xtask simulate`),
//! so the same program runs against the simulator with no code change:
//!
//! ```no_run
//! use happyhorse_client::apixo::{Client, SubmitRequest, TextToVideoInput};
//! use happyhorse_client::runtime::{DownloadOptions, Error, WaitOptions, download};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     let client = Client::from_env()?;
//!     let request = SubmitRequest::new(TextToVideoInput::new("a red kite over a grey sea").with_duration(8));
//!     let task = client.submit(&request).await?; // keep task.id: it finds the task again
//!     let options = WaitOptions::default().on_progress(|p| eprintln!("{:?}: {}", p.elapsed, p.state));
//!     let done = client.wait(&task, options).await?;
//!     for output in done.outputs() {
//!         let saved = download(&output.url, "kite.mp4".as_ref(), &DownloadOptions::default()).await?;
//!         println!("{} ({} bytes)", saved.path.display(), saved.bytes);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Errors
//!
//! Every client call returns [`runtime::Error`], and `?` converts the errors of the steps
//! around the calls into it, each into a variant of its own: a validation
//! ([`runtime::Error::Validation`]), a cost estimate ([`runtime::Error::Billing`]) and a
//! download ([`runtime::Error::Download`]). [`runtime::Error::task_id`] gives the task
//! once the provider named one, [`runtime::Error::safe_to_resubmit`] says whether sending
//! the request again could bill twice, and [`runtime::Error::is_retryable`] whether the
//! same call may succeed later.
//!
//! ```
//! use happyhorse_client::apixo::{Client, SubmitRequest, TextToVideoInput};
//! use happyhorse_client::runtime::Error;
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Error> {
//!     // A loopback base URL: nothing could leave this machine even if the request were valid.
//!     let client = Client::builder().api_key("any").base_url("http://127.0.0.1:9").build()?;
//!     match client.submit(&SubmitRequest::new(TextToVideoInput::new(""))).await {
//!         Err(e @ Error::Validation(_)) => assert!(e.safe_to_resubmit() && e.task_id().is_none()),
//!         other => panic!("an empty prompt must be refused before sending: {other:?}"),
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Seeing what the client does
//!
//! The client logs through `tracing`, under the target `happyhorse_client`: each retry at
//! `WARN` with its cause and delay (`status: transient answer; retrying status=503
//! delay_ms=1000`), a failed poll the wait survives at `WARN`, each submitted task at
//! `INFO`, and each submit, status query and observed state at `DEBUG`. The API key never
//! appears in them. Any subscriber shows them, for example `tracing-subscriber`'s:
//!
//! ```
//! use tracing_subscriber::filter::{LevelFilter, Targets};
//! use tracing_subscriber::prelude::*;
//!
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
//!     .with(Targets::new().with_target("happyhorse_client", LevelFilter::DEBUG))
//!     .init();
//! ```
//!
//! The workspace's example program (`cargo run --example happyhorse`, in `conformance/examples/`)
//! turns this on with `-v`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Generated code names this crate by its absolute path so the same code also works when
// expanded by the proc-macro in another crate.
extern crate self as happyhorse_client;

// Generated code is formatted by the generator (prettyplease), not by rustfmt.
#[rustfmt::skip]
pub mod providers;
pub use happyhorse_runtime as runtime;

pub use providers::*;
