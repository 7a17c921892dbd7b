//! An opt-in media preflight: the format, pixel size and file size of an image behind a URL
//! cannot be checked from the URL, so this fetches the start of the file (a ranged GET of
//! 64 KiB) and reads them from the image header. No API key is sent; redirects follow the
//! downloads' policy (never from https down to http). A size the server does not state is
//! reported as unchecked, never passed silently. A data URI is decoded here instead of
//! fetched.

use std::time::Duration;

use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, RANGE};

use super::meta::MediaRules;
use super::violation::{Rule, Violation, quoted};

/// What the preflight found out about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFacts {
    /// `jpeg`, `png` or `webp`; `None` for anything else.
    pub format: Option<&'static str>,
    /// Pixel size, when the header could be read.
    pub size: Option<(u32, u32)>,
    /// File size in bytes, when the server said.
    pub bytes: Option<u64>,
}

const PREFIX: usize = 64 * 1024;

/// Reads format and pixel size from the start of an image file.
pub fn sniff(head: &[u8]) -> (Option<&'static str>, Option<(u32, u32)>) {
    let be16 = |b: &[u8], i: usize| b.get(i..i + 2).map(|s| u32::from(u16::from_be_bytes([s[0], s[1]])));
    let be32 = |b: &[u8], i: usize| b.get(i..i + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
    let le16 = |b: &[u8], i: usize| b.get(i..i + 2).map(|s| u32::from(u16::from_le_bytes([s[0], s[1]])));
    let le24 =
        |b: &[u8], i: usize| b.get(i..i + 3).map(|s| u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16);
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        let size = (head.get(12..16) == Some(b"IHDR")).then(|| Some((be32(head, 16)?, be32(head, 20)?))).flatten();
        return (Some("png"), size);
    }
    if head.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 3 < head.len() {
            if head[i] != 0xFF {
                i += 1;
                continue;
            }
            let marker = head[i + 1];
            if marker == 0xFF {
                i += 1;
                continue;
            }
            if matches!(marker, 0xD0..=0xD9 | 0x01) {
                i += 2;
                continue;
            }
            let Some(len) = be16(head, i + 2) else { break };
            let sof = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
            if sof {
                let size = be16(head, i + 5).zip(be16(head, i + 7)).map(|(h, w)| (w, h));
                return (Some("jpeg"), size);
            }
            i += 2 + len as usize;
        }
        return (Some("jpeg"), None);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        let size = match head.get(12..16) {
            Some(b"VP8 ") if head.get(23..26) == Some(&[0x9D, 0x01, 0x2A]) => {
                le16(head, 26).zip(le16(head, 28)).map(|(w, h)| (w & 0x3FFF, h & 0x3FFF))
            }
            Some(b"VP8L") if head.get(20) == Some(&0x2F) => head.get(21..25).map(|b| {
                let bits = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
            }),
            Some(b"VP8X") => le24(head, 24).zip(le24(head, 27)).map(|(w, h)| (w + 1, h + 1)),
            _ => None,
        };
        return (Some("webp"), size);
    }
    (None, None)
}

/// Fetches the start of `url` and reads its media facts.
pub async fn fetch(url: &str) -> Result<MediaFacts, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{} is not an http(s) URL", parsed.scheme()));
    }
    let mut http = reqwest::Client::builder()
        .redirect(super::download::redirect_policy())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("happyhorse-client/", env!("CARGO_PKG_VERSION")));
    if super::client::is_loopback(&parsed) {
        http = http.no_proxy();
    }
    let http = http.build().map_err(|e| e.to_string())?;
    let mut resp = http
        .get(url)
        .header(RANGE, format!("bytes=0-{}", PREFIX - 1))
        .send()
        .await
        .map_err(|e| super::client::describe_transport(&e))?;
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(format!("fetching it answered {status}"));
    }
    let header =
        |name| resp.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(str::to_owned);
    // 206: "bytes 0-65535/123456" gives the full size; 200: Content-Length is the full size.
    let bytes = match status {
        206 => header(CONTENT_RANGE).and_then(|r| r.rsplit('/').next().and_then(|t| t.parse().ok())),
        _ => header(CONTENT_LENGTH).and_then(|l| l.parse().ok()),
    };
    let mut head = Vec::new();
    while head.len() < PREFIX {
        match resp.chunk().await.map_err(|e| super::client::describe_transport(&e))? {
            Some(c) => head.extend_from_slice(&c),
            None => break,
        }
    }
    let (format, size) = sniff(&head);
    Ok(MediaFacts { format, size, bytes })
}

/// The media facts of a data URI, read from its decoded bytes.
pub fn inline(value: &str) -> Option<Result<MediaFacts, String>> {
    let decoded = super::media::DataUri::parse(value)?;
    Some(decoded.map(|d| {
        let (format, size) = sniff(&d.bytes);
        MediaFacts { format, size, bytes: Some(d.bytes.len() as u64) }
    }))
}

/// Preflights one media value (a URL, fetched, or a data URI, decoded) against `rules`,
/// pushing a violation per broken rule.
pub async fn check(value: &str, rules: &MediaRules, path: &str, id_base: &str, out: &mut Vec<Violation>) {
    let mut push = |limit: String, actual: String| {
        out.push(Violation {
            path: path.to_owned(),
            rule: Rule::Media,
            limit,
            actual,
            constraint: format!("{id_base}:media"),
        });
    };
    let facts = match inline(value) {
        Some(Ok(f)) => f,
        Some(Err(e)) => return push("a decodable base64 data URI".into(), e),
        None => match fetch(value).await {
            Ok(f) => f,
            Err(e) => return push("a fetchable image".into(), format!("{}: {e}", quoted(value))),
        },
    };
    let allowed = |f: &str| rules.formats.iter().any(|a| *a == f || (f == "jpeg" && *a == "jpg"));
    match facts.format {
        Some(f) if allowed(f) => {}
        other => push(
            format!("one of the formats {}", rules.formats.join(", ")),
            other.unwrap_or("an unknown format").to_owned(),
        ),
    }
    match facts.size {
        Some((w, h)) => {
            let size = format!("{w}x{h}");
            let minimums = [
                (rules.min_short_edge_px, w.min(h), "a short edge"),
                (rules.min_width_px, w, "a width"),
                (rules.min_height_px, h, "a height"),
            ];
            for (min, got, what) in minimums {
                if let Some(min) = min.filter(|m| got < *m) {
                    push(format!("{what} of at least {min} px"), size.clone());
                }
            }
            if let Some(a) = rules.aspect.filter(|a| !a.contains(w, h)) {
                push(format!("an aspect ratio (width:height) from {} to {}", a.min_text, a.max_text), size);
            }
        }
        None if facts.format.is_some() => {
            push("a readable image header".into(), "no pixel size in the first 64 KiB".into())
        }
        None => {}
    }
    match facts.bytes {
        Some(b) if b > rules.max_bytes => push(format!("at most {} bytes", rules.max_bytes), format!("{b} bytes")),
        Some(_) => {}
        None => push(
            format!("at most {} bytes (a size the server states)", rules.max_bytes),
            "the server did not say the file's size (no Content-Range or Content-Length): the size could not be checked".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::AspectRange;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v
    }

    #[test]
    fn sniffs_formats_and_sizes() {
        assert_eq!(sniff(&png(640, 480)), (Some("png"), Some((640, 480))));
        // JPEG: SOI, an APP0 segment, then SOF0 with height 300 and width 500.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x01, 0xF4, 0x03,
        ];
        assert_eq!(sniff(&jpeg), (Some("jpeg"), Some((500, 300))));
        // WEBP VP8X with canvas 1024x768.
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[0xFF, 0x03, 0x00, 0xFF, 0x02, 0x00]);
        assert_eq!(sniff(&webp), (Some("webp"), Some((1024, 768))));
        assert_eq!(sniff(b"GIF89a...."), (None, None));
        assert_eq!(sniff(&[0xFF, 0xD8]), (Some("jpeg"), None));
    }

    fn rules(aspect: Option<AspectRange>) -> MediaRules {
        MediaRules {
            formats: &["png"],
            min_short_edge_px: None,
            min_width_px: Some(300),
            min_height_px: Some(300),
            aspect,
            max_bytes: 24,
        }
    }

    async fn broken(value: &str, r: &MediaRules) -> Vec<(String, String)> {
        let mut out = Vec::new();
        check(value, r, "first_frame_image", "x", &mut out).await;
        out.into_iter().map(|v| (v.limit, v.actual)).collect()
    }

    #[tokio::test]
    async fn a_data_uri_is_decoded_not_fetched_and_every_pixel_rule_is_checked() {
        // 1:2.5 .. 2.5:1, as the spec lowers it.
        let aspect = AspectRange { min: (2, 5), max: (5, 2), min_text: "1:2.5", max_text: "2.5:1" };
        let r = rules(Some(aspect));
        let uri = |w, h| crate::MediaSource::data("image/png", &png(w, h)).into_string();
        assert_eq!(broken(&uri(300, 750), &r).await, vec![], "300x750 is exactly 1:2.5");
        assert_eq!(broken(&uri(750, 300), &r).await, vec![], "750x300 is exactly 2.5:1");
        assert_eq!(
            broken(&uri(300, 751), &r).await,
            vec![("an aspect ratio (width:height) from 1:2.5 to 2.5:1".to_owned(), "300x751".to_owned())]
        );
        let small = broken(&uri(299, 300), &r).await;
        assert_eq!(small, vec![("a width of at least 300 px".to_owned(), "299x300".to_owned())]);
        let small = broken(&uri(300, 299), &r).await;
        assert_eq!(small, vec![("a height of at least 300 px".to_owned(), "300x299".to_owned())]);
        let mut big = png(400, 400);
        big.extend([0; 10]);
        let big = crate::MediaSource::data("image/png", &big).into_string();
        assert_eq!(broken(&big, &r).await, vec![("at most 24 bytes".to_owned(), "34 bytes".to_owned())]);
        let bad = broken("data:image/png;base64,@@@@", &r).await;
        assert_eq!(bad[0].0, "a decodable base64 data URI");
    }
}
