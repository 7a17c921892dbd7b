//! The format of a case file, `conformance/cases/<module>/<operation>.toml`:
//!
//! ```toml
//! # Named bodies other cases start from.
//! [bodies.t2v]
//! request_type = "async"
//! input = { mode = "text-to-video", prompt = "a cinematic rainy night in tokyo" }
//!
//! [[request]]
//! name = "duration 16"
//! doc = "apixo-happyhorse.txt:21"          # the doc lines it comes from
//! base = "t2v"                             # start from a named body (or give `body`)
//! set = { input = { duration = 16 } }      # merged into it, objects key by key
//! unset = ["input.prompt"]                 # dotted paths removed (optional)
//! expect = "reject"                        # or "accept"
//! at = "input.duration"                    # where the violation is (for "reject")
//! provider = "accept"                      # optional: the provider differs from the client
//!
//! [[billing]]
//! name = "text-to-video 720p 5 s"
//! doc = "apixo-happyhorse.txt:261, 265"
//! body = { request_type = "async", input = { mode = "text-to-video", prompt = "p", resolution = "720p", duration = 5 } }
//! inputs = { input_video_seconds = "10" }  # billing inputs the body does not carry
//! official = "0.625"                       # or `missing = "input.resolution"`
//! market = "0.8125"
//! currency = "USD"                         # the unit: an ISO 4217 currency, or `credits = "credits"`
//!
//! [[response]]
//! name = "submit accepted"
//! doc = "apixo-happyhorse.txt:53-59"
//! kind = "submitted"                       # submitted, status or error
//! body = '''{"code": 200, "message": "success", "data": {"taskId": "task_12345678"}}'''
//! task_id = "task_12345678"
//! ```
//!
//! A status answer gives `task_id`, `state`, `phase` (`pending`, `succeeded`, `failed`) and
//! optionally `outputs`, `fail_code`, `fail_message`, `retry_may_help`; an error gives
//! `code` (a number) or `text_code` (`"invalid_request"`), and `message`. In a body, `{ "$repeat" = "中", times = 2501 }` is a string of
//! 2501 characters, `{ "$list" = "https://example.com/{i}.png", count = 9 }` a list of 9
//! strings with `{i}` counting from 0, and `{ "$data_uri" = "image/png", bytes = 10000000 }`
//! a base64 data URI of that many (zero) bytes. Unknown keys are errors.

use std::collections::BTreeMap;

use happyhorse_client::runtime::TaskPhase;
use happyhorse_client::runtime::provider::ErrorCode;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{BillingCase, Expect, Expected, RequestCase, ResponseCase, Unit};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    bodies: BTreeMap<String, toml::Value>,
    #[serde(default)]
    request: Vec<Request>,
    #[serde(default)]
    billing: Vec<Billing>,
    #[serde(default)]
    response: Vec<Response>,
}

/// How a case's body is written (the keys `base`, `body`, `set`, `unset` of a case).
struct Body<'a> {
    base: &'a Option<String>,
    body: &'a Option<toml::Value>,
    set: &'a Option<toml::Value>,
    unset: &'a [String],
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    name: String,
    doc: String,
    base: Option<String>,
    body: Option<toml::Value>,
    set: Option<toml::Value>,
    #[serde(default)]
    unset: Vec<String>,
    expect: String,
    at: Option<String>,
    provider: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Billing {
    name: String,
    doc: String,
    base: Option<String>,
    body: Option<toml::Value>,
    set: Option<toml::Value>,
    #[serde(default)]
    unset: Vec<String>,
    #[serde(default)]
    inputs: BTreeMap<String, String>,
    official: Option<String>,
    market: Option<String>,
    currency: Option<String>,
    credits: Option<String>,
    missing: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Response {
    name: String,
    doc: String,
    kind: String,
    body: String,
    task_id: Option<String>,
    follow: Option<String>,
    state: Option<String>,
    phase: Option<String>,
    #[serde(default)]
    outputs: Vec<String>,
    fail_code: Option<String>,
    fail_message: Option<String>,
    #[serde(default)]
    retry_may_help: bool,
    code: Option<i64>,
    text_code: Option<String>,
    message: Option<String>,
}

/// The cases of one file.
pub(super) struct Parsed {
    pub requests: Vec<RequestCase>,
    pub billing: Vec<BillingCase>,
    pub responses: Vec<ResponseCase>,
}

impl Parsed {
    /// `(case name, doc)` of every case.
    pub fn citations(&self) -> Vec<(&str, &str)> {
        let r = self.requests.iter().map(|c| (c.name.as_str(), c.doc.as_str()));
        let b = self.billing.iter().map(|c| (c.name.as_str(), c.doc.as_str()));
        let a = self.responses.iter().map(|c| (c.name.as_str(), c.doc.as_str()));
        r.chain(b).chain(a).collect()
    }
}

/// Reads a case file of `module`'s operation `operation`.
pub(super) fn parse(text: &str, module: &str, operation: &str) -> Result<Parsed, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut bodies = BTreeMap::new();
    for (name, value) in &file.bodies {
        bodies.insert(name.clone(), json(value).map_err(|e| format!("bodies.{name}: {e}"))?);
    }
    let body_of = |name: &str, b: Body<'_>| -> Result<Value, String> {
        let mut body = match (b.base, b.body) {
            (Some(base), None) => {
                bodies.get(base).cloned().ok_or_else(|| format!("case `{name}`: no body named `{base}` in [bodies]"))?
            }
            (None, Some(body)) => json(body).map_err(|e| format!("case `{name}`: body: {e}"))?,
            _ => return Err(format!("case `{name}`: give either `base` or `body`")),
        };
        if let Some(set) = b.set {
            merge(&mut body, json(set).map_err(|e| format!("case `{name}`: set: {e}"))?);
        }
        for path in b.unset {
            unset(&mut body, path).map_err(|e| format!("case `{name}`: unset: {e}"))?;
        }
        Ok(body)
    };
    let ids = || (module.to_owned(), operation.to_owned());
    let mut requests = Vec::new();
    for r in &file.request {
        let client = expect(&r.name, &r.expect, r.at.as_deref())?;
        let provider = r.provider.as_deref().map(|p| expect(&r.name, p, r.at.as_deref())).transpose()?;
        let (module, operation) = ids();
        requests.push(RequestCase {
            module,
            operation,
            name: r.name.clone(),
            doc: r.doc.clone(),
            body: body_of(&r.name, Body { base: &r.base, body: &r.body, set: &r.set, unset: &r.unset })?,
            client,
            provider,
        });
    }
    let mut billing = Vec::new();
    for b in &file.billing {
        let unit = match (&b.currency, &b.credits) {
            (Some(c), None) => Some(Unit::Currency(c.clone())),
            (None, Some(c)) => Some(Unit::Credits(c.clone())),
            (None, None) => None,
            (Some(_), Some(_)) => return Err(format!("case `{}`: give `currency` or `credits`, not both", b.name)),
        };
        let expect = match (&b.official, &b.market, unit, &b.missing) {
            (Some(o), Some(m), Some(unit), None) => Ok((o.clone(), m.clone(), unit)),
            (None, None, None, Some(missing)) => Err(missing.clone()),
            _ => {
                return Err(format!(
                    "case `{}`: give `official`, `market` and their unit (`currency = \"USD\"` or `credits = \"credits\"`), or `missing`",
                    b.name
                ));
            }
        };
        let (module, operation) = ids();
        billing.push(BillingCase {
            module,
            operation,
            name: b.name.clone(),
            doc: b.doc.clone(),
            body: body_of(&b.name, Body { base: &b.base, body: &b.body, set: &b.set, unset: &b.unset })?,
            inputs: b.inputs.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            expect,
        });
    }
    let mut responses = Vec::new();
    for r in &file.response {
        let (module, operation) = ids();
        responses.push(ResponseCase {
            module,
            operation,
            name: r.name.clone(),
            doc: r.doc.clone(),
            body: r.body.trim().to_owned(),
            expect: expected(r)?,
        });
    }
    Ok(Parsed { requests, billing, responses })
}

fn expect(name: &str, word: &str, at: Option<&str>) -> Result<Expect, String> {
    match (word, at) {
        ("accept", _) => Ok(Expect::Accept),
        ("reject", Some(at)) => Ok(Expect::Reject(at.to_owned())),
        ("reject", None) => Err(format!("case `{name}`: a rejected case names the path (`at`)")),
        (other, _) => Err(format!("case `{name}`: expected \"accept\" or \"reject\", got {other:?}")),
    }
}

fn expected(r: &Response) -> Result<Expected, String> {
    let need = |v: &Option<String>, key: &str| {
        v.clone().ok_or_else(|| format!("case `{}`: a {} answer gives `{key}`", r.name, r.kind))
    };
    match r.kind.as_str() {
        "submitted" => Ok(Expected::Submitted { task_id: need(&r.task_id, "task_id")?, follow: r.follow.clone() }),
        "status" => {
            let phase = match need(&r.phase, "phase")?.as_str() {
                "pending" => TaskPhase::Pending,
                "succeeded" => TaskPhase::Succeeded,
                "failed" => TaskPhase::Failed,
                other => {
                    return Err(format!(
                        "case `{}`: phase must be pending, succeeded or failed (got {other:?})",
                        r.name
                    ));
                }
            };
            Ok(Expected::Status {
                task_id: need(&r.task_id, "task_id")?,
                state: need(&r.state, "state")?,
                phase,
                outputs: r.outputs.clone(),
                fail_code: r.fail_code.clone(),
                fail_message: r.fail_message.clone(),
                retry_may_help: r.retry_may_help,
            })
        }
        "error" => {
            let code = match (r.code, &r.text_code) {
                (Some(n), None) => Some(ErrorCode::Number(n)),
                (None, Some(t)) => Some(ErrorCode::Text(t.clone())),
                (None, None) => None,
                (Some(_), Some(_)) => {
                    return Err(format!("case `{}`: give `code` (a number) or `text_code`, not both", r.name));
                }
            };
            Ok(Expected::Error { code, message: r.message.clone() })
        }
        other => Err(format!("case `{}`: kind must be submitted, status or error (got {other:?})", r.name)),
    }
}

/// A TOML value as JSON, with the generators (`$repeat`, `$list`) expanded.
fn json(v: &toml::Value) -> Result<Value, String> {
    Ok(match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(n) => Value::from(*n),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number).ok_or("not a JSON number")?,
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(json).collect::<Result<_, _>>()?),
        toml::Value::Table(t) => {
            if let Some(generated) = generator(t)? {
                return Ok(generated);
            }
            let mut map = Map::new();
            for (k, v) in t {
                map.insert(k.clone(), json(v)?);
            }
            Value::Object(map)
        }
    })
}

/// `{ "$repeat" = "a", times = 3 }` → `"aaa"`; `{ "$list" = "u{i}", count = 2 }` →
/// `["u0", "u1"]`.
fn generator(t: &toml::Table) -> Result<Option<Value>, String> {
    let count = |key: &str| -> Result<usize, String> {
        t.get(key)
            .and_then(toml::Value::as_integer)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("a generator needs `{key}`, a whole number"))
    };
    let keys: Vec<&str> = t.keys().map(String::as_str).collect();
    if let Some(toml::Value::String(mime)) = t.get("$data_uri")
        && keys.len() == 2
    {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::STANDARD.encode(vec![0u8; count("bytes")?]);
        return Ok(Some(Value::String(format!("data:{mime};base64,{payload}"))));
    }
    match (t.get("$repeat"), t.get("$list")) {
        (Some(toml::Value::String(s)), None) if keys.len() == 2 => Ok(Some(Value::String(s.repeat(count("times")?)))),
        (None, Some(toml::Value::String(s))) if keys.len() == 2 => {
            let n = count("count")?;
            Ok(Some(Value::Array((0..n).map(|i| Value::String(s.replace("{i}", &i.to_string()))).collect())))
        }
        (None, None) if keys.iter().all(|k| !k.starts_with('$')) => Ok(None),
        _ => Err(format!(
            "unknown generator {keys:?}: use {{ \"$repeat\" = TEXT, times = N }}, {{ \"$list\" = TEXT, count = N }} or {{ \"$data_uri\" = MIME, bytes = N }}"
        )),
    }
}

/// Merges `extra` into `target`: objects key by key, anything else replaced.
fn merge(target: &mut Value, extra: Value) {
    match (target, extra) {
        (Value::Object(t), Value::Object(e)) => {
            for (k, v) in e {
                match t.get_mut(&k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        t.insert(k, v);
                    }
                }
            }
        }
        (t, e) => *t = e,
    }
}

fn unset(body: &mut Value, dotted: &str) -> Result<(), String> {
    let keys: Vec<&str> = dotted.split('.').collect();
    let (last, parents) = keys.split_last().ok_or("an empty path")?;
    let mut cur = body;
    for k in parents {
        cur = cur.get_mut(*k).ok_or_else(|| format!("`{dotted}`: no `{k}`"))?;
    }
    cur.as_object_mut()
        .and_then(|o| o.remove(*last))
        .map(|_| ())
        .ok_or_else(|| format!("`{dotted}`: nothing to remove"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_merge_and_generate() {
        let text = r#"
[bodies.b]
input = { mode = "x", prompt = "p" }

[[request]]
name = "n"
doc = "a.txt:1"
base = "b"
set = { input = { images = { "$list" = "u{i}", count = 2 }, prompt = { "$repeat" = "中", times = 3 } } }
unset = ["input.mode"]
expect = "reject"
at = "input.images"
provider = "accept"
"#;
        let p = parse(text, "m", "op").expect("parses");
        let c = &p.requests[0];
        assert_eq!(c.body, serde_json::json!({"input": {"prompt": "中中中", "images": ["u0", "u1"]}}));
        assert_eq!(c.client, Expect::Reject("input.images".into()));
        assert_eq!(c.provider, Some(Expect::Accept));
        assert_eq!((c.module.as_str(), c.operation.as_str()), ("m", "op"));
    }

    #[test]
    fn mistakes_are_named() {
        let bad = |text: &str| match parse(text, "m", "op") {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e,
        };
        assert!(
            bad("[[request]]\nname = \"n\"\ndoc = \"a.txt:1\"\nbody = {}\nexpect = \"reject\"\n")
                .contains("names the path")
        );
        assert!(
            bad("[[request]]\nname = \"n\"\ndoc = \"a.txt:1\"\nbase = \"zz\"\nexpect = \"accept\"\n")
                .contains("no body named")
        );
        assert!(
            bad("[[request]]\nname = \"n\"\ndoc = \"a.txt:1\"\nbody = {}\nexpect = \"accept\"\ncolour = 1\n")
                .contains("colour")
        );
        assert!(bad("[[request]]\nname = \"n\"\ndoc = \"a.txt:1\"\nbody = { x = { \"$rep\" = \"a\" } }\nexpect = \"accept\"\n").contains("unknown generator"));
    }
}
