//! What the simulator plays of each spec module, compiled once when it starts: the routes
//! (each submit operation's method and path under the documented base path, and the status
//! query with its id in the path or the query), the request body's JSON Schema compiled by
//! the `jsonschema` crate, and a check that every rule the schema cannot state has generic
//! code here. Nothing in this file names a provider, a path or a field.

use std::fmt;

use happyhorse_codegen::ir::{CheckKind, Module, Operation, TypeDef, Usage};

/// One piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// A path with `{name}` placeholders, `/api/v1/tasks/{task_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathTemplate {
    segments: Vec<Segment>,
}

impl PathTemplate {
    /// Parses `/a/{b}/c`. A placeholder is a whole segment.
    pub fn parse(path: &str) -> PathTemplate {
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                Some(name) => Segment::Param(name.to_owned()),
                None => Segment::Literal(s.to_owned()),
            })
            .collect();
        PathTemplate { segments }
    }

    /// `prefix` followed by this template.
    pub fn under(&self, prefix: &str) -> PathTemplate {
        let mut out = PathTemplate::parse(prefix);
        out.segments.extend(self.segments.iter().cloned());
        out
    }

    /// The placeholders' values when `path` matches, `None` otherwise. A placeholder takes
    /// one non-empty segment, percent-decoded.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(l) if l == part => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => params.push((name.clone(), percent_decode(part))),
            }
        }
        Some(params)
    }

    /// Number of literal segments (a more literal match wins).
    pub fn literals(&self) -> usize {
        self.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count()
    }

    /// Whether some path matches both templates.
    pub fn overlaps(&self, other: &PathTemplate) -> bool {
        self.segments.len() == other.segments.len()
            && self.segments.iter().zip(&other.segments).all(|pair| match pair {
                (Segment::Literal(a), Segment::Literal(b)) => a == b,
                _ => true,
            })
    }

    /// The path with `param` put in for every placeholder.
    pub fn render(&self, param: &str) -> String {
        let mut out = String::new();
        for s in &self.segments {
            out.push('/');
            match s {
                Segment::Literal(l) => out.push_str(l),
                Segment::Param(_) => out.push_str(&percent_encode(param)),
            }
        }
        if out.is_empty() { "/".to_owned() } else { out }
    }

    /// The first segment, if it is a literal.
    fn first_literal(&self) -> Option<&str> {
        match self.segments.first() {
            Some(Segment::Literal(l)) => Some(l),
            _ => None,
        }
    }
}

impl fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("/");
        }
        for s in &self.segments {
            match s {
                Segment::Literal(l) => write!(f, "/{l}")?,
                Segment::Param(p) => write!(f, "/{{{p}}}")?,
            }
        }
        Ok(())
    }
}

/// `%XX` escapes decoded (invalid escapes and non-UTF-8 results are kept as written).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// Escapes everything but unreserved characters (RFC 3986).
pub(crate) fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Where the status query takes the task id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IdIn {
    /// A path placeholder of this name.
    Path(String),
    /// A query parameter of this name.
    Query(String),
}

/// A submit operation as played.
pub(crate) struct SubmitOp {
    /// The operation's spec key.
    pub key: String,
    /// HTTP method, upper case.
    pub method: String,
    /// The full path (module prefix, base path, operation path).
    pub path: PathTemplate,
    /// The media type the body must be sent as, when the spec names one.
    pub content_type: Option<String>,
    /// The request body's type.
    pub request: Option<String>,
    /// The exported JSON Schema of the body, compiled by the `jsonschema` crate.
    pub schema: jsonschema::Validator,
    /// The largest body read: room for every data URI the request may carry at its
    /// documented size, on top of [`super::http::BODY_LIMIT`].
    pub body_limit: usize,
}

/// The status operation as played.
pub(crate) struct StatusOp {
    pub key: String,
    pub method: String,
    pub path: PathTemplate,
    pub id: IdIn,
}

/// One spec module as the simulator plays it.
pub(crate) struct Played {
    pub ir: Module,
    /// `/_sim/m/<module>` when a documented path of this module is taken by another module
    /// (or by the simulator's own routes); otherwise empty.
    pub prefix: String,
    /// The path of the documented base URL, `/api/v1` or empty.
    pub base_path: String,
    pub submits: Vec<SubmitOp>,
    pub status: StatusOp,
    /// The documented response examples, parsed once (every answer follows one):
    /// `(status, operation, type, value)`.
    pub responses: Vec<(Option<u16>, String, String, serde_json::Value)>,
}

/// The simulator's own path prefixes, which no module may use.
const RESERVED: [&str; 2] = ["_sim", "files"];

impl Played {
    /// Compiles module `ir`; `taken` are the paths of the modules compiled before it.
    pub fn new(ir: Module, taken: &[PathTemplate]) -> Result<Played, String> {
        let name = ir.module.clone();
        let base_path = reqwest::Url::parse(&ir.base_url)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .map_err(|e| format!("module `{name}`: base URL {:?} is not a URL: {e}", ir.base_url))?;
        let own: Vec<PathTemplate> = ir
            .submits
            .iter()
            .chain(std::iter::once(&ir.status))
            .map(|op| PathTemplate::parse(&op.path).under(&base_path))
            .collect();
        let collides = own
            .iter()
            .any(|p| p.first_literal().is_some_and(|l| RESERVED.contains(&l)) || taken.iter().any(|t| t.overlaps(p)));
        let prefix = if collides { format!("/_sim/m/{name}") } else { String::new() };
        let full = |op: &Operation| PathTemplate::parse(&op.path).under(&base_path).under(&prefix);
        check_generic_rules(&ir)?;
        let mut submits = Vec::new();
        for op in &ir.submits {
            let schema_json = happyhorse_codegen::openapi::request_schema_for(&ir, op);
            let schema = jsonschema::validator_for(&schema_json).map_err(|e| {
                format!("module `{name}`, operation `{}`: the exported JSON Schema does not compile: {e}", op.key)
            })?;
            submits.push(SubmitOp {
                key: op.key.clone(),
                method: op.method.to_ascii_uppercase(),
                path: full(op),
                content_type: op.content_type.clone(),
                request: op.request.clone(),
                schema,
                body_limit: super::http::BODY_LIMIT.saturating_add(data_uri_room(&ir)),
            });
        }
        let id = match &ir.status.id_param {
            Some(p) if p.in_query => IdIn::Query(p.name.clone()),
            Some(p) => IdIn::Path(p.name.clone()),
            None => return Err(format!("module `{name}`: the status operation takes no task id")),
        };
        let status = StatusOp {
            key: ir.status.key.clone(),
            method: ir.status.method.to_ascii_uppercase(),
            path: full(&ir.status),
            id,
        };
        let responses = ir
            .examples
            .iter()
            .filter(|e| e.kind == happyhorse_codegen::ir::ExampleKind::Response)
            .filter_map(|e| {
                let value = serde_json::from_str(&e.json).ok()?;
                Some((e.status, e.operation.clone(), e.ty.clone(), value))
            })
            .collect();
        Ok(Played { ir, prefix, base_path, submits, status, responses })
    }

    /// The module's name.
    pub fn name(&self) -> &str {
        &self.ir.module
    }

    /// Every path this module answers on.
    pub fn paths(&self) -> Vec<PathTemplate> {
        self.submits.iter().map(|s| s.path.clone()).chain(std::iter::once(self.status.path.clone())).collect()
    }

    /// The URL a client of this module uses as its base URL, on `origin`.
    pub fn base_url(&self, origin: &str) -> String {
        format!("{origin}{}{}", self.prefix, self.base_path)
    }

    /// The absolute status URL of task `id`, on `origin`.
    pub fn status_url(&self, origin: &str, id: &str) -> String {
        match &self.status.id {
            IdIn::Path(_) => format!("{origin}{}", self.status.path.render(id)),
            IdIn::Query(name) => {
                format!("{origin}{}?{}={}", self.status.path.render(id), percent_encode(name), percent_encode(id))
            }
        }
    }
}

/// The request rules the JSON Schema cannot state must each have generic code in the
/// simulator ([`super::judge`]); a rule kind it does not know stops the simulator with a
/// message naming the constraint, instead of being accepted silently.
fn check_generic_rules(ir: &Module) -> Result<(), String> {
    let missing: Vec<String> = happyhorse_codegen::openapi::not_expressible(ir)
        .into_iter()
        .filter(|(id, _)| !handled(ir, id))
        .map(|(id, why)| format!("{id} ({why})"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "module `{}`: the simulator has no generic check for {} rule(s) JSON Schema cannot state: {}",
        ir.module,
        missing.len(),
        missing.join("; ")
    ))
}

/// Whether the check behind constraint `id` is one [`super::judge`] applies.
/// The base64 bytes of the largest data URIs a request of the module may carry (an upper
/// bound for each operation): each data URI field at its decoded limit, times its item
/// limit for an array.
fn data_uri_room(ir: &Module) -> usize {
    let mut room: u64 = 0;
    for t in &ir.types {
        let TypeDef::Struct(s) = t else { continue };
        if s.usage != Usage::Request {
            continue;
        }
        for f in &s.fields {
            let items = f.checks.iter().find_map(|c| match c.kind {
                CheckKind::Items { max, .. } => max,
                _ => None,
            });
            for c in &f.checks {
                if let CheckKind::DataUri { max_bytes, .. } = c.kind {
                    let one = max_bytes.div_ceil(3) * 4 + 256;
                    room = room.saturating_add(one.saturating_mul(items.map_or(1, |n| n.max(1) as u64)));
                }
            }
        }
    }
    usize::try_from(room).unwrap_or(usize::MAX)
}

fn handled(ir: &Module, id: &str) -> bool {
    ir.types.iter().any(|t| match t {
        TypeDef::Struct(s) if s.usage == Usage::Request => s.fields.iter().any(|f| {
            f.checks.iter().any(|c| {
                format!("{}:{}", f.id_base, c.kind.rule()) == id
                    && matches!(c.kind, CheckKind::Length { .. } | CheckKind::PublicUrl | CheckKind::DataUri { .. })
            })
        }),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_render_and_overlap() {
        let t = PathTemplate::parse("/api/v1/tasks/{task_id}");
        assert_eq!(t.matches("/api/v1/tasks/a%20b"), Some(vec![("task_id".to_owned(), "a b".to_owned())]));
        assert_eq!(t.matches("/api/v1/tasks"), None);
        assert_eq!(t.matches("/api/v1/tasks/x/y"), None);
        assert_eq!(t.render("a b"), "/api/v1/tasks/a%20b");
        assert_eq!(t.to_string(), "/api/v1/tasks/{task_id}");
        assert!(t.overlaps(&PathTemplate::parse("/api/v1/{x}/y")));
        assert!(!t.overlaps(&PathTemplate::parse("/api/v2/tasks/{id}")));
        assert_eq!(PathTemplate::parse("/x").under("/api/v1").to_string(), "/api/v1/x");
        assert_eq!(t.literals(), 3);
    }
}
