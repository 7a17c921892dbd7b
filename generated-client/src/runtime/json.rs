//! Writing generated types as JSON. Generated types implement [`ToJson`]; their serde
//! `Serialize` goes through it, so the wire form is defined in one place.

use serde_json::{Map, Value};

/// A type with a JSON wire form.
pub trait ToJson {
    /// The JSON value.
    fn to_json(&self) -> Value;
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

/// Inserts a field.
pub fn put<T: ToJson>(m: &mut Map<String, Value>, name: &str, value: &T) {
    m.insert(name.to_owned(), value.to_json());
}

/// Inserts an optional field when it is set.
pub fn put_opt<T: ToJson>(m: &mut Map<String, Value>, name: &str, value: &Option<T>) {
    if let Some(v) = value {
        m.insert(name.to_owned(), v.to_json());
    }
}

/// A value written as a JSON string holding its JSON (`resultJson`).
pub fn as_json_string<T: ToJson>(value: &T) -> Value {
    Value::String(value.to_json().to_string())
}

/// Inserts a JSON-in-a-string field.
pub fn put_json<T: ToJson>(m: &mut Map<String, Value>, name: &str, value: &T) {
    m.insert(name.to_owned(), as_json_string(value));
}

/// Inserts an optional JSON-in-a-string field when it is set.
pub fn put_json_opt<T: ToJson>(m: &mut Map<String, Value>, name: &str, value: &Option<T>) {
    if let Some(v) = value {
        m.insert(name.to_owned(), as_json_string(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_fields_are_omitted_not_null() {
        let mut m = Map::new();
        put(&mut m, "a", &"x".to_owned());
        put_opt::<i64>(&mut m, "b", &None);
        put_opt(&mut m, "c", &Some(vec![true]));
        put_json(&mut m, "d", &vec!["u".to_owned()]);
        assert_eq!(Value::Object(m).to_string(), r#"{"a":"x","c":[true],"d":"[\"u\"]"}"#);
    }
}
