//! Strict reading of request JSON (a raw body checked before it is sent): wrong types,
//! `null`, missing required fields, fields a mode forbids and unknown fields are all
//! violations, collected together rather than stopping at the first.

use serde_json::{Map, Value};

use super::check::{Checkable, FieldRules};
use super::violation::{Path, Rule, Violation, Violations, index, key, quoted};

/// A JSON object.
pub type Object = Map<String, Value>;

/// A request type that can be read from JSON. `id_base` is the constraint id base of the
/// value's place (`<module>.submit.input`), used for type violations.
pub trait Read: Sized {
    /// Reads `v`, pushing every violation found; `None` when the value is unusable.
    fn read(v: &Value, path: &str, id_base: &str, out: &mut Vec<Violation>) -> Option<Self>;
}

/// A JSON object type of a request, read field by field ([`Read`] comes with it: the value
/// must be an object, its fields are read by [`ReadObject::read_fields`], and keys not in
/// [`ReadObject::KEYS`] are violations).
pub trait ReadObject: Sized {
    /// Every key the object may hold (for a union, its tag and every key of any variant).
    const KEYS: &'static [&'static str];
    /// Constraint id base of the object, for its unknown-field violations.
    const ID: &'static str;
    /// Reads the fields from `obj` (for a union, the tag and the selected variant's fields,
    /// from its own object or, when flattened, its parent's), pushing every violation.
    fn read_fields(obj: &Object, path: &str, out: &mut Vec<Violation>) -> Option<Self>;
}

impl<T: ReadObject> Read for T {
    fn read(v: &Value, path: &str, id_base: &str, out: &mut Vec<Violation>) -> Option<Self> {
        let obj = object(v, path, id_base, out)?;
        let value = T::read_fields(obj, path, out);
        deny_unknown(obj, path, T::KEYS, T::ID, out);
        value
    }
}

/// Parses a body into JSON; a syntax error is a violation of the whole body.
pub fn parse_body(bytes: &[u8]) -> Result<Value, Violations> {
    serde_json::from_slice(bytes).map_err(|e| {
        Violations::one(Violation {
            path: String::new(),
            rule: Rule::Syntax,
            limit: "a JSON document".into(),
            actual: format!("invalid JSON at line {} column {}: {e}", e.line(), e.column()),
            constraint: "json:syntax".into(),
        })
    })
}

/// Describes a JSON value's type for messages: `null`, `number 5`, `an array of 2`.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {}", quoted(s)),
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(o) => format!("an object with {} key{}", o.len(), if o.len() == 1 { "" } else { "s" }),
    }
}

/// A type violation: `expected` in words (`a string`).
pub fn type_error(v: &Value, expected: &str, path: &str, id_base: &str, out: &mut Vec<Violation>) {
    let hint = if v.is_null() { " (omit the field instead of sending null)" } else { "" };
    out.push(Violation {
        path: path.to_owned(),
        rule: Rule::Type,
        limit: format!("{expected}{hint}"),
        actual: describe(v),
        constraint: format!("{id_base}:type"),
    });
}

/// The value as an object.
pub fn object<'v>(v: &'v Value, path: &str, id_base: &str, out: &mut Vec<Violation>) -> Option<&'v Object> {
    match v {
        Value::Object(o) => Some(o),
        other => {
            type_error(other, "an object", path, id_base, out);
            None
        }
    }
}

/// A required field: missing is a violation.
pub fn required<T: Read>(obj: &Object, path: &str, name: &str, id_base: &str, out: &mut Vec<Violation>) -> Option<T> {
    match obj.get(name) {
        Some(v) => T::read(v, &key(path, name), id_base, out),
        None => {
            out.push(Violation {
                path: key(path, name),
                rule: Rule::Required,
                limit: "present".into(),
                actual: "absent".into(),
                constraint: format!("{id_base}:required"),
            });
            None
        }
    }
}

/// An optional field: `Some(None)` when absent, `None` when present but invalid.
pub fn optional<T: Read>(
    obj: &Object,
    path: &str,
    name: &str,
    id_base: &str,
    out: &mut Vec<Violation>,
) -> Option<Option<T>> {
    match obj.get(name) {
        None => Some(None),
        Some(v) => T::read(v, &key(path, name), id_base, out).map(Some),
    }
}

impl FieldRules {
    /// Reads this required field from `obj` (at `path`) under whichever of its names was
    /// sent (see [`key_of`]): missing is a violation, and a value read is checked against
    /// the rules.
    pub fn required<T: Read + Checkable>(&self, obj: &Object, path: &str, out: &mut Vec<Violation>) -> Option<T> {
        let name = self.sent_key(obj, path, out);
        let value: T = required(obj, path, name, self.id, out)?;
        value.check(self.checks, &Path::Str(path).key(name), self.id, out);
        Some(value)
    }

    /// Like [`FieldRules::required`] for an optional field: absent is `Some(None)`.
    pub fn optional<T: Read + Checkable>(
        &self,
        obj: &Object,
        path: &str,
        out: &mut Vec<Violation>,
    ) -> Option<Option<T>> {
        let name = self.sent_key(obj, path, out);
        let value: Option<T> = optional(obj, path, name, self.id, out)?;
        value.check(self.checks, &Path::Str(path).key(name), self.id, out);
        Some(value)
    }

    /// The key this field is sent under in `obj` (its wire key unless it has aliases).
    fn sent_key(&self, obj: &Object, path: &str, out: &mut Vec<Violation>) -> &'static str {
        if self.aliases.is_empty() {
            return self.key;
        }
        let names: Vec<&'static str> = std::iter::once(self.key).chain(self.aliases.iter().copied()).collect();
        key_of(obj, path, &names, self.id, out)
    }
}

/// The key a field with documented aliases is sent under: the first of `names` (the field's
/// name, then its aliases) that `obj` holds, or the name when it holds none. Two or more at
/// once is a violation naming every path sent: one value must not arrive twice.
pub fn key_of<'n>(obj: &Object, path: &str, names: &[&'n str], id_base: &str, out: &mut Vec<Violation>) -> &'n str {
    let sent: Vec<&'n str> = names.iter().copied().filter(|n| obj.contains_key(*n)).collect();
    if sent.len() > 1 {
        let all: Vec<String> = names.iter().map(|n| format!("`{}`", key(path, n))).collect();
        let both: Vec<String> = sent.iter().map(|n| format!("`{}`", key(path, n))).collect();
        out.push(Violation {
            path: key(path, sent[1]),
            rule: Rule::Alias,
            limit: format!("at most one of {} (documented names of one field)", all.join(", ")),
            actual: format!("both {}", both.join(" and ")),
            constraint: format!("{id_base}:alias"),
        });
    }
    sent.first().copied().or_else(|| names.first().copied()).unwrap_or_default()
}

/// Reads a union's tag: it must be present and one of `tags`.
pub fn tag<'o>(
    obj: &'o Object,
    path: &str,
    name: &str,
    tags: &[&str],
    id_base: &str,
    out: &mut Vec<Violation>,
) -> Option<&'o str> {
    let p = key(path, name);
    match obj.get(name) {
        None => {
            out.push(Violation {
                path: p,
                rule: Rule::Required,
                limit: "present".into(),
                actual: "absent".into(),
                constraint: format!("{id_base}:required"),
            });
            None
        }
        Some(Value::String(s)) if tags.contains(&s.as_str()) => Some(s),
        Some(Value::String(s)) => {
            out.push(Violation {
                path: p,
                rule: Rule::Tag,
                limit: format!("one of: {}", tags.join(", ")),
                actual: quoted(s),
                constraint: format!("{id_base}:tag"),
            });
            None
        }
        Some(other) => {
            type_error(other, "a string", &p, id_base, out);
            None
        }
    }
}

/// A field that the selected variant forbids must be absent.
#[allow(clippy::too_many_arguments)]
pub fn forbid(
    obj: &Object,
    path: &str,
    name: &str,
    tag_name: &str,
    tag: &str,
    allowed_in: &[&str],
    id_base: &str,
    out: &mut Vec<Violation>,
) {
    if obj.contains_key(name) {
        out.push(Violation {
            path: key(path, name),
            rule: Rule::Forbidden,
            limit: format!("absent when {tag_name} is {tag} (allowed in: {})", allowed_in.join(", ")),
            actual: "present".into(),
            constraint: format!("{id_base}:forbidden"),
        });
    }
}

/// A field that a union variant forbids, as data: present is a violation unless the tag
/// is one of `allowed_in`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden {
    /// The wire key (each documented name of a field is listed on its own).
    pub key: &'static str,
    /// The tags of the variants that allow the field, for the message.
    pub allowed_in: &'static [&'static str],
    /// Constraint id base of the field in the variant that forbids it.
    pub id: &'static str,
}

/// The fields the variant `tag` forbids (its row of `table`, which lists per tag the fields
/// that variant forbids) must be absent; see [`forbid`].
pub fn forbidden(
    obj: &Object,
    path: &str,
    tag_name: &str,
    tag: &str,
    table: &[(&str, &[Forbidden])],
    out: &mut Vec<Violation>,
) {
    for f in table.iter().filter(|(t, _)| *t == tag).flat_map(|(_, fields)| fields.iter()) {
        forbid(obj, path, f.key, tag_name, tag, f.allowed_in, f.id, out);
    }
}

/// Every key of `obj` must be in `known`.
pub fn deny_unknown(obj: &Object, path: &str, known: &[&str], id_base: &str, out: &mut Vec<Violation>) {
    for k in obj.keys() {
        if !known.contains(&k.as_str()) {
            out.push(Violation {
                path: key(path, k),
                rule: Rule::UnknownField,
                limit: format!("one of the documented fields: {}", known.join(", ")),
                actual: "present".into(),
                constraint: format!("{id_base}:unknown_field"),
            });
        }
    }
}

/// Reads a closed enum's value: a string equal to one of the wire spellings.
pub fn enum_value<T: Copy>(
    v: &Value,
    values: &[(&str, T)],
    path: &str,
    id_base: &str,
    out: &mut Vec<Violation>,
) -> Option<T> {
    match v {
        Value::String(s) => match values.iter().find(|(w, _)| w == s) {
            Some((_, t)) => Some(*t),
            None => {
                let list: Vec<&str> = values.iter().map(|(w, _)| *w).collect();
                out.push(Violation {
                    path: path.to_owned(),
                    rule: Rule::Enum,
                    limit: format!("one of: {}", list.join(", ")),
                    actual: quoted(s),
                    constraint: format!("{id_base}:enum"),
                });
                None
            }
        },
        other => {
            type_error(other, "a string", path, id_base, out);
            None
        }
    }
}

impl Read for String {
    fn read(v: &Value, path: &str, id_base: &str, out: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::String(s) => Some(s.clone()),
            other => {
                type_error(other, "a string", path, id_base, out);
                None
            }
        }
    }
}

/// A JSON number with an integral value as `i64` (`5` and `5.0` alike, as in JSON
/// Schema's data model); `None` for fractions, non-numbers and values beyond the exactly
/// representable range of a float-encoded integer.
pub fn integer(v: &Value) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() <= EXACT).map(|f| f as i64))
}

impl Read for i64 {
    fn read(v: &Value, path: &str, id_base: &str, out: &mut Vec<Violation>) -> Option<Self> {
        match integer(v) {
            Some(n) => Some(n),
            None => {
                let expected = match v {
                    Value::Number(_) => "an integer that fits in 64 bits",
                    _ => "an integer",
                };
                type_error(v, expected, path, id_base, out);
                None
            }
        }
    }
}

impl Read for bool {
    fn read(v: &Value, path: &str, id_base: &str, out: &mut Vec<Violation>) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(*b),
            other => {
                type_error(other, "a boolean", path, id_base, out);
                None
            }
        }
    }
}

impl<T: Read> Read for Vec<T> {
    fn read(v: &Value, path: &str, id_base: &str, out: &mut Vec<Violation>) -> Option<Self> {
        let Value::Array(items) = v else {
            type_error(v, "an array", path, id_base, out);
            return None;
        };
        let mut res = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match T::read(item, &index(path, i), id_base, out) {
                Some(t) => res.push(t),
                None => ok = false,
            }
        }
        ok.then_some(res)
    }
}

/// Finishes reading a whole body: the value when nothing was violated.
pub fn finish<T>(value: Option<T>, out: Vec<Violation>) -> Result<T, Violations> {
    match (value, Violations::from_vec(out)) {
        (Some(v), None) => Ok(v),
        (_, Some(errs)) => Err(errs),
        // Readers push a violation whenever they give up; this only guards that contract.
        (None, None) => Err(Violations::one(Violation {
            path: String::new(),
            rule: Rule::Type,
            limit: "a readable value".into(),
            actual: "unreadable".into(),
            constraint: "json:type".into(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collects_every_problem() {
        let v = json!({"a": null, "b": "x", "c": 1.5, "zzz": 1});
        let obj = v.as_object().unwrap();
        let mut out = Vec::new();
        let a: Option<String> = required(obj, "input", "a", "p.input.a", &mut out);
        let b: Option<Option<i64>> = optional(obj, "input", "b", "p.input.b", &mut out);
        let c: Option<i64> = required(obj, "input", "c", "p.input.c", &mut out);
        let d: Option<bool> = required(obj, "input", "d", "p.input.d", &mut out);
        deny_unknown(obj, "input", &["a", "b", "c", "d"], "p.input", &mut out);
        assert!(a.is_none() && b.is_none() && c.is_none() && d.is_none());
        let got: Vec<(String, Rule, String)> = out.iter().map(|v| (v.path.clone(), v.rule, v.actual.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("input.a".into(), Rule::Type, "null".into()),
                ("input.b".into(), Rule::Type, "string \"x\"".into()),
                ("input.c".into(), Rule::Type, "number 1.5".into()),
                ("input.d".into(), Rule::Required, "absent".into()),
                ("input.zzz".into(), Rule::UnknownField, "present".into()),
            ]
        );
        assert_eq!(out[0].limit, "a string (omit the field instead of sending null)");
        assert_eq!(out[3].constraint, "p.input.d:required");
    }

    #[test]
    fn integral_numbers_are_integers() {
        assert_eq!(integer(&json!(5)), Some(5));
        assert_eq!(integer(&json!(5.0)), Some(5));
        assert_eq!(integer(&json!(-0.0)), Some(0));
        assert_eq!(integer(&json!(5.5)), None);
        assert_eq!(integer(&json!(1e300)), None);
        assert_eq!(integer(&json!("5")), None);
    }

    #[test]
    fn arrays_report_indexed_paths() {
        let mut out = Vec::new();
        let r: Option<Vec<String>> = Read::read(&json!(["a", 2, "c", false]), "urls", "p.urls", &mut out);
        assert!(r.is_none());
        let paths: Vec<&str> = out.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["urls[1]", "urls[3]"]);
    }

    #[test]
    fn tags_and_enums() {
        let v = json!({"mode": "text-to-image"});
        let mut out = Vec::new();
        assert!(tag(v.as_object().unwrap(), "input", "mode", &["text-to-video"], "p.input.mode", &mut out).is_none());
        assert_eq!(out[0].rule, Rule::Tag);
        assert_eq!(out[0].limit, "one of: text-to-video");
        let mut out = Vec::new();
        assert_eq!(enum_value(&json!("720p"), &[("720p", 1), ("1080p", 2)], "r", "p.r", &mut out), Some(1));
        assert_eq!(enum_value(&json!("720P"), &[("720p", 1), ("1080p", 2)], "r", "p.r", &mut out), None);
        assert_eq!(out[0].actual, "\"720P\"");
        assert_eq!(out[0].constraint, "p.r:enum");
    }

    #[test]
    fn a_field_sent_under_two_of_its_names_is_one_violation_naming_both() {
        let names = ["video", "video_url"];
        let mut out = Vec::new();
        let v = json!({"video_url": "https://a"});
        assert_eq!(key_of(v.as_object().unwrap(), "", &names, "p.video", &mut out), "video_url");
        let v = json!({});
        assert_eq!(key_of(v.as_object().unwrap(), "", &names, "p.video", &mut out), "video");
        assert!(out.is_empty());
        let v = json!({"video": "https://a", "video_url": "https://b"});
        assert_eq!(key_of(v.as_object().unwrap(), "input", &names, "p.input.video", &mut out), "video");
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].path.as_str(), out[0].rule, out[0].constraint.as_str()),
            ("input.video_url", Rule::Alias, "p.input.video:alias")
        );
        assert_eq!(out[0].actual, "both `input.video` and `input.video_url`");
    }

    #[test]
    fn field_rules_read_then_check_under_the_name_sent() {
        use super::super::check::Check;
        const VIDEO: FieldRules =
            FieldRules::new("video", "p.video", &[Check::Url(&["https"], &[])]).with_aliases(&["video_url"]);
        let v = json!({"video_url": "http://a", "n": 2});
        let obj = v.as_object().unwrap();
        let mut out = Vec::new();
        let video: Option<Option<String>> = VIDEO.optional(obj, "input", &mut out);
        assert_eq!(video, Some(Some("http://a".to_owned())));
        assert_eq!((out[0].path.as_str(), out[0].rule), ("input.video_url", Rule::Url));
        let mut out = Vec::new();
        let absent: Option<String> = FieldRules::new("prompt", "p.prompt", &[]).required(obj, "", &mut out);
        assert!(absent.is_none());
        assert_eq!((out[0].path.as_str(), out[0].constraint.as_str()), ("prompt", "p.prompt:required"));
    }

    #[test]
    fn forbidden_fields_follow_the_row_of_the_tag() {
        const TABLE: &[(&str, &[Forbidden])] = &[
            ("t2v", &[Forbidden { key: "image_urls", allowed_in: &["i2v"], id: "p[mode=t2v].image_urls" }]),
            ("i2v", &[Forbidden { key: "ratio", allowed_in: &["t2v"], id: "p[mode=i2v].ratio" }]),
        ];
        let v = json!({"image_urls": [], "ratio": "16:9"});
        let obj = v.as_object().unwrap();
        let mut out = Vec::new();
        forbidden(obj, "input", "mode", "t2v", TABLE, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].path.as_str(), out[0].limit.as_str(), out[0].constraint.as_str()),
            ("input.image_urls", "absent when mode is t2v (allowed in: i2v)", "p[mode=t2v].image_urls:forbidden")
        );
        forbidden(obj, "input", "mode", "other", TABLE, &mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn syntax_errors_are_violations() {
        let e = parse_body(b"{\"a\": ").unwrap_err();
        assert_eq!(e.as_slice()[0].rule, Rule::Syntax);
    }
}
