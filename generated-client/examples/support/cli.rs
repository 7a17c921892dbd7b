//! What the examples share: their command line, their entry point and how they wait.

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use happyhorse_client::runtime::{Error, WaitOptions};

/// Parses the arguments, runs `run`, and turns its outcome into the exit code. A failure after
/// submission prints the task id, so a paid task is never lost.
pub async fn main<F, Fut>(example: &str, run: F) -> ExitCode
where
    F: FnOnce(Args) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let args = match Args::parse(example) {
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

pub struct Args {
    pub base_url: Option<String>,
    pub out: PathBuf,
    pub prompt: String,
    pub poll_every: Option<u64>,
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
    pub fn parse(example: &str) -> Result<Parsed, String> {
        let usage = format!(
            "usage: cargo run --example {example} -- [--base-url URL] [--out DIR] [--prompt TEXT] [--poll-every SECONDS]\n\
             (from the workspace root: it reuses the build of `cargo test --workspace`)\n\
             The API key is read from the provider's environment variable."
        );
        let mut args = Args {
            base_url: None,
            out: PathBuf::from("."),
            prompt: "a cinematic rainy night in tokyo, slow dolly shot".into(),
            poll_every: None,
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
                "-h" | "--help" => return Ok(Parsed::Help(usage)),
                other => return Err(format!("unknown argument {other:?}; --help lists the options")),
            }
        }
        Ok(Parsed::Run(args))
    }

    /// Wait options that print progress, polling every `--poll-every` seconds if given.
    pub fn wait_options(&self) -> WaitOptions {
        let options = WaitOptions::default()
            .on_progress(|p| eprintln!("[{:>4}s] {} ({:?})", p.elapsed.as_secs(), p.state, p.phase));
        match self.poll_every {
            Some(secs) => options.first_poll(Duration::from_secs(secs)).interval(Duration::from_secs(secs)),
            None => options,
        }
    }

    /// Creates the output directory.
    pub fn create_out_dir(&self) -> Result<(), Error> {
        std::fs::create_dir_all(&self.out)
            .map_err(|e| Error::Config { message: format!("cannot create {}: {e}", self.out.display()) })
    }
}
