//! Submit an APIXO HappyHorse text-to-video task, wait for it with progress, download the
//! videos.
//!
//! ```sh
//! APIXO_API_KEY=... cargo run -p happyhorse-client --example apixo -- \
//!     --base-url http://127.0.0.1:8787 --out ./videos --prompt "a rainy night in tokyo"
//! ```
//!
//! Without `--base-url` it talks to the real API (and spends money). `cargo xtask simulate`
//! runs a local simulator of both providers that accepts any key.

use std::path::PathBuf;
use std::process::ExitCode;

use happyhorse_client::apixo::{BillingInputs, Client, Resolution, SubmitRequest, TextToVideoInput};
use happyhorse_client::runtime::{DownloadOptions, Error, download};

#[path = "support/cli.rs"]
mod cli;

#[tokio::main]
async fn main() -> ExitCode {
    cli::main("apixo", run).await
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
    eprintln!("submitted task {} ({}); first poll in {:?}", task.id, task.mode, task.polling.first_poll);

    let done = client.wait(&task, args.wait_options()).await?;

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
