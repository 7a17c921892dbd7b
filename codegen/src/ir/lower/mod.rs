//! Lowering: spec model → checked IR. Collects every problem it finds (not just the
//! first), each with `file:line:col`, the key path and what was expected.

mod billing;
mod context;
mod ids;
mod ops;
mod rest;
mod types;

use std::collections::BTreeMap;

use crate::error::SpecErrors;
use crate::spec::Loaded;

use super::{Doc, Module};
use context::Cx;

/// Checks a parsed spec (a provider file and its endpoint files, joined) and lowers it to
/// the IR. `spec_sha256` (of the joined text) and `spec_files` (each file with its hash) go
/// into the generated header.
pub fn lower(loaded: &Loaded, spec_sha256: &str, spec_files: &[(String, String)]) -> Result<Module, SpecErrors> {
    let spec = &loaded.spec;
    let mut cx = Cx::new(&loaded.source);

    if *spec.format.get_ref() != 1 {
        cx.err(&spec.format, "format", format!("unsupported format {}; expected 1", spec.format.get_ref()));
    }
    let docs = lower_docs(&mut cx, spec);
    cx.docs = docs.iter().map(|d| (d.key.clone(), d.clone())).collect::<BTreeMap<_, _>>();
    for (key, d) in &spec.docs {
        if d.as_ref().origin.get_ref() == "main" {
            let file = loaded.source.file_of(d.span().start).to_owned();
            cx.main_docs.insert(file, key.clone());
        }
    }
    for (name, e) in &spec.endpoints {
        if e.as_ref().provider.get_ref() != spec.provider.module.get_ref() {
            cx.err(
                &e.as_ref().provider,
                format!("endpoints.{name}.provider"),
                format!(
                    "`{}`: this file is joined to provider `{}`; expected that module name",
                    e.as_ref().provider.get_ref(),
                    spec.provider.module.get_ref()
                ),
            );
        }
    }

    let p = &spec.provider;
    let module = p.module.get_ref().clone();
    if let Some(problem) = super::names::ident_problem(&module) {
        cx.err(&p.module, "provider.module", format!("`{module}` {problem}; expected a snake_case Rust module name"));
    } else if module != super::names::snake(&module) {
        cx.err(
            &p.module,
            "provider.module",
            format!("`{module}` is not snake_case; expected a snake_case Rust module name"),
        );
    }
    cx.module = module.clone();
    let base_url = p.base_url.get_ref().clone();
    if !base_url.starts_with("https://") || base_url.ends_with('/') || base_url.contains(['?', '#', '@']) {
        cx.err(
            &p.base_url,
            "provider.base_url",
            format!("`{base_url}`: expected an https:// URL without a trailing slash, query, fragment or credentials"),
        );
    }
    let base_url_source = cx.source(&p.source, "provider.source");
    let provider_decision = cx.decision(&p.decision, "provider");
    let auth = rest::auth(&mut cx, &spec.auth);
    let base_url_env = base_url_env(&mut cx, p, provider_decision.as_ref(), &auth.env_var);
    let counters = rest::counters(&mut cx, spec);

    for (name, at) in &spec.types {
        if RESERVED.contains(&name.as_str()) {
            cx.err(
                at,
                format!("types.{name}"),
                format!("`{name}` is reserved: the generator emits an item of that name; choose another"),
            );
        }
    }
    let types = types::lower_types(&mut cx, spec, &counters);
    // Later steps resolve references into the types; they only run on well-formed types,
    // so one broken type does not cascade into dozens of follow-up messages.
    if !cx.errs.is_empty() {
        return Err(SpecErrors(cx.errs));
    }
    let Some((submits, status)) = ops::operations(&mut cx, spec, &types) else {
        return Err(SpecErrors(cx.errs));
    };
    if !cx.errs.is_empty() {
        return Err(SpecErrors(cx.errs));
    }
    let roots: Vec<(String, String)> =
        submits.iter().map(|s| (s.key.clone(), s.request.clone().unwrap_or_default())).collect();
    let (types, constraints) = ids::assign(&mut cx, &module, &roots, types);
    let submit = &submits[0];
    let task = ops::task(&mut cx, spec, &types, submit, &status);
    let mut roots = vec![submit.response.as_str(), status.response.as_str()];
    if let Some(c) = &spec.callbacks {
        roots.push(c.payload.get_ref());
    }
    let envelope = spec.envelope.as_ref().and_then(|e| ops::envelope(&mut cx, e, &types, &roots));
    let errors = ops::errors(&mut cx, spec, &types);
    let statuses = ops::statuses(&mut cx, spec);
    let unlisted_statuses = ops::unlisted_statuses(&mut cx, spec);
    let modes = rest::modes(&mut cx, spec, &types, &submits);
    let billing = match &modes {
        Some(_) if submits.len() > 1 && spec.billing.is_some() => {
            cx.err_at(
                spec.billing.as_ref().map(|b| b.per.span()),
                "billing",
                "billing with several submit operations is not supported yet; put each priced endpoint in a provider of its own",
            );
            None
        }
        Some(modes) if cx.errs.is_empty() => billing::billing(&mut cx, spec, &types, submit, modes),
        _ => None,
    };
    let callbacks = rest::callbacks(&mut cx, spec, &types, &status);
    let lints = rest::lints(&mut cx, spec, &types, &submits, modes.as_ref());
    let error_body = spec.errors.body.get_ref().clone();
    let examples = rest::examples(&mut cx, spec, &submits, &status, &error_body);
    let not_encoded = rest::not_encoded(&mut cx, spec);
    let notes = rest::notes(&mut cx, spec);
    let (Some(task), Some(errors), Some(modes)) = (task, errors, modes) else {
        return Err(SpecErrors(cx.errs));
    };
    if !cx.errs.is_empty() {
        return Err(SpecErrors(cx.errs));
    }
    Ok(Module {
        spec_file: loaded.source.name.clone(),
        spec_sha256: spec_sha256.to_owned(),
        spec_files: spec_files.to_vec(),
        module_at: loaded.source.line_col(p.module.span().start),
        provider: p.name.get_ref().clone(),
        module,
        family: p.family.get_ref().clone(),
        doc: p.doc.get_ref().clone(),
        base_url,
        base_url_source,
        base_url_env,
        provider_decision,
        docs,
        auth,
        types,
        submits,
        status,
        task,
        envelope,
        errors,
        statuses,
        unlisted_statuses,
        modes,
        billing,
        callbacks,
        lints,
        examples,
        counters,
        constraints,
        decisions: cx.decisions,
        not_encoded,
        notes,
    })
}

/// `provider.base_url_env`: a valid variable name, not the API key's, and (no doc names it)
/// recorded by a decision on `[provider]` whose `sets` lists it.
fn base_url_env(
    cx: &mut Cx,
    p: &crate::spec::model::Provider,
    decision: Option<&super::Decision>,
    key_env: &str,
) -> Option<String> {
    let name = p.base_url_env.as_ref()?;
    let path = "provider.base_url_env";
    if rest::env_var_name(cx, name, path) && name.get_ref() == key_env {
        cx.err(
            name,
            path,
            format!("`{key_env}` is already `auth.env_var`, the API key's variable; choose another name"),
        );
    }
    if !decision.is_some_and(|d| d.sets.iter().any(|s| s == "base_url_env")) {
        cx.err(
            name,
            path,
            "no doc names this variable: record the choice in `[provider]` as `decision = { choice = ..., reason = ..., sets = [\"base_url_env\"] }`",
        );
    }
    Some(name.get_ref().clone())
}

/// Names of items every generated module defines besides the spec's types.
const RESERVED: &[&str] = &["Api", "Client", "Mode", "BillingInputs"];

fn lower_docs(cx: &mut Cx, spec: &crate::spec::model::SpecFile) -> Vec<Doc> {
    let mut out = Vec::new();
    let mut mains = 0;
    let mut main_files: BTreeMap<String, String> = BTreeMap::new();
    for (key, at) in &spec.docs {
        let path = format!("docs.{key}");
        let d = at.as_ref();
        let origin = d.origin.get_ref().clone();
        match origin.as_str() {
            "main" => {
                mains += 1;
                let file = cx.file_of(at.span().start).to_owned();
                if let Some(other) = main_files.insert(file.clone(), key.clone()) {
                    cx.err(
                        &d.origin,
                        format!("{path}.origin"),
                        format!("{file} already has a main doc, `{other}`; a spec file has at most one"),
                    );
                }
            }
            "linked" | "upstream" => {}
            other => cx.err(
                &d.origin,
                format!("{path}.origin"),
                format!("`{other}`: expected \"main\", \"linked\" or \"upstream\""),
            ),
        }
        if !d.url.get_ref().starts_with("https://") {
            cx.err(&d.url, format!("{path}.url"), "expected an https:// URL");
        }
        out.push(Doc {
            key: key.clone(),
            file: cx.file_of(at.span().start).to_owned(),
            url: d.url.get_ref().clone(),
            copy: d.copy.get_ref().clone(),
            markdown: d.markdown.as_ref().map(|m| m.get_ref().clone()),
            origin,
            sections: d.sections.iter().map(|s| s.get_ref().clone()).collect(),
        });
    }
    if mains == 0 {
        cx.err_at(None, "docs", "expected a doc with origin = \"main\" (the provider's page), found none");
    }
    out
}
