//! The example's command line, how it shows progress and how `-v` turns on the client's
//! `tracing` events.

use std::path::PathBuf;
use std::time::Duration;

use happyhorse_client::runtime::provider::Module;
use happyhorse_client::runtime::{Error, Progress, Task, TaskPhase, WaitOptions};

/// Prints the client's `tracing` events on stderr: each submit and status query (DEBUG),
/// each submitted task (INFO), and each retry with its cause and delay (WARN). Any
/// subscriber does; this is the smallest `tracing-subscriber` setup.
pub fn show_tracing() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;

    let only_the_client = Targets::new().with_target("happyhorse_client", LevelFilter::DEBUG);
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(only_the_client)
        .init();
}

/// What the command line asks for.
pub struct Args {
    /// `<module>` or `<module>/<operation>`.
    pub module: String,
    /// A request body given on the command line (JSON, or `@FILE`).
    pub body: Option<String>,
    /// The documented request example to send, by name.
    pub example: Option<String>,
    pub base_url: Option<String>,
    pub out: PathBuf,
    pub prompt: Option<String>,
    pub poll_every: Option<u64>,
    pub verbose: bool,
}

/// What the command line asks for.
pub enum Parsed {
    /// Run the example.
    Run(Args),
    /// Print the usage and exit successfully (`-h`, `--help`).
    Help,
}

/// The usage text, listing every module and submit operation of the generated client.
pub fn usage(example: &str, modules: &[&dyn Module]) -> String {
    let mut list = String::new();
    for m in modules {
        let info = m.info();
        let base = match info.base_url_env {
            Some(var) => format!("${var} if set, else {}", info.base_url),
            None => info.base_url.to_owned(),
        };
        list.push_str(&format!("  {} ({}): base URL {base}; API key ${}\n", info.module, info.name, info.api_key_env));
        for e in m.submit_endpoints() {
            let label = format!("{}/{}", info.module, e.key);
            list.push_str(&format!("    {label:<28} {} {}\n", e.method, e.path));
        }
    }
    format!(
        "usage: cargo run --example {example} -- --module MODULE[/OPERATION] [--example NAME | --body JSON|@FILE]\n\
         \x20      [--prompt TEXT] [--base-url URL] [--out DIR] [--poll-every SECONDS] [-v]\n\
         (from the workspace root: it reuses the build of `cargo test --workspace`)\n\
         \n\
         Submits a task, waits for it showing every poll, and downloads the results.\n\
         \n\
         \x20 --module M[/OP]       the module and its submit operation (OP may be left out when\n\
         \x20                       the module has one)\n\
         \x20 --example NAME        send this documented request example of the operation (from\n\
         \x20                       the spec); default: its first one, else a minimal valid body\n\
         \x20 --body JSON|@FILE     send this request body instead\n\
         \x20 --prompt TEXT         replace the body's `prompt` values\n\
         \x20 --base-url URL        where requests go; default: the module's base-URL variable if\n\
         \x20                       set, else its real API, which costs money.\n\
         \x20                       `cargo xtask simulate` serves every module locally\n\
         \x20 --out DIR             where the results are saved (default: .)\n\
         \x20 --poll-every SECONDS  poll at this fixed interval instead of the documented schedule\n\
         \x20 -v, --verbose         show the client's requests and retries (its tracing events) on stderr\n\
         \n\
         modules and operations:\n{list}"
    )
}

impl Args {
    /// Parses the command line; a problem is one line quoting the bad value.
    pub fn parse() -> Result<Parsed, String> {
        let mut args = Args {
            module: String::new(),
            body: None,
            example: None,
            base_url: None,
            out: PathBuf::from("."),
            prompt: None,
            poll_every: None,
            verbose: false,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--module" => args.module = value()?,
                "--body" => args.body = Some(value()?),
                "--example" => args.example = Some(value()?),
                "--base-url" => args.base_url = Some(value()?),
                "--out" => args.out = PathBuf::from(value()?),
                "--prompt" => args.prompt = Some(value()?),
                "--poll-every" => {
                    let v = value()?;
                    args.poll_every =
                        Some(v.parse().map_err(|_| format!("--poll-every takes whole seconds (got {v:?})"))?)
                }
                "-v" | "--verbose" => args.verbose = true,
                "-h" | "--help" => return Ok(Parsed::Help),
                other => return Err(format!("unknown argument {other:?}; --help lists the options")),
            }
        }
        if args.module.is_empty() {
            return Err("--module is required (e.g. --module modellix/r2v); --help lists the modules".to_owned());
        }
        if args.body.is_some() && args.example.is_some() {
            return Err("give --body or --example, not both".to_owned());
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
