//! Media given by URL or inline: [`MediaSource`] is the type of request fields whose spec
//! allows a base64 data URI (`data:image/png;base64,...`) as well as a URL, and
//! [`DataUri`] reads one without trusting it.

use std::fmt;
use std::ops::Deref;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::violation::Violation;

/// An image (or other media) for a request field: a URL the provider fetches, or the file
/// itself as a base64 data URI. The wire form is the string either way.
///
/// ```
/// use happyhorse_runtime::MediaSource;
///
/// let url = MediaSource::url("https://example.com/first.jpg");
/// assert!(!url.is_data());
///
/// let png = MediaSource::data("image/png", b"\x89PNG\r\n\x1a\n");
/// assert_eq!(png.as_str(), "data:image/png;base64,iVBORw0KGgo=");
/// assert_eq!(png.data_uri().unwrap().unwrap().bytes, b"\x89PNG\r\n\x1a\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MediaSource(String);

impl MediaSource {
    /// A URL (not checked here: `validate()` checks it against the field's rules).
    pub fn url(url: impl Into<String>) -> Self {
        MediaSource(url.into())
    }

    /// The file itself, as `data:<mime>;base64,<bytes>`. `mime` is the media type such as
    /// `image/png`; `validate()` checks it and the size against the field's rules.
    pub fn data(mime: &str, bytes: &[u8]) -> Self {
        MediaSource(format!("data:{mime};base64,{}", STANDARD.encode(bytes)))
    }

    /// The wire form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The wire form, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether this is a data URI rather than a URL.
    pub fn is_data(&self) -> bool {
        self.0.starts_with("data:")
    }

    /// The decoded data URI: `None` for a URL, an error naming what is wrong for a data
    /// URI that is not `data:<type>/<subtype>[;param]*;base64,<payload>`.
    pub fn data_uri(&self) -> Option<Result<DataUri, String>> {
        DataUri::parse(&self.0)
    }
}

impl Deref for MediaSource {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for MediaSource {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MediaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for MediaSource {
    fn from(s: String) -> Self {
        MediaSource(s)
    }
}

impl From<&str> for MediaSource {
    fn from(s: &str) -> Self {
        MediaSource(s.to_owned())
    }
}

impl From<MediaSource> for String {
    fn from(m: MediaSource) -> Self {
        m.0
    }
}

impl super::json::ToJson for MediaSource {
    fn write_json(&self, out: &mut Vec<u8>) {
        super::json::write_str(out, &self.0);
    }
}

impl super::read::Read for MediaSource {
    fn read(v: &Value, path: &str, id_base: &str, out: &mut Vec<Violation>) -> Option<Self> {
        String::read(v, path, id_base, out).map(MediaSource)
    }
}

impl super::decode::Decode for MediaSource {
    fn decode(json: &str, path: &super::violation::Path<'_>) -> Result<Self, super::decode::DecodeError> {
        String::decode(json, path).map(MediaSource)
    }
}

/// A decoded base64 data URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataUri {
    /// The media type as written, lower-cased: `image/png`.
    pub mime: String,
    /// The decoded payload.
    pub bytes: Vec<u8>,
}

impl DataUri {
    /// Reads `data:<type>/<subtype>[;param]*;base64,<payload>`. `None` when `value` is not a
    /// data URI at all (it does not start with `data:`); an error for one that is malformed,
    /// not base64, or has a media type without a subtype.
    pub fn parse(value: &str) -> Option<Result<DataUri, String>> {
        let rest = value.strip_prefix("data:")?;
        Some(Self::parse_rest(rest))
    }

    fn parse_rest(rest: &str) -> Result<DataUri, String> {
        let (meta, payload) = rest.split_once(',').ok_or("no `,` before the payload")?;
        let mut parts = meta.split(';');
        let mime = parts.next().unwrap_or_default().to_ascii_lowercase();
        let (ty, sub) = mime.split_once('/').ok_or_else(|| format!("media type `{mime}` has no subtype"))?;
        let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        if !token(ty) || !token(sub) {
            return Err(format!("media type `{mime}` is not `<type>/<subtype>`"));
        }
        if !parts.any(|p| p.eq_ignore_ascii_case("base64")) {
            return Err("not base64 (`;base64,` is missing)".into());
        }
        let bytes = STANDARD.decode(payload).map_err(|e| format!("the payload is not valid base64: {e}"))?;
        Ok(DataUri { mime, bytes })
    }

    /// The top-level media type: `image` of `image/png`.
    pub fn top_type(&self) -> &str {
        self.mime.split('/').next().unwrap_or_default()
    }
}

/// The decoded size of a base64 payload, computed without decoding it (`None` when the
/// length is not a multiple of 4, so it cannot be padded base64).
pub fn decoded_len(payload: &str) -> Option<u64> {
    let len = payload.len() as u64;
    if !len.is_multiple_of(4) {
        return None;
    }
    let pad = payload.bytes().rev().take_while(|b| *b == b'=').count().min(2) as u64;
    Some(len / 4 * 3 - pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips_data_uris() {
        let m = MediaSource::data("image/webp", &[1, 2, 3, 4, 5]);
        let d = m.data_uri().unwrap().unwrap();
        assert_eq!((d.mime.as_str(), d.top_type(), d.bytes.as_slice()), ("image/webp", "image", &[1, 2, 3, 4, 5][..]));
        assert_eq!(decoded_len(m.as_str().split_once(',').unwrap().1), Some(5));
        assert!(MediaSource::url("https://example.com/a.png").data_uri().is_none());
        let bad = |s: &str| DataUri::parse(s).unwrap().unwrap_err();
        assert!(bad("data:image/png,abc").contains("not base64"), "{}", bad("data:image/png,abc"));
        assert!(bad("data:image;base64,AAAA").contains("no subtype"));
        assert!(bad("data:image/png;base64").contains("no `,`"));
        assert!(bad("data:image/png;base64,@@@@").contains("not valid base64"));
        assert_eq!(DataUri::parse("data:Image/PNG;charset=x;base64,AAAA").unwrap().unwrap().mime, "image/png");
    }

    #[test]
    fn decoded_len_counts_padding() {
        assert_eq!(decoded_len(""), Some(0));
        assert_eq!(decoded_len("AA=="), Some(1));
        assert_eq!(decoded_len("AAA="), Some(2));
        assert_eq!(decoded_len("AAAA"), Some(3));
        assert_eq!(decoded_len("AAA"), None);
    }
}
