//! An object-safe client, for tools that handle every provider the same way (a CLI, the
//! conformance harness). Built with [`crate::provider::Module::connect`]; every
//! call behaves exactly like the typed [`Client`]'s.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::{Client, Task, WaitOptions};
use crate::error::Error;
use crate::provider::{Provider, StatusAnswer, SubmitBody};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A status answer of any provider.
pub type DynStatus = Box<dyn StatusAnswer + Send>;

/// The typed client's calls, behind a trait object.
pub trait DynClient: Send + Sync {
    /// Reads and checks a raw request body for the submit operation `operation` (its spec
    /// key), then submits it (see [`Client::submit`]).
    fn submit<'a>(&'a self, operation: &'a str, body: &'a Value) -> BoxFuture<'a, Result<Task, Error>>;
    /// See [`Client::status`].
    fn status<'a>(&'a self, task_id: &'a str) -> BoxFuture<'a, Result<DynStatus, Error>>;
    /// See [`Client::wait`].
    fn wait<'a>(&'a self, task: &'a Task, options: WaitOptions) -> BoxFuture<'a, Result<DynStatus, Error>>;
}

impl<P: Provider> DynClient for Client<P>
where
    P::Status: 'static,
{
    fn submit<'a>(&'a self, operation: &'a str, body: &'a Value) -> BoxFuture<'a, Result<Task, Error>> {
        Box::pin(async move {
            let request = P::Request::from_json(operation, body)?;
            Client::submit(self, &request).await
        })
    }

    fn status<'a>(&'a self, task_id: &'a str) -> BoxFuture<'a, Result<DynStatus, Error>> {
        Box::pin(async move { Client::status(self, task_id).await.map(|s| Box::new(s) as DynStatus) })
    }

    fn wait<'a>(&'a self, task: &'a Task, options: WaitOptions) -> BoxFuture<'a, Result<DynStatus, Error>> {
        Box::pin(async move { Client::wait(self, task, options).await.map(|s| Box::new(s) as DynStatus) })
    }
}
