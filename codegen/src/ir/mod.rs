//! The checked model (IR) between the spec files and the emitters.
//!
//! Everything here has been resolved and checked by [`lower()`]: type references exist,
//! limits are consistent, defaults satisfy their own constraints, every mode has polling
//! guidance and (when billing is documented) a formula over known fields. Emitters read
//! the IR only; they never see TOML and never need to report errors.

pub mod expr;
pub mod lower;
pub mod names;
mod resolve;

pub use lower::lower;

/// One provider endpoint family: everything one generated module needs.
#[derive(Debug, Clone)]
pub struct Module {
    /// The provider's spec file as named in the header, e.g. `spec/apixo-happyhorse.toml`.
    pub spec_file: String,
    /// SHA-256 of the spec's text (the provider file and its endpoint files, joined),
    /// lowercase hex.
    pub spec_sha256: String,
    /// Every file the module is generated from, with its own SHA-256: the provider file,
    /// then its endpoint files.
    pub spec_files: Vec<(String, String)>,
    /// Where `[provider] module` is written: line and column in the provider file.
    pub module_at: (usize, usize),
    /// Provider display name, `APIXO`.
    pub provider: String,
    /// Rust module name, `apixo`.
    pub module: String,
    /// Endpoint family, `happyHorse`.
    pub family: String,
    pub doc: String,
    pub base_url: String,
    pub base_url_source: Source,
    /// The environment variable a client reads a base URL from, when the spec names one.
    pub base_url_env: Option<String>,
    /// The decision recorded on `[provider]` (it names `base_url_env`, which no doc states).
    pub provider_decision: Option<Decision>,
    pub docs: Vec<Doc>,
    pub auth: Auth,
    /// Named types, ordered by name.
    pub types: Vec<TypeDef>,
    /// The operations that create a task: one per model or endpoint, in key order. When
    /// there are several, each is one mode and they share the submit answer's type.
    pub submits: Vec<Operation>,
    pub status: Operation,
    pub task: Task,
    /// The `{code, message}` envelope of every answer; `None` when answers have none and
    /// success is the HTTP status alone.
    pub envelope: Option<Envelope>,
    pub errors: ErrorModel,
    pub statuses: Vec<HttpStatus>,
    pub unlisted_statuses: UnlistedStatuses,
    pub modes: Modes,
    pub billing: Option<Billing>,
    pub callbacks: Option<Callbacks>,
    pub lints: Vec<Lint>,
    pub examples: Vec<Example>,
    pub counters: Vec<Counter>,
    /// Every request constraint with its id, in a stable order.
    pub constraints: Vec<Constraint>,
    /// Every recorded decision and where it is recorded.
    pub decisions: Vec<DecisionAt>,
    /// Doc facts deliberately not encoded.
    pub not_encoded: Vec<NotEncoded>,
    /// Documented facts no code checks.
    pub notes: Vec<Note>,
}

/// The path of a base URL without its trailing slash (`/api/v1`, or empty).
pub fn url_base_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or_else(String::new, |i| after_scheme[i..].trim_end_matches('/').to_owned())
}

impl Module {
    /// The path of the documented base URL without its trailing slash (`/api/v1`, or empty).
    pub fn base_path(&self) -> String {
        url_base_path(&self.base_url)
    }

    /// The first submit operation (the only one, for most providers).
    pub fn submit(&self) -> &Operation {
        &self.submits[0]
    }

    /// The submit operation with this key.
    pub fn submit_op(&self, key: &str) -> Option<&Operation> {
        self.submits.iter().find(|o| o.key == key)
    }

    /// The submit operation of a mode.
    pub fn submit_of(&self, mode: &Mode) -> &Operation {
        self.submit_op(&mode.operation).unwrap_or_else(|| self.submit())
    }
}

/// Looking up named types, on the whole module or on a list of types being lowered.
pub trait Types {
    /// All named types.
    fn all_types(&self) -> &[TypeDef];

    /// The named type `name`.
    fn ty(&self, name: &str) -> Option<&TypeDef> {
        self.all_types().iter().find(|t| t.name() == name)
    }

    /// The struct `name`, if it is one.
    fn struct_def(&self, name: &str) -> Option<&Struct> {
        match self.ty(name) {
            Some(TypeDef::Struct(s)) => Some(s),
            _ => None,
        }
    }

    /// The enum `name`, if it is one.
    fn enum_def(&self, name: &str) -> Option<&Enum> {
        match self.ty(name) {
            Some(TypeDef::Enum(e)) => Some(e),
            _ => None,
        }
    }

    /// The union `name`, if it is one.
    fn union_def(&self, name: &str) -> Option<&Union> {
        match self.ty(name) {
            Some(TypeDef::Union(u)) => Some(u),
            _ => None,
        }
    }
}

impl Types for [TypeDef] {
    fn all_types(&self) -> &[TypeDef] {
        self
    }
}

impl Types for Module {
    fn all_types(&self) -> &[TypeDef] {
        &self.types
    }
}

/// Where a fact comes from: the doc facts it stands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Key path of the `source` in the spec file, `types.Input.fields[1].source`.
    pub at: String,
    /// 1-based line of the source in the spec file.
    pub line: usize,
    /// The anchors, at least one; the first is the primary one shown in rustdoc.
    pub anchors: Vec<Anchor>,
}

impl Source {
    /// The primary anchor.
    pub fn primary(&self) -> &Anchor {
        &self.anchors[0]
    }
}

/// One doc fact a spec fact stands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// Key of the doc in the spec's `[docs]`.
    pub doc: String,
    pub url: String,
    /// `main`, `linked` or `upstream`.
    pub origin: String,
    pub section: String,
    /// Which fact of the section.
    pub selector: Selector,
    /// Verbatim words inside that fact.
    pub quote: Option<String>,
    /// The spec file this anchor is written in.
    pub file: String,
    /// Key path of this anchor, `types.Input.fields[1].source[0]`.
    pub at: String,
    /// 1-based line of this anchor in the spec file.
    pub line: usize,
}

/// Which fact of a section an anchor points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Any fact of the section (the quote picks it).
    Section,
    /// The table row whose first cell is this.
    Row(String),
    /// The parameter block of this name.
    Param(String),
    /// The code block with this caption or kind.
    Code(String),
}

/// A decision recorded for an ambiguity of the docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Number in `docs/FACTS.md`'s ambiguity list, when it is one of those.
    pub ambiguity: Option<u32>,
    pub choice: String,
    pub reason: String,
    /// Values of the fact the decision sets rather than the docs.
    pub sets: Vec<String>,
}

/// A decision and the spec key path it is recorded at.
#[derive(Debug, Clone)]
pub struct DecisionAt {
    pub at: String,
    pub decision: Decision,
}

/// A doc the spec cites.
#[derive(Debug, Clone)]
pub struct Doc {
    pub key: String,
    /// The spec file that declares it.
    pub file: String,
    pub url: String,
    /// Saved copy, relative to the spec file's directory.
    pub copy: String,
    /// The markdown form of the same page, relative to the spec file's directory.
    pub markdown: Option<String>,
    /// `main`, `linked` or `upstream`.
    pub origin: String,
    /// Sections of the copy this doc covers; empty: all.
    pub sections: Vec<String>,
}

/// A doc fact the spec deliberately does not encode.
#[derive(Debug, Clone)]
pub struct NotEncoded {
    /// Where the fact is (the anchor's `at` is the entry's key path).
    pub anchor: Anchor,
    pub reason: String,
}

/// A documented fact no code checks, shown in the module's docs.
#[derive(Debug, Clone)]
pub struct Note {
    pub name: String,
    pub doc: String,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone)]
pub struct Auth {
    pub header: String,
    /// Only `bearer` exists.
    pub scheme: String,
    pub env_var: String,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// Whether a type is sent (strict) or received (lenient).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    Request,
    Response,
}

/// A named type.
#[derive(Debug, Clone)]
pub enum TypeDef {
    Enum(Enum),
    Struct(Struct),
    Union(Union),
}

impl TypeDef {
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Enum(e) => &e.name,
            TypeDef::Struct(s) => &s.name,
            TypeDef::Union(u) => &u.name,
        }
    }
}

/// The phase of a task state, for the waiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Pending,
    Succeeded,
    Failed,
}

/// A string enum. Response enums are open (`Unknown(String)` keeps unlisted values).
#[derive(Debug, Clone)]
pub struct Enum {
    pub name: String,
    pub doc: String,
    pub usage: Usage,
    pub source: Source,
    pub decision: Option<Decision>,
    pub values: Vec<EnumValue>,
    /// Phase of values that are not listed (state enums only).
    pub unknown_phase: Option<Phase>,
    /// Whether a retry may help for values that are not listed (fail-code enums only).
    pub unknown_retryable: Option<bool>,
    /// Name of the variant that keeps unlisted values (open enums), `Unknown` or `Other`.
    pub fallback: String,
}

impl Enum {
    /// The enum's values carry task phases (it is a state enum).
    pub fn has_phase(&self) -> bool {
        self.values.iter().any(|v| v.phase.is_some())
    }
    /// The enum's values carry retry advice (it is a fail-code enum).
    pub fn has_retryable(&self) -> bool {
        self.values.iter().any(|v| v.retryable.is_some())
    }
    /// The enum's values carry meaning/action texts.
    pub fn has_meaning(&self) -> bool {
        self.values.iter().any(|v| v.meaning.is_some())
    }
    /// Response enums are open.
    pub fn open(&self) -> bool {
        self.usage == Usage::Response
    }
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    /// Canonical wire spelling.
    pub wire: String,
    /// Other spellings that mean the same value.
    pub aliases: Vec<String>,
    /// Rust variant name.
    pub name: String,
    pub doc: Option<String>,
    pub phase: Option<Phase>,
    pub retryable: Option<bool>,
    pub meaning: Option<String>,
    pub action: Option<String>,
    pub source: Option<Source>,
    pub decision: Option<Decision>,
}

/// An object type.
#[derive(Debug, Clone)]
pub struct Struct {
    pub name: String,
    pub doc: String,
    pub usage: Usage,
    pub source: Source,
    pub decision: Option<Decision>,
    pub fields: Vec<Field>,
    /// For a union variant's payload: the union and the variant tag.
    pub variant_of: Option<(String, String)>,
    /// Constraint id base of the object's place in the request, `apixo.submit.input[mode=video-edit]`
    /// (empty for response types). Rule ids are `<base>:<rule>`.
    pub id_base: String,
}

/// A tagged union: the tag field's value selects a variant, each with its own fields.
#[derive(Debug, Clone)]
pub struct Union {
    pub name: String,
    pub doc: String,
    pub usage: Usage,
    pub source: Source,
    pub decision: Option<Decision>,
    /// Wire name of the tag field, `mode`.
    pub tag: String,
    pub variants: Vec<Variant>,
    /// Every wire key any variant may carry (tag excluded), sorted.
    pub all_keys: Vec<String>,
    /// Constraint id base of the union's place, `apixo.submit.input` (the object holding
    /// the tag). Rule ids are `<base>:<rule>`; the tag's are `<base>.<tag>:<rule>`.
    pub id_base: String,
}

#[derive(Debug, Clone)]
pub struct Variant {
    /// Wire value of the tag.
    pub tag: String,
    /// Rust variant name.
    pub name: String,
    pub doc: String,
    /// Payload struct, when the variant has fields.
    pub payload: Option<String>,
    /// Fields other variants allow and this one forbids.
    pub forbidden: Vec<Forbidden>,
}

/// A field that a variant forbids.
#[derive(Debug, Clone)]
pub struct Forbidden {
    pub wire: String,
    /// The field's other wire names, forbidden alike.
    pub aliases: Vec<String>,
    /// Variant tags that allow it.
    pub allowed_in: Vec<String>,
    /// Constraint id base, `apixo.submit.input[mode=text-to-video].video_urls`.
    pub id_base: String,
}

/// A field of an object.
#[derive(Debug, Clone)]
pub struct Field {
    /// The wire name the client writes.
    pub wire: String,
    /// Other wire names of the same field that strict reading accepts instead (never
    /// together with `wire`): `video_url` for `video`.
    pub aliases: Vec<String>,
    pub rust: String,
    pub ty: Ty,
    pub required: bool,
    /// A union whose tag and fields live at this object's level.
    pub flatten: bool,
    pub doc: String,
    pub unit: Option<String>,
    pub default: Option<DefaultValue>,
    pub examples: Vec<String>,
    pub checks: Vec<Check>,
    pub media: Option<Media>,
    pub overflow: Option<Overflow>,
    pub source: Source,
    pub decision: Option<Decision>,
    /// Constraint id base of the field, `apixo.submit.input[mode=text-to-video].duration`
    /// (empty for response fields). Rule ids are `<base>:<rule>`.
    pub id_base: String,
}

impl Field {
    /// A value of this string field (or of each item of an array of strings) that is exactly
    /// `len` units long under the field's length counting rule and meets its other value
    /// rules at once: a URL field's value starts with its first scheme and names a public
    /// host (`https://example.com/aaaa`). What a boundary case at a length limit of a URL
    /// field sends, so that it breaks (or meets) the length rule alone. `None` when no such
    /// value exists (a limit shorter than the shortest URL, or a length the padding
    /// character's weight cannot reach exactly).
    pub fn text_of_length(&self, len: u64, counters: &[Counter]) -> Option<String> {
        let counter = self.checks.iter().find_map(|c| match &c.kind {
            CheckKind::Length { counter, .. } => Some(counter.clone()),
            _ => None,
        });
        let weight = |c: char| -> u64 {
            match &counter {
                Some(CounterRef::Weighted(name)) => counters.iter().find(|k| &k.name == name).map_or(1, |k| {
                    let cp = u32::from(c);
                    k.ranges.iter().find(|(a, b, _)| (*a..=*b).contains(&cp)).map_or(k.default_weight, |r| r.2).into()
                }),
                Some(CounterRef::Utf16Units) => c.len_utf16() as u64,
                Some(CounterRef::Bytes) => c.len_utf8() as u64,
                Some(CounterRef::UnicodeScalars) | None => 1,
            }
        };
        let prefix = self
            .checks
            .iter()
            .find_map(|c| match &c.kind {
                CheckKind::Url { schemes, .. } => schemes.first().map(|s| format!("{s}://example.com/")),
                _ => None,
            })
            .unwrap_or_default();
        let used: u64 = prefix.chars().map(weight).sum();
        let pad = weight('a');
        let rest = len.checked_sub(used)?;
        if pad == 0 || rest % pad != 0 {
            return None;
        }
        let n = usize::try_from(rest / pad).ok()?;
        Some(format!("{prefix}{}", "a".repeat(n)))
    }
}

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    String,
    Integer,
    Boolean,
    /// Unix time in milliseconds.
    UnixMillis,
    /// A duration in milliseconds.
    Millis,
    Array(Box<Ty>),
    Enum(String),
    Struct(String),
    Union(String),
    /// A JSON document carried as a JSON string on the wire.
    Json(Box<Ty>),
    /// A URL, or a base64 data URI, carried as a string (the runtime's `MediaSource`).
    Media,
}

/// A documented default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultValue {
    /// An enum value (wire spelling) or a union tag.
    Tag(String),
    Integer(i64),
    Boolean(bool),
}

/// One checked rule on a request field's value.
#[derive(Debug, Clone)]
pub struct Check {
    pub kind: CheckKind,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckKind {
    /// String length under a counting rule.
    Length { min: Option<i64>, max: i64, counter: CounterRef },
    /// Integer range, inclusive.
    Range { min: Option<i64>, max: Option<i64> },
    /// Array length, inclusive.
    Items { min: Option<i64>, max: Option<i64> },
    /// URL scheme (each element for arrays): the value starts with `<scheme>://`, or, when
    /// `data` lists media types, is a `data:<type>/...` URI.
    Url { schemes: Vec<String>, data: Vec<String> },
    /// A data URI (each element for arrays) is `data:<type>/<subtype>;base64,<payload>` with a
    /// known type and at most `max_bytes` decoded bytes. URLs pass.
    DataUri { types: Vec<String>, max_bytes: u64 },
    /// A public host: no userinfo, not localhost, no loopback/private/link-local/
    /// unspecified IP literal.
    PublicUrl,
}

impl CheckKind {
    /// The rule name used in constraint ids and violations.
    pub fn rule(&self) -> &'static str {
        match self {
            CheckKind::Length { .. } => "length",
            CheckKind::Range { .. } => "range",
            CheckKind::Items { .. } => "items",
            CheckKind::Url { .. } => "url",
            CheckKind::DataUri { .. } => "data_uri",
            CheckKind::PublicUrl => "url_public",
        }
    }

    /// The limit in words, for docs and the constraint catalogue.
    pub fn limit_text(&self) -> String {
        let bounds = |min: Option<i64>, max: Option<i64>| match (min, max) {
            (Some(a), Some(b)) if a == b => format!("exactly {a}"),
            (Some(a), Some(b)) => format!("{a}..={b}"),
            (Some(a), None) => format!(">= {a}"),
            (None, Some(b)) => format!("<= {b}"),
            (None, None) => "any".into(),
        };
        match self {
            CheckKind::Length { min, max, counter } => {
                let unit = match counter {
                    CounterRef::UnicodeScalars => "Unicode scalar values".to_owned(),
                    CounterRef::Utf16Units => "UTF-16 code units".to_owned(),
                    CounterRef::Bytes => "bytes".to_owned(),
                    CounterRef::Weighted(n) => format!("units of the `{n}` counting rule"),
                };
                format!("{} {unit}", bounds(*min, Some(*max)))
            }
            CheckKind::Range { min, max } => bounds(*min, *max),
            CheckKind::Items { min: Some(1), max: Some(1) } => "exactly 1 item".into(),
            CheckKind::Items { min, max } => format!("{} items", bounds(*min, *max)),
            CheckKind::Url { schemes, data } => {
                let urls = schemes.iter().map(|s| format!("{s}://")).collect::<Vec<_>>().join(" or ");
                if data.is_empty() {
                    format!("a URL starting with {urls}")
                } else {
                    let types = data.iter().map(|t| format!("data:{t}/")).collect::<Vec<_>>().join(" or ");
                    format!("a URL starting with {urls}, or a data URI starting with {types}")
                }
            }
            CheckKind::DataUri { types, max_bytes } => format!(
                "a base64 data URI ({}) of at most {max_bytes} decoded bytes",
                types.iter().map(|t| format!("data:{t}/...;base64,")).collect::<Vec<_>>().join(" or ")
            ),
            CheckKind::PublicUrl => {
                "a public host: no credentials, not localhost, not a loopback, private, link-local or unspecified IP"
                    .into()
            }
        }
    }
}

/// How string length is counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterRef {
    UnicodeScalars,
    Utf16Units,
    Bytes,
    /// A `[counting]` rule of the spec, by name.
    Weighted(String),
}

/// A weighted counting rule.
#[derive(Debug, Clone)]
pub struct Counter {
    pub name: String,
    pub doc: String,
    pub default_weight: u32,
    /// `(first, last, weight)`, inclusive code point ranges, sorted and non-overlapping.
    pub ranges: Vec<(u32, u32, u32)>,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// Media requirements that cannot be checked from a URL alone.
#[derive(Debug, Clone)]
pub struct Media {
    pub formats: Vec<String>,
    pub min_short_edge_px: Option<u32>,
    pub min_width_px: Option<u32>,
    pub min_height_px: Option<u32>,
    /// The allowed width/height ratios, inclusive, as exact fractions `(numerator,
    /// denominator)`: `1:2.5` is `(2, 5)`.
    pub aspect: Option<((u64, u64), (u64, u64))>,
    /// The aspect bounds as written, `1:2.5` and `2.5:1`.
    pub aspect_text: Option<(String, String)>,
    pub max_bytes: u64,
    pub source: Source,
    pub decision: Option<Decision>,
}

impl Media {
    /// The pixel and size rules in words: `JPEG/PNG, width >= 300 px, height >= 300 px,
    /// aspect 1:2.5 to 2.5:1, <= 10000000 bytes`.
    pub fn summary(&self) -> String {
        let mut parts = vec![self.formats.join("/")];
        if let Some(px) = self.min_short_edge_px {
            parts.push(format!("short edge >= {px} px"));
        }
        if let Some(px) = self.min_width_px {
            parts.push(format!("width >= {px} px"));
        }
        if let Some(px) = self.min_height_px {
            parts.push(format!("height >= {px} px"));
        }
        if let Some((lo, hi)) = &self.aspect_text {
            parts.push(format!("aspect {lo} to {hi}"));
        }
        parts.push(format!("<= {} bytes", self.max_bytes));
        parts.join(", ")
    }
}

/// What happens to an over-long value.
#[derive(Debug, Clone)]
pub struct Overflow {
    /// The provider truncates (rather than rejects).
    pub server_truncates: bool,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// An HTTP operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Spec key, `submit`/`status`, `r2v`.
    pub key: String,
    /// Rust name of the operation where one is needed (a variant of the module's `Request`
    /// and `Mode` when there are several submit operations), `ReferenceToVideo`.
    pub rust_name: String,
    pub method: String,
    /// Path template relative to the base URL, `{name}` for path parameters.
    pub path: String,
    pub content_type: Option<String>,
    pub request: Option<String>,
    pub response: String,
    pub doc: String,
    pub source: Source,
    /// A decision on how the operation is called, where the docs leave it open.
    pub decision: Option<Decision>,
    /// The task id parameter: its wire name and where it goes.
    pub id_param: Option<IdParam>,
}

#[derive(Debug, Clone)]
pub struct IdParam {
    pub name: String,
    pub in_query: bool,
    pub doc: String,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// A path of fields from a response type's root: `(rust name, optional)` per step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// Dotted wire path, `data.taskId`.
    pub wire: String,
    /// Each step's Rust field name and whether it is optional.
    pub steps: Vec<(String, bool)>,
    /// Type of the last step.
    pub ty: Ty,
}

impl FieldPath {
    /// Some step is optional.
    pub fn optional(&self) -> bool {
        self.steps.iter().any(|(_, o)| *o)
    }
}

/// Where the task facts live.
#[derive(Debug, Clone)]
pub struct Task {
    pub submit_id: FieldPath,
    pub status_id: FieldPath,
    pub state: FieldPath,
    /// The state enum.
    pub state_enum: String,
    pub fail_code: Option<FieldPath>,
    pub fail_message: Option<FieldPath>,
    pub result: Option<FieldPath>,
    pub follow: Option<FieldPath>,
    pub outputs: Option<Outputs>,
    /// The object holding both the state and the result, so the result is decoded only
    /// once the state says the task succeeded.
    pub result_gate: Option<ResultGate>,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// The response object whose `result` field is decoded only when its `state` field's
/// phase is `succeeded`.
#[derive(Debug, Clone)]
pub struct ResultGate {
    /// The object type.
    pub parent: String,
    /// Wire names of the state and result fields in it.
    pub state_wire: String,
    pub result_wire: String,
}

/// Where the produced files are listed.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// Path to the array in the status response.
    pub list: FieldPath,
    /// For arrays of objects: the URL field (Rust name) and the optional type field (Rust
    /// name, and whether it is an enum rather than a string).
    pub item: Option<OutputItem>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone)]
pub struct OutputItem {
    pub url: String,
    pub url_optional: bool,
    pub kind: Option<(String, bool, bool)>,
}

#[derive(Debug, Clone)]
pub struct Envelope {
    pub code: String,
    pub message: String,
    pub success_code: i64,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone)]
pub struct ErrorModel {
    pub body: String,
    /// The error code in the body: an integer or a string field, at the root or nested
    /// (`error.code`).
    pub code: FieldPath,
    pub message: FieldPath,
    /// `message` is `<Category><separator><detail>`.
    pub category: Option<(String, String)>,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// Retry advice of an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAdvice {
    Never,
    Backoff,
}

#[derive(Debug, Clone)]
pub struct HttpStatus {
    pub status: u16,
    pub meaning: String,
    pub action: String,
    pub retry: RetryAdvice,
    pub max_retries: Option<u32>,
    pub rejected: bool,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// What a status the table does not list proves about a submit.
#[derive(Debug, Clone)]
pub struct UnlistedStatuses {
    /// True only when a doc fact says unlisted statuses prove no task was created.
    pub rejected: bool,
    pub source: Option<Source>,
    pub decision: Option<Decision>,
}

/// The task modes: the variants of the submit request's mode union, or one default mode.
#[derive(Debug, Clone)]
pub struct Modes {
    /// The union selecting the mode and the path of the field holding it, when there is one.
    pub union: Option<ModeUnion>,
    /// One entry per mode, in variant order (or the single `default`).
    pub modes: Vec<Mode>,
}

#[derive(Debug, Clone)]
pub struct ModeUnion {
    pub union: String,
    /// Rust field names from the request root to the union field: `[input]`; the
    /// flattened field for a tag at the top of an object (`[model]`); empty when the
    /// request itself is the union.
    pub field_path: Vec<String>,
    /// Wire path of the tag, `input.mode` or `model`.
    pub wire: String,
}

#[derive(Debug, Clone)]
pub struct Mode {
    /// Wire tag (`text-to-video`), the submit operation's key when each operation is a
    /// mode (`r2v`), or `default`.
    pub tag: String,
    /// The key of the submit operation the mode belongs to.
    pub operation: String,
    /// Rust variant name of the union variant, when there is a union.
    pub variant: Option<String>,
    pub polling: Polling,
}

#[derive(Debug, Clone)]
pub struct Polling {
    pub first_poll_s: u32,
    pub interval_min_s: u32,
    pub interval_max_s: u32,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// An exact decimal literal: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalLit {
    pub mantissa: i128,
    pub scale: u32,
}

#[derive(Debug, Clone)]
pub struct Billing {
    /// What prices are counted in.
    pub unit: PriceUnit,
    pub per: String,
    /// The enum field that selects the unit price, by wire path.
    pub price_by: String,
    pub price_enum: String,
    pub prices: Vec<Price>,
    pub inputs: Vec<BillingInput>,
    /// One formula per mode, in mode order.
    pub formulas: Vec<Formula>,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// What a provider's prices are counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceUnit {
    /// An ISO 4217 currency, `USD`.
    Currency(String),
    /// The provider's own unit of account as its docs name it, `credits`; never shown as a
    /// currency.
    Credits(String),
}

impl PriceUnit {
    /// The code or name, as written in the spec: `USD`, `credits`.
    pub fn label(&self) -> &str {
        match self {
            PriceUnit::Currency(c) | PriceUnit::Credits(c) => c,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Price {
    /// Enum value (wire) and its Rust variant name.
    pub when: String,
    pub variant: String,
    pub official: DecimalLit,
    pub market: DecimalLit,
    pub official_text: String,
    pub market_text: String,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone)]
pub struct BillingInput {
    pub name: String,
    pub doc: String,
    pub min: Option<DecimalLit>,
    /// The provider may round the value up to a whole unit: estimates also give the amount
    /// with the value rounded up (an upper bound).
    pub round_up_bound: bool,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone)]
pub struct Formula {
    pub mode: String,
    pub text: String,
    pub expr: expr::Expr<resolve::Var>,
    /// The price selector resolved for this mode.
    pub price_by: resolve::Var,
    pub source: Source,
    pub decision: Option<Decision>,
}

pub use resolve::Var;

#[derive(Debug, Clone)]
pub struct Callbacks {
    pub payload: String,
    pub method: String,
    /// The status a receiver answers to acknowledge a delivery (200 when any 2xx does).
    pub ack_status: u16,
    /// Any 2xx status acknowledges a delivery (not only `ack_status`).
    pub ack_any_2xx: bool,
    pub ack_within_s: u32,
    pub max_redeliveries: u32,
    /// The delays before each redelivery, in seconds, when the docs give them (as many as
    /// `max_redeliveries`); empty otherwise.
    pub retry_schedule_s: Vec<u32>,
    /// Wire name of the top-level request key carrying the callback URL.
    pub url_field: Option<String>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone)]
pub struct Lint {
    pub id: String,
    /// The submit operation whose request the lint reads.
    pub operation: String,
    /// The mode whose fields the lint reads, when they are a variant's of the mode union.
    pub mode: Option<String>,
    /// The object type holding the text and list fields: the request type, or the mode's
    /// variant payload.
    pub holder: String,
    /// Rust name of the text field and of the list field (fields of `holder`).
    pub text: String,
    pub list: String,
    pub text_wire: String,
    pub list_wire: String,
    pub token: String,
    pub case_insensitive: bool,
    pub first_index: u32,
    pub message: String,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// Kind of a documented example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleKind {
    Request,
    Response,
    Error,
}

#[derive(Debug, Clone)]
pub struct Example {
    pub name: String,
    /// Operation key, `submit`/`status`.
    pub operation: String,
    pub kind: ExampleKind,
    pub status: Option<u16>,
    /// The type the example is an instance of.
    pub ty: String,
    /// The JSON text as written in the doc.
    pub json: String,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// A request constraint, for coverage reports and the exported schemas.
#[derive(Debug, Clone)]
pub struct Constraint {
    pub id: String,
    /// `required`, `forbidden`, `enum`, `tag`, `length`, `range`, `items`, `url`, `url_public`,
    /// `data_uri`, `alias` (a field sent under two of its documented names).
    pub rule: String,
    /// Operation key.
    pub operation: String,
    /// Wire path pattern, `input[mode=video-edit].image_urls`.
    pub path: String,
    /// Human-readable limit.
    pub limit: String,
    pub source: Option<Source>,
}

#[cfg(test)]
mod tests {
    use super::url_base_path;

    #[test]
    fn base_paths() {
        assert_eq!(url_base_path("https://api.example.com/api/v1/"), "/api/v1");
        assert_eq!(url_base_path("https://api.example.com"), "");
    }
}
