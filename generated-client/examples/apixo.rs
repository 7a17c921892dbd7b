//! Submit an APIXO HappyHorse text-to-video task, wait for it showing every poll, download
//! the videos.
//!
//! ```sh
//! cargo xtask simulate &     # a local simulator of both providers; any key works
//! APIXO_API_KEY=any APIXO_BASE_URL=http://127.0.0.1:8787/api/v1 \
//!     cargo run --example apixo -- --out ./videos --prompt "a rainy night in tokyo" -v
//! ```
//!
//! `--base-url` overrides `APIXO_BASE_URL`; with neither, it talks to the real API (and
//! spends money). `-v` shows the client's requests and retries (its `tracing` events).

use std::path::PathBuf;
use std::process::ExitCode;

use happyhorse_client::apixo::{self, BillingInputs, Client, Resolution, SubmitRequest, TextToVideoInput};
use happyhorse_client::runtime::{DownloadOptions, Error, download};

#[path = "support/cli.rs"]
mod cli;

#[tokio::main]
async fn main() -> ExitCode {
    cli::main("apixo", &apixo::PROVIDER, run).await
}

async fn run(args: cli::Args) -> Result<(), Error> {
    let mut builder = Client::builder();
    if let Some(url) = &args.base_url {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;

    let request = SubmitRequest::new(
        TextToVideoInput::new(args.prompt.clone()).with_resolution(Resolution::P720).with_duration(5),
    );
    request.validate()?;
    match request.estimate_cost(&BillingInputs::default()) {
        Ok(cost) => eprintln!("estimated cost: {} (market reference {})", cost.official, cost.market_reference),
        Err(e) => eprintln!("no cost estimate: {e}"),
    }

    let task = client.submit(&request).await?;
    eprintln!("submitted task {} ({}): keep the id, it finds the task again", task.id, task.mode);

    let done = client.wait(&task, args.wait_options(&task)).await?;

    args.create_out_dir()?;
    for (i, output) in done.outputs().iter().enumerate() {
        let dest: PathBuf = args.out.join(format!("{}-{i}.mp4", task.id));
        match download(&output.url, &dest, &DownloadOptions::default()).await {
            Ok(d) => println!("{} ({} bytes)", d.path.display(), d.bytes),
            Err(e) => eprintln!("download failed, the URL is {}: {e}", output.url),
        }
    }
    Ok(())
}
