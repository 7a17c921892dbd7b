//! URL rules: the base URL (https unless loopback, no credentials, query or fragment),
//! operation URLs with the task id encoded into them, and which URLs a client may follow.

use std::ffi::OsString;

use reqwest::Url;

use crate::error::Error;
use crate::meta::{Endpoint, IdParam};

fn config(message: impl Into<String>) -> Error {
    Error::Config { message: message.into() }
}

/// True for `localhost`, `*.localhost`, 127.0.0.0/8 and `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// https, or http on loopback only.
pub(crate) fn check_scheme(url: &Url, what: &str) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => {
            Err(format!("{what} must be https (http is allowed only for loopback hosts such as 127.0.0.1): {url}"))
        }
        other => Err(format!("{what} must be an https URL, not {other}: {url}")),
    }
}

/// Checks a base URL. An origin-only URL (`http://127.0.0.1:8080`) gets the documented
/// base path (`/api/v1` for a provider whose documented base URL has one).
pub(crate) fn base_url(given: &str, documented: &str) -> Result<Url, Error> {
    check_base_url(given, documented).map_err(config)
}

/// The base URL named by the environment variable `var`, whose value is `value`
/// (`std::env::var_os(var)`); the documented one when it is not set. A value that is set
/// but unusable (empty, not UTF-8, not a base URL) is an error naming the variable and the
/// value, never a silent fall-back to the paid API.
pub(crate) fn base_url_from_env(var: &str, value: Option<OsString>, documented: &str) -> Result<Url, Error> {
    let Some(value) = value else { return base_url(documented, documented) };
    let unusable = |shown: &str, why: String| {
        config(format!(
            "the environment variable {var}={shown} is not a usable base URL: {why}; set it to one such as http://127.0.0.1:8787, or unset it to use the documented {documented}"
        ))
    };
    let Some(text) = value.to_str() else {
        return Err(unusable(&format!("{value:?}"), "it is not valid UTF-8".into()));
    };
    if text.trim().is_empty() {
        return Err(unusable(&format!("{text:?}"), "it is empty".into()));
    }
    check_base_url(text, documented).map_err(|why| unusable(&format!("{text:?}"), why))
}

fn check_base_url(given: &str, documented: &str) -> Result<Url, String> {
    let mut url = Url::parse(given.trim()).map_err(|e| format!("invalid base URL {given:?}: {e}"))?;
    check_scheme(&url, "the base URL")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the base URL must not contain credentials; the API key goes in the Authorization header".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("the base URL must not have a query or fragment: {given}"));
    }
    if url.path() == "/" || url.path().is_empty() {
        let doc = Url::parse(documented).map_err(|e| format!("invalid documented base URL {documented:?}: {e}"))?;
        url.set_path(doc.path());
    }
    let trimmed = url.path().trim_end_matches('/').to_owned();
    url.set_path(&trimmed);
    Ok(url)
}

/// Rejects task ids that cannot be sent safely: empty, over-long, control characters, or
/// `.`/`..` (which URL normalisation would turn into another path).
pub(crate) fn check_task_id(id: &str) -> Result<(), Error> {
    if id.is_empty() || id.len() > 512 || id.chars().any(char::is_control) || id == "." || id == ".." {
        return Err(config(format!(
            "unusable task id {:?}: expected 1-512 printable characters",
            id.chars().take(40).collect::<String>()
        )));
    }
    Ok(())
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The URL of an operation, with the task id in its path or query.
pub(crate) fn endpoint(base: &Url, ep: &Endpoint, task_id: Option<&str>) -> Result<Url, Error> {
    let mut path = format!("{}{}", base.path().trim_end_matches('/'), ep.path);
    let mut url = base.clone();
    match (ep.id_param, task_id) {
        (Some(IdParam::Path(name)), Some(id)) => {
            check_task_id(id)?;
            path = path.replace(&format!("{{{name}}}"), &encode_segment(id));
            url.set_path(&path);
        }
        (Some(IdParam::Query(name)), Some(id)) => {
            check_task_id(id)?;
            url.set_path(&path);
            url.query_pairs_mut().append_pair(name, id);
        }
        (None, None) => url.set_path(&path),
        _ => return Err(config(format!("operation {} {} and the task id do not match", ep.method, ep.path))),
    }
    Ok(url)
}

/// A URL the provider told us to query (`get_result`), if it is on the base URL's origin.
/// Anything else is not followed: the request carries the API key.
pub(crate) fn same_origin(base: &Url, candidate: &str) -> Option<Url> {
    let url = Url::parse(candidate).ok()?;
    let same = url.scheme() == base.scheme()
        && url.host() == base.host()
        && url.port_or_known_default() == base.port_or_known_default();
    (same && url.username().is_empty() && url.password().is_none() && url.fragment().is_none()).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "https://api.example.test/api/v1";

    #[test]
    fn base_url_rules() {
        assert_eq!(
            base_url("https://api.example.test/api/v1/", DOC).unwrap().as_str(),
            "https://api.example.test/api/v1"
        );
        assert_eq!(base_url("http://127.0.0.1:8080", DOC).unwrap().as_str(), "http://127.0.0.1:8080/api/v1");
        assert_eq!(base_url("http://localhost:1/x", DOC).unwrap().as_str(), "http://localhost:1/x");
        assert_eq!(base_url("http://[::1]:9", "https://h.test").unwrap().as_str(), "http://[::1]:9/");
        for bad in [
            "http://api.example.test",
            "ftp://127.0.0.1",
            "https://user:pw@api.example.test",
            "https://api.example.test/?a=1",
            "https://api.example.test/#x",
            "not a url",
        ] {
            assert!(matches!(base_url(bad, DOC), Err(Error::Config { .. })), "{bad}");
        }
    }

    /// The zero-code switch: an unset variable keeps the documented base URL; a set one
    /// replaces it (an origin gets the documented base path); an unusable value is an error
    /// that names the variable and quotes the value, never a fall-back to the paid API.
    #[test]
    fn base_url_from_the_environment() {
        let env = |v: &str| Some(OsString::from(v));
        assert_eq!(base_url_from_env("X_BASE_URL", None, DOC).unwrap().as_str(), DOC);
        assert_eq!(
            base_url_from_env("X_BASE_URL", env("http://127.0.0.1:8787/api/v1"), DOC).unwrap().as_str(),
            "http://127.0.0.1:8787/api/v1"
        );
        assert_eq!(
            base_url_from_env("X_BASE_URL", env("http://127.0.0.1:8787"), DOC).unwrap().as_str(),
            "http://127.0.0.1:8787/api/v1"
        );
        let message = |value: Option<OsString>| match base_url_from_env("X_BASE_URL", value, DOC) {
            Err(Error::Config { message }) => message,
            other => panic!("expected a configuration error, got {other:?}"),
        };
        let m = message(env("htp//127.0.0.1"));
        assert!(
            m.starts_with(
                "the environment variable X_BASE_URL=\"htp//127.0.0.1\" is not a usable base URL: invalid base URL"
            ),
            "{m}"
        );
        assert!(m.ends_with(&format!("or unset it to use the documented {DOC}")), "{m}");
        let m = message(env("http://api.example.test"));
        assert!(m.contains("X_BASE_URL=\"http://api.example.test\"") && m.contains("must be https"), "{m}");
        assert!(message(env("")).contains("X_BASE_URL=\"\" is not a usable base URL: it is empty"));
        assert!(message(env("  ")).contains("it is empty"));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let m = message(Some(OsString::from_vec(vec![0x68, 0xff])));
            assert!(m.contains("X_BASE_URL=") && m.contains("it is not valid UTF-8"), "{m}");
        }
    }

    #[test]
    fn task_ids_are_encoded_or_refused() {
        let base = base_url("http://127.0.0.1:1", "https://h.test").unwrap();
        let path = Endpoint {
            key: "status",
            method: "GET",
            path: "/api/v1/tasks/{task_id}",
            content_type: None,
            id_param: Some(IdParam::Path("task_id")),
            creates_task: false,
        };
        assert_eq!(
            endpoint(&base, &path, Some("task-abc123")).unwrap().as_str(),
            "http://127.0.0.1:1/api/v1/tasks/task-abc123"
        );
        assert_eq!(endpoint(&base, &path, Some("a/b?c")).unwrap().path(), "/api/v1/tasks/a%2Fb%3Fc");
        assert!(endpoint(&base, &path, Some("..")).is_err());
        assert!(endpoint(&base, &path, Some("")).is_err());
        let query = Endpoint {
            key: "status",
            method: "GET",
            path: "/statusTask/x",
            content_type: None,
            id_param: Some(IdParam::Query("taskId")),
            creates_task: false,
        };
        assert_eq!(
            endpoint(&base, &query, Some("t 1&x")).unwrap().as_str(),
            "http://127.0.0.1:1/statusTask/x?taskId=t+1%26x"
        );
    }

    #[test]
    fn only_same_origin_urls_are_followed() {
        let base = base_url("https://api.example.test", "https://h.test").unwrap();
        assert!(same_origin(&base, "https://api.example.test/api/v1/tasks/t").is_some());
        assert!(same_origin(&base, "https://api.example.test:443/api/v1/tasks/t").is_some());
        assert!(same_origin(&base, "https://evil.test/api/v1/tasks/t").is_none());
        assert!(same_origin(&base, "http://api.example.test/api/v1/tasks/t").is_none());
        assert!(same_origin(&base, "https://u@api.example.test/t").is_none());
    }
}
