//! The opt-in media preflight (decision 10): modellix:55 requires JPEG/JPG/PNG/WEBP, a
//! short edge of at least 400 px and at most 10MB per image, which only a fetch can check.

mod support;

use happyhorse_client::modellix::ReferenceToVideoRequest;
use happyhorse_client::runtime::Rule;
use support::{Reply, Server};

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 6, 0, 0, 0]);
    v
}

fn image(status: u16, bytes: Vec<u8>) -> Reply {
    Reply::Answer { status, headers: vec![], body: bytes }
}

#[tokio::test]
async fn preflight_reports_each_broken_media_rule_with_its_path() {
    let big = image(206, png(1920, 1080)).header("Content-Range", "bytes 0-25/20000000");
    let server = Server::start(
        vec![
            image(200, png(1280, 720)),
            image(200, png(300, 500)),
            image(200, b"GIF89a\x01\0\x01\0".to_vec()),
            big,
            Reply::raw(404, ""),
        ],
        Reply::raw(500, ""),
    )
    .await;
    let urls: Vec<String> = (0..5).map(|i| format!("{}/img/{i}", server.url())).collect();
    let req = ReferenceToVideoRequest::new(urls, "character1 to character5");
    assert_eq!(req.validate(), Ok(()), "a URL alone cannot show these problems");
    let v = req.preflight_media().await.unwrap_err();
    let got: Vec<(&str, Rule, &str)> =
        v.as_slice().iter().map(|v| (v.path.as_str(), v.rule, v.actual.as_str())).collect();
    assert_eq!(
        got[..3],
        [
            ("reference_images[1]", Rule::Media, "300x500"),
            ("reference_images[2]", Rule::Media, "an unknown format"),
            ("reference_images[3]", Rule::Media, "20000000 bytes"),
        ],
        "{v}"
    );
    // The unreachable image is reported as such.
    assert_eq!(got.len(), 4, "{v}");
    assert_eq!(got[3].0, "reference_images[4]");
    assert!(got[3].2.ends_with("fetching it answered 404"), "{v}");
    assert_eq!(v.as_slice()[0].constraint, "modellix.r2v.reference_images:media");
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization").is_none() && r.header("range") == Some("bytes=0-65535"))
    );
}

#[tokio::test]
async fn preflight_says_when_it_could_not_check_a_size_and_never_follows_a_redirect_off_loopback_to_http() {
    // A 206 without Content-Range states no full size: reported as unchecked, not passed.
    let server = Server::start(
        vec![image(206, png(1280, 720)), Reply::raw(302, "").header("Location", "http://cdn.example.com/a.png")],
        Reply::raw(500, ""),
    )
    .await;
    let urls: Vec<String> = (0..2).map(|i| format!("{}/img/{i}", server.url())).collect();
    let v = ReferenceToVideoRequest::new(urls, "character1 and character2").preflight_media().await.unwrap_err();
    let got: Vec<(&str, &str)> = v.as_slice().iter().map(|v| (v.path.as_str(), v.actual.as_str())).collect();
    assert_eq!(got.len(), 2, "{v}");
    assert_eq!(got[0].0, "reference_images[0]");
    assert!(got[0].1.contains("could not be checked"), "{v}");
    // The downloads' redirect policy: plain http only on loopback (the redirect is refused
    // before any connection to the other host).
    assert_eq!(got[1].0, "reference_images[1]");
    assert!(got[1].1.contains("redirect"), "{v}");
    assert_eq!(server.requests().len(), 2);
}
