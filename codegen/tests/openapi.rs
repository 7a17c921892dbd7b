//! The OpenAPI 3.1 document and the standalone request JSON Schema (2020-12) exported from
//! the IR: deterministic, every request constraint either expressed or reported as not
//! expressible, strict requests and lenient responses, operations as the specs document
//! them. (Validation against a JSON Schema implementation is the conformance suite's job.)

use std::collections::BTreeSet;
use std::path::Path;

use happyhorse_codegen::ir::{Module, Ty, TypeDef, Usage};
use happyhorse_codegen::{openapi, output};
use serde_json::{Value, json};

fn modules() -> Vec<Module> {
    output::load_all(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")).unwrap_or_else(|e| panic!("{e}"))
}

/// The providers' modules and every golden case's (codegen/tests/golden/<case>/): the
/// export's rules are checked on every shape the format describes.
fn modules_and_golden() -> Vec<Module> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut all = modules();
    for (_, dir) in output::golden_cases(&root).unwrap_or_else(|e| panic!("{e}")) {
        all.extend(output::load_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())));
    }
    all
}

fn module(name: &str) -> Module {
    modules().into_iter().find(|m| m.module == name).unwrap_or_else(|| panic!("no module {name}"))
}

/// Follows `$ref`s (`#/$defs/X` or `#/components/schemas/X`) within `doc`.
fn deref<'a>(doc: &'a Value, mut s: &'a Value) -> &'a Value {
    while let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let target = if let Some(name) = r.strip_prefix("#/$defs/") {
            doc.get("$defs").and_then(|d| d.get(name))
        } else if let Some(name) = r.strip_prefix("#/components/schemas/") {
            doc.pointer("/components/schemas").and_then(|d| d.get(name))
        } else {
            None
        };
        s = target.unwrap_or_else(|| panic!("unresolved $ref {r}"));
    }
    s
}

/// The object schemas that together describe one object: the schema itself and what its
/// `allOf` brings in (a flattened union).
fn scope<'a>(doc: &'a Value, s: &'a Value) -> Vec<&'a Value> {
    let s = deref(doc, s);
    let mut out = vec![s];
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for part in all {
            let part = part.get("then").unwrap_or(part);
            out.extend(scope(doc, part));
        }
    }
    out
}

fn property<'a>(doc: &'a Value, scope: &[&'a Value], key: &str) -> Option<&'a Value> {
    scope.iter().find_map(|s| s.get("properties").and_then(|p| p.get(key))).map(|p| deref(doc, p))
}

/// The `oneOf` branch of a union in `scope` whose tag `tag` is the constant `value`.
fn branch<'a>(doc: &'a Value, scope: &[&'a Value], tag: &str, value: &str) -> Vec<&'a Value> {
    for s in scope {
        for b in s.get("oneOf").and_then(Value::as_array).into_iter().flatten() {
            let b = deref(doc, b);
            if b.pointer(&format!("/properties/{tag}/const")) == Some(&json!(value)) {
                return vec![b];
            }
        }
    }
    panic!("no branch {tag}={value}")
}

/// Walks a constraint path (`input[mode=video-edit].image_urls`, `[request_type=callback].callback_url`)
/// to the object scope holding the last key, and that key.
fn locate<'a>(doc: &'a Value, path: &str) -> (Vec<&'a Value>, String) {
    let mut here = scope(doc, doc);
    // Split at dots outside brackets: a mode tag may hold dots (`[model=happyhorse-1.0-t2v]`).
    let mut segments: Vec<&str> = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, ch) in path.char_indices() {
        match ch {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => {
                segments.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    segments.push(&path[start..]);
    for (i, seg) in segments.iter().enumerate() {
        let (key, selector) = match seg.split_once('[') {
            Some((k, rest)) => (k, Some(rest.trim_end_matches(']'))),
            None => (*seg, None),
        };
        if i + 1 == segments.len() && selector.is_none() {
            return (here, key.to_owned());
        }
        if !key.is_empty() {
            let p = property(doc, &here, key).unwrap_or_else(|| panic!("{path}: no property {key}"));
            here = scope(doc, p);
        }
        match selector {
            Some("") => {
                let items = here[0].get("items").unwrap_or_else(|| panic!("{path}: {key} has no items"));
                here = scope(doc, items);
            }
            Some(sel) => {
                let (tag, value) = sel.split_once('=').unwrap_or_else(|| panic!("{path}: selector {sel}"));
                here = branch(doc, &here, tag, value);
            }
            None => {}
        }
    }
    panic!("{path}: empty path")
}

/// The schema holding a field's string or number keywords: the field's, or its `items`.
fn value_schema(field: &Value) -> &Value {
    if field.get("type") == Some(&json!("array")) { &field["items"] } else { field }
}

fn field<'a>(doc: &'a Value, path: &str) -> &'a Value {
    let (here, key) = locate(doc, path);
    property(doc, &here, &key).unwrap_or_else(|| panic!("{path}: no property {key}"))
}

#[test]
fn output_is_deterministic() {
    for m in modules() {
        assert_eq!(openapi::request_schema(&m), openapi::request_schema(&m), "{}", m.module);
        assert_eq!(openapi::openapi(&m), openapi::openapi(&m), "{}", m.module);
        assert_eq!(openapi::not_expressible(&m), openapi::not_expressible(&m), "{}", m.module);
        let again = module(&m.module);
        assert_eq!(
            openapi::files(&m, openapi::Version::V3_1),
            openapi::files(&again, openapi::Version::V3_1),
            "{}",
            m.module
        );
    }
}

#[test]
fn files_are_pretty_json_with_a_trailing_newline() {
    for m in modules() {
        let files = openapi::files(&m, openapi::Version::V3_1);
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let expected = [format!("{}.openapi.json", m.module), format!("{}.request.schema.json", m.module)];
        assert_eq!(names, expected.iter().map(String::as_str).collect::<Vec<_>>());
        for (f, value) in files.iter().zip([openapi::openapi(&m), openapi::request_schema(&m)]) {
            assert!(f.contents.ends_with("}\n") && !f.contents.ends_with("\n\n"), "{}", f.path);
            assert!(f.contents.contains("\n  \""), "{} is not pretty-printed", f.path);
            let parsed: Value = serde_json::from_str(&f.contents).unwrap_or_else(|e| panic!("{}: {e}", f.path));
            assert_eq!(parsed, value, "{}", f.path);
        }
    }
}

#[test]
fn every_request_constraint_is_expressed_or_reported() {
    for m in modules_and_golden() {
        let reported = openapi::not_expressible(&m);
        let ids: BTreeSet<&str> = m.constraints.iter().map(|c| c.id.as_str()).collect();
        for (id, reason) in &reported {
            assert!(ids.contains(id.as_str()), "reported id {id} is not a constraint");
            assert!(!reason.is_empty());
        }
        let mut listed = 0;
        for (key, schema) in openapi::request_schemas(&m) {
            listed += schema["x-not-expressible"].as_array().map(Vec::len).unwrap_or(0);
            for c in m.constraints.iter().filter(|c| c.operation == key) {
                let is_reported = reported.iter().any(|(id, _)| *id == c.id);
                let (here, key) = locate(&schema, &c.path);
                let prop = property(&schema, &here, &key);
                let value = prop.map(value_schema);
                let has = |k: &str| value.is_some_and(|v| v.get(k).is_some());
                let ok = match c.rule.as_str() {
                    "required" => {
                        let lists = |s: &Value| s["required"].as_array().is_some_and(|r| r.contains(&json!(key)));
                        // A field with aliases is required as "one of its names":
                        // `allOf: [{anyOf: [{required: [name]}, {required: [alias]}]}]`.
                        let one_of_names = |s: &Value| {
                            s["allOf"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .any(|a| a["anyOf"].as_array().is_some_and(|names| names.iter().any(&lists)))
                        };
                        here.iter().any(|s| lists(s) || one_of_names(s))
                    }
                    "forbidden" => {
                        prop == Some(&Value::Bool(false))
                            || (prop.is_none()
                                && here.iter().any(|s| s.get("additionalProperties") == Some(&json!(false))))
                    }
                    "enum" => has("enum"),
                    "tag" => {
                        let tags = value.and_then(|v| v["enum"].as_array()).cloned().unwrap_or_default();
                        let consts: Vec<Value> = here
                            .iter()
                            .flat_map(|s| s["oneOf"].as_array().cloned().unwrap_or_default())
                            .map(|b| deref(&schema, &b)["properties"][&key]["const"].clone())
                            .collect();
                        !tags.is_empty() && (consts.is_empty() || consts == tags)
                    }
                    "length" => has("maxLength") && (!is_reported || has("x-weighted-length")),
                    "range" => has("minimum") || has("maximum"),
                    "items" => prop.is_some_and(|p| p.get("minItems").is_some() || p.get("maxItems").is_some()),
                    "url" => has("pattern"),
                    "url_public" => is_reported && value.is_some_and(|v| v["x-public-host"] == json!(true)),
                    "data_uri" => is_reported && value.is_some_and(|v| v.get("x-data-uri").is_some()),
                    // Both names at once: `allOf: [{not: {required: [name, alias]}}]`.
                    "alias" => here.iter().any(|s| {
                        s["allOf"].as_array().into_iter().flatten().any(|a| {
                            a["not"]["required"].as_array().is_some_and(|r| r.len() > 1 && r.contains(&json!(key)))
                        })
                    }),
                    other => panic!("unknown rule {other}"),
                };
                assert!(ok, "{}: constraint {} is neither expressed nor reported", m.module, c.id);
                if is_reported {
                    assert!(matches!(c.rule.as_str(), "length" | "url_public" | "data_uri"), "{} reported", c.id);
                }
            }
        }
        assert_eq!(listed, reported.len(), "{}: x-not-expressible over the operations' schemas", m.module);
    }
}

#[test]
fn not_expressible_lists_exactly_the_weighted_length_the_public_host_and_the_data_uri() {
    let apixo = module("apixo");
    let ids: Vec<String> = openapi::not_expressible(&apixo).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["apixo.submit[request_type=callback].callback_url:url_public"]);
    let modellix = module("modellix");
    // The documented models only: a maintainer may add one by an endpoint file (as
    // `cargo xtask ci-proof` does).
    let documented = ["modellix.r2v.", "modellix.t2v.", "modellix.i2v."];
    let ids: Vec<String> = openapi::not_expressible(&modellix)
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| documented.iter().any(|d| id.starts_with(d)))
        .collect();
    // Every prompt counts Chinese characters twice; i2v's first frame may be a data URI whose
    // decoded size (at most 10MB) no JSON Schema keyword states.
    assert_eq!(
        ids,
        [
            "modellix.i2v.first_frame_image:data_uri",
            "modellix.i2v.prompt:length",
            "modellix.r2v.prompt:length",
            "modellix.t2v.prompt:length"
        ]
    );
}

#[test]
fn apixo_limits_appear_under_their_modes() {
    let s = openapi::request_schema(&module("apixo"));
    for mode in ["text-to-video", "image-to-video", "reference-to-video"] {
        let d = field(&s, &format!("input[mode={mode}].duration"));
        assert_eq!(
            (d["type"].clone(), d["minimum"].clone(), d["maximum"].clone()),
            (json!("integer"), json!(3), json!(15))
        );
    }
    for (mode, min, max) in [("image-to-video", 1, 1), ("reference-to-video", 1, 9), ("video-edit", 0, 5)] {
        let f = field(&s, &format!("input[mode={mode}].image_urls"));
        assert_eq!((f["minItems"].clone(), f["maxItems"].clone()), (json!(min), json!(max)), "{mode}");
        assert_eq!(f["items"]["pattern"], json!("^https?://"), "{mode}");
    }
    let v = field(&s, "input[mode=video-edit].video_urls");
    assert_eq!((v["minItems"].clone(), v["maxItems"].clone()), (json!(1), json!(1)));
    let p = field(&s, "input[mode=text-to-video].prompt");
    assert_eq!((p["minLength"].clone(), p["maxLength"].clone()), (json!(1), json!(2500)));
    assert!(p.get("x-weighted-length").is_none(), "Unicode scalars are JSON Schema's own unit");
    assert_eq!(field(&s, "input[mode=video-edit].audio_setting")["enum"], json!(["auto", "origin"]));
    let cb = field(&s, "[request_type=callback].callback_url");
    assert_eq!((cb["pattern"].clone(), cb["x-public-host"].clone()), (json!("^https://"), json!(true)));
    // A field another mode allows is not a property of this mode, and the mode is closed.
    let (t2v, _) = locate(&s, "input[mode=text-to-video].prompt");
    assert!(t2v[0]["properties"].get("image_urls").is_none());
    assert_eq!(t2v[0]["additionalProperties"], json!(false));
    assert_eq!(t2v[0]["properties"]["mode"], json!({ "const": "text-to-video" }));
}

#[test]
fn apixo_delivery_is_flattened_into_a_root_closed_by_unevaluated_properties() {
    let s = openapi::request_schema(&module("apixo"));
    assert_eq!(s["$schema"], json!("https://json-schema.org/draft/2020-12/schema"));
    assert_eq!(s["type"], json!("object"));
    assert_eq!(s["unevaluatedProperties"], json!(false));
    assert!(s.get("additionalProperties").is_none(), "additionalProperties would reject callback_url");
    assert_eq!(s["allOf"], json!([{ "$ref": "#/$defs/Delivery" }]));
    assert_eq!(s["required"], json!(["request_type", "input"]));
    let tag = &s["properties"]["request_type"];
    assert_eq!((tag["enum"].clone(), tag["default"].clone()), (json!(["async", "callback"]), json!("async")));
    assert!(s["properties"].get("callback_url").is_none(), "callback_url comes from the callback variant only");
    let delivery = &s["$defs"]["Delivery"];
    assert_eq!(delivery["required"], json!(["request_type"]));
    let branches = delivery["oneOf"].as_array().expect("oneOf");
    assert_eq!(branches.len(), 2);
    let asynchronous = branch(&s, &[delivery], "request_type", "async")[0];
    assert_eq!(asynchronous["properties"]["callback_url"], json!(false));
    assert!(asynchronous.get("additionalProperties").is_none(), "a variant must not reject the root's fields");
    let callback = branch(&s, &[delivery], "request_type", "callback")[0];
    assert_eq!(callback["required"], json!(["request_type", "callback_url"]));
    assert!(callback.get("additionalProperties").is_none());
    let input = &s["$defs"]["Input"];
    assert_eq!(input["required"], json!(["mode"]));
    assert_eq!(input["oneOf"].as_array().map(Vec::len), Some(4));
}

#[test]
fn modellix_request_schema() {
    let m = module("modellix");
    let s = openapi::request_schema_for(&m, m.submit_op("r2v").expect("r2v"));
    assert_eq!(s["additionalProperties"], json!(false));
    assert_eq!(s["required"], json!(["reference_images", "prompt"]));
    let r = field(&s, "resolution");
    assert_eq!((r["enum"].clone(), r["default"].clone()), (json!(["720P", "1080P"]), json!("1080P")));
    assert_eq!(field(&s, "ratio")["default"], json!("16:9"));
    let d = field(&s, "duration");
    assert_eq!((d["minimum"].clone(), d["maximum"].clone(), d["default"].clone()), (json!(3), json!(15), json!(5)));
    let seed = field(&s, "seed");
    assert_eq!((seed["minimum"].clone(), seed["maximum"].clone()), (json!(0), json!(2147483647)));
    let images = field(&s, "reference_images");
    assert_eq!((images["minItems"].clone(), images["maxItems"].clone()), (json!(1), json!(9)));
    assert_eq!(images["items"]["pattern"], json!("^https?://"));
    let prompt = field(&s, "prompt");
    assert_eq!((prompt["minLength"].clone(), prompt["maxLength"].clone()), (json!(1), json!(5000)));
    assert_eq!(prompt["x-weighted-length"], json!({ "rule": "weighted_cjk", "min": 1, "max": 5000 }));
    assert!(s.get("$defs").is_none(), "every request type of Modellix is inline");
}

/// The facts given for the t2v and i2v pages (spec/docs/modellix-happyhorse-1.0-{t2v,i2v}.txt).
#[test]
fn modellix_t2v_and_i2v_request_schemas() {
    let m = module("modellix");
    let t2v = openapi::request_schema_for(&m, m.submit_op("t2v").expect("t2v"));
    assert_eq!(t2v["required"], json!(["prompt"]));
    assert_eq!(field(&t2v, "ratio")["enum"], json!(["16:9", "9:16", "1:1", "4:3", "3:4"]));
    assert_eq!(field(&t2v, "prompt")["x-weighted-length"], json!({ "rule": "weighted_cjk", "min": 1, "max": 5000 }));
    let i2v = openapi::request_schema_for(&m, m.submit_op("i2v").expect("i2v"));
    assert_eq!(i2v["required"], json!(["first_frame_image"]));
    assert!(i2v["properties"].get("ratio").is_none(), "i2v has no ratio: the output follows the first frame");
    let frame = field(&i2v, "first_frame_image");
    assert_eq!(frame["type"], json!("string"), "a single string, not an array");
    assert_eq!(frame["pattern"], json!("^(https?://|data:image/)"));
    assert_eq!(frame["x-data-uri"], json!({ "types": ["image"], "max_bytes": 10_000_000 }));
    let prompt = field(&i2v, "prompt");
    assert!(prompt.get("minLength").is_none(), "optional, only a maximum is given");
    assert_eq!(prompt["x-weighted-length"], json!({ "rule": "weighted_cjk", "max": 5000 }));
    let ids: Vec<&str> =
        i2v["x-not-expressible"].as_array().expect("list").iter().filter_map(|v| v["id"].as_str()).collect();
    assert_eq!(ids, ["modellix.i2v.first_frame_image:data_uri", "modellix.i2v.prompt:length"]);
}

/// Every `$ref` of `v`, with its JSON pointer.
fn refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == "$ref" {
                    out.push((at.to_owned(), x.as_str().unwrap_or_default().to_owned()));
                }
                refs(x, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(i, x)| refs(x, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

#[test]
fn every_ref_resolves_inside_its_document() {
    for m in modules() {
        let mut docs: Vec<(Value, &str)> =
            openapi::request_schemas(&m).into_iter().map(|(_, s)| (s, "#/$defs/")).collect();
        docs.push((openapi::openapi(&m), "#/components/schemas/"));
        for (doc, prefix) in docs {
            let mut found = Vec::new();
            refs(&doc, "", &mut found);
            assert!(
                !found.is_empty() || prefix == "#/$defs/",
                "{}: the OpenAPI document references its schemas",
                m.module
            );
            for (at, r) in found {
                assert!(r.starts_with(prefix), "{}: {at}: {r}", m.module);
                let pointer = r.trim_start_matches('#');
                assert!(doc.pointer(pointer).is_some(), "{}: {at}: {r} does not resolve", m.module);
            }
        }
    }
}

#[test]
fn openapi_documents_both_operations_and_the_status_tables() {
    for m in modules() {
        let doc = openapi::openapi(&m);
        assert_eq!(doc["openapi"], json!("3.1.0"));
        assert_eq!(doc["info"]["title"], json!(format!("{} {}", m.provider, m.family)));
        assert_eq!(doc["info"]["version"], json!(format!("sha256:{}", &m.spec_sha256[..12])));
        assert_eq!(doc["servers"], json!([{ "url": m.base_url }]));
        assert_eq!(doc["security"], json!([{ "bearer": [] }]));
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["type"], json!("http"));
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], json!("bearer"));
        let error_ref = json!({ "$ref": format!("#/components/schemas/{}", m.errors.body) });
        for (op, extra) in [(m.submit(), vec!["200", "401"]), (&m.status, vec!["200", "401", "404"])] {
            let method = op.method.to_ascii_lowercase();
            let o = &doc["paths"][&op.path][&method];
            assert!(o.is_object(), "{}: no {method} {}", m.module, op.path);
            assert_eq!(o["operationId"], json!(format!("{}_{}", m.module, op.key)));
            let mut expected: BTreeSet<String> = m.statuses.iter().map(|s| s.status.to_string()).collect();
            expected.extend(extra.into_iter().map(String::from));
            let codes: BTreeSet<String> = o["responses"].as_object().expect("responses").keys().cloned().collect();
            assert_eq!(codes, expected, "{} {}", m.module, op.key);
            let ok = &o["responses"]["200"]["content"]["application/json"]["schema"];
            assert_eq!(ok, &json!({ "$ref": format!("#/components/schemas/{}", op.response) }));
            for st in &m.statuses {
                let r = &o["responses"][st.status.to_string()];
                assert_eq!(r["description"], json!(st.meaning));
                assert_eq!(r["content"]["application/json"]["schema"], error_ref);
            }
        }
        let body = &doc["paths"][&m.submit().path][m.submit().method.to_ascii_lowercase()]["requestBody"];
        assert_eq!(body["required"], json!(true));
        assert_eq!(
            body["content"]["application/json"]["schema"],
            json!({ "$ref": format!("#/components/schemas/{}", m.submit().request.as_deref().unwrap_or_default()) })
        );
        let names: BTreeSet<&str> = m.types.iter().map(TypeDef::name).collect();
        let schemas: BTreeSet<&str> =
            doc["components"]["schemas"].as_object().expect("schemas").keys().map(String::as_str).collect();
        assert_eq!(schemas, names, "{}: every named type is a component", m.module);
    }
}

#[test]
fn status_operations_take_the_task_id_where_the_docs_say() {
    let apixo = openapi::openapi(&module("apixo"));
    assert!(apixo["paths"]["/generateTask/happyHorse"]["post"].is_object());
    let get = &apixo["paths"]["/statusTask/happyHorse"]["get"];
    assert_eq!(
        get["parameters"],
        json!([{ "name": "taskId", "in": "query", "required": true, "schema": { "type": "string", "minLength": 1 },
                 "description": "The task id returned by submit (`data.taskId`)." }])
    );
    assert_eq!(get["responses"]["404"]["description"], json!("Task not found."));
    let modellix = openapi::openapi(&module("modellix"));
    assert!(modellix["paths"]["/api/v1/alibaba/happyhorse-1.0-r2v/async"]["post"].is_object());
    let get = &modellix["paths"]["/api/v1/tasks/{task_id}"]["get"];
    let p = &get["parameters"][0];
    assert_eq!(
        (p["name"].clone(), p["in"].clone(), p["required"].clone()),
        (json!("task_id"), json!("path"), json!(true))
    );
    // An empty id names no task: the export says so, as the client and the simulator do.
    assert_eq!(p["schema"], json!({ "type": "string", "minLength": 1 }));
    assert_eq!(get["responses"]["404"]["description"], json!("task/model not found"));
    assert_eq!(get["responses"]["500"]["x-max-retries"], json!(3));
}

/// Every schema object under `v` (depth-first), for keyword checks.
fn walk<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(map) => {
            out.push(v);
            map.values().for_each(|x| walk(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| walk(x, out)),
        _ => {}
    }
}

#[test]
fn responses_are_lenient_and_requests_strict() {
    for m in modules() {
        let doc = openapi::openapi(&m);
        for td in &m.types {
            let s = &doc["components"]["schemas"][td.name()];
            match td {
                TypeDef::Enum(e) if e.usage == Usage::Response => {
                    assert!(s.get("enum").is_none(), "{}: open enum {} is closed", m.module, e.name);
                    let known: Vec<&str> = e.values.iter().map(|v| v.wire.as_str()).collect();
                    let listed = s["x-known-values"].as_array().expect("x-known-values");
                    assert!(known.iter().all(|k| listed.contains(&json!(k))), "{}", e.name);
                }
                TypeDef::Enum(e) => {
                    let wires: Vec<&str> = e.values.iter().map(|v| v.wire.as_str()).collect();
                    assert_eq!(s["enum"], json!(wires));
                }
                TypeDef::Struct(st) if st.usage == Usage::Response => {
                    assert_eq!(s["additionalProperties"], json!(true), "{}", st.name);
                    let mut all = Vec::new();
                    walk(s, &mut all);
                    assert!(all.iter().all(|x| x.get("enum").is_none()), "{}: a closed enum in a response", st.name);
                }
                TypeDef::Struct(st) => {
                    let closed =
                        s["additionalProperties"] == json!(false) || s["unevaluatedProperties"] == json!(false);
                    let fragment = st.variant_of.as_ref().is_some_and(|(u, _)| {
                        m.types.iter().any(|t| match t {
                            TypeDef::Struct(o) => o.fields.iter().any(|f| f.flatten && f.ty == Ty::Union(u.clone())),
                            _ => false,
                        })
                    });
                    assert!(closed || fragment, "{}: request object {} is not closed", m.module, st.name);
                }
                TypeDef::Union(_) => assert!(s["oneOf"].is_array()),
            }
        }
    }
    let apixo = openapi::openapi(&module("apixo"));
    let data = &apixo["components"]["schemas"]["TaskData"]["properties"];
    assert_eq!(data["state"]["type"], json!("string"));
    assert_eq!(data["state"]["x-known-values"], json!(["processing", "success", "failed"]));
    assert!(data["failCode"]["x-known-values"].as_array().is_some_and(|v| v.contains(&json!("Task TimeOut"))));
    assert_eq!(
        data["resultJson"],
        json!({
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": { "$ref": "#/components/schemas/ResultPayload" },
            "description": data["resultJson"]["description"],
        })
    );
    assert_eq!(data["costTime"]["minimum"], json!(0));
    assert_eq!(data["createTime"]["type"], json!("integer"));
    assert_eq!(apixo["components"]["schemas"]["Input"]["discriminator"]["propertyName"], json!("mode"));
}

#[test]
fn documented_examples_are_attached_to_their_operations() {
    let apixo = openapi::openapi(&module("apixo"));
    let examples =
        &apixo["paths"]["/generateTask/happyHorse"]["post"]["requestBody"]["content"]["application/json"]["examples"];
    assert_eq!(examples["callback_video_edit"]["value"]["request_type"], json!("callback"));
    let modellix = openapi::openapi(&module("modellix"));
    let bad = &modellix["paths"]["/api/v1/alibaba/happyhorse-1.0-r2v/async"]["post"]["responses"]["400"];
    assert_eq!(bad["content"]["application/json"]["examples"]["error_missing_prompt"]["value"]["code"], json!(400));
}
