//! `spec-diff` on one spec edit per kind. Each case applies a realistic edit to a copy of
//! the real spec text (read at test time; every replaced text must occur exactly once),
//! lowers both trees, and checks the class, the spec key path and the affected Rust item
//! of every change, then snapshots the markdown a pull request would show.
//!
//! These are regression guards of the diff's own rules (the spec compared with an edited
//! copy of itself), not evidence that the spec matches the provider docs. The
//! classification premises about the generated code (exhaustive enums, struct literals)
//! are read from the emitted code; see `diff::surface`.

use std::path::Path;

use happyhorse_codegen::diff::{self, Bump, Class, Level, Reach, SpecDiff, Version, render};
use happyhorse_codegen::ir::Module;
use happyhorse_codegen::output::lower_texts;

const APIXO: &str = "spec/apixo-happyhorse.toml";
/// Modellix's reference-to-video endpoint file.
const MODELLIX: &str = "spec/modellix-happyhorse-1.0-r2v.toml";
/// Modellix's provider file.
const MODELLIX_P: &str = "spec/modellix.toml";

/// Every spec file of the workspace.
fn all_files() -> Vec<&'static str> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("spec dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".toml"))
        .map(|n| format!("spec/{n}"))
        .collect();
    names.sort();
    names.into_iter().map(|n| &*Box::leak(n.into_boxed_str())).collect()
}

fn spec(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(path).expect("spec file")
}

/// The spec with each `(from, to)` applied; each `from` must occur exactly once.
fn edited(name: &str, edits: &[(&str, &str)]) -> String {
    let mut text = spec(name);
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once in {name}");
        text = text.replacen(from, to, 1);
    }
    text
}

fn lower(files: &[(&str, String)]) -> Vec<Module> {
    let owned: Vec<(String, String)> = files.iter().map(|(n, t)| ((*n).to_owned(), t.clone())).collect();
    lower_texts(&owned).unwrap_or_else(|e| panic!("{e}"))
}

/// The diff of the real specs against the specs with `name` replaced by `text`, and its
/// markdown (as released from 0.1.0).
fn diff_one(name: &str, text: String) -> (SpecDiff, String) {
    let files = all_files();
    let old = lower(&files.iter().map(|n| (*n, spec(n))).collect::<Vec<_>>());
    let new_files: Vec<(&str, String)> =
        files.iter().map(|n| (*n, if *n == name { text.clone() } else { spec(n) })).collect();
    let new = lower(&new_files);
    report(&old, &new)
}

fn report(old: &[Module], new: &[Module]) -> (SpecDiff, String) {
    let d = diff::diff(old, new);
    let bump = Bump::new(&d, Version::parse("0.1.0"));
    let md = render::markdown(&render::Report { old: "main", new: "edited", bump: &bump, diff: &d });
    (d, md)
}

/// `(class, module, key)` of every change.
fn keys(d: &SpecDiff) -> Vec<(Class, &str, &str)> {
    d.changes.iter().map(|c| (c.class, c.module.as_str(), c.key.as_str())).collect()
}

fn only(d: &SpecDiff) -> &diff::Change {
    assert_eq!(d.changes.len(), 1, "expected one change, got {:#?}", d.changes);
    &d.changes[0]
}

#[test]
fn identical_trees_give_an_empty_diff() {
    let (d, md) = diff_one(APIXO, spec(APIXO));
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(d.worst(), None);
    assert_eq!(Level::of_diff(&d), Level::None);
    insta::assert_snapshot!("identical", md);
}

#[test]
fn file_names_do_not_matter_modules_are_matched_by_name() {
    let old = lower(&[(APIXO, spec(APIXO)), (MODELLIX_P, spec(MODELLIX_P)), (MODELLIX, spec(MODELLIX))]);
    let new =
        lower(&[("spec/b.toml", spec(APIXO)), ("spec/c.toml", spec(MODELLIX_P)), ("spec/a.toml", spec(MODELLIX))]);
    let d = diff::diff(&old, &new);
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn provenance_only_edit_is_a_note_not_a_change() {
    let text = edited(
        MODELLIX,
        &[(
            "param = \"duration\", quote = \"Must be an integer between 3 and 15\"",
            "param = \"duration\", quote = \"Must be an integer between 3 and 15 \"",
        )],
    );
    let (d, md) = diff_one(MODELLIX, text);
    assert!(d.changes.is_empty(), "{:#?}", d.changes);
    assert_eq!(d.provenance.len(), 1);
    assert_eq!(d.provenance[0].key, "types.ReferenceToVideoRequest.fields[duration].range.source");
    assert_eq!(Level::of_diff(&d), Level::Patch);
    insta::assert_snapshot!("provenance_only", md);
}

#[test]
fn price_change_is_behaviour_and_names_the_price_row() {
    let text = edited(APIXO, &[("official = \"0.125\"", "official = \"0.15\"")]);
    let (d, md) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "billing.prices[720p].official"));
    assert_eq!((c.old.as_deref(), c.new.as_deref()), (Some("0.125 USD/second"), Some("0.15 USD/second")));
    assert!(c.effect.starts_with("more expensive"), "{}", c.effect);
    insta::assert_snapshot!("price_change", md);
}

#[test]
fn range_tightened_is_stricter_behaviour() {
    let text = edited(MODELLIX, &[("range = { min = 3, max = 15,", "range = { min = 3, max = 10,")]);
    let (d, md) = diff_one(MODELLIX, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "types.ReferenceToVideoRequest.fields[duration].range"));
    assert!(c.effect.starts_with("stricter"), "{}", c.effect);
    assert!(c.affects[0].contains("modellix.r2v.duration:range"), "{:?}", c.affects);
    insta::assert_snapshot!("range_tightened", md);
}

#[test]
fn range_loosened_in_every_mode_is_one_looser_change_at_the_field() {
    // APIXO's duration range is declared once for the three modes that have it.
    let text = edited(APIXO, &[("range = { min = 3, max = 15,", "range = { min = 3, max = 20,")]);
    let (d, md) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "types.Input.fields[duration].range"));
    assert!(c.effect.starts_with("looser"), "{}", c.effect);
    assert_eq!(c.affects.len(), 3, "one per mode struct: {:?}", c.affects);
    insta::assert_snapshot!("range_loosened", md);
}

#[test]
fn item_limit_of_one_mode_is_reported_per_mode() {
    let text = edited(
        APIXO,
        &[(
            "[types.Input.fields.per_mode.reference-to-video.items]\nmin = 1\nmax = 9",
            "[types.Input.fields.per_mode.reference-to-video.items]\nmin = 1\nmax = 12",
        )],
    );
    let (d, _) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!(
        (c.class, c.key.as_str()),
        (Class::Behaviour, "types.Input.fields[image_urls].per_mode.reference-to-video.items")
    );
    assert_eq!(
        c.affects,
        [
            "`apixo::ReferenceToVideoInput::image_urls` validation, rule `apixo.submit.input[mode=reference-to-video].image_urls:items`"
        ]
    );
}

#[test]
fn request_enum_value_added_breaks_exhaustive_matches_only() {
    let text = edited(
        MODELLIX_P,
        &[(
            "    { wire = \"3:4\", name = \"Portrait3x4\", doc = \"3:4 portrait.\" },\n",
            "    { wire = \"3:4\", name = \"Portrait3x4\", doc = \"3:4 portrait.\" },\n    { wire = \"21:9\", name = \"Cinema21x9\", doc = \"21:9 cinema.\" },\n",
        )],
    );
    let (d, md) = diff_one(MODELLIX_P, text);
    let c = only(&d);
    assert_eq!(
        (c.class, c.reach, c.key.as_str()),
        (Class::Breaking, Some(Reach::ExhaustiveMatches), "types.Ratio.values[21:9]")
    );
    assert_eq!(c.affects, ["`modellix::Ratio::Cinema21x9`"]);
    insta::assert_snapshot!("request_enum_value_added", md);
}

#[test]
fn request_enum_value_removed_is_breaking_for_any_use() {
    let text =
        edited(MODELLIX_P, &[("    { wire = \"3:4\", name = \"Portrait3x4\", doc = \"3:4 portrait.\" },\n", "")]);
    let (d, md) = diff_one(MODELLIX_P, text);
    let c = only(&d);
    assert_eq!((c.class, c.reach, c.key.as_str()), (Class::Breaking, Some(Reach::AnyUse), "types.Ratio.values[3:4]"));
    assert!(c.effect.contains("validation rejects `3:4`"), "{}", c.effect);
    insta::assert_snapshot!("request_enum_value_removed", md);
}

#[test]
fn response_enum_value_added_stops_decoding_as_unknown() {
    let text = edited(
        MODELLIX_P,
        &[(
            "    { wire = \"pending\", name = \"Pending\", phase = \"pending\", doc = \"Queued or running; keep polling.\" },\n",
            "    { wire = \"pending\", name = \"Pending\", phase = \"pending\", doc = \"Queued or running; keep polling.\" },\n    { wire = \"running\", name = \"Running\", phase = \"pending\", doc = \"Running; keep polling.\" },\n",
        )],
    );
    let (d, md) = diff_one(MODELLIX_P, text);
    let c = only(&d);
    assert_eq!(
        (c.class, c.reach, c.key.as_str()),
        (Class::Breaking, Some(Reach::ExhaustiveMatches), "types.TaskStatus.values[running]")
    );
    assert!(c.effect.contains("no longer as `TaskStatus::Unknown(\"running\")`"), "{}", c.effect);
    insta::assert_snapshot!("response_enum_value_added", md);
}

#[test]
fn response_enum_value_removed_decodes_as_the_fallback() {
    let text = edited(
        MODELLIX_P,
        &[(
            "    { wire = \"Authentication failed\", name = \"AuthenticationFailed\", doc = \"The API key was rejected.\" },\n",
            "",
        )],
    );
    let (d, md) = diff_one(MODELLIX_P, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Breaking, "types.ErrorCategory.values[Authentication failed]"));
    assert!(c.effect.contains("`ErrorCategory::Unknown(\"Authentication failed\")`"), "{}", c.effect);
    insta::assert_snapshot!("response_enum_value_removed", md);
}

const SEED_FIELD: &str = "[[types.ReferenceToVideoRequest.fields]]\nname = \"seed\"";

#[test]
fn new_optional_field_breaks_struct_literals_only() {
    let field = "[[types.ReferenceToVideoRequest.fields]]\nname = \"negative_prompt\"\ntype = \"string\"\npresence = \"optional\"\ndoc = \"What to avoid.\"\nlength = { min = 1, max = 500, source = { section = \"Body\", quote = \"negative_prompt\" } }\nsource = { section = \"Body\", quote = \"negative_prompt\" }\n\n";
    let text = edited(MODELLIX, &[(SEED_FIELD, &format!("{field}{SEED_FIELD}"))]);
    let (d, md) = diff_one(MODELLIX, text);
    let c = only(&d);
    assert_eq!(
        (c.class, c.reach, c.key.as_str()),
        (Class::Breaking, Some(Reach::StructLiterals), "types.ReferenceToVideoRequest.fields[negative_prompt]")
    );
    assert!(c.effect.contains("with_negative_prompt()"), "{}", c.effect);
    insta::assert_snapshot!("new_optional_field", md);
}

#[test]
fn new_required_field_is_breaking_for_any_use() {
    let field = "[[types.ReferenceToVideoRequest.fields]]\nname = \"model\"\ntype = \"string\"\npresence = \"required\"\ndoc = \"Model variant.\"\nsource = { section = \"Body\", quote = \"model\" }\n\n";
    let text = edited(MODELLIX, &[(SEED_FIELD, &format!("{field}{SEED_FIELD}"))]);
    let (d, md) = diff_one(MODELLIX, text);
    let c = only(&d);
    assert_eq!(
        (c.class, c.reach, c.key.as_str()),
        (Class::Breaking, Some(Reach::AnyUse), "types.ReferenceToVideoRequest.fields[model]")
    );
    assert!(c.effect.contains("`new()` takes it"), "{}", c.effect);
    insta::assert_snapshot!("new_required_field", md);
}

#[test]
fn field_removed_is_breaking() {
    let spec_text = spec(MODELLIX);
    let start = spec_text.find(SEED_FIELD).expect("seed field");
    let end = start + spec_text[start..].find("\n\n").expect("end of the seed field") + 2;
    let text = edited(MODELLIX, &[(&spec_text[start..end], "")]);
    let (d, md) = diff_one(MODELLIX, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Breaking, "types.ReferenceToVideoRequest.fields[seed]"));
    assert_eq!(c.affects, ["`modellix::ReferenceToVideoRequest::seed`"]);
    insta::assert_snapshot!("field_removed", md);
}

#[test]
fn field_renamed_in_place_looks_like_a_rename() {
    let text = edited(
        APIXO,
        &[
            ("name = \"failMsg\"", "name = \"failMessage\""),
            ("fail_message = \"data.failMsg\"", "fail_message = \"data.failMessage\""),
        ],
    );
    let (d, _) = diff_one(APIXO, text);
    assert_eq!(
        keys(&d),
        [
            (Class::Behaviour, "apixo", "task.fail_message"),
            (Class::Breaking, "apixo", "types.TaskData.fields[failMessage]"),
        ]
    );
    assert!(d.changes[1].effect.contains("`fail_msg` is now `fail_message`"), "{}", d.changes[1].effect);
}

#[test]
fn default_changed_is_behaviour() {
    let text = edited(MODELLIX, &[("default = 5\n", "default = 6\n")]);
    let (d, md) = diff_one(MODELLIX, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "types.ReferenceToVideoRequest.fields[duration].default"));
    assert_eq!(c.affects, ["`modellix::ReferenceToVideoRequest::duration_or_default()`"]);
    insta::assert_snapshot!("default_changed", md);
}

#[test]
fn base_url_env_renamed_is_behaviour() {
    let text = edited(APIXO, &[("base_url_env = \"APIXO_BASE_URL\"", "base_url_env = \"APIXO_URL\"")]);
    let (d, _) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "provider.base_url_env"));
    assert_eq!((c.old.as_deref(), c.new.as_deref()), (Some("APIXO_BASE_URL"), Some("APIXO_URL")));
    assert_eq!(c.affects, ["`apixo::PROVIDER`"]);
}

#[test]
fn polling_changed_is_behaviour() {
    let text = edited(
        APIXO,
        &[("[polling.reference-to-video]\nfirst_poll_s = 45", "[polling.reference-to-video]\nfirst_poll_s = 60")],
    );
    let (d, md) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "polling.reference-to-video"));
    assert!(c.effect.contains("later or less often"), "{}", c.effect);
    insta::assert_snapshot!("polling_changed", md);
}

#[test]
fn status_row_added_is_behaviour() {
    let row = "[[http_statuses]]\nstatus = 503\nmeaning = \"Service unavailable\"\naction = \"Retry with backoff\"\nretry = \"backoff\"\nrejected = false\nsource = { section = \"HTTP errors\", quote = \"503Service unavailableRetry with backoff\" }\n\n";
    let text = edited(APIXO, &[("[[http_statuses]]\nstatus = 504", &format!("{row}[[http_statuses]]\nstatus = 504"))]);
    let (d, md) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "http_statuses[503]"));
    insta::assert_snapshot!("status_row_added", md);
}

#[test]
fn status_retry_changed_is_behaviour() {
    let text = edited(
        APIXO,
        &[(
            "action = \"Retry or use callback mode for long-running jobs\"\nretry = \"backoff\"",
            "action = \"Retry or use callback mode for long-running jobs\"\nretry = \"never\"",
        )],
    );
    let (d, md) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "http_statuses[504].retry"));
    assert_eq!((c.old.as_deref(), c.new.as_deref()), (Some("backoff"), Some("never")));
    insta::assert_snapshot!("status_retry_changed", md);
}

#[test]
fn fail_code_added_breaks_exhaustive_matches_only() {
    let code = "    { wire = \"ContentViolation\", name = \"ContentViolation\", retryable = false, meaning = \"Output violated the content policy\", action = \"Change the prompt\", source = { section = \"Task failure codes\", quote = \"ContentViolation\" } },\n";
    let text = edited(APIXO, &[("    { wire = \"Unknown error\"", &format!("{code}    {{ wire = \"Unknown error\""))]);
    let (d, md) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!(
        (c.class, c.reach, c.key.as_str(), c.subject.as_str()),
        (
            Class::Breaking,
            Some(Reach::ExhaustiveMatches),
            "types.FailCode.values[ContentViolation]",
            "fail code `ContentViolation` added"
        )
    );
    assert_eq!(c.new.as_deref(), Some("retryable false"));
    insta::assert_snapshot!("fail_code_added", md);
}

#[test]
fn fail_code_renamed_is_breaking() {
    let text = edited(
        APIXO,
        &[(
            "{ wire = \"PromptInvalid\", name = \"PromptInvalid\"",
            "{ wire = \"InvalidPrompt\", name = \"InvalidPrompt\"",
        )],
    );
    let (d, md) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Breaking, "types.FailCode.values[InvalidPrompt]"));
    assert_eq!((c.old.as_deref(), c.new.as_deref()), (Some("PromptInvalid"), Some("InvalidPrompt")));
    insta::assert_snapshot!("fail_code_renamed", md);
}

#[test]
fn fail_code_alias_and_retry_advice_are_behaviour() {
    let text = edited(
        APIXO,
        &[(
            "{ wire = \"Timeout\", aliases = [\"Task TimeOut\"], name = \"Timeout\", retryable = true,",
            "{ wire = \"Timeout\", aliases = [\"Task TimeOut\", \"TIMEOUT\"], name = \"Timeout\", retryable = false,",
        )],
    );
    let (d, _) = diff_one(APIXO, text);
    assert_eq!(
        keys(&d),
        [
            (Class::Behaviour, "apixo", "types.FailCode.values[Timeout].aliases"),
            (Class::Behaviour, "apixo", "types.FailCode.values[Timeout].retryable"),
        ]
    );
}

#[test]
fn formula_changed_is_behaviour() {
    let text = edited(
        APIXO,
        &[(
            "[billing.formulas.text-to-video]\nexpr = \"input.duration * unit_price\"",
            "[billing.formulas.text-to-video]\nexpr = \"(input.duration + 1) * unit_price\"",
        )],
    );
    let (d, md) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "billing.formulas.text-to-video.expr"));
    insta::assert_snapshot!("formula_changed", md);
}

#[test]
fn formula_respaced_is_no_change() {
    let text = edited(
        APIXO,
        &[(
            "[billing.formulas.text-to-video]\nexpr = \"input.duration * unit_price\"",
            "[billing.formulas.text-to-video]\nexpr = \"input.duration*unit_price\"",
        )],
    );
    let (d, _) = diff_one(APIXO, text);
    assert!(d.changes.is_empty(), "{:#?}", d.changes);
}

#[test]
fn example_changed_is_documentation() {
    let text =
        edited(APIXO, &[("    \"createTime\": 1767965610929\n  }\n}", "    \"createTime\": 1767965611000\n  }\n}")]);
    let (d, md) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Docs, "examples[status_processing].json"));
    assert!(c.effect.starts_with("data.createTime: 1767965610929 → 1767965611000"), "{}", c.effect);
    assert_eq!(Level::of_diff(&d), Level::Patch);
    insta::assert_snapshot!("example_changed", md);
}

#[test]
fn module_added_is_additive() {
    let old = lower(&[(APIXO, spec(APIXO))]);
    let new = lower(&[(APIXO, spec(APIXO)), (MODELLIX_P, spec(MODELLIX_P)), (MODELLIX, spec(MODELLIX))]);
    let (d, md) = report(&old, &new);
    let c = only(&d);
    assert_eq!((c.class, c.module.as_str(), c.key.as_str()), (Class::Additive, "modellix", "provider.module"));
    assert_eq!(Bump::new(&d, Version::parse("0.1.0")).to.map(|v| v.to_string()).as_deref(), Some("0.1.1"));
    insta::assert_snapshot!("module_added", md);
}

#[test]
fn module_removed_is_breaking() {
    let old = lower(&[(APIXO, spec(APIXO)), (MODELLIX_P, spec(MODELLIX_P)), (MODELLIX, spec(MODELLIX))]);
    let new = lower(&[(APIXO, spec(APIXO))]);
    let (d, _) = report(&old, &new);
    let c = only(&d);
    assert_eq!((c.class, c.module.as_str()), (Class::Breaking, "modellix"));
}

/// The walkthrough of the README: APIXO allows up to 12 reference images and adds a 480p
/// tier with its price.
#[test]
fn realistic_edit_reference_images_and_a_480p_tier() {
    let text = edited(
        APIXO,
        &[
            (
                "max = 9\nsource = [\n    { section = \"Overview\", row = \"Input images\", quote = \"1-9 URLs for reference-to-video\" },",
                "max = 12\nsource = [\n    { section = \"Overview\", row = \"Input images\", quote = \"1-12 URLs for reference-to-video\" },",
            ),
            (
                "    { wire = \"720p\", name = \"P720\",",
                "    { wire = \"480p\", name = \"P480\", doc = \"480p; $0.08 per second (official).\" },\n    { wire = \"720p\", name = \"P720\",",
            ),
            (
                "[[billing.prices]]\nwhen = \"720p\"",
                "[[billing.prices]]\nwhen = \"480p\"\nofficial = \"0.08\"\nmarket = \"0.104\"\nsource = { section = \"Billing\", row = \"480p\" }\n\n[[billing.prices]]\nwhen = \"720p\"",
            ),
        ],
    );
    let (d, md) = diff_one(APIXO, text);
    assert_eq!(
        keys(&d),
        [
            (Class::Behaviour, "apixo", "types.Input.fields[image_urls].per_mode.reference-to-video.items"),
            (Class::Breaking, "apixo", "types.Resolution.values[480p]"),
            (Class::Additive, "apixo", "billing.prices[480p]"),
        ]
    );
    insta::assert_snapshot!("realistic_edit", md);
}

#[test]
fn field_allowed_in_another_mode_is_a_presence_change_of_that_mode() {
    let text = edited(
        APIXO,
        &[(
            "presence = { text-to-video = \"optional\", image-to-video = \"forbidden\", reference-to-video = \"optional\", video-edit = \"forbidden\" }",
            "presence = { text-to-video = \"optional\", image-to-video = \"optional\", reference-to-video = \"optional\", video-edit = \"forbidden\" }",
        )],
    );
    let (d, _) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!(
        (c.class, c.reach, c.key.as_str()),
        (Class::Breaking, Some(Reach::StructLiterals), "types.Input.fields[ratio].presence.image-to-video")
    );
    assert_eq!((c.old.as_deref(), c.new.as_deref()), (Some("forbidden"), Some("optional")));
    assert_eq!(c.affects, ["`apixo::ImageToVideoInput::ratio`"]);
}

#[test]
fn required_to_optional_changes_the_rust_type() {
    let text = edited(
        MODELLIX_P,
        &[(
            "type = \"string\"\npresence = \"required\"\ndoc = \"Download URL",
            "type = \"string\"\npresence = \"optional\"\ndoc = \"Download URL",
        )],
    );
    let (d, _) = diff_one(MODELLIX_P, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Breaking, "types.Resource.fields[url].presence"));
    assert!(c.effect.contains("`Option<string>`"), "{}", c.effect);
}

#[test]
fn url_scheme_narrowed_everywhere_is_one_stricter_change() {
    let text = edited(
        APIXO,
        &[(
            "type = \"array<string>\"\ndoc = \"Input image URLs: the first frame (image-to-video), references (reference-to-video) or optional reference images (video-edit).\"\npresence = { text-to-video = \"forbidden\", image-to-video = \"required\", reference-to-video = \"required\", video-edit = \"optional\" }\nurl = { schemes = [\"http\", \"https\"]",
            "type = \"array<string>\"\ndoc = \"Input image URLs: the first frame (image-to-video), references (reference-to-video) or optional reference images (video-edit).\"\npresence = { text-to-video = \"forbidden\", image-to-video = \"required\", reference-to-video = \"required\", video-edit = \"optional\" }\nurl = { schemes = [\"https\"]",
        )],
    );
    let (d, _) = diff_one(APIXO, text);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "types.Input.fields[image_urls].url.schemes"));
    assert!(c.effect.starts_with("stricter"), "{}", c.effect);
    assert_eq!(c.affects.len(), 3);
}

// ---- the shapes of the golden matrix (codegen/tests/golden): edits of their specs.

fn golden(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name))
        .expect("golden spec file")
}

/// The diff of one golden spec against its text with each `(from, to)` applied.
fn golden_diff(name: &str, edits: &[(&str, &str)]) -> SpecDiff {
    let old = golden(name);
    let mut new = old.clone();
    for (from, to) in edits {
        assert_eq!(new.matches(from).count(), 1, "{from:?} must occur once in {name}");
        new = new.replacen(from, to, 1);
    }
    diff::diff(&lower(&[(name, old)]), &lower(&[(name, new)]))
}

#[test]
fn an_alias_removed_is_stricter_reading_and_an_alias_added_looser() {
    let d = golden_diff("flattened_model_aliases/flatline.toml", &[("aliases = [\"video_url\"]\n", "")]);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "types.Model.fields[video].aliases"));
    assert!(c.effect.contains("stricter"), "{}", c.effect);
    let d = golden_diff(
        "flattened_model_aliases/flatline.toml",
        &[("aliases = [\"video_url\"]", "aliases = [\"video_url\", \"source_video\"]")],
    );
    assert!(only(&d).effect.contains("looser"), "{}", only(&d).effect);
}

#[test]
fn dropping_the_envelope_and_moving_prices_to_credits_are_behaviour_changes() {
    let d = golden_diff(
        "path_id_envelope/pathly.toml",
        &[(
            "[envelope]\ncode = \"code\"\nmessage = \"message\"\nsuccess_code = 0\nsource = { section = \"Responses\", quote = \"Every answer is wrapped as {\\\"code\\\": 0, \\\"message\\\": \\\"ok\\\", \\\"data\\\": {...}}; code 0 means success.\" }\n",
            "",
        )],
    );
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "envelope"));
    assert!(c.effect.contains("success is the HTTP status alone"), "{}", c.effect);
    let d = golden_diff("query_id_mode_union/nestly.toml", &[("currency = \"USD\"", "credits = \"credits\"")]);
    let c = only(&d);
    assert_eq!((c.class, c.key.as_str()), (Class::Behaviour, "billing.currency"));
    assert_eq!((c.old.as_deref(), c.new.as_deref()), (Some("USD"), Some("credits (the provider's credits)")));
}

#[test]
fn polling_of_a_mode_with_dots_names_the_quoted_key() {
    let d = golden_diff("model_tag_credits/tagline.toml", &[("first_poll_s = 40", "first_poll_s = 45")]);
    assert_eq!(keys(&d), [(Class::Behaviour, "model_tag_credits", "polling.\"happyhorse-1.0-i2v\"")]);
}
