//! Rust names derived from wire names, and identifier checks.

/// Rust keywords that cannot be plain identifiers.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Standard-prelude names the generated code uses unqualified (`Option`, `Some`, `String`,
/// `Vec`, `Result`, ...), plus `rt`, the module's alias of the runtime: a generated type of
/// one of these names would shadow them inside its module.
pub const PRELUDE: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Into",
    "From",
    "IntoIterator",
    "Iterator",
    "Default",
    "ToString",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Fn",
    "FnMut",
    "FnOnce",
    "Drop",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Debug",
    "Hash",
    "AsRef",
    "AsMut",
    "ToOwned",
    "Extend",
    "rt",
];

/// Why `s` cannot name a generated type, if it cannot: [`type_name_problem`], or a name of
/// the standard prelude the generated module relies on ([`PRELUDE`]).
pub fn generated_type_name_problem(s: &str) -> Option<String> {
    type_name_problem(s).or_else(|| {
        PRELUDE
            .contains(&s)
            .then(|| "is a name of Rust's standard prelude, which the generated module uses; choose another".into())
    })
}

/// Splits a wire name into words: on non-alphanumerics and at lower→upper case changes.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `taskId` → `task_id`, `request_type` → `request_type`, `Task TimeOut` → `task_time_out`.
pub fn snake(s: &str) -> String {
    words(s).iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().join("_")
}

/// `text-to-video` → `TextToVideo`, `Unknown error` → `UnknownError`.
pub fn pascal(s: &str) -> String {
    words(s)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `text-to-video` → `TEXT_TO_VIDEO`.
pub fn shouty(s: &str) -> String {
    snake(s).to_ascii_uppercase()
}

/// Why `s` cannot be a plain Rust identifier, if it cannot.
pub fn ident_problem(s: &str) -> Option<String> {
    let mut cs = s.chars();
    match cs.next() {
        None => return Some("is empty".into()),
        Some(c) if !(c.is_ascii_alphabetic() || c == '_') => {
            return Some(format!("starts with {c:?}; a Rust name must start with a letter"));
        }
        _ => {}
    }
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
        return Some(format!("contains {c:?}; use letters, digits and _"));
    }
    if KEYWORDS.contains(&s) {
        return Some("is a Rust keyword".into());
    }
    None
}

/// Why `s` cannot be a Rust type/variant name (`PascalCase`), if it cannot.
pub fn type_name_problem(s: &str) -> Option<String> {
    if let Some(p) = ident_problem(s) {
        return Some(p);
    }
    if !s.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Some("must start with an upper-case letter (PascalCase)".into());
    }
    if s.contains('_') {
        return Some("must be PascalCase, without _".into());
    }
    None
}

/// A user-chosen key (a mode tag, a type or operation key) as a segment of a dotted key
/// path, written the way TOML writes the key: bare when it is made of letters, digits, `-`
/// and `_`, quoted otherwise (`"happyhorse-1.0-t2v"`), so a dot inside a key is never read
/// as a separator.
pub fn key_segment(k: &str) -> String {
    if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        k.to_owned()
    } else {
        format!("\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// A field name as a Rust identifier: keywords get a trailing `_` (`type` → `type_`).
pub fn field_ident(wire: &str) -> String {
    let s = snake(wire);
    if KEYWORDS.contains(&s.as_str()) { format!("{s}_") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_wire_names() {
        assert_eq!(snake("taskId"), "task_id");
        assert_eq!(snake("resultJson"), "result_json");
        assert_eq!(snake("request_type"), "request_type");
        assert_eq!(pascal("text-to-video"), "TextToVideo");
        assert_eq!(pascal("Task TimeOut"), "TaskTimeOut");
        assert_eq!(pascal("Unknown error"), "UnknownError");
        assert_eq!(shouty("image-to-video"), "IMAGE_TO_VIDEO");
        assert_eq!(field_ident("type"), "type_");
    }

    #[test]
    fn keys_with_dots_are_quoted_in_key_paths() {
        assert_eq!(key_segment("video-edit"), "video-edit");
        assert_eq!(key_segment("happyhorse-1.0-t2v"), "\"happyhorse-1.0-t2v\"");
        assert_eq!(key_segment("a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn rejects_bad_identifiers() {
        assert!(ident_problem("720p").is_some());
        assert!(ident_problem("a-b").is_some());
        assert!(ident_problem("match").is_some());
        assert!(ident_problem("ok_name").is_none());
        assert!(type_name_problem("lower").is_some());
        assert!(type_name_problem("Snake_Case").is_some());
        assert!(type_name_problem("P720").is_none());
        assert!(generated_type_name_problem("Option").is_some());
        assert!(generated_type_name_problem("Result").is_some());
        assert!(generated_type_name_problem("TaskResult").is_none());
    }
}
