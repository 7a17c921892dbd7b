//! OpenAPI 3.1 and standalone JSON Schema (draft 2020-12) export of a module, from the IR.
//!
//! - [`request_schema`]: the submit request body as one standalone schema (`$defs` inside).
//! - [`openapi`]: the module's two operations, its named types in `components.schemas`,
//!   bearer auth, the status tables as responses and the webhook (when documented).
//! - [`not_expressible`]: the request constraints JSON Schema cannot state (weighted
//!   length counting, the public-host rule); the schemas carry them as `x-` annotations.
//!
//! Request types are strict (unknown keys rejected), response types lenient (unknown keys
//! and unknown enum values accepted). A union whose fields are flattened into an object
//! (APIXO `request_type` + `callback_url`) is `allOf`-referenced from that object, which
//! closes itself with `unevaluatedProperties: false`, so exactly the object's fields, the
//! tag and the selected variant's fields are accepted. `cargo xtask openapi` writes
//! [`files`].

mod checks;
mod schema;
mod v30;

use serde_json::{Map, Value, json};

pub use checks::not_expressible;
pub use v30::openapi_30;

use crate::ir::{ExampleKind, Module, Operation, Types};
use crate::output::GeneratedFile;
use schema::Cx;

/// The JSON Schema dialect of every schema produced here.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// A standalone JSON Schema (2020-12, `$defs` inside) of the request body of the module's
/// (first) submit operation.
pub fn request_schema(m: &crate::ir::Module) -> serde_json::Value {
    request_schema_for(m, m.submit())
}

/// A standalone JSON Schema of the request body of each submit operation, by its key.
pub fn request_schemas(m: &crate::ir::Module) -> Vec<(String, serde_json::Value)> {
    m.submits.iter().map(|op| (op.key.clone(), request_schema_for(m, op))).collect()
}

/// A standalone JSON Schema (2020-12, `$defs` inside) of a submit operation's request body.
pub fn request_schema_for(m: &crate::ir::Module, op: &Operation) -> serde_json::Value {
    let cx = Cx { m, prefix: "#/$defs/", openapi: false };
    let root = op.request.as_deref().and_then(|r| m.ty(r));
    let mut top = match root {
        Some(td) => cx.type_schema(td),
        None => Map::new(),
    };
    top.insert("$schema".into(), DIALECT.into());
    let title = if m.submits.len() > 1 {
        format!("{} {} {} request", m.provider, m.family, op.key)
    } else {
        format!("{} {} submit request", m.provider, m.family)
    };
    top.insert("title".into(), title.into());
    if let Some(root) = root {
        let defs: Map<String, Value> = schema::referenced(m, root.name())
            .into_iter()
            .filter_map(|name| m.ty(&name).map(|td| (name, Value::Object(cx.type_schema(td)))))
            .collect();
        if !defs.is_empty() {
            top.insert("$defs".into(), Value::Object(defs));
        }
    }
    if let Some(list) = not_expressible_json(m, op) {
        top.insert("x-not-expressible".into(), list);
    }
    Value::Object(top)
}

/// The OpenAPI 3.1 document of the module.
pub fn openapi(m: &crate::ir::Module) -> serde_json::Value {
    let cx = Cx { m, prefix: "#/components/schemas/", openapi: true };
    let schemas: Map<String, Value> =
        m.types.iter().map(|td| (td.name().to_owned(), Value::Object(cx.type_schema(td)))).collect();
    let mut paths = Map::new();
    for op in &m.submits {
        add_operation(&mut paths, op, submit_operation(m, op, &cx));
    }
    add_operation(&mut paths, &m.status, status_operation(m, &cx));
    let version = m.spec_sha256.get(..12).unwrap_or(&m.spec_sha256);
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("{} {}", m.provider, m.family),
            "version": format!("sha256:{version}"),
            "description": m.doc,
        },
        "servers": [{ "url": m.base_url }],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": format!(
                        "`{}: Bearer <API key>`; the generated client reads the key from `{}`.",
                        m.auth.header, m.auth.env_var
                    ),
                },
            },
            "schemas": schemas,
        },
    });
    if let (Some(cb), Some(obj)) = (&m.callbacks, doc.as_object_mut()) {
        let answer = if cb.ack_any_2xx { "any 2xx status".to_owned() } else { cb.ack_status.to_string() };
        let schedule = if cb.retry_schedule_s.is_empty() {
            String::new()
        } else {
            format!(", after {}", cb.retry_schedule_s.iter().map(|s| format!("{s} s")).collect::<Vec<_>>().join(", "))
        };
        // OpenAPI's `2XX` range key states that any 2xx acknowledges a delivery.
        let ack_key = if cb.ack_any_2xx { "2XX".to_owned() } else { cb.ack_status.to_string() };
        let mut operation = json!({
            "operationId": format!("{}_callback", m.module),
            "description": format!(
                "In callback mode the provider sends the final task payload to the callback URL. Answer {answer} within {} s; otherwise it redelivers up to {} times{schedule}.",
                cb.ack_within_s, cb.max_redeliveries
            ),
            "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": cx.reference(&cb.payload) } },
            },
            "responses": {
                ack_key: { "description": "Delivery acknowledged." },
            },
        });
        if !cb.retry_schedule_s.is_empty()
            && let Some(op) = operation.as_object_mut()
        {
            op.insert("x-retry-schedule-s".into(), cb.retry_schedule_s.clone().into());
        }
        let mut item = Map::new();
        item.insert(cb.method.to_ascii_lowercase(), operation);
        let mut hooks = Map::new();
        hooks.insert("task_result".into(), Value::Object(item));
        obj.insert("webhooks".into(), Value::Object(hooks));
    }
    doc
}

/// Which OpenAPI version a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// OpenAPI 3.1 (JSON Schema 2020-12): every rule the export can state.
    V3_1,
    /// OpenAPI 3.0, for older tools: the same rules where 3.0 can state them ([`openapi_30`]).
    V3_0,
}

/// The files `cargo xtask openapi` writes for a module: `<module>.openapi.json` (in
/// `version`) and `<module>.request.schema.json` (JSON Schema 2020-12), pretty-printed with a
/// trailing newline. Paths are file names, relative to the output directory.
pub fn files(m: &Module, version: Version) -> Vec<GeneratedFile> {
    let doc = match version {
        Version::V3_1 => openapi(m),
        Version::V3_0 => openapi_30(m),
    };
    vec![
        GeneratedFile { path: format!("{}.openapi.json", m.module), contents: format!("{doc:#}\n") },
        GeneratedFile {
            path: format!("{}.request.schema.json", m.module),
            contents: format!("{:#}\n", request_schema(m)),
        },
    ]
}

/// `[{id, reason}]` of [`not_expressible`], or `None` when every constraint is expressed.
fn not_expressible_json(m: &Module, op: &Operation) -> Option<Value> {
    let ops: std::collections::BTreeMap<&str, &str> =
        m.constraints.iter().map(|c| (c.id.as_str(), c.operation.as_str())).collect();
    let mut list = not_expressible(m);
    list.retain(|(id, _)| ops.get(id.as_str()) == Some(&op.key.as_str()));
    if list.is_empty() {
        return None;
    }
    Some(list.into_iter().map(|(id, reason)| json!({ "id": id, "reason": reason })).collect())
}

/// Puts an operation into its path item (two operations may share a path).
fn add_operation(paths: &mut Map<String, Value>, op: &Operation, operation: Value) {
    let item = paths.entry(op.path.clone()).or_insert_with(|| Value::Object(Map::new()));
    if let Some(item) = item.as_object_mut() {
        item.insert(op.method.to_ascii_lowercase(), operation);
    }
}

fn submit_operation(m: &Module, op: &Operation, cx: &Cx) -> Value {
    let mut out = Map::new();
    out.insert("operationId".into(), format!("{}_{}", m.module, op.key).into());
    out.insert("description".into(), op.doc.clone().into());
    if let Some(request) = &op.request {
        let mut media = Map::new();
        media.insert("schema".into(), cx.reference(request));
        if let Some(examples) = examples(m, op, ExampleKind::Request, None) {
            media.insert("examples".into(), examples);
        }
        let content_type = op.content_type.clone().unwrap_or_else(|| "application/json".into());
        let mut content = Map::new();
        content.insert(content_type, Value::Object(media));
        out.insert("requestBody".into(), json!({ "required": true, "content": content }));
    }
    out.insert("responses".into(), responses(m, op, cx, &[401]));
    if let Some(list) = not_expressible_json(m, op) {
        out.insert("x-not-expressible".into(), list);
    }
    if let Some(b) = &m.billing {
        out.insert("x-billing".into(), billing(b));
    }
    Value::Object(out)
}

/// The documented prices of a task: what they are counted in (a currency, or the
/// provider's credits, never shown as a currency), the unit price per value of the price
/// selector, and the formula of each mode, as exact decimal strings.
fn billing(b: &crate::ir::Billing) -> Value {
    let unit = match &b.unit {
        crate::ir::PriceUnit::Currency(c) => json!({ "currency": c }),
        crate::ir::PriceUnit::Credits(c) => json!({ "credits": c }),
    };
    let prices: Vec<Value> = b
        .prices
        .iter()
        .map(|p| json!({ "when": p.when, "official": p.official_text, "market": p.market_text }))
        .collect();
    let formulas: Map<String, Value> = b.formulas.iter().map(|f| (f.mode.clone(), f.text.clone().into())).collect();
    json!({ "unit": unit, "per": b.per, "price_by": b.price_by, "prices": prices, "formulas": formulas })
}

fn status_operation(m: &Module, cx: &Cx) -> Value {
    let op = &m.status;
    let mut out = Map::new();
    out.insert("operationId".into(), format!("{}_status", m.module).into());
    out.insert("description".into(), op.doc.clone().into());
    if let Some(p) = &op.id_param {
        out.insert(
            "parameters".into(),
            json!([{
                "name": p.name,
                "in": if p.in_query { "query" } else { "path" },
                "required": true,
                "description": p.doc,
                "schema": task_id_schema(),
            }]),
        );
    }
    out.insert("responses".into(), responses(m, op, cx, &[401, 404]));
    Value::Object(out)
}

/// The schema of a task id parameter: a non-empty string. An id is whatever submit returned;
/// the client refuses an empty one and a provider can look none up, so the simulator rejects
/// it too. Stated here so the export says what the implementations enforce (Schemathesis
/// found an empty `taskId` accepted by the schema and rejected by the simulator).
fn task_id_schema() -> Value {
    json!({ "type": "string", "minLength": 1 })
}

/// `200` with the operation's response type, every documented status with the error body,
/// and `extra` statuses the table does not list.
fn responses(m: &Module, op: &Operation, cx: &Cx, extra: &[u16]) -> Value {
    let mut out = Map::new();
    let success_doc = m.ty(&op.response).map(type_doc).unwrap_or_default();
    out.insert(
        "200".into(),
        response(
            if success_doc.is_empty() { "Success.".to_owned() } else { success_doc },
            cx.reference(&op.response),
            examples(m, op, ExampleKind::Response, Some(200)),
        ),
    );
    for st in &m.statuses {
        let mut r = response(
            st.meaning.clone(),
            cx.reference(&m.errors.body),
            examples(m, op, ExampleKind::Error, Some(st.status)),
        );
        if let Some(obj) = r.as_object_mut() {
            obj.insert("x-action".into(), st.action.clone().into());
            let retry = match st.retry {
                crate::ir::RetryAdvice::Never => "never",
                crate::ir::RetryAdvice::Backoff => "backoff",
            };
            obj.insert("x-retry".into(), retry.into());
            if let Some(n) = st.max_retries {
                obj.insert("x-max-retries".into(), n.into());
            }
        }
        out.insert(st.status.to_string(), r);
    }
    for code in extra {
        let meaning = match code {
            401 => "Missing or invalid API key.",
            404 => "Task not found.",
            _ => "Error.",
        };
        out.entry(code.to_string()).or_insert_with(|| response(meaning.into(), cx.reference(&m.errors.body), None));
    }
    Value::Object(out)
}

fn response(description: String, schema: Value, examples: Option<Value>) -> Value {
    let mut media = Map::new();
    media.insert("schema".into(), schema);
    if let Some(e) = examples {
        media.insert("examples".into(), e);
    }
    json!({ "description": description, "content": { "application/json": media } })
}

/// The documented examples of an operation of one kind (and status), as an OpenAPI
/// `examples` map; `None` when there are none. Examples that are not JSON are skipped.
fn examples(m: &Module, op: &Operation, kind: ExampleKind, status: Option<u16>) -> Option<Value> {
    let map: Map<String, Value> = m
        .examples
        .iter()
        .filter(|e| e.operation == op.key && e.kind == kind && (status.is_none() || e.status == status))
        .filter_map(|e| {
            let value: Value = serde_json::from_str(&e.json).ok()?;
            Some((e.name.clone(), json!({ "value": value })))
        })
        .collect();
    if map.is_empty() { None } else { Some(Value::Object(map)) }
}

fn type_doc(td: &crate::ir::TypeDef) -> String {
    match td {
        crate::ir::TypeDef::Enum(e) => e.doc.clone(),
        crate::ir::TypeDef::Struct(s) => s.doc.clone(),
        crate::ir::TypeDef::Union(u) => u.doc.clone(),
    }
}
