//! Writing generated types as JSON. Generated types implement [`ToJson`] by writing their
//! JSON text straight into a byte buffer (no `serde_json::Value` on the way); the `Value`
//! form and their serde `Serialize` are read back from those bytes, so the wire form is
//! defined in one place.

use serde_json::Value;

/// A type with a JSON wire form.
pub trait ToJson {
    /// Appends the JSON text to `out`.
    fn write_json(&self, out: &mut Vec<u8>);

    /// The JSON text.
    fn to_json_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.write_json(&mut out);
        out
    }

    /// The JSON value (objects with their keys sorted, as `serde_json::Map` keeps them).
    fn to_json(&self) -> Value {
        // What `write_json` writes is JSON by construction: `Null` is unreachable.
        serde_json::from_slice(&self.to_json_bytes()).unwrap_or(Value::Null)
    }
}

/// A generated object type (a struct, or a union written as its tag and its variant's
/// fields): it writes its fields into an open object, and its [`ToJson`] is those fields
/// between braces. A flattened union writes its fields into its parent's object.
pub trait WriteFields {
    /// Writes this value's fields (and a union's tag) into `m`.
    fn write_fields(&self, m: &mut Object<'_>);
}

impl<T: WriteFields> ToJson for T {
    fn write_json(&self, out: &mut Vec<u8>) {
        object(out, |m| self.write_fields(m))
    }
}

/// Appends `s` as a JSON string (quoted and escaped).
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing into a `Vec` cannot fail, and a `str` always serializes.
    let _ = serde_json::to_writer(out, s);
}

impl ToJson for String {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_str(out, self);
    }
}

impl ToJson for i64 {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_string().as_bytes());
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(if *self { b"true" } else { b"false" });
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            item.write_json(out);
        }
        out.push(b']');
    }
}

/// A JSON object being written: fields are appended in the order they are put.
pub struct Object<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Object<'a> {
    /// Opens an object in `out`.
    pub fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Object { out, empty: true }
    }

    /// Writes `"name":` and returns the buffer for the value.
    pub fn field(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        write_str(self.out, name);
        self.out.push(b':');
        self.out
    }

    /// Closes the object.
    pub fn close(self) {
        self.out.push(b'}');
    }
}

/// Writes an object whose fields `fields` puts.
pub fn object(out: &mut Vec<u8>, fields: impl FnOnce(&mut Object<'_>)) {
    let mut m = Object::open(out);
    fields(&mut m);
    m.close();
}

/// Puts a field.
pub fn put<T: ToJson>(m: &mut Object<'_>, name: &str, value: &T) {
    value.write_json(m.field(name));
}

/// Puts an optional field when it is set.
pub fn put_opt<T: ToJson>(m: &mut Object<'_>, name: &str, value: &Option<T>) {
    if let Some(v) = value {
        put(m, name, v);
    }
}

/// Puts a string field (a union's tag).
pub fn put_str(m: &mut Object<'_>, name: &str, value: &str) {
    write_str(m.field(name), value);
}

/// Puts a JSON-in-a-string field (`resultJson`).
pub fn put_json<T: ToJson>(m: &mut Object<'_>, name: &str, value: &T) {
    let text = value.to_json_bytes();
    // What `write_json` writes is UTF-8 JSON by construction.
    write_str(m.field(name), std::str::from_utf8(&text).unwrap_or_default());
}

/// Puts an optional JSON-in-a-string field when it is set.
pub fn put_json_opt<T: ToJson>(m: &mut Object<'_>, name: &str, value: &Option<T>) {
    if let Some(v) = value {
        put_json(m, name, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_fields_are_omitted_not_null() {
        let mut out = Vec::new();
        object(&mut out, |m| {
            put(m, "a", &"x\"y".to_owned());
            put_opt::<i64>(m, "b", &None);
            put_opt(m, "c", &Some(vec![true, false]));
            put_json(m, "d", &vec!["u".to_owned()]);
            put_str(m, "mode", "text-to-video");
            put(m, "n", &-42i64);
        });
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":"x\"y","c":[true,false],"d":"[\"u\"]","mode":"text-to-video","n":-42}"#
        );
        let mut empty = Vec::new();
        object(&mut empty, |_| {});
        assert_eq!(empty, b"{}");
    }

    #[test]
    fn the_value_form_is_read_back_from_the_bytes() {
        assert_eq!(vec!["a".to_owned()].to_json(), serde_json::json!(["a"]));
        assert_eq!(7i64.to_json_bytes(), b"7");
    }
}
