//! Submit a Modellix HappyHorse 1.0 reference-to-video task, wait for it with progress,
//! download the results.
//!
//! ```sh
//! MODELLIX_API_KEY=... cargo run -p happyhorse-client --example modellix -- \
//!     --base-url http://127.0.0.1:8787 --out ./videos --prompt "character1 waves at the camera"
//! ```
//!
//! Without `--base-url` it talks to the real API (and spends money). `cargo xtask simulate`
//! runs a local simulator of both providers that accepts any key.

use std::path::PathBuf;
use std::process::ExitCode;

use happyhorse_client::modellix::{Client, ReferenceToVideoRequest, Resolution};
use happyhorse_client::runtime::{DownloadOptions, Error, download};

#[path = "support/cli.rs"]
mod cli;

#[tokio::main]
async fn main() -> ExitCode {
    cli::main("modellix", run).await
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
    eprintln!("submitted task {}; first poll in {:?}", task.id, task.polling.first_poll);

    let done = client.wait(&task, args.wait_options()).await?;

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
