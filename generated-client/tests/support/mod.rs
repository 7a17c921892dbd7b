//! A scripted HTTP/1.1 server on loopback for the client tests: each connection gets the
//! next scripted reply (one request per connection), and every request is recorded. It can
//! answer, stall, drop the connection before or after reading the request, or send bodies
//! of any size: the faults a paid-submission client must handle.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one connection.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer with a status, headers and body.
    Answer { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Read the request, then close without answering.
    DropAfterRead,
    /// Close right after accepting, before reading anything.
    DropBeforeRead,
    /// Answer with this status and the request's headers as the body (a server that
    /// echoes what it got, API key included).
    Echo(u16),
    /// Wait, then do the inner reply.
    After(Duration, Box<Reply>),
    /// Read the request, then never answer (until the test ends): for timeouts driven by
    /// a manual clock.
    Hold,
    /// Send the status line and headers announcing `total` body bytes, then `prefix`, then
    /// nothing more (a download that stalls).
    Partial { status: u16, total: usize, prefix: Vec<u8> },
    /// Read the request, wait until the gate is opened, then do the inner reply.
    Gate(Gate, Box<Reply>),
}

/// A gate a test opens to let held replies go on.
#[derive(Debug, Clone)]
pub struct Gate(Arc<tokio::sync::Semaphore>);

impl Gate {
    pub fn new() -> Gate {
        Gate(Arc::new(tokio::sync::Semaphore::new(0)))
    }

    /// Lets every reply held at this gate go on.
    pub fn open(&self) {
        self.0.add_permits(tokio::sync::Semaphore::MAX_PERMITS / 2);
    }

    async fn pass(&self) {
        let _ = self.0.acquire().await;
    }
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply::Answer {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A raw answer.
    pub fn raw(status: u16, body: &str) -> Reply {
        Reply::Answer { status, headers: vec![], body: body.as_bytes().to_vec() }
    }

    /// Adds a header to an answer.
    pub fn header(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Answer { status, mut headers, body } => {
                headers.push((name.into(), value.into()));
                Reply::Answer { status, headers, body }
            }
            other => other,
        }
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

struct State {
    script: VecDeque<Reply>,
    fallback: Reply,
    requests: Vec<Recorded>,
    connections: usize,
    /// Requests read and not yet answered, and the most there ever were at once.
    in_flight: usize,
    max_in_flight: usize,
}

/// Wakes tests waiting for requests.
static ARRIVED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// The server; stops when dropped.
pub struct Server {
    pub addr: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Serves `script` in order, then `fallback` for every further connection.
    pub async fn start(script: Vec<Reply>, fallback: Reply) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            fallback,
            requests: Vec::new(),
            connections: 0,
            in_flight: 0,
            max_in_flight: 0,
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let reply = {
                    let mut s = shared.lock().unwrap();
                    s.connections += 1;
                    let fallback = s.fallback.clone();
                    s.script.pop_front().unwrap_or(fallback)
                };
                let shared = shared.clone();
                tokio::spawn(async move { serve(stream, reply, shared).await });
            }
        });
        Server { addr, state, task }
    }

    /// Appends a reply to the script (for replies that need the server's own URL).
    pub fn push(&self, reply: Reply) {
        self.state.lock().unwrap().script.push_back(reply);
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Requests with this method.
    pub fn count(&self, method: &str) -> usize {
        self.requests().iter().filter(|r| r.method == method).count()
    }

    /// The most requests that were ever read and not yet answered at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }

    /// Connections accepted (including those dropped before reading).
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Waits until the server has recorded at least `n` requests (no wall-clock timeout:
    /// it synchronises on the server's own record).
    pub async fn requests_seen(&self, n: usize) {
        loop {
            let notified = ARRIVED.notified();
            if self.requests().len() >= n {
                return;
            }
            notified.await;
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))).collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded { method, target, headers, body })
}

async fn serve(mut stream: TcpStream, reply: Reply, state: Arc<Mutex<State>>) {
    let mut reply = reply;
    let mut delay_before_read = None;
    if let Reply::After(d, inner) = &reply
        && matches!(**inner, Reply::DropBeforeRead)
    {
        delay_before_read = Some(*d);
        reply = (**inner).clone();
    }
    if let Some(d) = delay_before_read {
        tokio::time::sleep(d).await;
    }
    if matches!(reply, Reply::DropBeforeRead) {
        drop(stream);
        return;
    }
    let Some(request) = read_request(&mut stream).await else { return };
    {
        let mut s = state.lock().unwrap();
        s.requests.push(request);
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
    }
    ARRIVED.notify_waiters();
    loop {
        match reply {
            Reply::Hold => {
                std::future::pending::<()>().await;
                return;
            }
            Reply::Gate(gate, inner) => {
                gate.pass().await;
                reply = *inner;
            }
            Reply::Partial { status, total, prefix } => {
                let head = format!("HTTP/1.1 {status} X\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n");
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&prefix).await;
                let _ = stream.flush().await;
                std::future::pending::<()>().await;
                return;
            }
            Reply::After(d, inner) => {
                tokio::time::sleep(d).await;
                reply = *inner;
            }
            Reply::DropAfterRead | Reply::DropBeforeRead => return,
            Reply::Echo(status) => {
                let echoed =
                    state.lock().unwrap().requests.last().map(|r| format!("{:?}", r.headers)).unwrap_or_default();
                reply = Reply::Answer { status, headers: vec![], body: echoed.into_bytes() };
            }
            Reply::Answer { status, headers, body } => {
                // Counted as answered before the answer is written, so a client that sends
                // its next request only after this answer is never seen overlapping it.
                state.lock().unwrap().in_flight -= 1;
                let mut head =
                    format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
                for (n, v) in &headers {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                let _ = stream.shutdown().await;
                return;
            }
        }
    }
}
