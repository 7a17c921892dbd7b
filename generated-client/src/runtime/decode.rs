//! Lenient decoding of response JSON: unknown fields are ignored, `null` counts as absent
//! for optional fields, unknown enum values are kept by the generated types. What cannot
//! be decoded (a missing required field, a wrong type, a `resultJson` string that is not
//! JSON) is a [`DecodeError`] naming the path.

use std::fmt;

use serde_json::{Map, Value};

use super::read::describe;
use super::violation::{index, key};

/// A JSON object.
pub type Object = Map<String, Value>;

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
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

impl std::error::Error for DecodeError {}

/// A response type that can be decoded from JSON.
pub trait Decode: Sized {
    /// Decodes `v`, found at `path`.
    fn decode(v: &Value, path: &str) -> Result<Self, DecodeError>;
}

/// Parses a body into JSON.
pub fn parse_body(bytes: &[u8]) -> Result<Value, DecodeError> {
    serde_json::from_slice(bytes).map_err(|e| DecodeError::new("", format!("the body is not JSON: {e}")))
}

/// Decodes a whole body.
pub fn body<T: Decode>(bytes: &[u8]) -> Result<T, DecodeError> {
    T::decode(&parse_body(bytes)?, "")
}

fn wrong(v: &Value, expected: &str, path: &str) -> DecodeError {
    DecodeError::new(path, format!("expected {expected}, got {}", describe(v)))
}

/// The value as an object.
pub fn object<'v>(v: &'v Value, path: &str) -> Result<&'v Object, DecodeError> {
    v.as_object().ok_or_else(|| wrong(v, "an object", path))
}

/// A required field: absent or `null` is an error.
pub fn required<T: Decode>(obj: &Object, path: &str, name: &str) -> Result<T, DecodeError> {
    match obj.get(name) {
        None | Some(Value::Null) => Err(DecodeError::new(&key(path, name), "missing")),
        Some(v) => T::decode(v, &key(path, name)),
    }
}

/// An optional field: absent or `null` is `None`.
pub fn optional<T: Decode>(obj: &Object, path: &str, name: &str) -> Result<Option<T>, DecodeError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::decode(v, &key(path, name)).map(Some),
    }
}

/// A JSON document carried as a string (`"resultJson": "{\"resultUrls\":[...]}"`).
pub fn json_string<T: Decode>(v: &Value, path: &str) -> Result<T, DecodeError> {
    let Value::String(s) = v else {
        return Err(wrong(v, "a string holding JSON", path));
    };
    let inner: Value =
        serde_json::from_str(s).map_err(|e| DecodeError::new(path, format!("the string is not valid JSON: {e}")))?;
    T::decode(&inner, path)
}

/// A required JSON-in-a-string field.
pub fn required_json<T: Decode>(obj: &Object, path: &str, name: &str) -> Result<T, DecodeError> {
    match obj.get(name) {
        None | Some(Value::Null) => Err(DecodeError::new(&key(path, name), "missing")),
        Some(v) => json_string(v, &key(path, name)),
    }
}

/// An optional JSON-in-a-string field: absent, `null` and `""` are `None`.
pub fn optional_json<T: Decode>(obj: &Object, path: &str, name: &str) -> Result<Option<T>, DecodeError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => json_string(v, &key(path, name)).map(Some),
    }
}

/// A string value (for open enums, which keep any string).
pub fn string<'v>(v: &'v Value, path: &str) -> Result<&'v str, DecodeError> {
    v.as_str().ok_or_else(|| wrong(v, "a string", path))
}

impl Decode for String {
    fn decode(v: &Value, path: &str) -> Result<Self, DecodeError> {
        string(v, path).map(str::to_owned)
    }
}

impl Decode for i64 {
    fn decode(v: &Value, path: &str) -> Result<Self, DecodeError> {
        super::read::integer(v).ok_or_else(|| wrong(v, "an integer", path))
    }
}

impl Decode for bool {
    fn decode(v: &Value, path: &str) -> Result<Self, DecodeError> {
        v.as_bool().ok_or_else(|| wrong(v, "a boolean", path))
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(v: &Value, path: &str) -> Result<Self, DecodeError> {
        let items = v.as_array().ok_or_else(|| wrong(v, "an array", path))?;
        items.iter().enumerate().map(|(i, item)| T::decode(item, &index(path, i))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_about_nulls_and_unknown_fields() {
        let v = json!({"a": null, "b": 5, "extra": {"x": 1}});
        let obj = v.as_object().unwrap();
        assert_eq!(optional::<String>(obj, "data", "a"), Ok(None));
        assert_eq!(optional::<i64>(obj, "data", "b"), Ok(Some(5)));
        assert_eq!(required::<String>(obj, "data", "a"), Err(DecodeError::new("data.a", "missing")));
        assert_eq!(
            required::<String>(obj, "data", "b").unwrap_err().to_string(),
            "data.b: expected a string, got number 5"
        );
    }

    #[test]
    fn json_strings_are_decoded_or_a_typed_error() {
        let ok = json!("[\"https://r2.example/v.mp4\"]");
        assert_eq!(json_string::<Vec<String>>(&ok, "data.resultJson").unwrap(), ["https://r2.example/v.mp4"]);
        let bad = json!("{not json");
        let e = json_string::<Vec<String>>(&bad, "data.resultJson").unwrap_err();
        assert_eq!(e.path, "data.resultJson");
        assert!(e.message.starts_with("the string is not valid JSON"), "{e}");
        let e = json_string::<Vec<String>>(&json!(7), "data.resultJson").unwrap_err();
        assert_eq!(e.message, "expected a string holding JSON, got number 7");
    }

    #[test]
    fn an_empty_json_string_is_absent() {
        let v = json!({"r": "", "s": "  "});
        let obj = v.as_object().unwrap();
        assert_eq!(optional_json::<Vec<String>>(obj, "data", "r"), Ok(None));
        assert_eq!(optional_json::<Vec<String>>(obj, "data", "s"), Ok(None));
    }

    #[test]
    fn bodies_that_are_not_json() {
        assert!(body::<String>(b"<html>").unwrap_err().message.starts_with("the body is not JSON"));
    }
}
