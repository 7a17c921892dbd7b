//! Submit a Modellix HappyHorse 1.0 reference-to-video task, wait for it showing every
//! poll, download the results.
//!
//! ```sh
//! cargo xtask simulate &     # a local simulator of both providers; any key works
//! MODELLIX_API_KEY=any MODELLIX_BASE_URL=http://127.0.0.1:8787 \
//!     cargo run --example modellix -- --out ./videos --prompt "character1 waves at the camera" -v
//! ```
//!
//! `--base-url` overrides `MODELLIX_BASE_URL`; with neither, it talks to the real API (and
//! spends money). `-v` shows the client's requests and retries (its `tracing` events).

use std::path::PathBuf;
use std::process::ExitCode;

use happyhorse_client::modellix::{self, Client, ReferenceToVideoRequest, Resolution};
use happyhorse_client::runtime::{DownloadOptions, Error, download};

#[path = "support/cli.rs"]
mod cli;

#[tokio::main]
async fn main() -> ExitCode {
    cli::main("modellix", &modellix::PROVIDER, run).await
}

async fn run(args: cli::Args) -> Result<(), Error> {
    let mut builder = Client::builder();
    if let Some(url) = &args.base_url {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;

    let request = ReferenceToVideoRequest::new(["https://example.com/girl.jpg"], args.prompt.clone())
        .with_resolution(Resolution::P720);
    request.validate()?;
    for lint in request.lints() {
        eprintln!("{lint}");
    }

    let task = client.submit(&request).await?;
    eprintln!("submitted task {}: keep the id, it finds the task again", task.id);

    let done = client.wait(&task, args.wait_options(&task)).await?;

    args.create_out_dir()?;
    // Modellix result URLs expire after 24 hours: download now.
    for (i, output) in done.outputs().iter().enumerate() {
        let ext = if output.kind.as_deref() == Some("video") { "mp4" } else { "bin" };
        let dest: PathBuf = args.out.join(format!("{}-{i}.{ext}", task.id));
        match download(&output.url, &dest, &DownloadOptions::default()).await {
            Ok(d) => println!("{} ({} bytes)", d.path.display(), d.bytes),
            Err(e) => eprintln!("download failed, the URL is {}: {e}", output.url),
        }
    }
    Ok(())
}
