//! Result downloads over real HTTP on loopback: atomic, capped, never with the API key,
//! never over plain http off loopback, and bounded by a total deadline (measured on an
//! injected clock, so the test never waits on the wall clock).

mod support;

use std::time::Duration;

use happyhorse_client::runtime::{DownloadError, DownloadOptions, ManualClock, download, download_with_clock};
use support::{Reply, Server};

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hh-dl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn downloads_are_written_atomically_without_the_api_key() {
    let server = Server::start(vec![], Reply::raw(200, "fake mp4 bytes")).await;
    let dir = temp_dir("ok");
    let dest = dir.join("video.mp4");
    let got = download(&format!("{}/r/video.mp4", server.url()), &dest, &DownloadOptions::default()).await.unwrap();
    assert_eq!((got.bytes, std::fs::read_to_string(&dest).unwrap().as_str()), (14, "fake mp4 bytes"));
    assert_eq!(files(&dir), ["video.mp4"], "no temporary file is left");
    assert_eq!(server.requests()[0].header("authorization"), None, "result URLs never get the API key");

    // Never overwrites silently.
    let e = download(&format!("{}/r/video.mp4", server.url()), &dest, &DownloadOptions::default()).await.unwrap_err();
    assert!(matches!(e, DownloadError::Exists { .. }), "{e}");
    let opts = DownloadOptions { overwrite: true, ..DownloadOptions::default() };
    download(&format!("{}/r/video.mp4", server.url()), &dest, &opts).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn downloads_are_capped_and_leave_nothing_behind() {
    let server = Server::start(vec![], Reply::raw(200, &"x".repeat(5000))).await;
    let dir = temp_dir("big");
    let opts = DownloadOptions { max_bytes: 1000, ..DownloadOptions::default() };
    let e = download(&format!("{}/big", server.url()), &dir.join("v.mp4"), &opts).await.unwrap_err();
    assert!(matches!(e, DownloadError::TooLarge { limit: 1000, .. }), "{e}");
    assert_eq!(files(&dir), Vec::<String>::new());
    let server = Server::start(vec![], Reply::raw(404, "gone")).await;
    let e = download(&format!("{}/expired", server.url()), &dir.join("v.mp4"), &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, DownloadError::Http { status: 404, .. }), "{e}");
    assert_eq!(files(&dir), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn downloads_refuse_plain_http_off_loopback() {
    let dir = temp_dir("http");
    for url in ["http://cdn.example.com/v.mp4", "ftp://cdn.example.com/v.mp4", "not a url"] {
        let e = download(url, &dir.join("v.mp4"), &DownloadOptions::default()).await.unwrap_err();
        assert!(matches!(e, DownloadError::Url { .. }), "{url}: {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_download_that_trickles_ends_at_its_total_deadline_and_leaves_nothing() {
    // Headers announce 1 MB, 10 bytes arrive, then nothing: the idle timeout (60 s of
    // silence) would never fire if bytes kept trickling; the total deadline does.
    let server =
        Server::start(vec![Reply::Partial { status: 200, total: 1_000_000, prefix: vec![b'x'; 10] }], Reply::Hold)
            .await;
    let dir = temp_dir("deadline");
    let clock = ManualClock::default();
    let opts = DownloadOptions { deadline: Duration::from_secs(600), ..DownloadOptions::default() };
    let url = format!("{}/slow.mp4", server.url());
    let dest = dir.join("v.mp4");
    let (task_clock, task_dest, task_url) = (clock.clone(), dest.clone(), url.clone());
    let running = tokio::spawn(async move { download_with_clock(&task_url, &task_dest, &opts, &task_clock).await });
    server.requests_seen(1).await;
    clock.advance(Duration::from_secs(599));
    tokio::task::yield_now().await;
    assert!(!running.is_finished(), "not before the deadline");
    clock.advance(Duration::from_secs(1));
    let e = running.await.unwrap().unwrap_err();
    assert!(matches!(&e, DownloadError::Deadline { deadline, .. } if *deadline == Duration::from_secs(600)), "{e}");
    assert_eq!(files(&dir), Vec::<String>::new(), "no partial file is left");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn downloads_never_follow_a_redirect_to_plain_http_off_loopback() {
    let server = Server::start(
        vec![Reply::raw(302, "").header("Location", "http://cdn.example.com/v.mp4")],
        Reply::raw(500, ""),
    )
    .await;
    let dir = temp_dir("redirect");
    let e =
        download(&format!("{}/r", server.url()), &dir.join("v.mp4"), &DownloadOptions::default()).await.unwrap_err();
    assert!(
        matches!(&e, DownloadError::Network { message, .. } if message.contains("a redirect must be https")),
        "{e}"
    );
    assert_eq!(files(&dir), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&dir);
}
