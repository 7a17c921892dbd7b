//! Crash safety with real processes: a child process submits a paid task through a client
//! with a file journal and is killed (SIGKILL) at each step: before the POST, after the
//! POST before the answer, after the answer (before and after its outcome is on disk), and
//! mid-wait. A restarted child recovers from the journal. Over every scenario: 0 lost ids
//! (every task the server created is resumable from the journal, or flagged as an unknown
//! outcome until someone resolves it) and 0 duplicate submits (the server sees one POST).
//!
//! Nothing here waits on the wall clock: the parent kills the child when the child says
//! (a line on its stdout, written when its journal reached the step) or when the loopback
//! server has recorded the request; the child's waits run on a manual clock.
//!
//! A test without the libtest harness: the same binary is the parent and, with
//! `HH_CRASH_CHILD` set, the child.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;

use happyhorse_client::apixo;
use happyhorse_client::runtime::client::BoxFuture;
use happyhorse_client::runtime::journal::{Batch, FileJournal, JournalError, Record, TaskJournal};
use happyhorse_client::runtime::{Error, ManualClock, Resolution, RetryPolicy, WaitOptions};
use serde_json::json;
use support::{Gate, Reply, Server};

// ---- the child ---------------------------------------------------------------------------

/// A journal that stops the process's progress at one step and says so on stdout.
#[derive(Debug)]
struct Pausing {
    inner: FileJournal,
    pause: String,
}

fn kind(r: &Record) -> &'static str {
    match r {
        Record::Intent { .. } => "intent",
        Record::Outcome { .. } => "outcome",
        Record::Terminal { .. } => "terminal",
        _ => "other",
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

impl TaskJournal for Pausing {
    fn append<'a>(&'a self, record: &'a Record) -> BoxFuture<'a, Result<(), JournalError>> {
        Box::pin(async move {
            let k = kind(record);
            if self.pause == format!("before-{k}") {
                say(&format!("PAUSED {}", self.pause));
                std::future::pending::<()>().await;
            }
            self.inner.append(record).await?;
            if self.pause == format!("after-{k}") {
                say(&format!("PAUSED {}", self.pause));
                std::future::pending::<()>().await;
            }
            Ok(())
        })
    }
    fn read_since(&self, cursor: u64) -> BoxFuture<'_, Result<Batch, JournalError>> {
        self.inner.read_since(cursor)
    }
}

fn body() -> apixo::SubmitRequest {
    apixo::SubmitRequest::new(
        apixo::TextToVideoInput::new("a cinematic rainy night in tokyo")
            .with_resolution(apixo::Resolution::P720)
            .with_duration(5),
    )
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// The child: one action, reported line by line on stdout.
fn child() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let journal =
            Pausing { inner: FileJournal::open(env("HH_CRASH_JOURNAL")).unwrap(), pause: env("HH_CRASH_PAUSE") };
        let client = apixo::Client::builder()
            .api_key("test-key")
            .base_url(env("HH_CRASH_BASE"))
            .clock(Arc::new(ManualClock::default()))
            .retry(RetryPolicy { jitter: false, ..RetryPolicy::default() })
            .journal(Arc::new(journal))
            .build()
            .unwrap();
        let action = env("HH_CRASH_ACTION");
        match action.as_str() {
            // A fresh start: submit, then wait for the result.
            "run" => match client.submit(&body()).await {
                Ok(task) => {
                    say(&format!("TASK {}", task.id));
                    let opts = WaitOptions::default().on_progress(|p| say(&format!("POLL {}", p.state)));
                    match client.wait(&task, opts).await {
                        Ok(s) => say(&format!(
                            "DONE {} {}",
                            task.id,
                            happyhorse_client::runtime::provider::StatusAnswer::state(&s)
                        )),
                        Err(e) => say(&format!("ERR {e}")),
                    }
                }
                Err(e) => say(&format!("ERR {e}")),
            },
            // After a crash: resume every task, list every unknown outcome, and submit the
            // job only if the journal knows nothing of it.
            "restart" => {
                let r = client.recover().await.unwrap();
                say(&format!("RECOVERED {} {}", r.tasks.len(), r.unknown.len()));
                for u in &r.unknown {
                    say(&format!("UNKNOWN {}", u.submission));
                }
                for task in &r.tasks {
                    match client.wait(task, WaitOptions::default()).await {
                        Ok(s) => say(&format!(
                            "DONE {} {}",
                            task.id,
                            happyhorse_client::runtime::provider::StatusAnswer::state(&s)
                        )),
                        Err(e) => say(&format!("ERR {e}")),
                    }
                }
                if r.tasks.is_empty() && r.unknown.is_empty() {
                    match client.submit(&body()).await {
                        Ok(task) => {
                            say(&format!("TASK {}", task.id));
                            match client.wait(&task, WaitOptions::default()).await {
                                Ok(_) => say(&format!("DONE {} success", task.id)),
                                Err(e) => say(&format!("ERR {e}")),
                            }
                        }
                        Err(e) => say(&format!("ERR {e}")),
                    }
                }
            }
            // A blind resubmit, as a careless restart would do.
            "resubmit" => match client.submit(&body()).await {
                Ok(task) => say(&format!("TASK {}", task.id)),
                Err(Error::DuplicateRefused(_)) => say("REFUSED"),
                Err(e) => say(&format!("ERR {e}")),
            },
            // An operator resolves an unknown outcome after checking with the provider.
            "resolve" => {
                let resolution = match env("HH_CRASH_TASK").as_str() {
                    "" => Resolution::NotCreated,
                    id => Resolution::Created(id.to_owned()),
                };
                client.resolve_unknown(&env("HH_CRASH_SUBMISSION"), resolution).await.unwrap();
                say("RESOLVED");
            }
            other => say(&format!("ERR unknown action {other}")),
        }
        say("EXIT");
    });
}

// ---- the parent --------------------------------------------------------------------------

/// A running child and its stdout.
struct Running {
    child: Child,
    lines: BufReader<ChildStdout>,
}

fn start(base: &str, journal: &Path, action: &str, extra: &[(&str, &str)]) -> Running {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.env("HH_CRASH_CHILD", "1")
        .env("HH_CRASH_BASE", base)
        .env("HH_CRASH_JOURNAL", journal)
        .env("HH_CRASH_ACTION", action)
        .env_remove("HH_CRASH_PAUSE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start the child");
    let lines = BufReader::new(child.stdout.take().unwrap());
    Running { child, lines }
}

impl Running {
    /// The next line the child writes (blocking on the pipe, never on a timer).
    fn next(&mut self) -> String {
        let mut line = String::new();
        let n = self.lines.read_line(&mut line).expect("read the child's stdout");
        assert!(n > 0, "the child ended without saying more");
        line.trim_end().to_owned()
    }

    /// Lines until `EXIT`, then the exit status.
    fn finish(mut self) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let l = self.next();
            if l == "EXIT" {
                break;
            }
            out.push(l);
        }
        assert!(self.child.wait().unwrap().success());
        out
    }

    fn kill(mut self) {
        self.child.kill().expect("kill the child");
        let _ = self.child.wait();
    }
}

/// Reads a blocking pipe off the async runtime.
async fn next_line(mut r: Running) -> (Running, String) {
    tokio::task::spawn_blocking(move || {
        let l = r.next();
        (r, l)
    })
    .await
    .unwrap()
}

async fn finish(r: Running) -> Vec<String> {
    tokio::task::spawn_blocking(move || r.finish()).await.unwrap()
}

async fn run(base: &str, journal: &Path, action: &str, extra: &[(&str, &str)]) -> Vec<String> {
    finish(start(base, journal, action, extra)).await
}

/// One answer that works for the submit (it has `data.taskId`) and for the status query
/// (a success with its result).
fn done() -> Reply {
    Reply::json(
        200,
        json!({"code": 200, "message": "success", "data": {"taskId": "task_A", "state": "success",
            "resultJson": "{\"resultUrls\":[\"https://r2.example/task_A.mp4\"]}"}}),
    )
}

fn accepted() -> Reply {
    Reply::json(200, json!({"code": 200, "message": "success", "data": {"taskId": "task_A"}}))
}

fn processing() -> Reply {
    Reply::json(200, json!({"code": 200, "data": {"taskId": "task_A", "state": "processing"}}))
}

fn journal_path(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hh-crash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d.join("journal.jsonl")
}

/// After a restart that found an unknown outcome: a blind resubmit is refused; the operator
/// (who can see the server's records, as one would the provider's console) resolves it;
/// the next restart finishes the job. Returns the lines of that last restart.
async fn resolve_and_finish(server: &Server, journal: &Path, restart: &[String]) -> Vec<String> {
    assert_eq!(restart[0], "RECOVERED 0 1", "{restart:?}");
    let submission = restart[1].strip_prefix("UNKNOWN ").expect("the unknown submission is listed").to_owned();
    let base = server.url();
    assert_eq!(run(&base, journal, "resubmit", &[]).await, ["REFUSED"], "a blind resubmit is refused");
    let created = if server.count("POST") == 1 { "task_A" } else { "" };
    let resolved =
        run(&base, journal, "resolve", &[("HH_CRASH_SUBMISSION", &submission), ("HH_CRASH_TASK", created)]).await;
    assert_eq!(resolved, ["RESOLVED"]);
    run(&base, journal, "restart", &[]).await
}

/// Killed after the intent is on disk, before the POST.
async fn before_the_post() {
    let server = Server::start(vec![], done()).await;
    let journal = journal_path("before-post");
    let mut child = start(&server.url(), &journal, "run", &[("HH_CRASH_PAUSE", "after-intent")]);
    child = {
        let (c, l) = next_line(child).await;
        assert_eq!(l, "PAUSED after-intent");
        c
    };
    child.kill();
    assert_eq!(server.count("POST"), 0, "nothing was sent");
    let restart = run(&server.url(), &journal, "restart", &[]).await;
    let last = resolve_and_finish(&server, &journal, &restart).await;
    assert_eq!(last, ["RECOVERED 0 0", "TASK task_A", "DONE task_A success"]);
    assert_eq!(server.count("POST"), 1, "one task in all");
}

/// Killed after the server got the POST, before it answered.
async fn after_the_post_before_the_answer() {
    let gate = Gate::new(); // never opened: the answer never comes
    let server = Server::start(vec![Reply::Gate(gate, Box::new(accepted()))], done()).await;
    let journal = journal_path("before-answer");
    let child = start(&server.url(), &journal, "run", &[]);
    server.requests_seen(1).await;
    child.kill();
    assert_eq!(server.count("POST"), 1);
    let restart = run(&server.url(), &journal, "restart", &[]).await;
    let last = resolve_and_finish(&server, &journal, &restart).await;
    assert_eq!(last, ["RECOVERED 1 0", "DONE task_A success"], "the created task is resumed, not resubmitted");
    assert_eq!(server.count("POST"), 1, "no duplicate");
}

/// Killed after the answer arrived, before its outcome was on disk.
async fn after_the_answer_before_the_outcome_is_recorded() {
    let server = Server::start(vec![], done()).await;
    let journal = journal_path("before-outcome");
    let (child, l) = next_line(start(&server.url(), &journal, "run", &[("HH_CRASH_PAUSE", "before-outcome")])).await;
    assert_eq!(l, "PAUSED before-outcome");
    child.kill();
    let restart = run(&server.url(), &journal, "restart", &[]).await;
    let last = resolve_and_finish(&server, &journal, &restart).await;
    assert_eq!(last, ["RECOVERED 1 0", "DONE task_A success"]);
    assert_eq!(server.count("POST"), 1);
}

/// Killed after the answer and its outcome were on disk.
async fn after_the_answer() {
    let server = Server::start(vec![], done()).await;
    let journal = journal_path("after-outcome");
    let (child, l) = next_line(start(&server.url(), &journal, "run", &[("HH_CRASH_PAUSE", "after-outcome")])).await;
    assert_eq!(l, "PAUSED after-outcome");
    child.kill();
    let restart = run(&server.url(), &journal, "restart", &[]).await;
    assert_eq!(restart, ["RECOVERED 1 0", "DONE task_A success"], "resumed straight from the journal");
    assert_eq!(server.count("POST"), 1);
}

/// Killed while waiting: the first status query is held until the kill.
async fn mid_wait() {
    let held = Gate::new();
    let server = Server::start(vec![accepted(), Reply::Gate(held, Box::new(processing()))], done()).await;
    let journal = journal_path("mid-wait");
    let (child, l) = next_line(start(&server.url(), &journal, "run", &[])).await;
    assert_eq!(l, "TASK task_A");
    server.requests_seen(2).await; // the POST and the first poll
    child.kill();
    let restart = run(&server.url(), &journal, "restart", &[]).await;
    assert_eq!(restart, ["RECOVERED 1 0", "DONE task_A success"]);
    assert_eq!(server.count("POST"), 1);
    // Done: a further restart finds nothing to resume, and submits the next job.
    let again = run(&server.url(), &journal, "restart", &[]).await;
    assert_eq!(again[0], "RECOVERED 0 0");
}

/// One scenario's future.
type Scenario = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

/// A scenario's name and how to start it.
struct Entry(&'static str, fn() -> Scenario);

fn main() {
    if std::env::var_os("HH_CRASH_CHILD").is_some() {
        child();
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let scenarios: [Entry; 5] = [
        Entry("killed_before_the_post", || Box::pin(before_the_post())),
        Entry("killed_after_the_post_before_the_answer", || Box::pin(after_the_post_before_the_answer())),
        Entry("killed_after_the_answer_before_its_outcome_is_on_disk", || {
            Box::pin(after_the_answer_before_the_outcome_is_recorded())
        }),
        Entry("killed_after_the_answer", || Box::pin(after_the_answer())),
        Entry("killed_mid_wait", || Box::pin(mid_wait())),
    ];
    let (mut passed, mut failed) = (0, 0);
    println!("\nrunning {} crash scenarios (real child processes, SIGKILL)", scenarios.len());
    for Entry(name, scenario) in scenarios {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(scenario())));
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("test {name} ... ok");
            }
            Err(_) => {
                failed += 1;
                println!("test {name} ... FAILED");
            }
        }
    }
    println!("\n{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
