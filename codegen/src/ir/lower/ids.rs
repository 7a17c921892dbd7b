//! Constraint ids: every request rule gets a stable id built from the operation and the
//! wire path it applies to, `apixo.submit.input[mode=video-edit].image_urls:items`. The
//! generated validator reports the id with each violation, and the conformance coverage
//! matrix counts which ids its cases exercised.

use super::context::Cx;
use crate::ir::{Constraint, Source, Ty, TypeDef, Types};

struct Walk<'a, 'b> {
    cx: &'a mut Cx<'b>,
    module: String,
    op: String,
    types: Vec<TypeDef>,
    out: Vec<Constraint>,
    /// Struct/union name → the path it was first reached at.
    reached: Vec<(String, String)>,
}

/// Assigns ids to every constraint reachable from the request of each submit operation,
/// `roots` being `(operation key, request type)`, and returns the catalogue.
pub(super) fn assign(
    cx: &mut Cx,
    module: &str,
    roots: &[(String, String)],
    types: Vec<TypeDef>,
) -> (Vec<TypeDef>, Vec<Constraint>) {
    let mut w = Walk { cx, module: module.to_owned(), op: String::new(), types, out: Vec::new(), reached: Vec::new() };
    for (op, root) in roots {
        w.op = op.clone();
        if w.types.union_def(root).is_some() {
            w.walk_union(root, "");
        } else {
            w.walk_struct(root, "");
        }
    }
    (w.types, w.out)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

impl Walk<'_, '_> {
    /// The id base of a wire path: `apixo.submit.input[mode=video-edit].image_urls`.
    fn base(&self, path: &str) -> String {
        let sep = if path.is_empty() || path.starts_with('[') { "" } else { "." };
        format!("{}.{}{sep}{path}", self.module, self.op)
    }

    fn push(&mut self, base: &str, rule: &str, path: &str, limit: String, source: Option<Source>) {
        self.out.push(Constraint {
            id: format!("{base}:{rule}"),
            rule: rule.to_owned(),
            operation: self.op.clone(),
            path: path.to_owned(),
            limit,
            source,
        });
    }

    /// Records that `name` is reached at `path` of the current operation; false if it was
    /// already reached elsewhere.
    fn reach(&mut self, name: &str, path: &str) -> bool {
        let path = &format!("{}:{path}", self.op);
        if let Some((_, first)) = self.reached.iter().find(|(n, _)| n == name) {
            if first != path {
                self.cx.err_at(
                    None,
                    format!("types.{name}"),
                    format!("request type {name} is used at two places (`{first}` and `{path}`); constraint ids need one place per type, so declare a second type"),
                );
            }
            return false;
        }
        self.reached.push((name.to_owned(), path.to_owned()));
        true
    }

    fn walk_struct(&mut self, name: &str, path: &str) {
        if !self.reach(name, path) {
            return;
        }
        let Some(idx) = self.types.iter().position(|t| t.name() == name) else { return };
        let TypeDef::Struct(mut s) = self.types[idx].clone() else { return };
        s.id_base = self.base(path);
        for f in &mut s.fields {
            let fpath = if f.flatten { path.to_owned() } else { join(path, &f.wire) };
            f.id_base = self.base(&fpath);
            let base = f.id_base.clone();
            if f.required && !f.flatten {
                self.push(&base, "required", &fpath, "must be present".into(), Some(f.source.clone()));
            }
            if !f.aliases.is_empty() {
                let names: Vec<String> =
                    std::iter::once(&f.wire).chain(&f.aliases).map(|n| format!("`{}`", join(path, n))).collect();
                let limit =
                    format!("at most one of {} (names of one field; the client writes `{}`)", names.join(", "), f.wire);
                self.push(&base, "alias", &fpath, limit, Some(f.source.clone()));
            }
            let elem = match &f.ty {
                Ty::Array(i) => i.as_ref(),
                t => t,
            };
            if let Ty::Enum(e) = elem {
                let values: Vec<String> = self
                    .types
                    .enum_def(e)
                    .map(|e| e.values.iter().map(|v| v.wire.clone()).collect())
                    .unwrap_or_default();
                self.push(&base, "enum", &fpath, format!("one of: {}", values.join(", ")), Some(f.source.clone()));
            }
            for c in &f.checks {
                self.push(&base, c.kind.rule(), &fpath, c.kind.limit_text(), Some(c.source.clone()));
            }
            match &f.ty {
                Ty::Struct(n) => self.walk_struct(&n.clone(), &fpath),
                Ty::Array(i) => {
                    if let Ty::Struct(n) = i.as_ref() {
                        self.walk_struct(&n.clone(), &format!("{fpath}[]"));
                    }
                }
                Ty::Union(u) => self.walk_union(&u.clone(), &fpath),
                _ => {}
            }
        }
        self.types[idx] = TypeDef::Struct(s);
    }

    fn walk_union(&mut self, name: &str, path: &str) {
        if !self.reach(name, path) {
            return;
        }
        let Some(idx) = self.types.iter().position(|t| t.name() == name) else { return };
        let TypeDef::Union(mut u) = self.types[idx].clone() else { return };
        u.id_base = self.base(path);
        let tag_path = join(path, &u.tag);
        let tag_base = self.base(&tag_path);
        let tags: Vec<String> = u.variants.iter().map(|v| v.tag.clone()).collect();
        self.push(&tag_base, "required", &tag_path, "must be present".into(), Some(u.source.clone()));
        self.push(&tag_base, "tag", &tag_path, format!("one of: {}", tags.join(", ")), Some(u.source.clone()));
        for v in &mut u.variants {
            let vpath = format!("{path}[{}={}]", u.tag, v.tag);
            for f in &mut v.forbidden {
                let fpath = join(&vpath, &f.wire);
                f.id_base = self.base(&fpath);
                let limit = format!("absent when {} is {} (allowed in: {})", u.tag, v.tag, f.allowed_in.join(", "));
                let base = f.id_base.clone();
                self.push(&base, "forbidden", &fpath, limit, None);
            }
            if let Some(p) = &v.payload {
                self.walk_struct(&p.clone(), &vpath);
            }
        }
        self.types[idx] = TypeDef::Union(u);
    }
}
