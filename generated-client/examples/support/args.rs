//! Command-line arguments shared by the examples.

use std::path::PathBuf;

pub struct Args {
    pub base_url: Option<String>,
    pub out: PathBuf,
    pub prompt: String,
    pub poll_every: Option<u64>,
}

impl Args {
    pub fn parse(example: &str) -> Result<Args, String> {
        let usage = format!(
            "usage: cargo run -p happyhorse-client --example {example} -- [--base-url URL] [--out DIR] [--prompt TEXT] [--poll-every SECONDS]\n\
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
            let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{usage}"));
            match flag.as_str() {
                "--base-url" => args.base_url = Some(value()?),
                "--out" => args.out = PathBuf::from(value()?),
                "--prompt" => args.prompt = value()?,
                "--poll-every" => {
                    args.poll_every =
                        Some(value()?.parse().map_err(|_| format!("--poll-every takes whole seconds\n{usage}"))?)
                }
                "-h" | "--help" => return Err(usage),
                other => return Err(format!("unknown argument {other}\n{usage}")),
            }
        }
        Ok(args)
    }
}
