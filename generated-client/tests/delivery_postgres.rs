//! The PostgreSQL delivery store against a real PostgreSQL server (cargo feature
//! `postgres`): claims are atomic across connections, so webhook receivers running as
//! several replicas pass the genuine delivery exactly once.
//!
//! The server: `HAPPYHORSE_TEST_POSTGRES` (libpq-style, `host=127.0.0.1 port=5432
//! user=postgres`), else that default. `.ci/run` installs PostgreSQL from the Debian
//! packages and starts it on loopback. Outside CI (`CI` unset) the tests skip with a notice
//! when no server answers; under `CI=true` they fail instead.

#![cfg(feature = "postgres")]

mod support;

use std::sync::Arc;

use happyhorse_client::apixo;
use happyhorse_client::runtime::webhook::DeliveryStore;
use happyhorse_client::runtime::webhook::postgres::PgDeliveries;
use happyhorse_client::runtime::{Delivery, ManualClock, WebhookReceiver};
use serde_json::json;
use support::{Reply, Server};

fn config() -> String {
    std::env::var("HAPPYHORSE_TEST_POSTGRES").unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres".to_owned())
}

/// A connection, or `None` (with a notice) when no server answers outside CI.
async fn connect() -> Option<tokio_postgres::Client> {
    let cfg = config();
    match tokio_postgres::connect(&cfg, tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            Some(client)
        }
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true and no PostgreSQL server at {cfg:?}: {e} (.ci/run starts one)")
        }
        Err(e) => {
            // Straight to stderr, past the test harness's capture, so the skip is seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "notice: PostgreSQL store test skipped: no server at {cfg:?} ({e}); set HAPPYHORSE_TEST_POSTGRES or run .ci/run"
            );
            None
        }
    }
}

/// Two stores (two connections, as two replicas would have) on a fresh table.
async fn two_stores(table: &str) -> Option<(PgDeliveries, PgDeliveries)> {
    let admin = connect().await?;
    admin.batch_execute(&format!("DROP TABLE IF EXISTS {table}")).await.unwrap();
    let a = PgDeliveries::with_client(connect().await?, table).await.unwrap();
    let b = PgDeliveries::with_client(connect().await?, table).await.unwrap();
    Some((a, b))
}

fn table(name: &str) -> String {
    format!("hh_test_{name}_{}", std::process::id())
}

#[tokio::test]
async fn the_first_claim_wins_across_connections_and_a_release_re_arms_the_key() {
    let t = table("claims");
    let Some((a, b)) = two_stores(&t).await else { return };
    assert!(a.claim("apixo\u{1f}t1\u{1f}success").await.unwrap());
    assert!(!b.claim("apixo\u{1f}t1\u{1f}success").await.unwrap());
    assert!(!a.claim("apixo\u{1f}t1\u{1f}success").await.unwrap());
    assert!(b.claim("apixo\u{1f}t2\u{1f}success").await.unwrap(), "another key");
    b.release("apixo\u{1f}t1\u{1f}success").await.unwrap();
    assert!(b.claim("apixo\u{1f}t1\u{1f}success").await.unwrap(), "released, so claimable again");
    // 20 concurrent claims of one key from two connections: exactly one wins.
    let key = "apixo\u{1f}race\u{1f}success";
    let claims: Vec<_> = (0..10).flat_map(|_| [a.claim(key), b.claim(key)]).collect();
    let wins = join_all(claims).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(wins, 1);
    assert!(PgDeliveries::with_client(connect().await.unwrap(), "bad name; drop").await.is_err());
    connect().await.unwrap().batch_execute(&format!("DROP TABLE {t}")).await.unwrap();
}

/// A minimal join-all over boxed futures (no extra dependency).
async fn join_all<T>(futures: Vec<happyhorse_client::runtime::client::BoxFuture<'_, T>>) -> Vec<T> {
    let mut pending: Vec<Option<happyhorse_client::runtime::client::BoxFuture<'_, T>>> =
        futures.into_iter().map(Some).collect();
    let mut out: Vec<Option<T>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        out[i] = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    out.into_iter().map(|v| v.unwrap()).collect()
}

#[tokio::test]
async fn two_receivers_sharing_postgres_pass_the_genuine_delivery_once_and_no_forgery() {
    let t = table("receivers");
    let Some((a, b)) = two_stores(&t).await else { return };
    let genuine = json!({"code": 200, "data": {"taskId": "t1", "state": "success",
        "resultJson": "{\"resultUrls\":[\"https://r2.example/genuine.mp4\"]}"}});
    // The provider: processing at first (so an early forgery is unconfirmed), then success.
    let server = Server::start(
        vec![Reply::json(200, json!({"code": 200, "data": {"taskId": "t1", "state": "processing"}}))],
        Reply::json(200, genuine.clone()),
    )
    .await;
    let client = || {
        apixo::Client::builder()
            .api_key("k")
            .base_url(server.url())
            .clock(Arc::new(ManualClock::default()))
            .build()
            .unwrap()
    };
    let ra = WebhookReceiver::new(client()).with_store(Arc::new(a));
    let rb = WebhookReceiver::new(client()).with_store(Arc::new(b));
    let forged = json!({"code": 200, "data": {"taskId": "t1", "state": "success",
        "resultJson": "{\"resultUrls\":[\"https://evil.example/x.mp4\"]}"}});
    assert!(ra.receive(None, forged.to_string().as_bytes()).await.is_err(), "unconfirmed while processing");
    let body = genuine.to_string();
    let mut firsts = 0;
    for _ in 0..4 {
        let (x, y) = tokio::join!(ra.receive(None, body.as_bytes()), rb.receive(None, body.as_bytes()));
        for d in [x.unwrap(), y.unwrap()] {
            if let Delivery::First(s) = d {
                firsts += 1;
                assert_eq!(s.outputs()[0].url, "https://r2.example/genuine.mp4");
            }
        }
    }
    assert_eq!(firsts, 1, "eight deliveries over two replicas, one first");
    connect().await.unwrap().batch_execute(&format!("DROP TABLE {t}")).await.unwrap();
}
