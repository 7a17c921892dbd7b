//! Submit a task of any module and submit operation the generated client has, wait for it
//! showing every poll, download the results: one program for every provider and endpoint,
//! through the object-safe client (`providers::MODULES`, `DynClient`).
//!
//! ```sh
//! cargo xtask simulate &     # a local simulator of every module; any key works
//! MODELLIX_API_KEY=any MODELLIX_BASE_URL=http://127.0.0.1:8787 \
//!     cargo run --example happyhorse -- --module modellix/r2v --out ./videos -v
//! APIXO_API_KEY=any APIXO_BASE_URL=http://127.0.0.1:8787/api/v1 \
//!     cargo run --example happyhorse -- --module apixo --example image_to_video --out ./videos
//! ```
//!
//! The request body is one of the operation's documented examples, read from the spec files
//! of the checkout it runs in (`--example NAME`; default the first), a minimal valid body
//! built from the spec when the operation documents none, or `--body`. `--base-url`
//! overrides the module's base-URL variable; with neither, it talks to the real API (and
//! spends money). `-v` shows the client's requests and retries (its `tracing` events).

use std::path::PathBuf;
use std::process::ExitCode;

use happyhorse_client::providers::MODULES;
use happyhorse_client::runtime::provider::Module;
use happyhorse_client::runtime::{ClientSettings, DownloadOptions, Error, download};
use happyhorse_codegen::ir::{self, ExampleKind};
use serde_json::Value;

#[path = "support/cli.rs"]
mod cli;

const EXAMPLE: &str = "happyhorse";

#[tokio::main]
async fn main() -> ExitCode {
    let args = match cli::Args::parse() {
        Ok(cli::Parsed::Run(a)) => a,
        Ok(cli::Parsed::Help) => {
            print!("{}", cli::usage(EXAMPLE, MODULES));
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    let (module, op) = match module_and_operation(&args.module) {
        Ok(found) => found,
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    if args.verbose {
        cli::show_tracing();
    }
    match run(args, module, op).await {
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

fn config(message: impl Into<String>) -> Error {
    Error::Config { message: message.into() }
}

/// The module and submit operation `--module` names.
fn module_and_operation(arg: &str) -> Result<(&'static dyn Module, String), String> {
    let (name, op) = match arg.split_once('/') {
        Some((m, o)) => (m, Some(o)),
        None => (arg, None),
    };
    let names: Vec<&str> = MODULES.iter().map(|m| m.info().module).collect();
    let module = MODULES
        .iter()
        .copied()
        .find(|m| m.info().module == name)
        .ok_or_else(|| format!("--module {arg:?}: no module {name:?} (the modules: {})", names.join(", ")))?;
    let ops: Vec<&str> = module.submit_endpoints().iter().map(|e| e.key).collect();
    let op = match (op, ops.as_slice()) {
        (Some(op), _) if ops.contains(&op) => op.to_owned(),
        (None, [only]) => (*only).to_owned(),
        _ => {
            return Err(format!(
                "--module {arg:?}: name one of {name}'s submit operations: {}",
                ops.iter().map(|o| format!("{name}/{o}")).collect::<Vec<_>>().join(", ")
            ));
        }
    };
    Ok((module, op))
}

/// The request body: `--body`, or the operation's documented example read from the spec
/// files, or a minimal valid body built from the spec.
fn body(args: &cli::Args, module: &dyn Module, op: &str) -> Result<Value, Error> {
    if let Some(text) = &args.body {
        let text = match text.strip_prefix('@') {
            Some(file) => std::fs::read_to_string(file).map_err(|e| config(format!("--body @{file}: {e}")))?,
            None => text.clone(),
        };
        return serde_json::from_str(&text).map_err(|e| config(format!("--body is not JSON: {e}")));
    }
    let here = std::env::current_dir().map_err(|e| config(format!("cannot read the current directory: {e}")))?;
    let root = happyhorse_codegen::output::find_root(&here).map_err(config)?;
    let modules = happyhorse_codegen::output::load_all(&root).map_err(|e| config(e.to_string()))?;
    let info = module.info();
    let m = modules
        .into_iter()
        .find(|m| m.module == info.module)
        .ok_or_else(|| config(format!("no spec of module `{}` in {}", info.module, root.display())))?;
    if m.spec_sha256 != info.spec_sha256 {
        return Err(config("the generated client is stale against the spec files: run `cargo xtask codegen`"));
    }
    let documented: Vec<&ir::Example> =
        m.examples.iter().filter(|e| e.operation == op && e.kind == ExampleKind::Request).collect();
    let chosen = match &args.example {
        Some(name) => Some(documented.iter().find(|e| e.name == *name).ok_or_else(|| {
            let names: Vec<&str> = documented.iter().map(|e| e.name.as_str()).collect();
            config(format!("--example {name:?}: the documented request examples of {op} are: {}", names.join(", ")))
        })?),
        None => documented.first(),
    };
    match chosen {
        Some(e) => {
            eprintln!("request: the documented example `{}`", e.name);
            serde_json::from_str(&e.json).map_err(|err| config(format!("the documented example `{}`: {err}", e.name)))
        }
        None => {
            eprintln!("request: a minimal valid body (the operation documents no request example)");
            let root = happyhorse_conformance::boundary::request_root(&m, op)
                .ok_or_else(|| config(format!("operation {op} has no request body")))?;
            Ok(happyhorse_conformance::boundary::minimal_struct(&m, &root, &Default::default(), ""))
        }
    }
}

/// Replaces every `prompt` value of `body`; false when it has none.
fn set_prompt(body: &mut Value, prompt: &str) -> bool {
    match body {
        Value::Object(map) => {
            let mut found = false;
            for (k, v) in map.iter_mut() {
                if k == "prompt" && v.is_string() {
                    *v = Value::String(prompt.to_owned());
                    found = true;
                } else {
                    found |= set_prompt(v, prompt);
                }
            }
            found
        }
        Value::Array(items) => items.iter_mut().fold(false, |f, v| set_prompt(v, prompt) | f),
        _ => false,
    }
}

async fn run(args: cli::Args, module: &'static dyn Module, op: String) -> Result<(), Error> {
    let label = format!("{}/{op}", module.info().module);
    // The client first: an unusable base URL stops the program before anything is read or sent.
    let settings = ClientSettings { base_url: args.base_url.clone(), ..ClientSettings::default() };
    let client = module.connect(settings)?;

    let mut body = body(&args, module, &op)?;
    if let Some(prompt) = &args.prompt
        && !set_prompt(&mut body, prompt)
    {
        return Err(config(format!("--prompt: the request body of {label} has no prompt")));
    }
    module.check_request(&op, &body).map_err(Error::Validation)?;
    match module.estimate(&op, &body, &[]) {
        Some(Ok(cost)) => eprintln!("estimated cost: {} (market reference {})", cost.official, cost.market_reference),
        Some(Err(e)) => eprintln!("no cost estimate: {e}"),
        None => {}
    }

    let task = client.submit(&op, &body).await?;
    eprintln!("submitted task {} of {label} ({}): keep the id, it finds the task again", task.id, task.mode);

    let done = client.wait(&task, args.wait_options(&task)).await?;

    args.create_out_dir()?;
    // Result URLs expire: download now.
    for (i, output) in done.outputs().iter().enumerate() {
        let ext = match output.kind.as_deref() {
            None | Some("video") => "mp4",
            Some(_) => "bin",
        };
        let dest: PathBuf = args.out.join(format!("{}-{i}.{ext}", task.id));
        match download(&output.url, &dest, &DownloadOptions::default()).await {
            Ok(d) => println!("{} ({} bytes)", d.path.display(), d.bytes),
            Err(e) => eprintln!("download failed, the URL is {}: {e}", output.url),
        }
    }
    Ok(())
}
