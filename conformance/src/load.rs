//! A bounded load driver for `cargo xtask load` and `cargo xtask bench-compare`: a fixed
//! number of kept-alive HTTP/1.1 connections on loopback, each sending one request after
//! the other until a time limit or a request count is reached, reporting requests per second
//! and latency percentiles. Speed is measured here, never asserted in a test.
//!
//! What it sends comes from a spec module: the first submit operation with the module's
//! first documented request example (a valid body) and the status query of a task it
//! created. It refuses any address that is not a loopback address: nothing leaves the
//! machine.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, Request, header};
use happyhorse_codegen::ir::{ExampleKind, Module};
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// The largest answer body the driver reads.
const ANSWER_LIMIT: usize = 16 * 1024 * 1024;

/// One kind of request the driver repeats.
#[derive(Debug, Clone)]
pub struct Target {
    /// What the report calls it, `GET status`.
    pub name: String,
    /// HTTP method.
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// The body (with `Content-Type`), for a submit.
    pub body: Option<(String, Bytes)>,
    /// `Authorization` header value.
    pub authorization: Option<String>,
}

/// The two targets of a module, as its spec states them: the first submit operation with
/// its documented request example, and the status query (`{id}` where the task id goes, see
/// [`Target::with_id`]). Paths are under `base_path`, or the path of the documented base
/// URL (`/api/v1`) when `None` (a mock server such as Prism serves them under `/`).
pub fn targets(m: &Module, key: &str, base_path: Option<&str>) -> Result<(Target, Target), String> {
    let op = m.submits.first().ok_or_else(|| format!("module {} has no submit operation", m.module))?;
    let example = m
        .examples
        .iter()
        .find(|e| e.kind == ExampleKind::Request && e.operation == op.key)
        .ok_or_else(|| format!("module {} documents no request example of {}", m.module, op.key))?;
    let body: Value = serde_json::from_str(&example.json)
        .map_err(|e| format!("the request example {} of {} is not JSON: {e}", example.name, m.module))?;
    let base = base_path.map_or_else(|| m.base_path(), |b| b.trim_end_matches('/').to_owned());
    let authorization = Some(format!("{} {key}", capitalised(&m.auth.scheme)));
    let content_type = op.content_type.clone().unwrap_or_else(|| "application/json".to_owned());
    let submit = Target {
        name: format!("POST {} ({}.{})", op.path, m.module, op.key),
        method: Method::from_bytes(op.method.as_bytes()).map_err(|e| e.to_string())?,
        path: format!("{base}{}", op.path),
        body: Some((content_type, Bytes::from(body.to_string()))),
        authorization: authorization.clone(),
    };
    let status_path = match &m.status.id_param {
        Some(p) if p.in_query => format!("{base}{}?{}={{id}}", m.status.path, p.name),
        Some(p) => format!("{base}{}", m.status.path.replace(&format!("{{{}}}", p.name), "{id}")),
        None => format!("{base}{}", m.status.path),
    };
    let status = Target {
        name: format!("GET {} ({}.{})", m.status.path, m.module, m.status.key),
        method: Method::from_bytes(m.status.method.as_bytes()).map_err(|e| e.to_string())?,
        path: status_path,
        body: None,
        authorization,
    };
    Ok((submit, status))
}

impl Target {
    /// The target with `{id}` replaced by `id`.
    pub fn with_id(&self, id: &str) -> Target {
        Target { path: self.path.replace("{id}", id), ..self.clone() }
    }

    fn request(&self, host: &HeaderValue) -> Request<Body> {
        let mut request = Request::new(match &self.body {
            Some((_, bytes)) => Body::from(bytes.clone()),
            None => Body::empty(),
        });
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.path.parse().unwrap_or_default();
        let headers = request.headers_mut();
        headers.insert(header::HOST, host.clone());
        if let Some(auth) = self.authorization.as_deref().and_then(|a| HeaderValue::from_str(a).ok()) {
            headers.insert(header::AUTHORIZATION, auth);
        }
        if let Some((content_type, _)) = &self.body
            && let Ok(v) = HeaderValue::from_str(content_type)
        {
            headers.insert(header::CONTENT_TYPE, v);
        }
        request
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// How long and how much to drive.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections, each with one request in flight at a time.
    pub connections: usize,
    /// Stop after this long.
    pub duration: Duration,
    /// Stop after this many requests (over all connections).
    pub max_requests: u64,
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Answers received.
    pub requests: u64,
    /// Answers with a 2xx status.
    pub ok: u64,
    /// Answers by status other than 2xx, `(status, count)`.
    pub other_statuses: Vec<(u16, u64)>,
    /// Requests that got no answer (connection errors; the connection is opened again).
    pub errors: u64,
    /// From the first request to the last answer.
    pub elapsed: Duration,
    /// Latency percentiles 50, 90, 99 and the maximum.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest answer.
    pub max: Duration,
}

impl Measured {
    /// Answers per second.
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// One line: `31,204 req/s, p50 0.9 ms, p99 2.1 ms (312,040 answers, 0 errors)`.
    pub fn line(&self) -> String {
        let others = if self.other_statuses.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = self.other_statuses.iter().map(|(s, n)| format!("{n}× {s}")).collect();
            format!(", not 2xx: {}", list.join(", "))
        };
        format!(
            "{:.0} req/s, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.1} ms ({} answers in {:.1} s, {} errors{others})",
            self.per_second(),
            ms(self.p50),
            ms(self.p90),
            ms(self.p99),
            ms(self.max),
            self.requests,
            self.elapsed.as_secs_f64(),
            self.errors
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Checks that `addr` is on this machine.
pub fn loopback_only(addr: SocketAddr) -> Result<(), String> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!("{addr} is not a loopback address: the load driver sends nothing off this machine"))
    }
}

/// Sends `target` once on a new connection: its status and body.
pub async fn once(addr: SocketAddr, target: &Target) -> Result<(u16, Bytes), String> {
    loopback_only(addr)?;
    let host = HeaderValue::from_str(&addr.to_string()).map_err(|e| e.to_string())?;
    let mut conn = Conn::open(addr).await?;
    conn.send(target.request(&host)).await
}

struct Conn {
    sender: hyper::client::conn::http1::SendRequest<Body>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Result<Conn, String> {
        let stream =
            tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {addr}: {e}"))?;
        tokio::spawn(async move {
            // Ends when the connection closes; the next send then fails and reconnects.
            let _ = connection.await;
        });
        Ok(Conn { sender })
    }

    async fn send(&mut self, request: Request<Body>) -> Result<(u16, Bytes), String> {
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let response = self.sender.send_request(request).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes =
            axum::body::to_bytes(Body::new(response.into_body()), ANSWER_LIMIT).await.map_err(|e| e.to_string())?;
        Ok((status, bytes))
    }
}

#[derive(Default)]
struct Worker {
    latencies: Vec<u32>,
    statuses: Vec<(u16, u64)>,
    errors: u64,
}

/// Drives `target` at `addr` within `limits`, over kept-alive connections.
pub async fn drive(addr: SocketAddr, target: &Target, limits: Limits) -> Result<Measured, String> {
    loopback_only(addr)?;
    let host = HeaderValue::from_str(&addr.to_string()).map_err(|e| e.to_string())?;
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + limits.duration;
    let mut workers = Vec::new();
    for _ in 0..limits.connections.max(1) {
        let (target, host, issued) = (target.clone(), host.clone(), Arc::clone(&issued));
        let max = limits.max_requests;
        workers.push(tokio::spawn(async move {
            let mut w = Worker::default();
            let mut conn: Option<Conn> = None;
            while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < max {
                let c = match conn.as_mut() {
                    Some(c) => c,
                    None => match Conn::open(addr).await {
                        Ok(c) => conn.insert(c),
                        Err(_) => {
                            w.errors += 1;
                            tokio::time::sleep(Duration::from_millis(1)).await;
                            continue;
                        }
                    },
                };
                let sent = Instant::now();
                match c.send(target.request(&host)).await {
                    Ok((status, _)) => {
                        w.latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                        match w.statuses.iter_mut().find(|(s, _)| *s == status) {
                            Some((_, n)) => *n += 1,
                            None => w.statuses.push((status, 1)),
                        }
                    }
                    Err(_) => {
                        w.errors += 1;
                        conn = None;
                    }
                }
            }
            w
        }));
    }
    let mut latencies = Vec::new();
    let mut statuses: Vec<(u16, u64)> = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let w = worker.await.map_err(|e| format!("a load worker failed: {e}"))?;
        latencies.extend(w.latencies);
        errors += w.errors;
        for (status, n) in w.statuses {
            match statuses.iter_mut().find(|(s, _)| *s == status) {
                Some((_, total)) => *total += n,
                None => statuses.push((status, n)),
            }
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        Duration::from_micros(latencies.get(i).copied().map_or(0, u64::from))
    };
    statuses.sort_unstable();
    let ok = statuses.iter().filter(|(s, _)| (200..300).contains(s)).map(|(_, n)| n).sum();
    Ok(Measured {
        requests: latencies.len() as u64,
        ok,
        other_statuses: statuses.into_iter().filter(|(s, _)| !(200..300).contains(s)).collect(),
        errors,
        elapsed,
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: latencies.last().map_or(Duration::ZERO, |m| Duration::from_micros(u64::from(*m))),
    })
}

/// The resident memory of process `pid` in bytes (Linux: `VmRSS` in `/proc/<pid>/status`);
/// `None` elsewhere.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.trim_start_matches("VmRSS:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_driven() {
        assert!(loopback_only("127.0.0.1:80".parse().expect("addr")).is_ok());
        assert!(loopback_only("[::1]:80".parse().expect("addr")).is_ok());
        let refused = loopback_only("10.0.0.1:80".parse().expect("addr")).expect_err("refused");
        assert!(refused.contains("not a loopback address"), "{refused}");
    }
}
