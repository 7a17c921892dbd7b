//! `cargo xtask docs-check` against realistic edits of the saved pages: each edit is applied
//! to copies of both forms of a page (the text copy and the markdown copy) in a temporary
//! spec directory, and the check must catch it and name the spec key it concerns, in both
//! forms. Benign edits (re-wrapping, table cells separated by tabs or pipes, a spelling
//! changed in prose, a reworded sentence that states no fact, a new tip with no rule) must
//! stay silent.
//!
//! What this proves: that the doc reader and the anchors notice the change. The expected
//! spec keys are written here by hand from the spec files; the doc text each edit changes is
//! quoted from the saved pages.

use std::path::{Path, PathBuf};

use happyhorse_codegen::drift::{self, Finding, FindingKind, Report};

const APIXO_TXT: &str = "docs/apixo-happyhorse.txt";
const APIXO_MD: &str = "docs/apixo-happyhorse.md";
const MODELLIX_TXT: &str = "docs/modellix-happyhorse-1.0-r2v.txt";
const MODELLIX_MD: &str = "docs/modellix-happyhorse-1.0-r2v.md";
const T2V_TXT: &str = "docs/modellix-happyhorse-1.0-t2v.txt";
const T2V_MD: &str = "docs/modellix-happyhorse-1.0-t2v.md";
const I2V_TXT: &str = "docs/modellix-happyhorse-1.0-i2v.txt";
const I2V_MD: &str = "docs/modellix-happyhorse-1.0-i2v.md";

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

/// One replacement in one copy; `old` must occur exactly once.
struct Edit {
    copy: &'static str,
    old: String,
    new: String,
}

fn edit(copy: &'static str, old: &str, new: &str) -> Edit {
    Edit { copy, old: old.to_owned(), new: new.to_owned() }
}

/// The same replacement in the text and the markdown copy of APIXO's page.
fn apixo(old: &str, new: &str) -> Vec<Edit> {
    vec![edit(APIXO_TXT, old, new), edit(APIXO_MD, old, new)]
}

/// The same replacement in both copies of Modellix's page.
fn modellix(old: &str, new: &str) -> Vec<Edit> {
    vec![edit(MODELLIX_TXT, old, new), edit(MODELLIX_MD, old, new)]
}

/// The same replacement in both copies of Modellix's image-to-video page.
fn i2v(old: &str, new: &str) -> Vec<Edit> {
    vec![edit(I2V_TXT, old, new), edit(I2V_MD, old, new)]
}

/// Copies the spec directory to a temporary one, applies the edits, and runs the check.
fn check(name: &str, edits: &[Edit]) -> Report {
    let dir = std::env::temp_dir().join(format!("hh-docs-drift-{}-{name}", std::process::id())).join("spec");
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    for entry in std::fs::read_dir(spec_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    for entry in std::fs::read_dir(spec_dir().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("docs").join(path.file_name().unwrap())).unwrap();
    }
    for e in edits {
        let path = dir.join(e.copy);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches(&e.old).count(), 1, "{name}: {:?} must occur once in {}", e.old, e.copy);
        std::fs::write(&path, text.replacen(&e.old, &e.new, 1)).unwrap();
    }
    let modules = happyhorse_codegen::output::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let pages = drift::Pages::load(&dir, &modules).unwrap();
    let report = drift::check(&modules, &pages);
    std::fs::remove_dir_all(dir.parent().unwrap()).ok();
    report
}

/// Asserts that for every copy the case edited, a finding of `kind` names `key` (the spec
/// key path, or a part of it), and that the two forms still agree.
fn caught(name: &str, edits: &[Edit], expected: &[(FindingKind, &str)]) {
    let report = check(name, edits);
    let list = || report.findings.iter().map(show).collect::<Vec<_>>().join("\n");
    assert!(
        !report.findings.iter().any(|f| f.kind == FindingKind::FormsDiffer),
        "{name}: the two forms of the page disagree:\n{}",
        list()
    );
    let mut copies: Vec<&str> = edits.iter().map(|e| e.copy).collect();
    copies.dedup();
    for copy in copies {
        let shown = format!("spec/{copy}");
        for (kind, key) in expected {
            let hit = report
                .findings
                .iter()
                .any(|f| f.kind == *kind && f.copy == shown && f.at.as_deref().is_some_and(|at| at.contains(key)));
            assert!(hit, "{name}: expected `{}` naming `{key}` in {shown}; found:\n{}", kind.word(), list());
        }
    }
}

fn show(f: &Finding) -> String {
    format!("  {} {} {:?} {} :: {:?} -> {:?}", f.kind.word(), f.copy, f.at, f.message, f.old, f.new)
}

fn silent(name: &str, edits: &[Edit]) {
    let report = check(name, edits);
    assert!(report.is_clean(), "{name}: expected no finding, got:\n{}", report.render_text());
}

use FindingKind::{Changed, Disagrees, New, Removed};

#[test]
fn unedited_pages_agree_with_the_specs() {
    silent("unedited", &[]);
}

// ---- prices, ranges, lists ----------------------------------------------------------

#[test]
fn price_change() {
    // apixo.txt:261 `720p$0.125 / second$0.1625 / second`
    let edits = vec![
        edit(APIXO_TXT, "720p$0.125 / second", "720p$0.15 / second"),
        edit(APIXO_MD, "| 720p | $0.125 / second |", "| 720p | $0.15 / second |"),
    ];
    caught("price", &edits, &[(Disagrees, "billing.prices[720p].official")]);
}

#[test]
fn range_change_in_a_table_row() {
    // apixo.txt:21 `Duration3-15 seconds for text-to-video, ...`
    caught(
        "range",
        &apixo("3-15 seconds for text-to-video", "3-12 seconds for text-to-video"),
        &[(Changed, "types.Input.fields[duration].range.source")],
    );
}

#[test]
fn item_count_change_shows_old_and_new_words() {
    // apixo.txt:17 `... 1-9 URLs for reference-to-video; ...`
    let report = check("items", &apixo("1-9 URLs for reference-to-video", "1-12 URLs for reference-to-video"));
    let f = report
        .findings
        .iter()
        .find(|f| f.at.as_deref() == Some("types.Input.fields[image_urls].per_mode.reference-to-video.items.source[0]"))
        .unwrap_or_else(|| panic!("{}", report.render_text()));
    assert_eq!(f.kind, Changed);
    assert_eq!(f.old.as_deref(), Some("1-9 URLs for reference-to-video"));
    assert_eq!(f.new.as_deref(), Some("1-12 URLs for reference-to-video"));
}

#[test]
fn value_appended_to_an_options_list() {
    // apixo.txt:19: the old quote `16:9, 9:16, 1:1, 4:3, 3:4` is still a substring.
    caught(
        "ratio-appended",
        &apixo("4:3, 3:4 for text-to-video", "4:3, 3:4, 21:9 for text-to-video"),
        &[(Disagrees, "types.Ratio.values")],
    );
    // modellix.txt:117-122 `Available options:` one per line.
    let edits = vec![
        edit(MODELLIX_TXT, "4:3,\n3:4\nduration", "4:3,\n3:4,\n21:9\nduration"),
        edit(
            MODELLIX_MD,
            "Available options: 16:9, 9:16, 1:1, 4:3, 3:4",
            "Available options: 16:9, 9:16, 1:1, 4:3, 3:4, 21:9",
        ),
    ];
    caught("modellix-ratio-appended", &edits, &[(Disagrees, "types.Ratio.values")]);
}

#[test]
fn value_inserted_in_the_middle_of_an_options_list() {
    caught("ratio-middle", &apixo("9:16, 1:1, 4:3", "9:16, 21:9, 1:1, 4:3"), &[(Changed, "types.Ratio.source")]);
    let edits = vec![
        edit(MODELLIX_TXT, "9:16,\n1:1,", "9:16,\n21:9,\n1:1,"),
        edit(MODELLIX_MD, "16:9, 9:16, 1:1, 4:3, 3:4\n", "16:9, 9:16, 21:9, 1:1, 4:3, 3:4\n"),
    ];
    caught("modellix-ratio-middle", &edits, &[(Disagrees, "types.Ratio.values")]);
}

#[test]
fn value_removed_from_an_options_list() {
    caught("ratio-removed", &apixo("4:3, 3:4 for", "4:3 for"), &[(Changed, "types.Ratio.source")]);
    let edits = vec![
        edit(MODELLIX_TXT, "Available options:\n720P,\n1080P", "Available options:\n1080P"),
        edit(MODELLIX_MD, "Available options: 720P, 1080P", "Available options: 1080P"),
    ];
    caught("modellix-resolution-removed", &edits, &[(Disagrees, "types.Resolution.values")]);
}

#[test]
fn an_option_removed_from_one_page_of_a_shared_enum() {
    // Resolution is shared by r2v, t2v and i2v; its own anchor is on the r2v page, so the
    // t2v page's list is checked through the field that uses it.
    let edits = vec![
        edit(T2V_TXT, "Available options:\n720P,\n1080P", "Available options:\n1080P"),
        edit(T2V_MD, "Available options: 720P, 1080P", "Available options: 1080P"),
    ];
    caught("t2v-resolution-removed", &edits, &[(Disagrees, "types.TextToVideoRequest.fields[resolution]")]);
}

#[test]
fn a_field_that_stops_taking_data_uris() {
    // i2v.txt:24 `Pattern: ^(https?://|data:image/)`
    caught(
        "i2v-no-data-uri",
        &i2v("Pattern: ^(https?://|data:image/)", "Pattern: ^https?://"),
        &[(Disagrees, "types.ImageToVideoRequest.fields[first_frame_image].url")],
    );
}

#[test]
fn media_pixel_and_aspect_limits_change() {
    // i2v.txt:22 `Resolution: width and height >= 300 pixels; Aspect ratio: 1:2.5 to 2.5:1`
    caught(
        "i2v-min-pixels",
        &i2v("width and height >= 300 pixels", "width and height >= 360 pixels"),
        &[(Changed, "types.ImageToVideoRequest.fields[first_frame_image].media.source")],
    );
    caught(
        "i2v-aspect",
        &i2v("Aspect ratio: 1:2.5 to 2.5:1", "Aspect ratio: 1:3 to 3:1"),
        &[(Changed, "types.ImageToVideoRequest.fields[first_frame_image].media.source")],
    );
}

#[test]
fn mode_added_and_mode_removed() {
    // apixo.txt:14 `Modestext-to-video, image-to-video, reference-to-video, video-edit`
    let edits = vec![
        edit(APIXO_TXT, "reference-to-video, video-edit\n", "reference-to-video, video-edit, first-last-frame\n"),
        edit(APIXO_MD, "reference-to-video, video-edit |\n", "reference-to-video, video-edit, first-last-frame |\n"),
    ];
    caught("mode-added", &edits, &[(Disagrees, "types.Input.variants")]);
    let edits = vec![
        edit(
            APIXO_TXT,
            "Modestext-to-video, image-to-video, reference-to-video,",
            "Modestext-to-video, image-to-video,",
        ),
        edit(
            APIXO_MD,
            "| Modes | text-to-video, image-to-video, reference-to-video,",
            "| Modes | text-to-video, image-to-video,",
        ),
    ];
    caught("mode-removed", &edits, &[(Disagrees, "types.Input.variants")]);
}

// ---- tables of codes --------------------------------------------------------------

#[test]
fn fail_code_row_added_removed_renamed() {
    // apixo.txt:299-304, the task failure codes table.
    let added = vec![
        edit(
            APIXO_TXT,
            "Unknown errorUpstream",
            "ContentViolationOutput violated the content policyChange the prompt\nUnknown errorUpstream",
        ),
        edit(
            APIXO_MD,
            "| Unknown error | Upstream",
            "| ContentViolation | Output violated the content policy | Change the prompt |\n| Unknown error | Upstream",
        ),
    ];
    let report = check("fail-code-added", &added);
    for copy in ["spec/docs/apixo-happyhorse.txt", "spec/docs/apixo-happyhorse.md"] {
        assert!(
            report.findings.iter().any(|f| f.kind == New
                && f.copy == copy
                && f.section == "Task failure codes"
                && f.new.as_deref().is_some_and(|n| n.starts_with("ContentViolation"))),
            "{}",
            report.render_text()
        );
    }
    let removed = vec![
        edit(
            APIXO_TXT,
            "PromptInvalidPrompt was invalid or rejected by the providerRewrite the prompt with clearer, policy-safe instructions\n",
            "",
        ),
        edit(
            APIXO_MD,
            "| PromptInvalid | Prompt was invalid or rejected by the provider | Rewrite the prompt with clearer, policy-safe instructions |\n",
            "",
        ),
    ];
    caught("fail-code-removed", &removed, &[(Removed, "types.FailCode.values[PromptInvalid].source")]);
    let renamed = vec![
        edit(APIXO_TXT, "PromptInvalidPrompt was", "InvalidPromptPrompt was"),
        edit(APIXO_MD, "| PromptInvalid | Prompt was", "| InvalidPrompt | Prompt was"),
    ];
    caught("fail-code-renamed", &renamed, &[(Removed, "types.FailCode.values[PromptInvalid].source")]);
}

#[test]
fn status_row_added_and_action_changed() {
    // apixo.txt:287-294, the HTTP errors table.
    let added = vec![
        edit(APIXO_TXT, "504Upstream timeout", "503Service unavailableRetry with backoff\n504Upstream timeout"),
        edit(
            APIXO_MD,
            "| 504 | Upstream timeout",
            "| 503 | Service unavailable | Retry with backoff |\n| 504 | Upstream timeout",
        ),
    ];
    let report = check("status-added", &added);
    for copy in ["spec/docs/apixo-happyhorse.txt", "spec/docs/apixo-happyhorse.md"] {
        assert!(
            report.findings.iter().any(|f| f.kind == New
                && f.copy == copy
                && f.section == "HTTP errors"
                && f.new.as_deref() == Some("503Service unavailableRetry with backoff")),
            "{}",
            report.render_text()
        );
    }
    let action = vec![
        edit(APIXO_TXT, "500Server errorRetry with backoff", "500Server errorDo not retry"),
        edit(APIXO_MD, "| 500 | Server error | Retry with backoff |", "| 500 | Server error | Do not retry |"),
    ];
    caught("status-action", &action, &[(Disagrees, "http_statuses[500].action")]);
    // Modellix restates its status codes in one sentence of FACTS.md (the linked page).
    let report = check("modellix-status", &[edit("docs/FACTS.md", "at most 3 times", "at most 5 times")]);
    assert!(
        report.findings.iter().any(|f| f.kind == Changed && f.at.as_deref() == Some("http_statuses[500].source")),
        "{}",
        report.render_text()
    );
}

// ---- polling, billing ---------------------------------------------------------------

#[test]
fn polling_change() {
    // apixo.txt:275 `text-to-video...30s after task creation10s`
    let edits = vec![
        edit(APIXO_TXT, "queue load30s after task creation10s\nimage", "queue load20s after task creation10s\nimage"),
        edit(
            APIXO_MD,
            "| text-to-video | Resolution, duration, prompt complexity, queue load | 30s",
            "| text-to-video | Resolution, duration, prompt complexity, queue load | 20s",
        ),
    ];
    caught("polling", &edits, &[(Changed, "polling.text-to-video.source")]);
    let interval = vec![
        edit(APIXO_TXT, "45s after task creation10s-15s", "45s after task creation10s-20s"),
        edit(APIXO_MD, "| 45s after task creation | 10s-15s |", "| 45s after task creation | 10s-20s |"),
    ];
    caught("polling-interval", &interval, &[(Changed, "polling.reference-to-video.source")]);
}

#[test]
fn video_edit_cap_and_formula_row() {
    // apixo.txt:269, the cap sentence, and :268, the formula row.
    caught(
        "cap",
        &apixo("caps the billable input side at 15 seconds", "caps the billable input side at 20 seconds"),
        &[(Changed, "billing.formulas.video-edit.source[1]")],
    );
    let formula = vec![
        edit(
            APIXO_TXT,
            "video-edit(input video seconds + output video seconds) * unitPrice",
            "video-edit(input video seconds + 2 * output video seconds) * unitPrice",
        ),
        edit(
            APIXO_MD,
            "| video-edit | (input video seconds + output video seconds) * unitPrice |",
            "| video-edit | (input video seconds + 2 * output video seconds) * unitPrice |",
        ),
    ];
    caught("formula", &formula, &[(Changed, "billing.formulas.video-edit.source[0]")]);
}

// ---- defaults, patterns, URLs -------------------------------------------------------

#[test]
fn default_changes() {
    let edits = vec![
        edit(MODELLIX_TXT, "default:1080P", "default:720P"),
        edit(MODELLIX_MD, "default=\"1080P\"", "default=\"720P\""),
    ];
    caught("default-resolution", &edits, &[(Disagrees, "types.ReferenceToVideoRequest.fields[resolution].default")]);
    // modellix.txt:127 `duration enum<integer> default:5`
    let edits = vec![
        edit(MODELLIX_TXT, "default:5", "default:6"),
        edit(MODELLIX_MD, "type=\"enum<integer>\" default=\"5\"", "type=\"enum<integer>\" default=\"6\""),
    ];
    caught("default-duration", &edits, &[(Disagrees, "types.ReferenceToVideoRequest.fields[duration].default")]);
}

#[test]
fn range_attribute_change() {
    caught(
        "modellix-range",
        &modellix("Required range: 3 <= x <= 15", "Required range: 3 <= x <= 10"),
        &[(Disagrees, "types.ReferenceToVideoRequest.fields[duration].range.max")],
    );
}

#[test]
fn pattern_change() {
    caught(
        "pattern",
        &modellix("Pattern: ^https?://", "Pattern: ^https://"),
        &[(Disagrees, "types.ReferenceToVideoRequest.fields[reference_images].url.schemes")],
    );
}

#[test]
fn base_url_change_on_its_own_line() {
    // apixo.txt:26: the base URL also stands in every curl line, which do not change here.
    caught(
        "base-url",
        &apixo("Base URL:\nhttps://api.apixo.ai/api/v1\n", "Base URL:\nhttps://api.apixo.ai/api/v2\n"),
        &[(Changed, "provider.source[0]")],
    );
}

#[test]
fn endpoint_path_change() {
    // The submit path everywhere the page states it: the endpoint table and the curl lines.
    let mut edits = Vec::new();
    for copy in [APIXO_TXT, APIXO_MD] {
        let text = std::fs::read_to_string(spec_dir().join(copy)).unwrap();
        let n = text.matches("/generateTask/happyHorse").count();
        assert!(n >= 3);
        // Replace every occurrence, one edit each (each edit's `old` is made unique by index).
        let replaced = text.replace("/generateTask/happyHorse", "/createTask/happyHorse");
        edits.push(Edit { copy, old: text, new: replaced });
    }
    caught("path", &edits, &[(Disagrees, "operations.submit.path")]);
}

// ---- parameters ---------------------------------------------------------------------

#[test]
fn field_renamed_in_a_parameter_block() {
    let edits = vec![
        edit(MODELLIX_TXT, "seed\ninteger\n", "random_seed\ninteger\n"),
        edit(
            MODELLIX_MD,
            "<ParamField body=\"seed\" type=\"integer\">",
            "<ParamField body=\"random_seed\" type=\"integer\">",
        ),
    ];
    caught("param-renamed", &edits, &[(Removed, "types.ReferenceToVideoRequest.fields[seed].source")]);
}

#[test]
fn field_renamed_in_the_status_table() {
    // apixo.txt:219 `failMsg` in "Status response fields".
    let edits = vec![
        edit(APIXO_TXT, "failMsg\nstring\n", "failMessage\nstring\n"),
        edit(
            APIXO_MD,
            "<ResponseField name=\"failMsg\" type=\"string\">",
            "<ResponseField name=\"failMessage\" type=\"string\">",
        ),
    ];
    caught("status-field-renamed", &edits, &[(Removed, "types.TaskData.fields[failMsg].source")]);
    let edits = vec![
        edit(APIXO_TXT, "state\nstring\n", "status\nstring\n"),
        edit(
            APIXO_MD,
            "<ResponseField name=\"state\" type=\"string\">",
            "<ResponseField name=\"status\" type=\"string\">",
        ),
    ];
    caught("state-renamed", &edits, &[(Removed, "types.TaskData.fields[state].source")]);
}

#[test]
fn new_optional_field_documented() {
    let edits = vec![
        edit(
            MODELLIX_TXT,
            "Response\n\n200 - application/json",
            "negative_prompt\nstring\n\nWhat the video should not show.\n\nResponse\n\n200 - application/json",
        ),
        edit(
            MODELLIX_MD,
            "## Response\n",
            "<ParamField body=\"negative_prompt\" type=\"string\">\n\nWhat the video should not show.\n\n</ParamField>\n\n## Response\n",
        ),
    ];
    let report = check("new-field", &edits);
    for copy in ["spec/docs/modellix-happyhorse-1.0-r2v.txt", "spec/docs/modellix-happyhorse-1.0-r2v.md"] {
        assert!(
            report.findings.iter().any(|f| f.kind == New
                && f.copy == copy
                && f.fact.as_deref().is_some_and(|d| d.contains("parameter `negative_prompt`"))),
            "{}",
            report.render_text()
        );
    }
    let edits = vec![
        edit(APIXO_TXT, "input\nobject\nrequired\n", "seed\ninteger\nRandom seed.\ninput\nobject\nrequired\n"),
        edit(
            APIXO_MD,
            "<ParamField body=\"input\"",
            "<ParamField body=\"seed\" type=\"integer\">\n\nRandom seed.\n\n</ParamField>\n\n<ParamField body=\"input\"",
        ),
    ];
    let report = check("apixo-new-field", &edits);
    assert!(
        report
            .findings
            .iter()
            .filter(|f| f.kind == New && f.fact.as_deref().is_some_and(|d| d.contains("`seed`")))
            .count()
            == 2,
        "{}",
        report.render_text()
    );
}

#[test]
fn required_becomes_optional() {
    let edits = vec![
        edit(MODELLIX_TXT, "prompt\nstring\nrequired\n", "prompt\nstring\n"),
        edit(
            MODELLIX_MD,
            "<ParamField body=\"prompt\" type=\"string\" required>",
            "<ParamField body=\"prompt\" type=\"string\">",
        ),
    ];
    caught("required-optional", &edits, &[(Disagrees, "types.ReferenceToVideoRequest.fields[prompt].presence")]);
}

#[test]
fn limit_restated_in_a_troubleshooting_tip() {
    // apixo.txt:311 `Optional reference images are limited to 5.`
    caught(
        "tip-limit",
        &apixo("Optional reference images are limited to 5.", "Optional reference images are limited to 4."),
        &[(Changed, "types.Input.fields[image_urls].per_mode.video-edit.items.source[1]")],
    );
}

// ---- benign edits -------------------------------------------------------------------

/// Breaks a line of `text` that starts with `start` into lines of at most `width`
/// characters, as a re-saved page might, continuation lines indented by two spaces.
fn rewrap(text: &str, start: &str, width: usize) -> (String, String) {
    rewrap_with(text, start, width, "  ")
}

fn rewrap_with(text: &str, start: &str, width: usize, hang: &str) -> (String, String) {
    let line = text.lines().find(|l| l.trim_start().starts_with(start)).unwrap().to_owned();
    let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
    let mut out = String::new();
    let mut current = indent.clone();
    for word in line.split_whitespace() {
        if current.trim().len() + word.len() + 1 > width && !current.trim().is_empty() {
            out.push_str(current.trim_end());
            out.push('\n');
            current = format!("{indent}{hang}");
        }
        current.push_str(word);
        current.push(' ');
    }
    out.push_str(current.trim_end());
    (line, out)
}

#[test]
fn rewrapped_lines_are_silent() {
    let mut edits = Vec::new();
    for copy in [APIXO_TXT, APIXO_MD] {
        let text = std::fs::read_to_string(spec_dir().join(copy)).unwrap();
        for start in
            ["HappyHorse is an Alibaba", "For video-edit, the backend probes", "HappyHorse tasks are asynchronous"]
        {
            let (old, new) = rewrap(&text, start, 50);
            edits.push(Edit { copy, old, new });
        }
        let bullet = if copy == APIXO_TXT { "• Use duration only" } else { "- Use duration only" };
        let (old, new) = rewrap(&text, bullet, 40);
        edits.push(Edit { copy, old, new });
    }
    silent("rewrapped", &edits);
    // Wrapped flush left, where no table runs into the paragraph.
    let mut edits = Vec::new();
    for (copy, starts) in [
        (APIXO_TXT, &["HappyHorse is an Alibaba", "Use callback mode when"][..]),
        (APIXO_MD, &["HappyHorse is an Alibaba", "Use callback mode when"][..]),
        (MODELLIX_TXT, &["Array of reference image URLs", "Text prompt describing"][..]),
        (MODELLIX_MD, &["Array of reference image URLs", "Text prompt describing"][..]),
    ] {
        let text = std::fs::read_to_string(spec_dir().join(copy)).unwrap();
        for start in starts {
            let (old, new) = rewrap_with(&text, start, 60, "");
            edits.push(Edit { copy, old, new });
        }
    }
    silent("rewrapped-flush", &edits);
}

/// The text copy's lines of a table, rewritten with `sep` between the cells (read from the
/// markdown copy's pipe table), as a browser that keeps cell boundaries would save them.
fn separated_table(header: &str, sep: &str, pipes: bool) -> Vec<Edit> {
    let md = std::fs::read_to_string(spec_dir().join(APIXO_MD)).unwrap();
    let rows: Vec<Vec<String>> = md
        .lines()
        .skip_while(|l| !l.starts_with(header))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| !l.starts_with("| ---"))
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect())
        .collect();
    assert!(rows.len() > 2);
    let run_together: Vec<String> = rows.iter().map(|r| r.concat()).collect();
    let separated: Vec<String> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            let line = if pipes { format!("| {} |", r.join(" | ")) } else { r.join(sep) };
            let rule = (pipes && i == 0).then(|| format!("|{}", " --- |".repeat(r.len())));
            std::iter::once(line).chain(rule)
        })
        .collect();
    vec![edit(APIXO_TXT, &run_together.join("\n"), &separated.join("\n"))]
}

#[test]
fn table_cells_separated_by_tabs_are_silent() {
    let mut edits = separated_table("| Code | Meaning", "\t", false);
    edits.extend(separated_table("| Capability | Value", "\t", false));
    edits.extend(separated_table("| Resolution | APIXO", "\t", false));
    silent("tabs", &edits);
}

#[test]
fn table_cells_separated_by_pipes_are_silent() {
    let mut edits = separated_table("| Fail code | Meaning", " | ", true);
    edits.extend(separated_table("| Workflow | What affects", " | ", true));
    silent("pipes", &edits);
}

#[test]
fn spelling_changed_in_prose_is_silent() {
    let mut edits =
        apixo("For production workloads, use callback mode", "For production work loads, use callback mode");
    // A sentence the spec lists as not encoded, with a word misspelt.
    edits.extend(apixo("Rate limits and concurrency can vary", "Rate limits and concurency can vary"));
    silent("spelling", &edits);
}

#[test]
fn reworded_sentence_without_a_fact_is_silent() {
    silent(
        "reworded",
        &apixo(
            "Use callback mode when your backend should receive the final result automatically instead of polling.",
            "Choose callback mode if your backend should get the final result pushed to it rather than poll.",
        ),
    );
}

#[test]
fn new_tip_without_a_rule_is_silent() {
    let edits = vec![
        edit(
            APIXO_TXT,
            "  • Store result URLs promptly",
            "  • Check that a result URL opens in a browser before you report a failed task.\n  • Store result URLs promptly",
        ),
        edit(
            APIXO_MD,
            "- Store result URLs promptly",
            "- Check that a result URL opens in a browser before you report a failed task.\n- Store result URLs promptly",
        ),
    ];
    silent("new-tip", &edits);
}

#[test]
fn one_copy_updated_and_not_the_other_is_reported() {
    let report = check("one-form", &[edit(APIXO_TXT, "720p$0.125 / second", "720p$0.15 / second")]);
    assert!(
        report.findings.iter().any(|f| f.kind == FindingKind::FormsDiffer && f.copy == "spec/docs/apixo-happyhorse.md"),
        "{}",
        report.render_text()
    );
}

// ---- anchors that do not name one fact ----------------------------------------------

#[test]
fn a_quote_that_matches_two_places_is_a_spec_error_with_a_hint() {
    // "input video seconds" stands in the video-edit formula row and in the sentence after it.
    let edits = vec![edit(
        "apixo-happyhorse.toml",
        "{ section = \"Billing\", row = \"video-edit\", quote = \"(input video seconds + output video seconds) * unitPrice\" },",
        "{ section = \"Billing\", quote = \"input video seconds\" },",
    )];
    let report = check("ambiguous", &edits);
    let f = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Ambiguous)
        .unwrap_or_else(|| panic!("{}", report.render_text()));
    assert_eq!(f.at.as_deref(), Some("billing.formulas.video-edit.source[0]"));
    assert!(f.message.contains("hint: name the fact with `row`, `param` or `code`"), "{}", f.message);
}

fn lowering_fails(edit_old: &str, edit_new: &str, expected: &str) {
    let path = spec_dir().join("apixo-happyhorse.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(edit_old).count(), 1, "{edit_old:?}");
    let text = text.replacen(edit_old, edit_new, 1);
    let err = happyhorse_codegen::lower_text("spec/apixo-happyhorse.toml", &text).expect_err("must not lower");
    let messages = err.to_string();
    assert!(messages.contains(expected), "expected {expected:?} in:\n{messages}");
}

#[test]
fn an_anchor_names_at_most_one_fact() {
    lowering_fails(
        "{ section = \"Overview\", row = \"Model ID\" }",
        "{ section = \"Overview\", row = \"Model ID\", param = \"model\" }",
        "provider.source[1].param: an anchor takes one of row, param or code, not row and param",
    );
}

#[test]
fn an_anchor_without_a_fact_needs_a_quote() {
    lowering_fails(
        "source = { section = \"HTTP errors\", row = \"400\" }\ndecision = { choice = \"Parse error bodies",
        "source = { section = \"HTTP errors\" }\ndecision = { choice = \"Parse error bodies",
        "types.ErrorBody.source: an anchor without row, param or code needs a quote",
    );
}

#[test]
fn an_anchor_stays_in_the_sections_its_doc_covers() {
    lowering_fails(
        "{ doc = \"webhooks\", section = \"APIXO: webhooks (callback mode)\", quote = \"The receiving endpoint",
        "{ doc = \"webhooks\", section = \"Modellix: querying a task\", quote = \"The receiving endpoint",
        "callbacks.source[2].section: section \"Modellix: querying a task\" is not one of the sections doc `webhooks` covers: APIXO: webhooks (callback mode)",
    );
}

#[test]
fn a_not_encoded_fact_needs_a_reason() {
    lowering_fails(
        "reason = \"Per-account limits are not published; the client's answer to them (429 with backoff) is encoded from the HTTP errors table.\"",
        "reason = \" \"",
        "not_encoded[6].reason: the reason is empty",
    );
}
