//! Helpers of the request checks: type names, short renderings of offending values, and the
//! public-host rule.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::Value;

/// The JSON type of `v`, for messages (`string`, `number`, ...).
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `v` as compact JSON, cut to at most 80 characters so a huge value is not echoed back.
pub(crate) fn show(v: &Value) -> String {
    const MAX: usize = 80;
    let text = v.to_string();
    if text.chars().count() <= MAX {
        return text;
    }
    let mut cut: String = text.chars().take(MAX - 3).collect();
    cut.push_str("...");
    cut
}

/// Why `url` is not on a public host, or `None` when it is: the spec's `url_public` rule,
/// which JSON Schema cannot state (the scheme is the schema's `pattern`). Rejects a URL
/// without `<scheme>://`, whitespace, credentials, an empty host or bad port, `localhost`,
/// and loopback, private, link-local and unspecified IP literals (in any of the forms URL
/// parsers read as IPv4: `127.1`, `0x7f.0.0.1`, `2130706433`).
pub(crate) fn public_host_problem(url: &str) -> Option<String> {
    let Some((_, rest)) = url.split_once("://") else {
        return Some("has no scheme and host (<scheme>://<host>)".to_owned());
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("must not contain whitespace or control characters".to_owned());
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return Some("must not carry credentials (user info before '@')".to_owned());
    }
    let (host, port, bracketed) = if let Some(after) = authority.strip_prefix('[') {
        let Some(close) = after.find(']') else {
            return Some("has an unterminated IPv6 literal".to_owned());
        };
        let tail = &after[close + 1..];
        let port = match tail.strip_prefix(':') {
            Some(p) => Some(p),
            None if tail.is_empty() => None,
            None => return Some("has text after the IPv6 literal that is not a port".to_owned()),
        };
        (&after[..close], port, true)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p), false),
            None => (authority, None, false),
        }
    };
    if host.is_empty() {
        return Some("must name a host".to_owned());
    }
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err())
    {
        return Some(format!("has an invalid port {port:?}"));
    }
    if bracketed {
        return match host.parse::<Ipv6Addr>() {
            Ok(ip) => ip_problem(IpAddr::V6(ip)),
            Err(_) => Some(format!("has an invalid IPv6 literal {host:?}")),
        };
    }
    // Characters a host cannot contain (the WHATWG URL standard's forbidden host code points).
    if let Some(c) = host.chars().find(|c| "<>\\^|%\"{}`".contains(*c) || c.is_control()) {
        return Some(format!("host {host:?} contains {c:?}, which a host cannot contain"));
    }
    let lower = host.to_ascii_lowercase();
    let lower = lower.strip_suffix('.').unwrap_or(&lower);
    if lower == "localhost" || lower.ends_with(".localhost") {
        return Some(format!("host {host:?} is not public (localhost)"));
    }
    match numeric_ipv4(lower) {
        Some(Some(ip)) => ip_problem(IpAddr::V4(ip)),
        Some(None) => Some(format!("host {host:?} ends in a number but is not an IPv4 address")),
        None => None,
    }
}

/// How URL parsers read a host whose last label is a number: as an IPv4 address, in any of
/// the legacy forms (`127.1`, `0x7f.0.0.1`, `2130706433`, `0177.0.0.1`). `None`: not
/// numeric (a domain name); `Some(None)`: numeric but not a valid address.
fn numeric_ipv4(host: &str) -> Option<Option<Ipv4Addr>> {
    let labels: Vec<&str> = host.split('.').collect();
    let number = |label: &str| -> Option<u64> {
        if let Some(hex) = label.strip_prefix("0x").or_else(|| label.strip_prefix("0X")) {
            return if hex.is_empty() { Some(0) } else { u64::from_str_radix(hex, 16).ok() };
        }
        if label.len() > 1 && label.starts_with('0') {
            return u64::from_str_radix(&label[1..], 8).ok();
        }
        label.parse().ok()
    };
    let last = labels.last()?;
    let looks_numeric = !last.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x") || last.starts_with("0X"));
    if !looks_numeric {
        return None;
    }
    if labels.len() > 4 || labels.iter().any(|l| l.is_empty()) {
        return Some(None);
    }
    let Some(values) = labels.iter().map(|l| number(l)).collect::<Option<Vec<u64>>>() else { return Some(None) };
    let (last, head) = values.split_last()?;
    if head.iter().any(|v| *v > 255) || *last >= 1u64 << (8 * (4 - head.len() as u32)) {
        return Some(None);
    }
    let mut addr = *last;
    for (i, v) in head.iter().enumerate() {
        addr |= v << (8 * (3 - i as u32));
    }
    Some(u32::try_from(addr).ok().map(Ipv4Addr::from))
}

fn ip_problem(ip: IpAddr) -> Option<String> {
    let kind = match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_kind(v4),
            None if v6.is_loopback() => Some("loopback"),
            None if v6.is_unspecified() => Some("unspecified"),
            None if v6.is_unique_local() => Some("private (unique local)"),
            None if v6.is_unicast_link_local() => Some("link-local"),
            None => None,
        },
    };
    kind.map(|kind| format!("host {ip} is a {kind} address, not a public one"))
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_hosts() {
        assert_eq!(public_host_problem("https://your-server.com/webhooks/apixo"), None);
        assert_eq!(public_host_problem("https://8.8.8.8:8443/x"), None);
        assert_eq!(public_host_problem("http://[2001:4860::1]/x"), None);
        for bad in [
            "example.com/",
            "https://user:pw@example.com/",
            "https://localhost/x",
            "https://api.localhost./x",
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://192.168.0.1/x",
            "https://169.254.1.1/x",
            "https://0.0.0.0/x",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[fe80::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https:///x",
            "https://example.com:99999/",
            "https://exa mple.com/",
        ] {
            assert!(public_host_problem(bad).is_some(), "{bad}");
        }
        for bad in [
            "https://127.1/x",
            "https://2130706433/x",
            "https://0x7f.0.0.1/x",
            "https://0177.0.0.1/x",
            "https://10.1/x",
            "https://a>b.example/x",
            "https://1.2.3.4.5/x",
        ] {
            assert!(public_host_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn show_cuts_long_values() {
        assert!(show(&Value::String("x".repeat(500))).ends_with("..."));
        assert_eq!(show(&serde_json::json!("x")), "\"x\"");
    }
}
