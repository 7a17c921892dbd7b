//! A malformed spec never panics: each kind of mistake gives `file:line:col`, the key path
//! and what was expected. Each case edits the real APIXO or Modellix spec in one place
//! and checks the whole message; positions are computed from the edited text, so the
//! cases do not depend on line numbers of the spec.

use std::path::Path;

const APIXO: &str = "spec/apixo-happyhorse.toml";
/// Modellix's reference-to-video endpoint file.
const MODELLIX: &str = "spec/modellix-happyhorse-1.0-r2v.toml";
/// Modellix's provider file, joined with its endpoint files.
const MODELLIX_P: &str = "spec/modellix.toml";

fn spec(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(path).expect("spec file")
}

/// The spec with `from` (which must occur exactly once) replaced by `to`.
fn edited(name: &str, from: &str, to: &str) -> String {
    let text = spec(name);
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once in {name}");
    text.replacen(from, to, 1)
}

/// `line:col` of the first occurrence of `marker` (plus `offset` characters) in `text`.
fn pos(text: &str, marker: &str, offset: usize) -> String {
    let at = text.find(marker).unwrap_or_else(|| panic!("marker {marker:?} not found")) + offset;
    let line = text[..at].matches('\n').count() + 1;
    let col = text[..at].rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("{line}:{col}")
}

/// The files lowered together with `name`: APIXO's one file, or Modellix's provider file
/// and its endpoint files.
fn group(name: &str) -> Vec<&'static str> {
    if name == APIXO {
        vec![APIXO]
    } else {
        vec![MODELLIX_P, MODELLIX, "spec/modellix-happyhorse-1.0-i2v.toml", "spec/modellix-happyhorse-1.0-t2v.toml"]
            .into_iter()
            .filter(|f| Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(f).exists())
            .collect()
    }
}

/// Every message of lowering `text` as the file `name` (with the rest of its group as saved).
fn errors(name: &str, text: &str) -> Vec<String> {
    let files: Vec<(String, String)> =
        group(name).into_iter().map(|f| (f.to_owned(), if f == name { text.to_owned() } else { spec(f) })).collect();
    match happyhorse_codegen::lower_group(&files) {
        Ok(_) => panic!("the edited spec was accepted"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

/// Lowering fails with exactly `expected` (one message).
fn fails_with(name: &str, text: &str, expected: String) {
    assert_eq!(errors(name, text), vec![expected]);
}

#[test]
fn both_specs_are_valid() {
    for name in [APIXO, MODELLIX_P] {
        let files: Vec<(String, String)> = group(name).into_iter().map(|f| (f.to_owned(), spec(f))).collect();
        if let Err(e) = happyhorse_codegen::lower_group(&files) {
            panic!("{e}");
        }
    }
}

#[test]
fn bad_toml_names_the_position() {
    let text = edited(APIXO, "format = 1", "format = = 1");
    fails_with(APIXO, &text, format!("{APIXO}:{}: invalid TOML: extra `=`, expected nothing", pos(&text, "= = 1", 2)));
}

#[test]
fn unknown_key() {
    let text = edited(MODELLIX, "name = \"seed\"\n", "name = \"seed\"\ncolour = \"red\"\n");
    fails_with(
        MODELLIX,
        &text,
        format!(
            "{MODELLIX}:{}: types.ReferenceToVideoRequest.fields[seed].colour: unknown key `colour`, expected one of `name`, `rust_name`, `type`, `flatten`, `presence`, `aliases`, `default`, `doc`, `unit`, `examples`, `length`, `range`, `items`, `url`, `media`, `overflow`, `per_mode`, `source`, `decision`",
            pos(&text, "colour", 0)
        ),
    );
}

#[test]
fn wrong_type() {
    let text = edited(MODELLIX_P, "first_poll_s = 30", "first_poll_s = \"30\"");
    fails_with(
        MODELLIX_P,
        &text,
        format!(
            "{MODELLIX_P}:{}: polling.default.first_poll_s: invalid type: string \"30\", expected i64",
            pos(&text, "\"30\"", 0)
        ),
    );
}

#[test]
fn missing_key() {
    let text = edited(MODELLIX_P, "[auth]\nscheme = \"bearer\"\n", "[auth]\n");
    fails_with(MODELLIX_P, &text, format!("{MODELLIX_P}:{}: auth: missing key `scheme`", pos(&text, "[auth]", 0)));
}

#[test]
fn min_greater_than_max() {
    let text = edited(MODELLIX, "range = { min = 3, max = 15,", "range = { min = 16, max = 15,");
    fails_with(
        MODELLIX,
        &text,
        format!(
            "{MODELLIX}:{}: types.ReferenceToVideoRequest.fields[duration].range.min: min (16) is greater than max (15)",
            pos(&text, "16, max", 0)
        ),
    );
}

#[test]
fn default_outside_its_enum() {
    let text = edited(MODELLIX, "default = \"1080P\"", "default = \"4K\"");
    fails_with(
        MODELLIX,
        &text,
        format!(
            "{MODELLIX}:{}: types.ReferenceToVideoRequest.fields[resolution].default: default `4K` is not a value of Resolution; expected one of 720P, 1080P",
            pos(&text, "\"4K\"", 0)
        ),
    );
}

#[test]
fn default_outside_its_range() {
    let text = edited(MODELLIX, "default = 5\n", "default = 20\n");
    fails_with(
        MODELLIX,
        &text,
        format!(
            "{MODELLIX}:{}: types.ReferenceToVideoRequest.fields[duration].default: default 20 is outside the field's range 3..=15",
            pos(&text, "= 20", 2)
        ),
    );
}

/// APIXO's `input.duration` is checked once per mode it appears in: its error is one line,
/// not one per mode.
#[test]
fn a_problem_with_a_field_of_several_modes_is_reported_once() {
    let text = edited(APIXO, "range = { min = 3, max = 15,", "range = { min = 16, max = 15,");
    assert_eq!(
        errors(APIXO, &text),
        [format!(
            "{APIXO}:{}: types.Input.fields[duration].range.min: min (16) is greater than max (15)",
            pos(&text, "min = 16", 6)
        )]
    );
}

#[test]
fn reference_to_an_unknown_type() {
    let text = edited(MODELLIX, "type = \"Ratio\"", "type = \"Ratoi\"");
    let msg = errors(MODELLIX, &text);
    assert_eq!(msg.len(), 1, "{msg:?}");
    assert!(
        msg[0].starts_with(&format!(
            "{MODELLIX}:{}: types.ReferenceToVideoRequest.fields[ratio].type: unknown type `Ratoi`; expected string, integer, boolean, unix_millis, millis, array<T>, json<T> or a declared type (",
            pos(&text, "\"Ratoi\"", 0)
        )),
        "{}",
        msg[0]
    );
}

#[test]
fn reference_to_an_unknown_field() {
    let text = edited(MODELLIX_P, "state = \"data.status\"", "state = \"data.state\"");
    fails_with(
        MODELLIX_P,
        &text,
        format!(
            "{MODELLIX_P}:{}: task.state: `data.state` cannot be resolved in TaskResponse: type TaskData has no field `state` (fields: status, task_id, model_id, result)",
            pos(&text, "\"data.state\"", 0)
        ),
    );
}

#[test]
fn formula_over_an_unknown_field() {
    let text = edited(
        APIXO,
        "expr = \"input.duration * unit_price\"\nsource = { section = \"Billing\", row = \"text-to-video",
        "expr = \"input.durations * unit_price\"\nsource = { section = \"Billing\", row = \"text-to-video",
    );
    fails_with(
        APIXO,
        &text,
        format!(
            "{APIXO}:{}: billing.formulas.text-to-video.expr: unknown field `input.durations` in mode text-to-video: type TextToVideoInput has no field `durations` (fields: prompt, resolution, ratio, duration, watermark)",
            pos(&text, "input.durations", 0)
        ),
    );
}

#[test]
fn formula_over_a_field_the_mode_forbids() {
    let text = edited(APIXO, "expr = \"(min(input_video_seconds, 15)", "expr = \"(min(input.duration, 15)");
    fails_with(
        APIXO,
        &text,
        format!(
            "{APIXO}:{}: billing.formulas.video-edit.expr: unknown field `input.duration` in mode video-edit: type VideoEditInput has no field `duration` (fields: prompt, image_urls, video_urls, resolution, audio_setting, watermark)",
            pos(&text, "input.duration, 15", 0)
        ),
    );
}

#[test]
fn formula_syntax_error() {
    let text = edited(
        APIXO,
        "expr = \"input.duration * unit_price\"\nsource = { section = \"Billing\", row = \"image-to-video",
        "expr = \"input.duration / unit_price\"\nsource = { section = \"Billing\", row = \"image-to-video",
    );
    fails_with(
        APIXO,
        &text,
        format!(
            "{APIXO}:{}: billing.formulas.image-to-video.expr: invalid formula: division is not supported: results must stay exact",
            pos(&text, "/ unit_price", 0)
        ),
    );
}

#[test]
fn union_field_must_list_every_variant() {
    let text = edited(
        APIXO,
        "presence = { text-to-video = \"optional\", image-to-video = \"forbidden\", reference-to-video = \"optional\", video-edit = \"forbidden\" }",
        "presence = { text-to-video = \"optional\", reference-to-video = \"optional\", video-edit = \"forbidden\" }",
    );
    fails_with(
        APIXO,
        &text,
        format!(
            "{APIXO}:{}: types.Input.fields[ratio].presence: missing variant `image-to-video`: list every variant as \"required\", \"optional\" or \"forbidden\"",
            pos(&text, "{ text-to-video = \"optional\", reference-to-video", 0)
        ),
    );
}

#[test]
fn every_mode_needs_polling_guidance() {
    let text = edited(APIXO, "[polling.video-edit]", "[polling.video-editt]");
    let msg = errors(APIXO, &text);
    assert_eq!(
        msg,
        vec![
            format!(
                "{APIXO}: polling: missing [polling.video-edit] (or [polling.default]): every mode needs a first poll delay and an interval"
            ),
            format!(
                "{APIXO}:{}: polling.video-editt: unknown mode `video-editt`; expected one of text-to-video, image-to-video, reference-to-video",
                pos(&text, "[polling.video-editt]", 0)
            ),
        ]
    );
}

#[test]
fn every_price_selector_value_needs_a_price() {
    let text = edited(APIXO, "when = \"1080p\"", "when = \"4k\"");
    let msg = errors(APIXO, &text);
    assert_eq!(
        msg,
        vec![
            format!(
                "{APIXO}:{}: billing.prices[4k].when: `4k` is not a value of Resolution; expected one of 720p, 1080p",
                pos(&text, "\"4k\"", 0)
            ),
            format!(
                "{APIXO}:{}: billing.prices: Resolution value `1080p` has no price; every value needs one",
                pos(&text, "\"input.resolution\"", 0)
            ),
        ]
    );
}

#[test]
fn source_must_name_a_known_doc() {
    let text = edited(APIXO, "source = { doc = \"webhooks\",", "source = { doc = \"webhook\",");
    fails_with(
        APIXO,
        &text,
        format!(
            "{APIXO}:{}: types.FailCode.source.doc: unknown doc `webhook`; expected one of the [docs] keys: page, upstream, webhooks",
            pos(&text, "\"webhook\"", 0)
        ),
    );
}

#[test]
fn example_json_must_parse() {
    let text = edited(MODELLIX_P, "{\"code\": 400, \"message\"", "{\"code\": 400 \"message\"");
    fails_with(
        MODELLIX_P,
        &text,
        format!(
            "{MODELLIX_P}:{}: examples[error_missing_prompt].json: invalid JSON: expected `,` or `}}` at line 1 column 14",
            pos(&text, "400 \"message\"", 4)
        ),
    );
}

#[test]
fn duplicate_enum_values() {
    let text =
        edited(MODELLIX_P, "{ wire = \"9:16\", name = \"Portrait9x16\"", "{ wire = \"16:9\", name = \"Portrait9x16\"");
    fails_with(
        MODELLIX_P,
        &text,
        format!(
            "{MODELLIX_P}:{}: types.Ratio.values[Portrait9x16].wire: duplicate enum value `16:9`",
            pos(&text, "\"16:9\", name = \"Portrait9x16\"", 0)
        ),
    );
}

#[test]
fn request_types_cannot_use_response_types() {
    let text = edited(MODELLIX, "type = \"Resolution\"", "type = \"TaskStatus\"");
    fails_with(
        MODELLIX,
        &text,
        format!(
            "{MODELLIX}:{}: types.ReferenceToVideoRequest.fields[resolution].type: a request type cannot use the response type `TaskStatus`",
            pos(&text, "\"TaskStatus\"\npresence", 0)
        ),
    );
}

#[test]
fn several_errors_are_reported_together() {
    // One mistake in the endpoint file and one in the provider file: each message names
    // the file that holds it.
    let endpoint = edited(MODELLIX, "range = { min = 3, max = 15,", "range = { min = 16, max = 15,");
    let provider =
        edited(MODELLIX_P, "{ wire = \"9:16\", name = \"Portrait9x16\"", "{ wire = \"9:16\", name = \"portrait\"");
    let files: Vec<(String, String)> = group(MODELLIX_P)
        .into_iter()
        .map(|f| {
            let text = match f {
                MODELLIX => endpoint.clone(),
                MODELLIX_P => provider.clone(),
                other => spec(other),
            };
            (f.to_owned(), text)
        })
        .collect();
    let msg: Vec<String> = match happyhorse_codegen::lower_group(&files) {
        Ok(_) => panic!("the edited spec was accepted"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    };
    assert_eq!(
        msg,
        vec![
            format!(
                "{MODELLIX_P}:{}: types.Ratio.values[portrait].name: variant name `portrait` must start with an upper-case letter (PascalCase); set `name` to a PascalCase Rust name",
                pos(&provider, "\"portrait\"", 0)
            ),
            format!(
                "{MODELLIX}:{}: types.ReferenceToVideoRequest.fields[duration].range.min: min (16) is greater than max (15)",
                pos(&endpoint, "16, max", 0)
            ),
        ]
    );
}

#[test]
fn an_unreadable_file_is_an_error_not_a_panic() {
    let e = happyhorse_codegen::lower_file(Path::new("/nonexistent/spec.toml"), "spec/nonexistent.toml").unwrap_err();
    assert!(e.to_string().starts_with("spec/nonexistent.toml: cannot read the spec file: "), "{e}");
}

#[test]
fn unions_are_for_requests_only() {
    let text = edited(
        APIXO,
        "kind = \"union\"\nusage = \"request\"\ntag = \"mode\"",
        "kind = \"union\"\nusage = \"response\"\ntag = \"mode\"",
    );
    let msg = errors(APIXO, &text);
    assert!(
        msg.contains(&format!(
            "{APIXO}:{}: types.Input.kind: unions are for requests (one variant per mode); responses are objects with optional fields",
            pos(&text, "\"union\"\nusage = \"response\"\ntag = \"mode\"", 0)
        )),
        "{msg:#?}"
    );
}

#[test]
fn a_lint_reads_required_fields_only() {
    let text = edited(MODELLIX, "list = \"reference_images\"", "list = \"seed\"");
    fails_with(
        MODELLIX,
        &text,
        format!(
            "{MODELLIX}:{}: lints[character-reference-out-of-range].list: `seed`: expected an array field of ReferenceToVideoRequest",
            pos(&text, "\"seed\"\ntoken", 0)
        ),
    );
}

/// A row that lets a paid submit be sent again must say why (issue 7).
#[test]
fn a_rejected_status_needs_a_decision() {
    let from = "rejected = true\nsource = { doc = \"errors\", section = \"Modellix: querying a task\", quote = \"402 insufficient balance (do not retry)\" }\ndecision = { choice = \"A 402 on submit means no task was created; a resubmit after topping up is safe.\", reason = \"Insufficient balance refuses the paid task before it is created.\" }\n";
    let text = edited(
        MODELLIX_P,
        from,
        "rejected = true\nsource = { doc = \"errors\", section = \"Modellix: querying a task\", quote = \"402 insufficient balance (do not retry)\" }\n",
    );
    fails_with(
        MODELLIX_P,
        &text,
        format!(
            "{MODELLIX_P}:{}: http_statuses[402].decision: missing key `decision`: rejected = true lets a paid submit answered 402 be sent again; record why the answer proves no task was created",
            pos(&text, "402\nmeaning", 0)
        ),
    );
}

/// Unlisted statuses may count as rejections only on a doc fact.
#[test]
fn unlisted_statuses_rejected_needs_a_source() {
    let text = edited(MODELLIX_P, "[unlisted_statuses]\nrejected = false", "[unlisted_statuses]\nrejected = true");
    fails_with(
        MODELLIX_P,
        &text,
        format!(
            "{MODELLIX_P}:{}: unlisted_statuses.source: missing key `source`: rejected = true for statuses the docs do not list needs a doc fact saying they prove no task was created",
            pos(&text, "true\ndecision = { choice = \"A status the table", 0)
        ),
    );
}

#[test]
fn generated_item_names_are_reserved() {
    let text = edited(MODELLIX_P, "[types.ResourceType]\n", "[types.Mode]\n");
    let errs = errors(MODELLIX_P, &text);
    assert!(
        errs.iter()
            .any(|e| e
                .ends_with("types.Mode: `Mode` is reserved: the generator emits an item of that name; choose another")),
        "{errs:?}"
    );
}

#[test]
fn a_callback_url_field_must_be_a_request_key() {
    let text = edited(APIXO, "url_field = \"callback_url\"", "url_field = \"callback\"");
    fails_with(
        APIXO,
        &text,
        format!(
            "{APIXO}:{}: callbacks.url_field: `callback`: expected a top-level key of the submit request (a field of the request object or of a flattened union)",
            pos(&text, "\"callback\"\n", 0)
        ),
    );
}

// ---- provider files and endpoint files -------------------------------------------------

#[test]
fn an_endpoint_file_holds_tables_only() {
    let text = format!("format = 1\n{}", spec(MODELLIX));
    fails_with(
        MODELLIX,
        &text,
        format!(
            "{MODELLIX}:1:1: format: top-level key `format` in an endpoint file; an endpoint file holds tables only (start it with [endpoints.<name>]), top-level keys belong to the provider file"
        ),
    );
}

#[test]
fn an_endpoint_file_names_a_known_provider() {
    let text = edited(MODELLIX, "[endpoints.r2v]\nprovider = \"modellix\"", "[endpoints.r2v]\nprovider = \"modelix\"");
    let files: Vec<(String, String)> = vec![
        (APIXO.to_owned(), spec(APIXO)),
        (MODELLIX_P.to_owned(), spec(MODELLIX_P)),
        (MODELLIX.to_owned(), text.clone()),
    ];
    let e = happyhorse_codegen::output::lower_texts(&files).unwrap_err();
    let messages: Vec<String> = e.0.iter().map(ToString::to_string).collect();
    assert!(
        messages.contains(&format!(
            "{MODELLIX}:{}: endpoints.provider: no provider file declares module `modelix`; expected one of: apixo, modellix",
            pos(&text, "provider = \"modelix\"", 0)
        )),
        "{messages:#?}"
    );
}

#[test]
fn a_module_name_is_declared_once_with_its_position() {
    let copy = edited(APIXO, "module = \"apixo\"", "module = \"modellix\"");
    let files: Vec<(String, String)> = vec![
        ("spec/apixo-copy.toml".to_owned(), copy.clone()),
        (MODELLIX_P.to_owned(), spec(MODELLIX_P)),
        (MODELLIX.to_owned(), spec(MODELLIX)),
    ];
    let e = happyhorse_codegen::output::lower_texts(&files).unwrap_err();
    let messages: Vec<String> = e.0.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        vec![format!(
            "{MODELLIX_P}:{}: provider.module: module `modellix` is also generated from spec/apixo-copy.toml; module names must be unique",
            pos(&spec(MODELLIX_P), "module = \"modellix\"", 9)
        )]
    );
}

#[test]
fn a_spec_file_has_at_most_one_main_doc() {
    let text = edited(
        MODELLIX,
        "[docs.r2v]",
        "[docs.other]\nurl = \"https://docs.modellix.ai/x\"\ncopy = \"docs/FACTS.md\"\norigin = \"main\"\n\n[docs.r2v]",
    );
    let messages = errors(MODELLIX, &text);
    assert!(messages.iter().any(|m| m.starts_with(MODELLIX) && m.contains("already has a main doc")), "{messages:#?}");
}

/// `provider.base_url_env` names a variable every shell can set, other than the key's.
#[test]
fn a_base_url_env_must_be_a_variable_name() {
    let not_a_name = "expected an UPPER_SNAKE_CASE environment variable name such as \"APIXO_API_KEY\"";
    let the_keys = "is already `auth.env_var`, the API key's variable; choose another name";
    for (file, var, bad, problem) in [
        (APIXO, "APIXO_BASE_URL", "apixo-base-url", format!("`apixo-base-url`: {not_a_name}")),
        (APIXO, "APIXO_BASE_URL", "1APIXO", format!("`1APIXO`: {not_a_name}")),
        (MODELLIX_P, "MODELLIX_BASE_URL", "MODELLIX_API_KEY", format!("`MODELLIX_API_KEY` {the_keys}")),
    ] {
        let text = edited(file, &format!("base_url_env = \"{var}\""), &format!("base_url_env = \"{bad}\""));
        let at = pos(&text, &format!("\"{bad}\""), 0);
        fails_with(file, &text, format!("{file}:{at}: provider.base_url_env: {problem}"));
    }
}

/// No doc names the base-URL variable: the spec must say it is a decision.
#[test]
fn a_base_url_env_needs_a_decision() {
    let spec_text = spec(MODELLIX_P);
    let start = spec_text.find("decision = { choice = \"Clients read a base URL").expect("the provider decision");
    let end = start + spec_text[start..].find('\n').expect("one line") + 1;
    let text = format!("{}{}", &spec_text[..start], &spec_text[end..]);
    fails_with(
        MODELLIX_P,
        &text,
        format!(
            "{MODELLIX_P}:{}: provider.base_url_env: no doc names this variable: record the choice in `[provider]` as `decision = {{ choice = ..., reason = ..., sets = [\"base_url_env\"] }}`",
            pos(&text, "\"MODELLIX_BASE_URL\"", 0)
        ),
    );
}

const I2V: &str = "spec/modellix-happyhorse-1.0-i2v.toml";

#[test]
fn an_aspect_range_is_two_ratios_narrow_to_wide() {
    let text =
        edited(I2V, "aspect = { min = \"1:2.5\", max = \"2.5:1\" }", "aspect = { min = \"3:1\", max = \"2.5:1\" }");
    fails_with(
        I2V,
        &text,
        format!(
            "{I2V}:{}: types.ImageToVideoRequest.fields[first_frame_image].media.aspect.min: min (3:1) is wider than max (2.5:1)",
            pos(&text, "\"3:1\"", 0)
        ),
    );
    let text = edited(I2V, "min = \"1:2.5\"", "min = \"1/2.5\"");
    fails_with(
        I2V,
        &text,
        format!(
            "{I2V}:{}: types.ImageToVideoRequest.fields[first_frame_image].media.aspect.min: `1/2.5`: expected a width:height ratio such as \"1:2.5\"",
            pos(&text, "\"1/2.5\"", 0)
        ),
    );
}

#[test]
fn a_data_uri_rule_names_media_types_and_a_positive_size() {
    let text =
        edited(I2V, "data = { types = [\"image\"], max_bytes = 10000000,", "data = { types = [], max_bytes = 0,");
    let got = errors(I2V, &text);
    assert_eq!(
        got,
        [
            format!(
                "{I2V}:{}: types.ImageToVideoRequest.fields[first_frame_image].url.data.types: list at least one media type, such as \"image\"",
                pos(&text, "[], max_bytes", 0)
            ),
            format!(
                "{I2V}:{}: types.ImageToVideoRequest.fields[first_frame_image].url.data.max_bytes: expected a positive byte count",
                pos(&text, "0,", 0)
            ),
        ]
    );
    let text = edited(I2V, "data = { types = [\"image\"]", "data = { types = [\"image/png\"]");
    fails_with(
        I2V,
        &text,
        format!(
            "{I2V}:{}: types.ImageToVideoRequest.fields[first_frame_image].url.data.types: `image/png`: expected a media type such as \"image\"",
            pos(&text, "\"image/png\"", 0)
        ),
    );
}

#[test]
fn a_table_an_endpoint_file_redefines_names_both_files() {
    let provider = spec(MODELLIX_P);
    let text = format!("{}\n[types.Resolution]\nkind = \"enum\"\n", spec(I2V));
    let got = errors(I2V, &text);
    assert_eq!(
        got,
        [format!(
            "{I2V}:{}: invalid TOML: duplicate key: `[types.Resolution]` is already defined at {MODELLIX_P}:{}",
            pos(&text, "\n[types.Resolution]", 8),
            pos(&provider, "[types.Resolution]", 0)
        )]
    );
}

// ---- the shapes other resellers use (spec/README.md): each new key's errors, on the
// ---- golden cases (codegen/tests/golden) that use them.

/// A golden case's spec file, `model_tag_credits/tagline.toml`.
fn golden(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    std::fs::read_to_string(path).expect("golden spec file")
}

/// A golden case's spec with `from` (once) replaced by `to`.
fn golden_edited(name: &str, from: &str, to: &str) -> String {
    let text = golden(name);
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once in {name}");
    text.replacen(from, to, 1)
}

/// Every message of lowering a single-file golden case with its text replaced.
fn golden_errors(name: &str, text: &str) -> Vec<String> {
    match happyhorse_codegen::lower_group(&[(name.to_owned(), text.to_owned())]) {
        Ok(_) => panic!("the edited spec was accepted"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

const TAGLINE: &str = "model_tag_credits/tagline.toml";
const FLATLINE: &str = "flattened_model_aliases/flatline.toml";
const PLAINVID: &str = "no_envelope_string_errors/plainvid.toml";
const NESTLY: &str = "query_id_mode_union/nestly.toml";

#[test]
fn the_golden_cases_are_valid_specs() {
    for name in [TAGLINE, FLATLINE, PLAINVID, NESTLY] {
        if let Err(e) = happyhorse_codegen::lower_group(&[(name.to_owned(), golden(name))]) {
            panic!("{e}");
        }
    }
}

#[test]
fn an_alias_is_a_request_field_name_of_its_own() {
    let text = golden_edited(FLATLINE, "aliases = [\"video_url\"]", "aliases = [\"video\"]");
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: types.Model.fields[video].aliases: `video` is listed twice (the field's name is `video`)",
            pos(&text, "\"video\"]", 0)
        )]
    );
    let text = golden_edited(FLATLINE, "aliases = [\"video_url\"]", "aliases = [\"prompt\"]");
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: types.Model.fields[video].aliases: `prompt` is already a key of this union",
            pos(&text, "\"prompt\"]", 0)
        )]
    );
    let text = golden_edited(FLATLINE, "aliases = [\"video_url\"]", "aliases = [\"model\"]");
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: types.Model.fields[video].aliases: `model` is the union's tag; it cannot also be an alias",
            pos(&text, "\"model\"]", 0)
        )]
    );
    let text = golden_edited(FLATLINE, "name = \"seed\"\n", "name = \"seed\"\naliases = [\"callback_url\"]\n");
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: types.CreateJob.fields[seed].aliases: `callback_url` is already a key of this object",
            pos(&text, "\"callback_url\"]", 0)
        )]
    );
    let text = golden_edited(FLATLINE, "name = \"result_urls\"\n", "name = \"result_urls\"\naliases = [\"urls\"]\n");
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: types.Job.fields[result_urls].aliases: aliases are for request fields (a request field documented under two names); responses are read leniently",
            pos(&text, "\"urls\"]", 0)
        )]
    );
}

#[test]
fn prices_are_in_a_currency_or_in_credits() {
    let text = golden_edited(TAGLINE, "credits = \"credits\"", "credits = \"USD\"");
    assert_eq!(
        golden_errors(TAGLINE, &text),
        [format!(
            "{TAGLINE}:{}: billing.credits: `USD`: expected the unit's name as the docs write it, in words, such as \"credits\" (a currency goes in `currency`)",
            pos(&text, "\"USD\"", 0)
        )]
    );
    let text = golden_edited(TAGLINE, "credits = \"credits\"", "credits = \"credits\"\ncurrency = \"USD\"");
    assert_eq!(
        golden_errors(TAGLINE, &text),
        [format!(
            "{TAGLINE}:{}: billing.currency: `currency` and `credits` both given; prices are in one unit: a currency (`currency`) or the provider's credits (`credits`)",
            pos(&text, "\"USD\"", 0)
        )]
    );
    let text = golden_edited(TAGLINE, "credits = \"credits\"\n", "");
    assert_eq!(
        golden_errors(TAGLINE, &text),
        [format!(
            "{TAGLINE}:{}: billing: missing key `currency` or `credits`: say what prices are counted in (an ISO 4217 code such as \"USD\", or the provider's unit such as \"credits\")",
            pos(&text, "\"second\"", 0)
        )]
    );
}

#[test]
fn a_callback_acknowledgement_is_a_2xx_status_or_any_2xx() {
    let text = golden_edited(FLATLINE, "ack_status = \"2xx\"", "ack_status = \"3xx\"");
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: callbacks.ack_status: \"3xx\": expected a 2xx status such as 200, or \"2xx\" when any 2xx status acknowledges a delivery",
            pos(&text, "\"3xx\"", 0)
        )]
    );
    let text = golden_edited(NESTLY, "ack_status = 200", "ack_status = 302");
    assert_eq!(
        golden_errors(NESTLY, &text),
        [format!(
            "{NESTLY}:{}: callbacks.ack_status: 302: expected a 2xx status such as 200, or \"2xx\" when any 2xx status acknowledges a delivery",
            pos(&text, "302", 0)
        )]
    );
}

#[test]
fn a_retry_schedule_lists_each_redelivery() {
    let text = golden_edited(FLATLINE, "retry_schedule_s = [10, 60, 300]", "retry_schedule_s = [10, 0]");
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: callbacks.retry_schedule_s[1]: a redelivery delay must be at least 1 second",
            pos(&text, "0]", 0)
        )]
    );
    let text = golden_edited(FLATLINE, "retry_schedule_s = [10, 60, 300]", "retry_schedule_s = []");
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: callbacks.retry_schedule_s: an empty schedule; list the delay before each redelivery, or leave the key out",
            pos(&text, "[]", 0)
        )]
    );
    let text = golden_edited(
        FLATLINE,
        "retry_schedule_s = [10, 60, 300]",
        "retry_schedule_s = [10, 60, 300]\nmax_redeliveries = 2",
    );
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: callbacks.max_redeliveries: 2 redeliveries, but retry_schedule_s lists 3; they must agree (or leave max_redeliveries out)",
            pos(&text, "= 2", 2)
        )]
    );
    let text = golden_edited(FLATLINE, "retry_schedule_s = [10, 60, 300]\n", "");
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: callbacks.max_redeliveries: missing key `max_redeliveries`: say how many times an unacknowledged delivery is sent again (0 for never), or list them in retry_schedule_s",
            pos(&text, "payload = \"Job\"", 10)
        )]
    );
}

#[test]
fn a_lint_names_a_mode_of_the_mode_union() {
    let text = golden_edited(NESTLY, "mode = \"ref\"\nkind", "mode = \"reference\"\nkind");
    assert_eq!(
        golden_errors(NESTLY, &text),
        [format!(
            "{NESTLY}:{}: lints[image-reference-out-of-range].mode: unknown mode `reference`; expected one of t2v, ref",
            pos(&text, "\"reference\"", 0)
        )]
    );
    let text = golden_edited(NESTLY, "mode = \"ref\"\nkind", "mode = \"t2v\"\nkind");
    assert_eq!(
        golden_errors(NESTLY, &text),
        [format!(
            "{NESTLY}:{}: lints[image-reference-out-of-range].list: `images`: expected an array field of TextToVideoInput",
            pos(&text, "\"images\"\ntoken", 0)
        )]
    );
}

#[test]
fn a_lint_on_a_union_request_needs_its_mode() {
    let lint = "[[lints]]\nid = \"x\"\nkind = \"indexed_mention\"\ntext = \"prompt\"\nlist = \"image\"\ntoken = \"image\"\nfirst_index = 1\nmessage = \"m\"\nsource = { section = \"Overview\", quote = \"Models: happyhorse-1.0-t2v, happyhorse-1.0-i2v.\" }\n\n[[examples]]\nname = \"text_to_video\"";
    let text = golden_edited(TAGLINE, "[[examples]]\nname = \"text_to_video\"", lint);
    assert_eq!(
        golden_errors(TAGLINE, &text),
        [format!(
            "{TAGLINE}:{}: lints[x].mode: missing key `mode`: the request VideoRequest is a union; name the mode whose fields the lint reads",
            pos(&text, "\"x\"", 0)
        )]
    );
}

#[test]
fn per_mode_media_paths_quote_mode_tags_with_dots() {
    let text = golden_edited(
        TAGLINE,
        "min_short_edge_px = 512\n",
        "min_short_edge_px = 512\naspect = { min = \"2:1\", max = \"1:2\" }\n",
    );
    assert_eq!(
        golden_errors(TAGLINE, &text),
        [format!(
            "{TAGLINE}:{}: types.VideoRequest.fields[image].per_mode.\"happyhorse-1.0-i2v\".media.aspect.min: min (2:1) is wider than max (1:2)",
            pos(&text, "\"2:1\"", 0)
        )]
    );
}

#[test]
fn a_top_level_mode_tag_names_the_tag_of_a_union_request_or_a_flattened_union() {
    let text = golden_edited(FLATLINE, "mode = \"model\"", "mode = \"kind\"");
    assert_eq!(
        golden_errors(FLATLINE, &text),
        [format!(
            "{FLATLINE}:{}: task.mode: `kind` is not the tag of a union field in the request CreateJob; expected a path such as \"input.mode\", or the tag of a request that is a union or flattens one (\"model\")",
            pos(&text, "\"kind\"", 0)
        )]
    );
}

#[test]
fn an_error_code_is_an_integer_or_a_string() {
    let text = golden_edited(PLAINVID, "code = \"error.code\"", "code = \"error\"");
    assert_eq!(
        golden_errors(PLAINVID, &text),
        [format!(
            "{PLAINVID}:{}: errors.code: `error` in ErrorAnswer is not an integer or a string",
            pos(&text, "\"error\"\nmessage", 0)
        )]
    );
}

#[test]
fn one_answer_type_for_submit_and_status_has_one_task_id_path() {
    let object = "[[types.Generation.fields]]\nname = \"object\"\ntype = \"string\"\npresence = \"required\"\ndoc = \"d\"\nsource = { section = \"Create a generation\", code = \"Created\" }\n\n[[types.Generation.fields]]\nname = \"id\"";
    let text = golden_edited(PLAINVID, "[[types.Generation.fields]]\nname = \"id\"", object);
    let text = text.replacen("submit_id = \"id\"", "submit_id = \"object\"", 1);
    assert_eq!(
        golden_errors(PLAINVID, &text),
        [format!(
            "{PLAINVID}:{}: task.submit_id: `object`: Generation answers both the submit and the status query, so the task id is at one path; status_id is `id`",
            pos(&text, "\"object\"\nstatus_id", 0)
        )]
    );
}

#[test]
fn a_decision_can_qualify_any_sourced_fact_and_is_checked_alike() {
    let text = golden_edited(
        PLAINVID,
        "env_var = \"PLAINVID_API_KEY\"\n",
        "env_var = \"PLAINVID_API_KEY\"\ndecision = { choice = \"\", reason = \"r\" }\n",
    );
    assert_eq!(
        golden_errors(PLAINVID, &text),
        [format!("{PLAINVID}:{}: auth.decision.choice: the decision's choice is empty", pos(&text, "\"\", reason", 0))]
    );
    let text = golden_edited(
        PLAINVID,
        "source = { section = \"Errors\", row = \"500\" }",
        "source = { section = \"Errors\", row = \"500\" }\ndecision = { ambiguity = 0, choice = \"c\", reason = \"r\" }",
    );
    assert_eq!(
        golden_errors(PLAINVID, &text),
        [format!(
            "{PLAINVID}:{}: http_statuses[500].decision.ambiguity: expected the number (1-99) of an ambiguity listed in docs/FACTS.md",
            pos(&text, "0, choice", 0)
        )]
    );
}

#[test]
fn a_formula_name_that_is_no_field_of_the_mode_says_what_names_exist() {
    let text =
        golden_edited(TAGLINE, "expr = \"(duration + 1) * unit_price\"", "expr = \"(seconds + 1) * unit_price\"");
    assert_eq!(
        golden_errors(TAGLINE, &text),
        [format!(
            "{TAGLINE}:{}: billing.formulas.\"happyhorse-1.0-i2v\".expr: unknown name `seconds` in mode happyhorse-1.0-i2v; expected unit_price, a declared billing input (none declared) or a request field path such as input.duration",
            pos(&text, "seconds + 1", 0)
        )]
    );
}

#[test]
fn a_type_named_like_a_prelude_name_is_refused() {
    // Generated modules use `Option`, `String`, `Vec`, `Result` unqualified (the prelude) and
    // reach the runtime as `rt`: a generated type of such a name would shadow them.
    let text = spec(APIXO).replace("AudioSetting", "Option");
    let found = errors(APIXO, &text);
    assert!(
        found.iter().any(|m| m.starts_with(&format!("{APIXO}:"))
            && m.ends_with(": types.Option: type name `Option` is a name of Rust's standard prelude, which the generated module uses; choose another")),
        "{found:#?}"
    );
}
