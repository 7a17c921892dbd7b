//! Lints: likely mistakes that the provider accepts, reported as warnings.

use std::fmt;

/// A warning about a request that is valid but probably not what was meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    /// The lint's id in the spec, `character-reference-out-of-range`.
    pub id: &'static str,
    /// JSON path of the value the warning is about.
    pub path: String,
    /// What is probably wrong.
    pub message: String,
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "warning[{}] {}: {}", self.id, self.path, self.message)
    }
}

/// The indexes `K` of every mention `<token>K` in `text` (distinct, in order of first
/// appearance). A mention starts at a word boundary: `xcharacter1` is not one.
pub fn indexed_mentions(text: &str, token: &str, case_insensitive: bool) -> Vec<u64> {
    let hay: String = if case_insensitive { text.to_lowercase() } else { text.to_owned() };
    let needle: String = if case_insensitive { token.to_lowercase() } else { token.to_owned() };
    let mut out = Vec::new();
    if needle.is_empty() {
        return out;
    }
    let mut from = 0;
    while let Some(pos) = hay[from..].find(&needle) {
        let start = from + pos;
        let after = start + needle.len();
        from = after;
        let boundary = hay[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let digits: String = hay[after..].chars().take_while(char::is_ascii_digit).collect();
        if !boundary || digits.is_empty() {
            continue;
        }
        let k = digits.parse::<u64>().unwrap_or(u64::MAX);
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_mentions_at_word_boundaries() {
        let t = "Character1 interacts with object character2; xcharacter9 and character is not one, character2 again, character10";
        assert_eq!(indexed_mentions(t, "character", true), [1, 2, 10]);
        assert_eq!(indexed_mentions(t, "character", false), [2, 10]);
        assert_eq!(indexed_mentions("character99999999999999999999999", "character", false), [u64::MAX]);
    }
}
