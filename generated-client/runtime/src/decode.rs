//! Lenient decoding of response JSON: unknown fields are ignored, `null` counts as absent
//! for optional fields, unknown enum values are kept by the generated types. What cannot
//! be decoded (a missing required field, a wrong type, a `resultJson` string that is not
//! JSON) is a [`DecodeError`] naming the path.
//!
//! Decoding reads the JSON text itself, with no `serde_json::Value` in between: an object
//! is scanned once for the keys its type knows ([`fields`], which checks the JSON grammar
//! of everything it passes), each known value is kept as the slice of text it spans and
//! decoded by its own type, unknown keys are skipped.
//! Paths are [`Path`]s, rendered only when an error names one.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use super::read::describe;
use super::violation::Path;

/// Why a response could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// JSON path of the value, `data.resultJson` (empty for the whole body).
    pub path: String,
    /// What was wrong.
    pub message: String,
}

impl DecodeError {
    /// An error at `path`.
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        DecodeError { path: path.to_owned(), message: message.into() }
    }

    /// An error at a lazily built path.
    pub fn at(path: &Path<'_>, message: impl Into<String>) -> Self {
        DecodeError { path: path.to_string(), message: message.into() }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

impl std::error::Error for DecodeError {}

/// A response type that can be decoded from JSON.
pub trait Decode: Sized {
    /// Decodes `json`, the text of one JSON value, found at `path`. A caller that has not
    /// checked that `json` is JSON goes through [`document`], which reports a syntax error
    /// as such.
    fn decode(json: &str, path: &Path<'_>) -> Result<Self, DecodeError>;
}

/// Parses a body into JSON.
pub fn parse_body(bytes: &[u8]) -> Result<Value, DecodeError> {
    serde_json::from_slice(bytes).map_err(|e| not_json(&e))
}

fn not_json(e: &serde_json::Error) -> DecodeError {
    DecodeError::new("", format!("the body is not JSON: {e}"))
}

/// Decodes a whole body.
pub fn body<T: Decode>(bytes: &[u8]) -> Result<T, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => document(text, &Path::ROOT, not_json),
        Err(_) => Err(parse_body(bytes).err().unwrap_or_else(|| DecodeError::new("", "the body is not UTF-8"))),
    }
}

/// Decodes a value held as a `serde_json::Value`.
pub fn value<T: Decode>(v: &Value) -> Result<T, DecodeError> {
    T::decode(&v.to_string(), &Path::ROOT)
}

/// Decodes a document that may not be JSON at all. Decoding succeeds only on JSON (every
/// value is scanned by `serde_json`); on failure the document is parsed once more, so that
/// a syntax error is reported as `syntax` says rather than as whatever the decoder met.
pub fn document<T: Decode>(
    text: &str,
    path: &Path<'_>,
    syntax: impl FnOnce(&serde_json::Error) -> DecodeError,
) -> Result<T, DecodeError> {
    T::decode(text, path).map_err(|e| match serde_json::from_str::<Value>(text) {
        Err(bad) => syntax(&bad),
        Ok(_) => e,
    })
}

fn wrong(json: &str, expected: &str, path: &Path<'_>) -> DecodeError {
    let got =
        serde_json::from_str::<Value>(json).map_or_else(|_| "something that is not JSON".to_owned(), |v| describe(&v));
    DecodeError::at(path, format!("expected {expected}, got {got}"))
}

/// The values of the keys `names` of the object `json`, in that order: the JSON text of
/// each, or `None` for keys that are absent. Other keys are skipped.
pub fn fields<'a, const N: usize>(
    json: &'a str,
    path: &Path<'_>,
    names: &[&str; N],
) -> Result<[Option<&'a str>; N], DecodeError> {
    super::scan::object_fields(json, names).ok_or_else(|| wrong(json, "an object", path))
}

fn present(slot: Option<&str>) -> Option<&str> {
    slot.filter(|v| *v != "null")
}

/// A required field: absent or `null` is an error.
pub fn required<T: Decode>(slot: Option<&str>, path: &Path<'_>, name: &str) -> Result<T, DecodeError> {
    match present(slot) {
        None => Err(DecodeError::at(&path.key(name), "missing")),
        Some(v) => T::decode(v, &path.key(name)),
    }
}

/// An optional field: absent or `null` is `None`.
pub fn optional<T: Decode>(slot: Option<&str>, path: &Path<'_>, name: &str) -> Result<Option<T>, DecodeError> {
    match present(slot) {
        None => Ok(None),
        Some(v) => T::decode(v, &path.key(name)).map(Some),
    }
}

/// A JSON document carried as a string (`"resultJson": "{\"resultUrls\":[...]}"`).
pub fn json_string<T: Decode>(json: &str, path: &Path<'_>) -> Result<T, DecodeError> {
    let Ok(inner) = string(json, path) else {
        return Err(wrong(json, "a string holding JSON", path));
    };
    inner_document(&inner, path)
}

fn inner_document<T: Decode>(inner: &str, path: &Path<'_>) -> Result<T, DecodeError> {
    document(inner, path, |e| DecodeError::at(path, format!("the string is not valid JSON: {e}")))
}

/// A required JSON-in-a-string field.
pub fn required_json<T: Decode>(slot: Option<&str>, path: &Path<'_>, name: &str) -> Result<T, DecodeError> {
    match present(slot) {
        None => Err(DecodeError::at(&path.key(name), "missing")),
        Some(v) => json_string(v, &path.key(name)),
    }
}

/// An optional JSON-in-a-string field: absent, `null` and `""` are `None`.
pub fn optional_json<T: Decode>(slot: Option<&str>, path: &Path<'_>, name: &str) -> Result<Option<T>, DecodeError> {
    match present(slot) {
        None => Ok(None),
        Some(v) => match string(v, &Path::ROOT) {
            Ok(s) if s.trim().is_empty() => Ok(None),
            Ok(s) => inner_document(&s, &path.key(name)).map(Some),
            Err(_) => Err(wrong(v, "a string holding JSON", &path.key(name))),
        },
    }
}

/// A string value (for open enums, which keep any string).
pub fn string<'v>(json: &'v str, path: &Path<'_>) -> Result<Cow<'v, str>, DecodeError> {
    match plain_string(json) {
        Some(s) => Ok(Cow::Borrowed(s)),
        None => super::scan::unescape(json).map(Cow::Owned).ok_or_else(|| wrong(json, "a string", path)),
    }
}

/// The contents of a JSON string written without escapes (`"abc"` → `abc`): the common
/// case, read without a parser. `None` for anything else, which the parser then reads.
fn plain_string(json: &str) -> Option<&str> {
    let inner = json.strip_prefix('"')?.strip_suffix('"')?;
    (super::scan::plain_run(inner.as_bytes()) == inner.len()).then_some(inner)
}

impl Decode for String {
    fn decode(json: &str, path: &Path<'_>) -> Result<Self, DecodeError> {
        string(json, path).map(Cow::into_owned)
    }
}

impl Decode for i64 {
    fn decode(json: &str, path: &Path<'_>) -> Result<Self, DecodeError> {
        // A plain integer (the common case) needs no parser; JSON writes no `+` and no
        // leading zeros.
        let digits = json.strip_prefix('-').unwrap_or(json);
        let plain = !digits.starts_with('+') && (digits == "0" || !digits.starts_with('0'));
        if let Some(n) = json.parse::<i64>().ok().filter(|_| plain) {
            return Ok(n);
        }
        serde_json::from_str::<i64>(json).or_else(|_| {
            // Integral floats (`5.0`) count, as they do for requests.
            serde_json::from_str::<Value>(json)
                .ok()
                .and_then(|v| super::read::integer(&v))
                .ok_or_else(|| wrong(json, "an integer", path))
        })
    }
}

impl Decode for bool {
    fn decode(json: &str, path: &Path<'_>) -> Result<Self, DecodeError> {
        match json {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => serde_json::from_str::<bool>(json).map_err(|_| wrong(json, "a boolean", path)),
        }
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(json: &str, path: &Path<'_>) -> Result<Self, DecodeError> {
        let items = super::scan::array_items(json).ok_or_else(|| wrong(json, "an array", path))?;
        items.iter().enumerate().map(|(i, item)| T::decode(item, &path.index(i))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: Path<'static> = Path::Str("data");

    #[test]
    fn lenient_about_nulls_and_unknown_fields() {
        let text = r#"{"a": null, "b": 5, "extra": {"x": [1, {"y": "z"}]}, "c": "t\u00e9"}"#;
        let [a, b, c] = fields(text, &DATA, &["a", "b", "c"]).unwrap();
        assert_eq!(optional::<String>(a, &DATA, "a"), Ok(None));
        assert_eq!(optional::<i64>(b, &DATA, "b"), Ok(Some(5)));
        assert_eq!(required::<String>(c, &DATA, "c"), Ok("té".to_owned()));
        assert_eq!(required::<String>(a, &DATA, "a"), Err(DecodeError::new("data.a", "missing")));
        assert_eq!(
            required::<String>(b, &DATA, "b").unwrap_err().to_string(),
            "data.b: expected a string, got number 5"
        );
        let [missing] = fields(text, &DATA, &["nope"]).unwrap();
        assert_eq!(required::<i64>(missing, &DATA, "nope"), Err(DecodeError::new("data.nope", "missing")));
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_as_a_json_map_does() {
        let [a] = fields(r#"{"a": 1, "a": 2}"#, &DATA, &["a"]).unwrap();
        assert_eq!(required::<i64>(a, &DATA, "a"), Ok(2));
    }

    #[test]
    fn wrong_types_name_the_path_and_what_was_found() {
        let e = fields("[1]", &DATA, &["a"]).unwrap_err();
        assert_eq!(e.to_string(), "data: expected an object, got an array of 1");
        let e = <Vec<i64>>::decode(r#"[1, "x"]"#, &DATA).unwrap_err();
        assert_eq!(e.to_string(), "data[1]: expected an integer, got string \"x\"");
        assert_eq!(i64::decode("5.0", &DATA), Ok(5), "an integral float counts");
        assert_eq!(bool::decode("1", &DATA).unwrap_err().message, "expected a boolean, got number 1");
    }

    #[test]
    fn json_strings_are_decoded_or_a_typed_error() {
        let ok = r#""[\"https://r2.example/v.mp4\"]""#;
        assert_eq!(
            json_string::<Vec<String>>(ok, &Path::from("data.resultJson")).unwrap(),
            ["https://r2.example/v.mp4"]
        );
        let e = json_string::<Vec<String>>(r#""{not json""#, &Path::from("data.resultJson")).unwrap_err();
        assert_eq!(e.path, "data.resultJson");
        assert!(e.message.starts_with("the string is not valid JSON"), "{e}");
        let e = json_string::<Vec<String>>("7", &Path::from("data.resultJson")).unwrap_err();
        assert_eq!(e.message, "expected a string holding JSON, got number 7");
    }

    #[test]
    fn the_parser_free_fast_paths_agree_with_the_parser() {
        for text in [r#""abc""#, r#""a\"b""#, r#""t\u00e9""#, r#""""#] {
            let want = serde_json::from_str::<String>(text).unwrap();
            assert_eq!(String::decode(text, &DATA), Ok(want), "{text}");
        }
        for text in ["0", "42", "-9223372036854775808", "9223372036854775807"] {
            assert_eq!(i64::decode(text, &DATA), Ok(serde_json::from_str::<i64>(text).unwrap()), "{text}");
        }
        assert_eq!(i64::decode("-0", &DATA), Ok(0), "serde_json reads -0 as a float; an integral one counts");
        for bad in ["007", "+5", "9223372036854775808", "\"5\""] {
            assert!(body::<i64>(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(body::<String>(br#""a"b""#).unwrap_err().message.starts_with("the body is not JSON"));
    }

    #[test]
    fn an_empty_json_string_is_absent() {
        let [r, s] = fields(r#"{"r": "", "s": "  "}"#, &DATA, &["r", "s"]).unwrap();
        assert_eq!(optional_json::<Vec<String>>(r, &DATA, "r"), Ok(None));
        assert_eq!(optional_json::<Vec<String>>(s, &DATA, "s"), Ok(None));
    }

    #[test]
    fn bodies_that_are_not_json() {
        assert!(body::<String>(b"<html>").unwrap_err().message.starts_with("the body is not JSON"));
        let e = body::<Vec<String>>(br#"["a", "b""#).unwrap_err();
        assert!(e.message.starts_with("the body is not JSON"), "{e}");
        assert_eq!(e.path, "");
        assert!(body::<String>(b"\"\xff\"").unwrap_err().message.starts_with("the body is not JSON"));
        assert_eq!(body::<Vec<String>>(b" [\"a\"] \n"), Ok(vec!["a".to_owned()]));
    }
}
