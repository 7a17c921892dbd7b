//! What the examples share: their command line, their entry point, how they show progress
//! and how `-v` turns on the client's `tracing` events.

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use happyhorse_client::runtime::{Error, Progress, ProviderInfo, Task, TaskPhase, WaitOptions};

/// Parses the arguments, runs `run`, and turns its outcome into the exit code. A failure after
/// submission prints the task id, so a paid task is never lost.
pub async fn main<F, Fut>(example: &str, provider: &ProviderInfo, run: F) -> ExitCode
where
    F: FnOnce(Args) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let args = match Args::parse(example, provider) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Help(usage)) => {
            println!("{usage}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    if args.verbose {
        show_tracing();
    }
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(id) = e.task_id() {
                eprintln!("task id: {id} (keep it: the task may still finish and be billed)");
            }
            ExitCode::FAILURE
        }
    }
}

/// Prints the client's `tracing` events on stderr: each submit and status query (DEBUG),
/// each submitted task (INFO), and each retry with its cause and delay (WARN). Any
/// subscriber does; this is the smallest `tracing-subscriber` setup.
fn show_tracing() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;

    let only_the_client = Targets::new().with_target("happyhorse_client", LevelFilter::DEBUG);
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(only_the_client)
        .init();
}

pub struct Args {
    pub base_url: Option<String>,
    pub out: PathBuf,
    pub prompt: String,
    pub poll_every: Option<u64>,
    pub verbose: bool,
}

/// What the command line asks for.
pub enum Parsed {
    /// Run the example.
    Run(Args),
    /// Print this usage text and exit successfully (`-h`, `--help`).
    Help(String),
}

impl Args {
    /// Parses the command line; a problem is one line quoting the bad value.
    pub fn parse(example: &str, provider: &ProviderInfo) -> Result<Parsed, String> {
        let base_default = match provider.base_url_env {
            Some(var) => format!("${var} if set, else the real"),
            None => "the real".to_owned(),
        };
        let usage = format!(
            "usage: cargo run --example {example} -- [--base-url URL] [--out DIR] [--prompt TEXT] [--poll-every SECONDS] [-v]\n\
             (from the workspace root: it reuses the build of `cargo test --workspace`)\n\
             \n\
             \x20 --base-url URL        where requests go; default: {base_default}\n\
             \x20                       API ({}), which costs money. `cargo xtask simulate`\n\
             \x20                       serves both providers at http://127.0.0.1:8787\n\
             \x20 --out DIR             where the results are saved (default: .)\n\
             \x20 --prompt TEXT         the prompt\n\
             \x20 --poll-every SECONDS  poll at this fixed interval instead of the documented schedule\n\
             \x20 -v, --verbose         show the client's requests and retries (its tracing events) on stderr\n\
             \n\
             The API key is read from ${}.",
            provider.base_url, provider.api_key_env
        );
        let mut args = Args {
            base_url: None,
            out: PathBuf::from("."),
            prompt: "a cinematic rainy night in tokyo, slow dolly shot".into(),
            poll_every: None,
            verbose: false,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--base-url" => args.base_url = Some(value()?),
                "--out" => args.out = PathBuf::from(value()?),
                "--prompt" => args.prompt = value()?,
                "--poll-every" => {
                    let v = value()?;
                    args.poll_every =
                        Some(v.parse().map_err(|_| format!("--poll-every takes whole seconds (got {v:?})"))?)
                }
                "-v" | "--verbose" => args.verbose = true,
                "-h" | "--help" => return Ok(Parsed::Help(usage)),
                other => return Err(format!("unknown argument {other:?}; --help lists the options")),
            }
        }
        Ok(Parsed::Run(args))
    }

    /// Says what the wait will do, then returns wait options that print every poll (its
    /// state, the time since the wait began and the delay to the next poll), polling every
    /// `--poll-every` seconds if given.
    pub fn wait_options(&self, task: &Task) -> WaitOptions {
        let options = WaitOptions::default().on_progress(|p| eprintln!("{}", progress_line(p)));
        match self.poll_every {
            Some(secs) => {
                eprintln!("waiting: a poll every {secs} s");
                let every = Duration::from_secs(secs);
                options.first_poll(every).interval(every)
            }
            None => {
                let p = &task.polling;
                let interval = if p.interval_min == p.interval_max {
                    format!("every {}", secs(p.interval_min))
                } else {
                    format!("every {} to {}", secs(p.interval_min), secs(p.interval_max))
                };
                eprintln!(
                    "waiting: first poll after {} (the documented delay for {}), then {interval}",
                    secs(p.first_poll),
                    task.mode
                );
                options
            }
        }
    }

    /// Creates the output directory.
    pub fn create_out_dir(&self) -> Result<(), Error> {
        std::fs::create_dir_all(&self.out)
            .map_err(|e| Error::Config { message: format!("cannot create {}: {e}", self.out.display()) })
    }
}

/// `[  31.2s] poll 1: processing (pending); next poll in 12.4s`.
fn progress_line(p: &Progress) -> String {
    let mut line = format!("[{:>6}] poll {}: ", secs(p.elapsed), p.polls);
    match &p.poll_error {
        Some(e) => line.push_str(&format!("failed ({e}); the wait goes on")),
        None => {
            let phase = match p.phase {
                TaskPhase::Pending => "pending",
                TaskPhase::Succeeded => "succeeded",
                TaskPhase::Failed => "failed",
            };
            line.push_str(&format!("{} ({phase})", p.state));
            if !p.state_documented {
                line.push_str(", a state the docs do not list");
            }
        }
    }
    if let Some(next) = p.next_poll {
        line.push_str(&format!("; next poll in {}", secs(next)));
    }
    line
}

/// A duration in seconds with one decimal, `12.4s` (display only).
fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}
