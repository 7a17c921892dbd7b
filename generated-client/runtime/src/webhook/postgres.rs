//! A [`DeliveryStore`] in PostgreSQL, for webhook receivers that run as several replicas:
//! one row per claimed key, and `INSERT ... ON CONFLICT DO NOTHING` decides the first
//! claim atomically, whichever replica makes it.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use happyhorse_runtime::provider::CallbackProvider;
//! use happyhorse_runtime::webhook::postgres::PgDeliveries;
//! use happyhorse_runtime::{Client, WebhookReceiver};
//!
//! async fn receiver<P: CallbackProvider>() -> Result<WebhookReceiver<P>, Box<dyn std::error::Error>> {
//!     let store = PgDeliveries::connect("host=10.0.0.5 port=5432 user=hooks dbname=hooks").await?;
//!     Ok(WebhookReceiver::new(Client::<P>::from_env()?).with_store(Arc::new(store)))
//! }
//! ```

use super::{BoxFuture, DeliveryStore, StoreError};

/// The table the store uses unless told otherwise.
pub const DEFAULT_TABLE: &str = "happyhorse_deliveries";

/// Webhook dedup in a PostgreSQL table.
pub struct PgDeliveries {
    client: tokio_postgres::Client,
    claim: String,
    release: String,
}

impl std::fmt::Debug for PgDeliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDeliveries").field("claim", &self.claim).finish_non_exhaustive()
    }
}

fn pg(e: tokio_postgres::Error) -> StoreError {
    StoreError { message: format!("PostgreSQL: {e}") }
}

impl PgDeliveries {
    /// Connects without TLS (a server on loopback or a private network; for anything else
    /// connect yourself with TLS and use [`PgDeliveries::with_client`]) with a libpq-style
    /// `config` (`host=127.0.0.1 port=5432 user=app dbname=app`), and creates the table
    /// if it is missing. The connection is driven by a tokio task.
    pub async fn connect(config: &str) -> Result<PgDeliveries, StoreError> {
        let (client, connection) = tokio_postgres::connect(config, tokio_postgres::NoTls).await.map_err(pg)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::error!(target: "happyhorse_client", error = %e, "the PostgreSQL delivery store's connection failed");
            }
        });
        PgDeliveries::with_client(client, DEFAULT_TABLE).await
    }

    /// A store on an open connection, in `table` (a plain SQL identifier), created if
    /// missing.
    pub async fn with_client(client: tokio_postgres::Client, table: &str) -> Result<PgDeliveries, StoreError> {
        if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError { message: format!("{table:?} is not a plain table name ([A-Za-z0-9_]+)") });
        }
        client
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {table} (key text PRIMARY KEY, claimed_at timestamptz NOT NULL DEFAULT now())"
            ))
            .await
            .map_err(pg)?;
        Ok(PgDeliveries {
            client,
            claim: format!("INSERT INTO {table} (key) VALUES ($1) ON CONFLICT (key) DO NOTHING"),
            release: format!("DELETE FROM {table} WHERE key = $1"),
        })
    }
}

impl DeliveryStore for PgDeliveries {
    fn claim<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move { Ok(self.client.execute(&self.claim, &[&key]).await.map_err(pg)? == 1) })
    }
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.client.execute(&self.release, &[&key]).await.map(|_| ()).map_err(pg) })
    }
}
