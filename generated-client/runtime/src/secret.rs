//! The API key: kept out of `Debug`, `Display`, error messages and tracing output.

use std::fmt;

/// An API key. Its `Debug` prints `ApiKey(<redacted>)`; it has no `Display`; the only way
/// to read it is [`ApiKey::expose`], used once to build the `Authorization` header (which
/// is marked sensitive so HTTP logging does not print it either).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key. Surrounding whitespace (a pasted newline) is removed.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into().trim().to_owned())
    }

    /// The key from an environment variable, if it is set and not empty.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var).ok().map(ApiKey::new).filter(|k| !k.0.is_empty())
    }

    /// True when the key is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The key itself. Only for building the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl From<String> for ApiKey {
    fn from(s: String) -> Self {
        ApiKey::new(s)
    }
}

impl From<&str> for ApiKey {
    fn from(s: &str) -> Self {
        ApiKey::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let k = ApiKey::new(" sk-live-123\n");
        assert_eq!(format!("{k:?}"), "ApiKey(<redacted>)");
        assert_eq!(k.expose(), "sk-live-123");
    }
}
