//! The reader on the saved pages and on synthetic layouts. Expected counts and facts are
//! taken by hand from the pages (`spec/docs/*.txt`), not from any spec file.

use happyhorse_doc_reader::{Attr, Fact, FactKind, Form, Inventory, read};

fn page(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/docs").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What two forms must agree on: section, kind and text of every fact, in order.
fn shape(inv: &Inventory) -> Vec<(String, String, String)> {
    inv.facts.iter().map(|f| (f.section.clone(), format!("{:?}", f.kind), f.text.clone())).collect()
}

fn rows<'a>(inv: &'a Inventory, section: &'a str) -> Vec<&'a Fact> {
    inv.facts.iter().filter(|f| f.section == section && matches!(f.kind, FactKind::Row { .. })).collect()
}

#[test]
fn text_and_markdown_copies_give_the_same_facts() {
    for name in ["apixo-happyhorse", "modellix-happyhorse-1.0-r2v"] {
        let text = read(&page(&format!("{name}.txt")), Form::Text);
        let markdown = read(&page(&format!("{name}.md")), Form::Markdown);
        assert!(!text.facts.is_empty());
        assert_eq!(shape(&text), shape(&markdown), "{name}");
    }
}

#[test]
fn apixo_tables_are_read_row_by_row() {
    let inv = read(&page("apixo-happyhorse.txt"), Form::Text);
    // apixo.txt:12-21 capability table, 9 rows; :28-30 endpoints; :260-268 prices and
    // formulas; :274-278 latency; :286-294 HTTP errors; :298-304 fail codes.
    assert_eq!(rows(&inv, "Overview").len(), 9);
    assert_eq!(rows(&inv, "Endpoint and authentication").len(), 2);
    assert_eq!(rows(&inv, "Billing").len(), 6);
    assert_eq!(rows(&inv, "Latency and polling").len(), 4);
    let http = rows(&inv, "HTTP errors");
    assert_eq!(
        http.iter().map(|f| &f.text[..3]).collect::<Vec<_>>(),
        ["400", "401", "402", "403", "429", "500", "502", "504"]
    );
    assert_eq!(rows(&inv, "Task failure codes").len(), 6);
    assert_eq!(http[4].text, "429Rate limit or concurrency limit reachedRetry with exponential backoff");
    assert_eq!(http[4].line, 291);
}

#[test]
fn apixo_parameter_blocks_and_code() {
    let inv = read(&page("apixo-happyhorse.txt"), Form::Text);
    let headers: Vec<(&str, &str)> = inv
        .facts
        .iter()
        .filter_map(|f| match &f.kind {
            FactKind::ParamHeader { name, ty, .. } => Some((name.as_str(), ty.as_str())),
            _ => None,
        })
        .collect();
    // apixo.txt:175-229: three request parameters, three submit-response fields, eight status fields.
    assert_eq!(headers.len(), 14);
    assert_eq!(headers[0], ("request_type", "string"));
    assert_eq!(headers[5], ("data.taskId", "string"));
    assert_eq!(headers[13], ("costTime", "integer"));
    let request_type = inv.facts.iter().find(|f| f.param() == Some("request_type")).unwrap();
    assert!(matches!(
        &request_type.kind,
        FactKind::ParamHeader { required: true, default: Some(d), .. } if d == "async"
    ));
    let code: Vec<(&str, &str)> = inv
        .facts
        .iter()
        .filter_map(|f| match &f.kind {
            FactKind::Code { label, kind } => Some((label.as_str(), kind.as_str())),
            _ => None,
        })
        .collect();
    // Three curl commands, four JSON answers, the JavaScript lines, four request bodies.
    assert_eq!(code.len(), 12);
    assert!(code.contains(&("Processing response", "json")));
    assert!(code.contains(&("Parse resultJson after state becomes success", "javascript")));
    let base = inv.facts.iter().find(|f| f.text.starts_with("Base URL")).unwrap();
    assert_eq!(base.text, "Base URL: https://api.apixo.ai/api/v1");
}

#[test]
fn modellix_attributes_are_parsed() {
    let inv = read(&page("modellix-happyhorse-1.0-r2v.txt"), Form::Text);
    let attr = |param: &str| -> Vec<&Attr> {
        inv.facts
            .iter()
            .filter_map(|f| match &f.kind {
                FactKind::ParamAttr { param: p, attr } if p == param => Some(attr),
                _ => None,
            })
            .collect()
    };
    // modellix.txt:50-51, 72, 88-90, 104-135, 141.
    assert_eq!(
        attr("reference_images"),
        [&Attr::ArrayLength(Some("1".into()), Some("9".into())), &Attr::Pattern("^https?://".into())]
    );
    assert_eq!(attr("prompt"), [&Attr::StringLength(Some("1".into()), Some("5000".into()))]);
    assert_eq!(attr("resolution"), [&Attr::Options(vec!["720P".into(), "1080P".into()])]);
    let duration = attr("duration");
    assert!(matches!(duration[0], Attr::Options(o) if o.len() == 13 && o[0] == "3" && o[12] == "15"));
    assert_eq!(duration[1], &Attr::Range(Some("3".into()), Some("15".into())));
    assert_eq!(attr("seed"), [&Attr::Range(Some("0".into()), Some("2147483647".into()))]);
    let endpoint = &inv.facts[0];
    assert_eq!((endpoint.section.as_str(), endpoint.text.as_str()), ("(top)", "POST /happyhorse-1.0-r2v/async"));
}

#[test]
fn cells_are_cells_whatever_separates_them() {
    let run_together = "Errors\n\nCodeMeaningWhat to do\n400Bad requestFix it\n429Too manyRetry later\n";
    let tabs = "Errors\n\nCode\tMeaning\tWhat to do\n400\tBad request\tFix it\n429\tToo many\tRetry later\n";
    let pipes = "Errors\n\n| Code | Meaning | What to do |\n| --- | --- | --- |\n| 400 | Bad request | Fix it |\n| 429 | Too many | Retry later |\n";
    let markdown = "## Errors\n\n| Code | Meaning | What to do |\n|---|---|---|\n| 400 | Bad request | Fix it |\n| 429 | Too many | Retry later |\n";
    let expected = shape(&read(run_together, Form::Text));
    assert_eq!(expected.len(), 2);
    assert_eq!(expected[1].2, "429Too manyRetry later");
    assert_eq!(shape(&read(tabs, Form::Text)), expected);
    assert_eq!(shape(&read(pipes, Form::Text)), expected);
    assert_eq!(shape(&read(markdown, Form::Markdown)), expected);
}

#[test]
fn rewrapped_lines_give_the_same_facts() {
    let one = "Limits\n\nPrompts are limited to 2500 characters and must not be empty.\n";
    let wrapped = "Limits\n\nPrompts are limited to 2500\ncharacters and must not\nbe empty.\n";
    assert_eq!(shape(&read(wrapped, Form::Text)), shape(&read(one, Form::Text)));
    let wrapped_markdown = "## Limits\n\nPrompts are limited to 2500\ncharacters and must not\nbe empty.\n";
    assert_eq!(shape(&read(wrapped_markdown, Form::Markdown)), shape(&read(one, Form::Text)));
}

#[test]
fn prose_that_states_no_fact_is_not_a_fact() {
    let inv = read("Intro\n\nThis page explains the model. Try it in the playground.\n", Form::Text);
    assert!(inv.facts.is_empty(), "{:?}", inv.facts);
    let inv = read("Intro\n\nThe default resolution is 1080p. Try it in the playground.\n", Form::Text);
    assert_eq!(inv.facts.len(), 1);
    assert_eq!(inv.facts[0].text, "The default resolution is 1080p.");
}

#[test]
fn parameter_blocks_read_the_same_in_both_forms() {
    let text = "Body\n\nmode\nenum<string>\ndefault:\"fast\"\nrequired\n\nHow to run. Must be one of the options.\n\nAvailable options:\nfast,\nslow\nsize\ninteger\n\nRequired range: 1 <= x <= 9\n";
    let markdown = "## Body\n\n<ParamField body=\"mode\" type=\"enum<string>\" default=\"fast\" required>\n\nHow to run. Must be one of the options.\n\nAvailable options: fast, slow\n\n</ParamField>\n\n<ParamField body=\"size\" type=\"integer\">\n\nRequired range: 1 <= x <= 9\n\n</ParamField>\n";
    let a = read(text, Form::Text);
    assert_eq!(shape(&a), shape(&read(markdown, Form::Markdown)));
    assert_eq!(a.facts.len(), 5, "{:#?}", a.facts);
    assert_eq!(a.facts[0].text, "mode enum<string> required default:fast");
    assert_eq!(a.facts[1].text, "Must be one of the options.");
    assert_eq!(a.facts[2].text, "Available options: fast, slow");
}

#[test]
fn the_reader_depends_on_nothing_that_reads_the_spec() {
    // Regression guard of the independence the docs check rests on: this crate has no
    // dependencies at all, so nothing it reads can come from the spec files.
    let manifest =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap_or("");
    let deps: Vec<&str> =
        deps.lines().map(str::trim).take_while(|l| !l.starts_with('[')).filter(|l| !l.is_empty()).collect();
    assert!(deps.is_empty(), "the doc reader must not depend on anything: {deps:?}");
}
