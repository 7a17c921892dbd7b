//! The spec file format as serde types: one struct per TOML table, every table denies
//! unknown keys, and every value that a later check may complain about is `Spanned` so the
//! complaint can point at `file:line:col`. `spec/README.md` is the prose reference.
//!
//! Nothing here is checked beyond TOML types; `crate::ir::lower` checks meaning.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A spanned string, the most common leaf.
pub type S = Spanned<String>;

/// A table of named tables (`[types.Input]`, `[polling.video-edit]`). Keys are plain
/// strings so error paths can name them; the values' spans (the table headers) locate
/// errors about a key.
pub type Named<T> = BTreeMap<String, Spanned<T>>;

/// One spec file: one provider endpoint family.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Format version; only `1` exists.
    pub format: Spanned<i64>,
    pub provider: Provider,
    pub docs: Named<DocRef>,
    pub auth: Auth,
    pub operations: Named<Operation>,
    pub task: Task,
    /// The `{code, message}` envelope of every answer; absent when answers have none
    /// (success is then the HTTP status alone).
    pub envelope: Option<Envelope>,
    #[serde(default)]
    pub counting: Named<Counter>,
    pub types: Named<TypeDef>,
    pub errors: Errors,
    #[serde(default)]
    pub http_statuses: Vec<HttpStatus>,
    /// What an HTTP status the table does not list proves about a submit.
    pub unlisted_statuses: Option<UnlistedStatuses>,
    pub polling: Named<Polling>,
    pub billing: Option<Billing>,
    pub callbacks: Option<Callbacks>,
    #[serde(default)]
    pub lints: Vec<Lint>,
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Endpoint files: `[endpoints.<name>] provider = "<module>"` joins the file to that
    /// provider's spec.
    #[serde(default)]
    pub endpoints: Named<EndpointDecl>,
    /// Facts the docs state that the spec deliberately does not encode, with the reason.
    #[serde(default)]
    pub not_encoded: Vec<NotEncoded>,
    /// Facts the generated crate documents but no code checks.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// Where a fact comes from: one anchor (`source = { ... }`) or several
/// (`source = [{ ... }, { ... }]`) when the docs state the fact in more than one place.
#[derive(Debug, Clone)]
pub struct Source(pub Vec<Anchor>);

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Source;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an anchor table { section = ..., row/param/code = ..., quote = ... } or an array of them")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Source, A::Error> {
                Ok(Source(vec![Anchor::deserialize(serde::de::value::MapAccessDeserializer::new(map))?]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Source, A::Error> {
                Ok(Source(Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?))
            }
        }
        d.deserialize_any(V)
    }
}

/// One place in a doc that a fact stands on: the doc (a key of `[docs]`, default: the
/// `main` one), its section, at most one selector of a fact in that section (`row`: the
/// table row whose first cell this is; `param`: the parameter block of that name; `code`:
/// the code block with this caption or kind), and a verbatim `quote` inside it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    pub doc: Option<S>,
    pub section: S,
    pub row: Option<S>,
    pub param: Option<S>,
    pub code: Option<S>,
    pub quote: Option<S>,
}

/// A range of width:height ratios.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aspect {
    pub min: S,
    pub max: S,
}

/// A recorded decision on an ambiguity of the docs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Number of the ambiguity in `docs/FACTS.md`, when it is one of those.
    pub ambiguity: Option<Spanned<i64>>,
    pub choice: S,
    pub reason: S,
    /// The values of the fact that this decision sets rather than the docs (`min`,
    /// `first_poll_s`, `presence`): the docs check does not look for them in the doc.
    #[serde(default)]
    pub sets: Vec<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub name: S,
    pub module: S,
    pub family: S,
    pub doc: S,
    pub base_url: S,
    /// The environment variable clients read a base URL from (to point them at a
    /// simulator or a proxy without code changes). No doc names it, so it needs a
    /// `decision` whose `sets` lists `base_url_env`.
    pub base_url_env: Option<S>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocRef {
    pub url: S,
    /// Path of the saved copy, relative to the spec file's directory.
    pub copy: S,
    /// `main` (the provider's page for this family), `linked` (a page it links to) or
    /// `upstream` (the model maker's own docs).
    pub origin: S,
    /// The markdown form of the same page, when one is kept beside the text copy.
    pub markdown: Option<S>,
    /// The sections of the copy this doc covers (a copy may restate several pages);
    /// default: the whole copy.
    #[serde(default)]
    pub sections: Vec<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    pub scheme: S,
    pub header: S,
    pub env_var: S,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// An endpoint file's declaration: which provider's spec it belongs to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointDecl {
    /// The provider's module, `modellix`.
    pub provider: S,
    pub doc: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// `submit` (creates a paid task) or `status` (reads a task).
    pub role: S,
    /// Rust name of a submit operation when there are several (default: the key in
    /// PascalCase).
    pub rust_name: Option<S>,
    pub method: S,
    pub path: S,
    pub content_type: Option<S>,
    pub request: Option<S>,
    pub response: S,
    pub doc: S,
    pub source: Source,
    /// A decision on how the operation is called where the docs leave it open (e.g. what
    /// the provider does with another content type).
    pub decision: Option<Decision>,
    #[serde(default)]
    pub params: Vec<Param>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: S,
    #[serde(rename = "in")]
    pub location: S,
    pub doc: S,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// Paths (dot-separated wire names) to the task facts inside the responses.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub submit_id: S,
    pub status_id: S,
    pub state: S,
    pub fail_code: Option<S>,
    pub fail_message: Option<S>,
    pub result: Option<S>,
    /// Path, in the submit request, of the union tag that selects the mode: `input.mode`, or
    /// a top-level key (`model`) of a request that is a union or has a flattened one.
    pub mode: Option<S>,
    /// Path, in the submit response, of an absolute URL to query the task with.
    pub follow: Option<S>,
    pub source: Source,
    pub decision: Option<Decision>,
    /// Where the produced files are listed once the task succeeded.
    pub outputs: Option<Outputs>,
}

/// The produced files: `list` is a path to an array in the status response, of strings
/// (the URLs) or of objects (then `url` names the URL field and `kind` the type field).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outputs {
    pub list: S,
    pub url: Option<S>,
    pub kind: Option<S>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub code: S,
    pub message: S,
    pub success_code: Spanned<i64>,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// A weighted character-counting rule for string lengths.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    pub doc: S,
    pub default_weight: Spanned<i64>,
    #[serde(default)]
    pub weights: Vec<Weight>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weight {
    pub weight: Spanned<i64>,
    /// Inclusive code point ranges in hex, `"4E00-9FFF"`.
    pub ranges: Vec<S>,
}

/// A named type: `kind` is `enum`, `object` or `union`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    pub kind: S,
    /// `request` (strict: validated, unknown fields rejected) or `response` (lenient).
    pub usage: S,
    pub doc: S,
    pub source: Source,
    pub decision: Option<Decision>,
    // enum
    pub values: Option<Vec<EnumValue>>,
    pub unknown_phase: Option<S>,
    pub unknown_retryable: Option<Spanned<bool>>,
    /// Name of the variant that keeps unlisted values of a response enum (default `Unknown`).
    pub fallback: Option<S>,
    // union
    pub tag: Option<S>,
    pub variants: Option<Vec<Variant>>,
    // object and union
    pub fields: Option<Vec<Field>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    pub wire: S,
    pub name: Option<S>,
    #[serde(default)]
    pub aliases: Vec<S>,
    pub doc: Option<S>,
    pub phase: Option<S>,
    pub retryable: Option<Spanned<bool>>,
    pub meaning: Option<S>,
    pub action: Option<S>,
    pub source: Option<Source>,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub tag: S,
    pub name: S,
    pub doc: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: S,
    pub rust_name: Option<S>,
    #[serde(rename = "type")]
    pub ty: S,
    #[serde(default)]
    pub flatten: bool,
    pub presence: Spanned<Presence>,
    /// Other wire names of the same request field (`video_url` for `video`): strict reading
    /// accepts any one of them; the client writes `name`.
    #[serde(default)]
    pub aliases: Vec<S>,
    pub default: Option<Spanned<toml::Value>>,
    pub doc: S,
    pub unit: Option<S>,
    #[serde(default)]
    pub examples: Vec<S>,
    pub length: Option<Length>,
    pub range: Option<Range>,
    pub items: Option<Items>,
    pub url: Option<Url>,
    pub media: Option<Media>,
    pub overflow: Option<Overflow>,
    #[serde(default)]
    pub per_mode: Named<PerMode>,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// `"required"`/`"optional"` in an object; a table `{ <variant tag> = "required" |
/// "optional" | "forbidden" }` in a union.
#[derive(Debug)]
pub enum Presence {
    One(String),
    PerVariant(BTreeMap<String, S>),
}

impl<'de> Deserialize<'de> for Presence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Presence;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "\"required\", \"optional\", or a table of variant tag = \"required\" | \"optional\" | \"forbidden\"",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Presence, E> {
                Ok(Presence::One(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Presence, A::Error> {
                let m = BTreeMap::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Presence::PerVariant(m))
            }
        }
        d.deserialize_any(V)
    }
}

/// Constraint overrides for one variant of a union field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerMode {
    pub doc: Option<S>,
    pub length: Option<Length>,
    pub range: Option<Range>,
    pub items: Option<Items>,
    pub media: Option<Media>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Length {
    pub min: Option<Spanned<i64>>,
    pub max: Spanned<i64>,
    /// `unicode_scalars` (default), `utf16_units`, `bytes`, or a `[counting]` rule.
    pub count: Option<S>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub min: Option<Spanned<i64>>,
    pub max: Option<Spanned<i64>>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Items {
    pub min: Option<Spanned<i64>>,
    pub max: Option<Spanned<i64>>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Url {
    pub schemes: Spanned<Vec<S>>,
    #[serde(default)]
    pub public: bool,
    /// The value may also be a base64 data URI (`data:image/png;base64,...`) of these media
    /// types, whose decoded bytes are limited.
    pub data: Option<DataUri>,
    pub source: Source,
    pub decision: Option<Decision>,
}

/// Base64 data URIs a URL field also accepts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataUri {
    /// Top-level media types allowed (`image`).
    pub types: Spanned<Vec<S>>,
    /// The most decoded bytes.
    pub max_bytes: Spanned<i64>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    pub formats: Vec<S>,
    pub min_short_edge_px: Option<Spanned<i64>>,
    pub min_width_px: Option<Spanned<i64>>,
    pub min_height_px: Option<Spanned<i64>>,
    /// The allowed width:height ratios, inclusive: `{ min = "1:2.5", max = "2.5:1" }`.
    pub aspect: Option<Aspect>,
    pub max_bytes: Spanned<i64>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overflow {
    /// What the provider does with an over-long value: `truncate` or `reject`.
    pub server: S,
    /// What the client does: only `reject` (with an opt-in truncation helper when the
    /// server truncates).
    pub client: S,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Errors {
    pub body: S,
    pub code: S,
    pub message: S,
    pub category: Option<Category>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    #[serde(rename = "type")]
    pub ty: S,
    pub separator: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpStatus {
    pub status: Spanned<i64>,
    pub meaning: S,
    pub action: S,
    /// `never` or `backoff`.
    pub retry: S,
    pub max_retries: Option<Spanned<i64>>,
    /// The answer proves the task was not created.
    pub rejected: bool,
    pub source: Source,
    /// Why the answer proves (or does not prove) that no task was created; required when
    /// `rejected = true`, since that lets a paid submit be sent again.
    pub decision: Option<Decision>,
}

/// The fallback for statuses `[[http_statuses]]` does not list: `rejected = true` (a resubmit
/// is safe) needs a doc fact (`source`); the default is an unknown outcome.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlistedStatuses {
    pub rejected: Spanned<bool>,
    pub source: Option<Source>,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Polling {
    pub first_poll_s: Spanned<i64>,
    pub interval_s: IntervalS,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntervalS {
    pub min: Spanned<i64>,
    pub max: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Billing {
    /// ISO 4217 code of the prices (`USD`), when they are in a currency.
    pub currency: Option<S>,
    /// The provider's own unit of account as its docs name it (`credits`), when prices are
    /// not in a currency.
    pub credits: Option<S>,
    pub per: S,
    pub price_by: S,
    pub source: Source,
    pub decision: Option<Decision>,
    pub prices: Vec<Price>,
    #[serde(default)]
    pub inputs: Named<BillingInput>,
    pub formulas: Named<Formula>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub when: S,
    pub official: S,
    pub market: S,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingInput {
    pub doc: S,
    pub min: Option<S>,
    /// `whole_units_up`: the provider may round the value up to a whole unit, so estimates
    /// also give the amount with the value rounded up, as an upper bound.
    pub bound: Option<S>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Formula {
    pub expr: S,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Callbacks {
    pub payload: S,
    pub method: S,
    /// The status a delivery must be answered with: a number (`200`), or `"2xx"` when any
    /// 2xx status acknowledges it.
    pub ack_status: Spanned<toml::Value>,
    pub ack_within_s: Spanned<i64>,
    /// How many times an unacknowledged delivery is sent again; may be left out when
    /// `retry_schedule_s` lists the redeliveries.
    pub max_redeliveries: Option<Spanned<i64>>,
    /// The delays, in seconds, before each redelivery (`[10, 60, 300]`).
    pub retry_schedule_s: Option<Spanned<Vec<Spanned<i64>>>>,
    /// Wire name of the request field that carries the callback URL (a top-level field, or
    /// a field of a flattened union), where the client adds its per-task token.
    pub url_field: Option<S>,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lint {
    pub id: S,
    /// The submit operation whose request the lint reads (needed when there are several).
    pub operation: Option<S>,
    /// The mode (a variant tag of the mode union) whose fields `text` and `list` name.
    pub mode: Option<S>,
    /// Only `indexed_mention`: `text` mentions `<token><K>` and K must be within
    /// `first_index ..= first_index + len(list) - 1`.
    pub kind: S,
    pub text: S,
    pub list: S,
    pub token: S,
    #[serde(default)]
    pub case_insensitive: bool,
    pub first_index: Spanned<i64>,
    pub message: S,
    pub source: Source,
    pub decision: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub name: S,
    pub operation: S,
    /// `request`, `response` (2xx) or `error` (an error body).
    pub kind: S,
    pub status: Option<Spanned<i64>>,
    pub source: Source,
    pub decision: Option<Decision>,
    pub json: S,
}

/// A doc fact the spec deliberately does not encode: where it is (like an [`Anchor`]) and why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotEncoded {
    pub doc: Option<S>,
    pub section: S,
    pub row: Option<S>,
    pub param: Option<S>,
    pub code: Option<S>,
    pub quote: Option<S>,
    pub reason: S,
}

/// A documented fact that no code checks, shown in the generated module's docs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub name: S,
    pub doc: S,
    pub source: Source,
    pub decision: Option<Decision>,
}
