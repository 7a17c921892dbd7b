//! Value checks shared by `validate()` on typed requests and by the raw-JSON reader.
//! Each pushes a [`Violation`] naming the path, the rule, the limit and the actual value;
//! the constraint id is `<id_base>:<rule>`.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::count::Count;
use super::media::MediaSource;
use super::violation::{Path, Rule, Violation, quoted};

/// One documented value rule, as data: each variant is checked by the function of the same
/// name in this module, with the arguments in the same order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// [`length`]: string length under a counting rule, `(count, min, max)`.
    Length(Count, Option<u64>, u64),
    /// [`range`]: integer range, `(min, max)`.
    Range(Option<i64>, Option<i64>),
    /// [`items`]: array length, `(min, max)`.
    Items(Option<u64>, Option<u64>),
    /// [`url()`]: the URL schemes, and the media types of allowed data URIs, `(schemes, data)`.
    Url(&'static [&'static str], &'static [&'static str]),
    /// [`data_uri`]: a well-formed base64 data URI, `(types, max_bytes)`.
    DataUri(&'static [&'static str], u64),
    /// [`public_url`]: a URL naming a public host.
    PublicUrl,
}

/// The rules of one request field: its wire key (and documented aliases), its constraint id
/// base and its value rules. Generated once per constrained field; [`FieldRules::check`]
/// applies them to a typed value, [`FieldRules::required`] and [`FieldRules::optional`]
/// read the field from raw JSON and apply them to the value read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRules {
    /// The wire key.
    pub key: &'static str,
    /// Other wire names strict reading accepts instead (never together with `key`).
    pub aliases: &'static [&'static str],
    /// Constraint id base; a rule's id is `<id>:<rule>`.
    pub id: &'static str,
    /// The value rules, in the order they are checked.
    pub checks: &'static [Check],
}

impl FieldRules {
    /// The rules of the field sent as `key`, with constraint id base `id`.
    pub const fn new(key: &'static str, id: &'static str, checks: &'static [Check]) -> Self {
        FieldRules { key, aliases: &[], id, checks }
    }

    /// The same rules, for a field that may also be sent under `aliases`.
    #[must_use]
    pub const fn with_aliases(self, aliases: &'static [&'static str]) -> Self {
        FieldRules { aliases, ..self }
    }

    /// Pushes the violations of `value`, this field's value in an object at `path`.
    pub fn check<T: Checkable + ?Sized>(&self, value: &T, path: &Path<'_>, out: &mut Vec<Violation>) {
        value.check(self.checks, &path.key(self.key), self.id, out);
    }
}

/// A value the rules of a [`FieldRules`] apply to. Rules that do not apply to the type are
/// skipped (the spec lowering refuses them: `range` on a string, `items` on an integer).
pub trait Checkable {
    /// Pushes a violation for each rule of `checks` this value breaks.
    fn check(&self, checks: &[Check], path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>);
}

impl Checkable for str {
    fn check(&self, checks: &[Check], path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
        for c in checks {
            match *c {
                Check::Length(count, min, max) => length(self, count, min, max, path, id_base, out),
                Check::Url(schemes, data) => url(self, schemes, data, path, id_base, out),
                Check::DataUri(types, max_bytes) => data_uri(self, types, max_bytes, path, id_base, out),
                Check::PublicUrl => public_url(self, path, id_base, out),
                Check::Range(..) | Check::Items(..) => {}
            }
        }
    }
}

impl Checkable for String {
    fn check(&self, checks: &[Check], path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
        self.as_str().check(checks, path, id_base, out);
    }
}

impl Checkable for MediaSource {
    fn check(&self, checks: &[Check], path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
        self.as_str().check(checks, path, id_base, out);
    }
}

impl Checkable for i64 {
    fn check(&self, checks: &[Check], path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
        for c in checks {
            if let Check::Range(min, max) = *c {
                range(*self, min, max, path, id_base, out);
            }
        }
    }
}

/// The item count rules apply to the list; then every other rule to each item, at
/// `path[i]`.
impl<T: Checkable> Checkable for [T] {
    fn check(&self, checks: &[Check], path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
        for c in checks {
            if let Check::Items(min, max) = *c {
                items(self.len(), min, max, path, id_base, out);
            }
        }
        if checks.iter().any(|c| !matches!(c, Check::Items(..))) {
            for (i, item) in self.iter().enumerate() {
                item.check(checks, &path.index(i), id_base, out);
            }
        }
    }
}

impl<T: Checkable> Checkable for Vec<T> {
    fn check(&self, checks: &[Check], path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
        self.as_slice().check(checks, path, id_base, out);
    }
}

/// An absent optional value breaks no rule.
impl<T: Checkable> Checkable for Option<T> {
    fn check(&self, checks: &[Check], path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
        if let Some(v) = self {
            v.check(checks, path, id_base, out);
        }
    }
}

fn bounds<T: std::fmt::Display + PartialEq>(min: Option<T>, max: Option<T>) -> String {
    match (min, max) {
        (Some(a), Some(b)) if a == b => format!("exactly {a}"),
        (Some(a), Some(b)) => format!("{a}..={b}"),
        (Some(a), None) => format!(">= {a}"),
        (None, Some(b)) => format!("<= {b}"),
        (None, None) => "any".into(),
    }
}

fn push(out: &mut Vec<Violation>, path: &Path<'_>, rule: Rule, limit: String, actual: String, id_base: &str) {
    out.push(Violation {
        path: path.to_string(),
        rule,
        limit,
        actual,
        constraint: format!("{id_base}:{}", rule.as_str()),
    });
}

/// String length under a counting rule, inclusive bounds.
pub fn length(
    value: &str,
    count: Count,
    min: Option<u64>,
    max: u64,
    path: &Path<'_>,
    id_base: &str,
    out: &mut Vec<Violation>,
) {
    let n = count.len(value);
    if min.is_some_and(|m| n < m) || n > max {
        push(out, path, Rule::Length, format!("{} {}", bounds(min, Some(max)), count.unit()), n.to_string(), id_base);
    }
}

/// Integer range, inclusive bounds.
pub fn range(value: i64, min: Option<i64>, max: Option<i64>, path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
    if min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
        push(out, path, Rule::Range, bounds(min, max), value.to_string(), id_base);
    }
}

/// Array length, inclusive bounds.
pub fn items(len: usize, min: Option<u64>, max: Option<u64>, path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
    let n = len as u64;
    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
        let limit = if min == Some(1) && max == Some(1) {
            "exactly 1 item".to_owned()
        } else {
            format!("{} items", bounds(min, max))
        };
        push(out, path, Rule::Items, limit, format!("{n} item{}", if n == 1 { "" } else { "s" }), id_base);
    }
}

/// The value starts with `<scheme>://` for one of `schemes`, or, when `data` lists media
/// types, with `data:<type>/` for one of them (case-sensitive, as the providers' patterns
/// such as `^(https?://|data:image/)` are).
pub fn url(value: &str, schemes: &[&str], data: &[&str], path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
    let url = schemes.iter().any(|s| value.strip_prefix(s).is_some_and(|r| r.starts_with("://")));
    let inline = data
        .iter()
        .any(|t| value.strip_prefix("data:").and_then(|r| r.strip_prefix(t)).is_some_and(|r| r.starts_with('/')));
    if !url && !inline {
        let urls = schemes.iter().map(|s| format!("{s}://")).collect::<Vec<_>>().join(" or ");
        let limit = if data.is_empty() {
            format!("a URL starting with {urls}")
        } else {
            let types = data.iter().map(|t| format!("data:{t}/")).collect::<Vec<_>>().join(" or ");
            format!("a URL starting with {urls}, or a data URI starting with {types}")
        };
        push(out, path, Rule::Url, limit, quoted(value), id_base);
    }
}

/// A data URI is `data:<type>/<subtype>[;param]*;base64,<payload>` with `<type>` one of
/// `types` and at most `max_bytes` decoded bytes. Anything that is not a data URI passes
/// (the `url` rule judges it). The size is computed before anything is decoded.
pub fn data_uri(value: &str, types: &[&str], max_bytes: u64, path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
    let Some(rest) = value.strip_prefix("data:") else { return };
    let limit = || {
        format!(
            "a base64 data URI ({}) of at most {max_bytes} decoded bytes",
            types.iter().map(|t| format!("data:{t}/...;base64,")).collect::<Vec<_>>().join(" or ")
        )
    };
    let mut fail = |actual: String| push(out, path, Rule::DataUri, limit(), actual, id_base);
    let Some((meta, payload)) = rest.split_once(',') else {
        return fail(format!("{}: no `,` before the payload", quoted(value)));
    };
    let ty = meta.split(['/', ';']).next().unwrap_or_default();
    if !types.iter().any(|t| t.eq_ignore_ascii_case(ty)) {
        return fail(format!("media type {}", quoted(meta.split(';').next().unwrap_or_default())));
    }
    match super::media::decoded_len(payload) {
        Some(n) if n > max_bytes => return fail(format!("{n} decoded bytes")),
        Some(_) => {}
        None => return fail(format!("a payload of {} characters, not padded base64", payload.len())),
    }
    match super::media::DataUri::parse(value) {
        Some(Ok(_)) | None => {}
        Some(Err(e)) => fail(format!("{}: {e}", quoted(meta))),
    }
}

/// The URL names a public host: no userinfo, not `localhost`, no IP literal in a
/// loopback, private, link-local, unspecified or otherwise non-public range.
pub fn public_url(value: &str, path: &Path<'_>, id_base: &str, out: &mut Vec<Violation>) {
    if let Err(why) = public_host(value) {
        let limit =
            "a public host (no credentials, not localhost, not a loopback, private, link-local or unspecified IP)"
                .to_owned();
        push(out, path, Rule::UrlPublic, limit, format!("{} ({why})", quoted(value)), id_base);
    }
}

/// Why `url` does not name a public host, if it does not. The URL is parsed the way
/// browsers and HTTP libraries (including this crate's) parse it (WHATWG), so numeric
/// shorthands such as `https://2130706433/` are seen as the IP addresses they are.
pub fn public_host(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("not a valid URL: {e}"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("credentials in the URL".into());
    }
    match parsed.host() {
        None => Err("no host".into()),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.');
            if d == "localhost" || d.ends_with(".localhost") { Err("localhost".into()) } else { Ok(()) }
        }
        Some(url::Host::Ipv4(ip)) => ipv4_class(ip).map_or(Ok(()), |c| Err(format!("{c} IP {ip}"))),
        Some(url::Host::Ipv6(ip)) => ipv6_class(ip).map_or(Ok(()), |c| Err(format!("{c} IP {ip}"))),
    }
}

/// The non-public class of an IPv4 address, if it is not public.
fn ipv4_class(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if o[0] == 0 {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        Some("shared (carrier-grade NAT)")
    } else if ip.is_broadcast() || ip.is_multicast() || o[0] >= 240 {
        Some("reserved")
    } else {
        None
    }
}

/// The non-public class of an IPv6 address, if it is not public.
fn ipv6_class(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return ipv4_class(v4);
    }
    if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("private (unique local)")
    } else if s[0] & 0xffc0 == 0xfe80 || s[0] & 0xffc0 == 0xfec0 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("reserved")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(f: impl FnOnce(&mut Vec<Violation>)) -> Option<Violation> {
        let mut out = Vec::new();
        f(&mut out);
        assert!(out.len() <= 1);
        out.pop()
    }

    #[test]
    fn bounds_are_inclusive() {
        assert!(one(|o| range(3, Some(3), Some(15), &Path::from("d"), "x.d", o)).is_none());
        assert!(one(|o| range(15, Some(3), Some(15), &Path::from("d"), "x.d", o)).is_none());
        let v = one(|o| range(16, Some(3), Some(15), &Path::from("input.duration"), "x.input.duration", o)).unwrap();
        assert_eq!((v.rule, v.limit.as_str(), v.actual.as_str()), (Rule::Range, "3..=15", "16"));
        assert_eq!(v.constraint, "x.input.duration:range");
        let v = one(|o| items(0, Some(1), Some(9), &Path::from("urls"), "x.urls", o)).unwrap();
        assert_eq!((v.limit.as_str(), v.actual.as_str()), ("1..=9 items", "0 items"));
        assert!(one(|o| items(9, Some(1), Some(9), &Path::from("urls"), "x", o)).is_none());
        let v = one(|o| length("", Count::UnicodeScalars, Some(1), 3, &Path::from("p"), "x.p", o)).unwrap();
        assert_eq!(v.limit, "1..=3 Unicode scalar values");
        assert!(one(|o| length("😀😀😀", Count::UnicodeScalars, Some(1), 3, &Path::from("p"), "x", o)).is_none());
    }

    #[test]
    fn url_schemes_are_prefix_matches() {
        let schemes = ["http", "https"];
        assert!(one(|o| url("https://a.example/x.png", &schemes, &[], &Path::from("u"), "x", o)).is_none());
        assert!(one(|o| url("http://a", &schemes, &[], &Path::from("u"), "x", o)).is_none());
        for bad in ["ftp://a", "HTTPS://a", "https:/a", "//a", "", " https://a", "data:image/png;base64,AAAA"] {
            let v = one(|o| url(bad, &schemes, &[], &Path::from("u"), "x", o)).unwrap();
            assert_eq!(v.limit, "a URL starting with http:// or https://");
        }
    }

    #[test]
    fn url_or_data_uri() {
        // The i2v pattern `^(https?://|data:image/)`.
        let (schemes, data) = (["http", "https"], ["image"]);
        for ok in ["https://a.example/x.png", "data:image/png;base64,AAAA", "data:image/"] {
            assert!(one(|o| url(ok, &schemes, &data, &Path::from("u"), "x", o)).is_none(), "{ok}");
        }
        for bad in ["data:text/plain;base64,AAAA", "data:image", "DATA:image/png;base64,AAAA", "data:imagex/png"] {
            let v = one(|o| url(bad, &schemes, &data, &Path::from("u"), "x", o)).unwrap();
            assert_eq!(v.limit, "a URL starting with http:// or https://, or a data URI starting with data:image/");
        }
    }

    #[test]
    fn data_uri_size_type_and_encoding() {
        let limit = "a base64 data URI (data:image/...;base64,) of at most 6 decoded bytes";
        let check = |v: &str| one(|o| data_uri(v, &["image"], 6, &Path::from("f"), "x", o));
        assert!(check("https://a.example/x.png").is_none(), "URLs are the url rule's business");
        assert!(check("data:image/png;base64,AAAAAAAA").is_none(), "6 bytes is the limit");
        let v = check("data:image/png;base64,AAAAAAAAAA==").unwrap();
        assert_eq!((v.rule, v.limit.as_str(), v.actual.as_str()), (Rule::DataUri, limit, "7 decoded bytes"));
        assert_eq!(v.constraint, "x:data_uri");
        assert_eq!(check("data:video/mp4;base64,AAAA").unwrap().actual, "media type \"video/mp4\"");
        assert_eq!(check("data:image/png;base64,AAA").unwrap().actual, "a payload of 3 characters, not padded base64");
        assert!(check("data:image/png;base64,@@@@").unwrap().actual.contains("not valid base64"));
        assert!(check("data:image/png,AAAA").unwrap().actual.contains("not base64"));
        assert!(check("data:image/png;base64").unwrap().actual.contains("no `,`"));
    }

    #[test]
    fn public_hosts() {
        for ok in [
            "https://hooks.example.com/webhooks/tasks",
            "https://8.8.8.8/x",
            "https://[2001:4860:4860::8888]/x",
            "https://example.com:8443/x?y=1",
        ] {
            assert_eq!(public_host(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("https://user:pw@example.com/", "credentials in the URL"),
            ("https://localhost/x", "localhost"),
            ("https://api.localhost./x", "localhost"),
            ("https://127.0.0.1/x", "loopback IP 127.0.0.1"),
            ("https://2130706433/x", "loopback IP 127.0.0.1"),
            ("https://0x7f.1/x", "loopback IP 127.0.0.1"),
            ("https://0177.0.0.1/x", "loopback IP 127.0.0.1"),
            ("https://10.1.2.3/x", "private IP 10.1.2.3"),
            ("https://192.168.0.1:443/x", "private IP 192.168.0.1"),
            ("https://172.16.5.4/x", "private IP 172.16.5.4"),
            ("https://169.254.169.254/latest", "link-local IP 169.254.169.254"),
            ("https://0.0.0.0/x", "unspecified IP 0.0.0.0"),
            ("https://[::1]/x", "loopback IP ::1"),
            ("https://[::]/x", "unspecified IP ::"),
            ("https://[fd00::1]/x", "private (unique local) IP fd00::1"),
            ("https://[::ffff:10.0.0.1]/x", "private IP ::ffff:10.0.0.1"),
            ("https://%31%32%37.0.0.1/x", "loopback IP 127.0.0.1"),
            ("https://127.1/x", "loopback IP 127.0.0.1"),
        ] {
            assert_eq!(public_host(bad), Err(why.to_owned()), "{bad}");
        }
        // Hosts with characters a host cannot have (a tab is stripped by URL parsing, `>` is not).
        for bad in ["https://\tex>ample.com/x", "https://exa mple.com/", "https://", "not a url"] {
            assert!(public_host(bad).is_err(), "{bad}");
        }
        // A backslash ends the authority, as in browsers: the host is evil.example.
        assert_eq!(public_host("https://evil.example\\@127.0.0.1/"), Ok(()));
    }

    #[test]
    fn field_rules_apply_count_rules_to_a_list_and_the_others_to_each_item() {
        const URLS: FieldRules = FieldRules::new(
            "urls",
            "x.urls",
            &[Check::Items(Some(1), Some(2)), Check::Url(&["https"], &[]), Check::PublicUrl],
        );
        let urls = vec!["ftp://a".to_owned(), "https://example.com/".to_owned(), "https://127.0.0.1/".to_owned()];
        let mut out = Vec::new();
        URLS.check(&urls, &Path::ROOT.key("input"), &mut out);
        let got: Vec<(&str, Rule)> = out.iter().map(|v| (v.path.as_str(), v.rule)).collect();
        assert_eq!(
            got,
            [("input.urls", Rule::Items), ("input.urls[0]", Rule::Url), ("input.urls[2]", Rule::UrlPublic)]
        );
        assert_eq!(out[1].constraint, "x.urls:url");
        let mut out = Vec::new();
        URLS.check(&None::<Vec<String>>, &Path::ROOT, &mut out);
        URLS.check(&Some(vec!["https://example.com/".to_owned()]), &Path::ROOT, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn field_rules_skip_rules_of_other_types() {
        const D: FieldRules =
            FieldRules::new("d", "x.d", &[Check::Range(Some(3), None), Check::Length(Count::Bytes, None, 1)]);
        let mut out = Vec::new();
        D.check(&2_i64, &Path::ROOT, &mut out);
        D.check("ab", &Path::ROOT, &mut out);
        let got: Vec<(Rule, &str)> = out.iter().map(|v| (v.rule, v.limit.as_str())).collect();
        assert_eq!(got, [(Rule::Range, ">= 3"), (Rule::Length, "<= 1 bytes")]);
    }

    #[test]
    fn public_url_violation_names_the_reason() {
        let v =
            one(|o| public_url("https://127.0.0.1/hook", &Path::from("callback_url"), "x.callback_url", o)).unwrap();
        assert_eq!(v.rule, Rule::UrlPublic);
        assert_eq!(v.actual, "\"https://127.0.0.1/hook\" (loopback IP 127.0.0.1)");
        assert_eq!(v.constraint, "x.callback_url:url_public");
    }
}
