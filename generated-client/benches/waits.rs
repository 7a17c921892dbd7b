//! N concurrent waits on one client against a loopback server: peak memory (the client
//! process's `VmHWM`) and polls per task, beside a hand-written reqwest loop doing the same
//! polling (the anchor). A bounded load command, not a test: it asserts nothing about speed
//! or memory, and stops by itself.
//!
//! ```text
//! cargo bench -p happyhorse-client --bench waits                  # 1,000 and 10,000 waits
//! cargo bench -p happyhorse-client --bench waits -- --tasks 500   # one size
//! ```
//!
//! Three processes per run, so each peak is the client's alone: this binary starts a server
//! child (`serve`), then a client child (`generated` or `baseline`) that resumes N tasks of
//! APIXO text-to-video and waits for all of them on one client, then reads the server's
//! counters. The server answers `GET /statusTask/happyHorse?taskId=...` with the documented
//! processing answer until a task's third poll, and the documented success answer (with its
//! `resultJson`) from then on; it counts every poll, the polls that came after a task's
//! success (beyond the schedule: a wait must stop there) and the polls that came sooner
//! than the interval after the previous one. The schedule is shortened for the run (first
//! poll after 1 s, then every 1 s, through `WaitOptions`), with the tasks' starts spread
//! over the first second. Limits: loopback only, N polls × 3 per run, 120 s per run (the
//! children are killed after that).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use happyhorse_client::apixo;
use happyhorse_client::runtime::WaitOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The poll on which a task succeeds.
const SUCCESS_ON_POLL: u32 = 3;
const FIRST_POLL: Duration = Duration::from_secs(1);
const INTERVAL: Duration = Duration::from_secs(1);
/// How long one run may take before its children are killed.
const RUN_LIMIT: Duration = Duration::from_secs(120);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some(side @ ("generated" | "baseline")) => {
            let port: u16 = args[1].parse().expect("a port");
            let tasks: usize = args[2].parse().expect("a task count");
            client(side, port, tasks);
        }
        _ => orchestrate(&args),
    }
}

/// Runs every size and side, and prints one line each and the ratios.
fn orchestrate(args: &[String]) {
    let sizes: Vec<usize> = match args.iter().position(|a| a == "--tasks") {
        Some(i) => vec![args.get(i + 1).and_then(|n| n.parse().ok()).expect("--tasks N")],
        None => vec![1_000, 10_000],
    };
    for tasks in sizes {
        let mut peaks = HashMap::new();
        for side in ["generated", "baseline"] {
            let line = run(side, tasks);
            println!("waits {side:<9} tasks {tasks:>6}: {line}");
            peaks.insert(
                side,
                line.split_whitespace().find_map(|w| w.strip_prefix("peak_rss_kib=")?.parse::<f64>().ok()),
            );
        }
        if let (Some(Some(g)), Some(Some(b))) = (peaks.get("generated"), peaks.get("baseline")) {
            println!("waits ratio     tasks {tasks:>6}: peak RSS {:.2}x the hand-written loop", g / b);
        }
    }
}

/// One run: a server child, a client child, the server's counters.
fn run(side: &str, tasks: usize) -> String {
    let exe = std::env::current_exe().expect("this binary");
    let mut server = Command::new(&exe).arg("serve").stdout(Stdio::piped()).spawn().expect("the server starts");
    let mut first = String::new();
    BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut first).expect("the server's port");
    let port: u16 = first.trim().parse().expect("a port");
    let mut client = Command::new(&exe)
        .args([side, &port.to_string(), &tasks.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the client starts");
    let out = wait_bounded(&mut client);
    let stats = http_get(port, "/_stats");
    let _ = server.kill();
    let _ = server.wait();
    format!("{} {}", out.trim(), stats.trim())
}

/// The child's stdout, or a note that it was killed at the run limit.
fn wait_bounded(child: &mut Child) -> String {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the child") {
            let mut out = String::new();
            child.stdout.take().expect("stdout").read_to_string(&mut out).expect("its output");
            return if status.success() { out } else { format!("failed ({status}) {out}") };
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return format!("killed after {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A plain HTTP/1.1 GET on loopback, returning the body.
fn http_get(port: u16, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the server answers");
    write!(s, "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n").expect("write");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned()
}

/// The client process's peak resident set (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok()).unwrap_or(0)
}

/// The start delay of task `i` of `n`: spread over the first interval.
fn stagger(i: usize, n: usize) -> Duration {
    INTERVAL * u32::try_from(i).unwrap_or(0) / u32::try_from(n.max(1)).unwrap_or(1)
}

fn client(side: &str, port: u16, tasks: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let started = Instant::now();
    let (ok, failed) = rt.block_on(async move {
        let base = format!("http://127.0.0.1:{port}");
        let mut set = tokio::task::JoinSet::new();
        if side == "generated" {
            let client = apixo::Client::builder().api_key("bench").base_url(base).build().expect("a client");
            for i in 0..tasks {
                let client = client.clone();
                set.spawn(async move {
                    tokio::time::sleep(stagger(i, tasks)).await;
                    let task = client.resume(format!("task-{i}"), apixo::Mode::TextToVideo).expect("an id");
                    let options = WaitOptions::default().first_poll(FIRST_POLL).interval(INTERVAL);
                    client.wait(&task, options).await.map(|s| s.outputs().len()).is_ok_and(|n| n == 1)
                });
            }
        } else {
            let http = reqwest::Client::new();
            for i in 0..tasks {
                let (http, base) = (http.clone(), base.clone());
                set.spawn(async move {
                    tokio::time::sleep(stagger(i, tasks)).await;
                    baseline_wait(&http, &base, &format!("task-{i}")).await.is_some_and(|n| n == 1)
                });
            }
        }
        let (mut ok, mut failed) = (0, 0);
        while let Some(done) = set.join_next().await {
            if done.unwrap_or(false) { ok += 1 } else { failed += 1 }
        }
        (ok, failed)
    });
    println!(
        "ok={ok} failed={failed} seconds={:.1} peak_rss_kib={} peak_rss_mib={:.1}",
        started.elapsed().as_secs_f64(),
        peak_rss_kib(),
        peak_rss_kib() as f64 / 1024.0
    );
}

/// The anchor: the polling loop a person would write with reqwest and serde_json.
async fn baseline_wait(http: &reqwest::Client, base: &str, id: &str) -> Option<usize> {
    tokio::time::sleep(FIRST_POLL).await;
    loop {
        let url = format!("{base}/statusTask/happyHorse?taskId={id}");
        let answer = http.get(url).bearer_auth("bench").send().await.ok()?.bytes().await.ok()?;
        let v: serde_json::Value = serde_json::from_slice(&answer).ok()?;
        match v["data"]["state"].as_str()? {
            "success" => {
                let inner: serde_json::Value = serde_json::from_str(v["data"]["resultJson"].as_str()?).ok()?;
                return Some(inner["resultUrls"].as_array()?.len());
            }
            "failed" => return None,
            _ => tokio::time::sleep(INTERVAL).await,
        }
    }
}

/// Per-task poll counts and the time of the last poll.
#[derive(Default)]
struct Counters {
    tasks: std::sync::Mutex<HashMap<String, (u32, Option<Instant>)>>,
    polls: AtomicU64,
    beyond: AtomicU64,
    early: AtomicU64,
    connections: AtomicU64,
}

fn serve() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        println!("{}", listener.local_addr().expect("an address").port());
        std::io::stdout().flush().expect("flush");
        let counters = Arc::new(Counters::default());
        // Stops by itself after the run limit, whether or not the parent kills it.
        let limit = tokio::time::sleep(RUN_LIMIT + Duration::from_secs(10));
        tokio::pin!(limit);
        loop {
            tokio::select! {
                _ = &mut limit => return,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    counters.connections.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(connection(stream, counters.clone()));
                }
            }
        }
    });
}

/// One keep-alive connection: requests without bodies, answered in order.
async fn connection(mut stream: TcpStream, counters: Arc<Counters>) {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let body = answer(&target, &counters);
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        // `connection: close` (the parent's `/_stats` read) ends the connection after the
        // answer, so the reader sees the end of the body.
        let close = head.to_ascii_lowercase().contains("connection: close");
        if stream.write_all(reply.as_bytes()).await.is_err() || close {
            return;
        }
    }
}

fn answer(target: &str, c: &Counters) -> String {
    if target == "/_stats" {
        let tasks = c.tasks.lock().expect("counters");
        let polls = c.polls.load(Ordering::Relaxed);
        return format!(
            "polls={polls} polls_per_task={:.2} beyond_schedule={} early={} connections={}",
            polls as f64 / tasks.len().max(1) as f64,
            c.beyond.load(Ordering::Relaxed),
            c.early.load(Ordering::Relaxed),
            c.connections.load(Ordering::Relaxed).saturating_sub(1)
        );
    }
    let id = target.split_once("taskId=").map_or("", |(_, id)| id).to_owned();
    c.polls.fetch_add(1, Ordering::Relaxed);
    let now = Instant::now();
    let n = {
        let mut tasks = c.tasks.lock().expect("counters");
        let entry = tasks.entry(id.clone()).or_insert((0, None));
        entry.0 += 1;
        if let Some(last) = entry.1
            && now - last < INTERVAL.mul_f64(0.9)
        {
            c.early.fetch_add(1, Ordering::Relaxed);
        }
        entry.1 = Some(now);
        entry.0
    };
    if n > SUCCESS_ON_POLL {
        c.beyond.fetch_add(1, Ordering::Relaxed);
    }
    if n >= SUCCESS_ON_POLL {
        format!(
            r#"{{"code":200,"message":"success","data":{{"taskId":"{id}","state":"success","resultJson":"{{\"resultUrls\":[\"https://r2.apixo.ai/video.mp4\"]}}","createTime":1767965610929,"completeTime":1767965652317,"costTime":41388}}}}"#
        )
    } else {
        format!(
            r#"{{"code":200,"message":"success","data":{{"taskId":"{id}","state":"processing","createTime":1767965610929}}}}"#
        )
    }
}
