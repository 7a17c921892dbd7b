//! Prose: normalising text, splitting sentences, telling a sentence that states a contract
//! fact from one that does not, and reading enumerations (`a, b, or c`).

/// Collapses every whitespace run to one space and trims.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Removes inline markdown markup that does not change the words: backticks, `**`, `__`,
/// and links (`[text](url)` becomes `text`).
pub fn strip_inline_markup(s: &str) -> String {
    let s = s.replace("**", "").replace("__", "").replace('`', "");
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find("](").and_then(|close| after[close + 2..].find(')').map(|end| (close, close + 2 + end))) {
            Some((close, end)) if !after[..close].contains('[') => {
                out.push_str(&rest[..open]);
                out.push_str(&after[..close]);
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `s` cut to about `max` characters on a char boundary, with `...` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}...")
}

/// A labelled line: a short label, `: `, and a value (`Authorization: Bearer YOUR_API_KEY`,
/// `Content-Type: application/json`).
pub fn is_labelled_line(text: &str) -> bool {
    match text.split_once(": ") {
        Some((label, value)) => {
            !label.is_empty()
                && label.split_whitespace().count() <= 3
                && label.chars().next().is_some_and(char::is_uppercase)
                && !label.ends_with(['.', ','])
                && !value.trim().is_empty()
        }
        None => false,
    }
}

/// Splits a paragraph into sentences: at `.`, `!` or `?` followed by whitespace and an
/// upper-case letter, a digit or an opening quote. Decimals (`0.125`), `etc.,` and
/// file names (`llms.txt`) do not split.
pub fn sentences(paragraph: &str) -> Vec<String> {
    let chars: Vec<char> = paragraph.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '.' | '!' | '?') && i + 2 < chars.len() && chars[i + 1].is_whitespace() {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            let next = chars.get(j).copied().unwrap_or(' ');
            let abbreviation = c == '.' && ends_with_abbreviation(&chars[start..i]);
            if (next.is_uppercase() || next.is_ascii_digit() || matches!(next, '"' | '(' | '`')) && !abbreviation {
                out.push(squash(&chars[start..=i].iter().collect::<String>()));
                start = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    let last = squash(&chars[start..].iter().collect::<String>());
    if !last.is_empty() {
        out.push(last);
    }
    out
}

fn ends_with_abbreviation(before: &[char]) -> bool {
    let word: String =
        before.iter().rev().take_while(|c| !c.is_whitespace()).collect::<Vec<_>>().into_iter().rev().collect();
    matches!(word.to_ascii_lowercase().as_str(), "e.g" | "i.e" | "etc" | "vs" | "approx" | "no")
}

/// Words that make a sentence a contract fact even without a number: what is required,
/// allowed, limited or assumed.
const CONTRACT_WORDS: [&str; 25] = [
    "must", "required", "require", "requires", "optional", "default", "only", "never", "always", "exactly", "maximum",
    "minimum", "limit", "limits", "limited", "cap", "caps", "capped", "expire", "expires", "not", "cannot", "per",
    "least", "most",
];

/// Whether a sentence states a contract fact: a number, a code-like name (`taskId`,
/// `image_urls`, `/path`, `{placeholder}`), an enumeration of three or more items, or one of
/// the words that state a rule (`must`, `default`, `only`, `not`, `per`, ...).
pub fn states_contract_fact(sentence: &str) -> bool {
    if sentence.chars().any(|c| c.is_ascii_digit()) {
        return true;
    }
    let words: Vec<&str> = sentence.split_whitespace().collect();
    if words.iter().any(|w| is_code_like(w)) {
        return true;
    }
    if words.iter().any(|w| {
        let bare: String = w.chars().filter(|c| c.is_alphabetic()).collect::<String>().to_lowercase();
        CONTRACT_WORDS.contains(&bare.as_str())
    }) {
        return true;
    }
    // Three or more items, or items separated like code (`auto | origin`).
    enumerations(sentence).iter().any(|e| e.items.len() >= 3 || e.pipes)
}

/// Whether a text states a bound on a value: a range of numbers (`3-15`, `1 - 9`,
/// `between 3 and 15`), or a number after `up to`, `exactly`, `at most`, `at least`,
/// `limited to`, `maximum`, `minimum`, `>=`, `<=`, or `exactly one`.
pub fn states_a_bound(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let number =
        |w: &str| w.trim_matches(|c: char| !c.is_ascii_digit()).chars().next().is_some_and(|c| c.is_ascii_digit());
    let chars: Vec<char> = lower.chars().collect();
    let dash_range = chars.windows(3).any(|w| w[0].is_ascii_digit() && w[1] == '-' && w[2].is_ascii_digit())
        || lower.contains(" - ") && words.windows(3).any(|w| number(w[0]) && w[1] == "-" && number(w[2]));
    let between = words.windows(4).any(|w| w[0] == "between" && number(w[1]) && w[2] == "and" && number(w[3]));
    let after = [
        "up to",
        "exactly",
        "at most",
        "at least",
        "limited to",
        "maximum",
        "minimum",
        ">=",
        "<=",
        "capped at",
        "caps",
    ];
    let bounded = after.iter().any(|a| {
        lower.match_indices(a).any(|(i, _)| {
            let rest = lower[i + a.len()..].trim_start();
            let next = rest.split_whitespace().next().unwrap_or("");
            number(next)
                || matches!(next, "one" | "two" | "three" | "four" | "five")
                || rest.split_whitespace().take(6).any(number)
        })
    });
    dash_range || between || bounded
}

/// A word written like code: snake_case, camelCase inside a word, a path, a placeholder.
pub fn is_code_like(word: &str) -> bool {
    let quoted = word.trim_end_matches([',', '.', ';', ':', ')']);
    if quoted.len() > 2 && quoted.starts_with('"') && quoted.ends_with('"') {
        return true;
    }
    let w = word.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':' | '(' | ')' | '"' | '\''));
    if w.len() < 2 {
        return false;
    }
    let chars: Vec<char> = w.chars().collect();
    let snake = chars.windows(3).any(|t| t[0].is_alphanumeric() && t[1] == '_' && t[2].is_alphanumeric());
    // camelCase (`taskId`), not a PascalCase name (`HappyHorse`).
    let camel = chars[0].is_lowercase() && chars.windows(2).any(|p| p[0].is_lowercase() && p[1].is_uppercase());
    let path = w.starts_with('/') && chars.get(1).is_some_and(|c| c.is_alphanumeric());
    let placeholder = w.contains('{') && w.contains('}');
    snake || camel || path || placeholder
}

/// A list of items in running text: `16:9, 9:16, 1:1`, `processing, success, or failed`,
/// `SensitiveContent / SensitiveContentDetected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enumeration {
    /// The items, without surrounding quotes or backticks, without a parenthesised remark.
    pub items: Vec<String>,
    /// Byte range of the whole list in the text it was read from.
    pub span: std::ops::Range<usize>,
    /// Byte range of each item.
    pub item_spans: Vec<std::ops::Range<usize>>,
    /// The items are separated by `|`, as code writes alternatives.
    pub pipes: bool,
}

/// Every list of two or more one-word items in `text`, separated by `, `, `, or `, `, and `,
/// ` or `, ` and `, ` / `. An item may carry a parenthesised remark (`pending (keep polling)`),
/// which is not part of it.
pub fn enumerations(text: &str) -> Vec<Enumeration> {
    let items = words_with_remarks(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let mut list = vec![i];
        let mut j = i;
        let mut pipes = false;
        // One list uses one kind of separator: `auto | origin, with ...` ends at `origin`.
        let mut family: Option<char> = None;
        while j + 1 < items.len() {
            let between = &text[items[j].1.end..items[j + 1].0.start];
            let kind = separator_family(between);
            if is_separator(between) && family.is_none_or(|f| Some(f) == kind) {
                family = kind;
                pipes |= between.trim() == "|";
                list.push(j + 1);
                j += 1;
            } else {
                break;
            }
        }
        if list.len() >= 2 {
            let span = items[list[0]].0.start..items[*list.last().unwrap_or(&i)].0.end;
            out.push(Enumeration {
                items: list.iter().map(|&k| clean_item(&text[items[k].0.clone()])).collect(),
                item_spans: list.iter().map(|&k| items[k].0.clone()).collect(),
                span,
                pipes,
            });
        }
        i = j + 1;
    }
    out
}

/// Words (runs of non-space, non-comma characters) with the span of a following
/// parenthesised remark folded into the separator.
fn words_with_remarks(text: &str) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() || matches!(bytes[i], b',' | b';') {
            i += 1;
            continue;
        }
        if bytes[i] == b'(' {
            // A remark without a word before it: skip it.
            i = text[i..].find(')').map_or(bytes.len(), |e| i + e + 1);
            continue;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b',' | b';') {
            i += 1;
        }
        let mut word_end = i;
        // Trailing sentence punctuation is not part of the item.
        while word_end > start && matches!(bytes[word_end - 1], b'.' | b':' | b'!' | b'?') {
            word_end -= 1;
        }
        // A remark `(..)` right after the word belongs to the separator that follows.
        let mut after = i;
        let mut k = i;
        while k < bytes.len() && bytes[k] == b' ' {
            k += 1;
        }
        if k < bytes.len()
            && bytes[k] == b'('
            && let Some(e) = text[k..].find(')')
        {
            after = k + e + 1;
        }
        // Conjunctions and bars join items; they are not items.
        if word_end > start && !matches!(&text[start..word_end], "or" | "and" | "|" | "/") {
            out.push((start..word_end, word_end..after));
        }
        i = after.max(i);
    }
    out
}

fn is_separator(between: &str) -> bool {
    // A remark in parentheses is dropped before judging the separator.
    let mut s = String::new();
    let mut depth = 0;
    for c in between.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => s.push(c),
            _ => {}
        }
    }
    matches!(squash(&s).as_str(), "," | ", or" | ", and" | "or" | "and" | "/" | "|")
}

/// `,` for commas and conjunctions, `/` or `|` for those separators.
fn separator_family(between: &str) -> Option<char> {
    let t = between.trim();
    if t.contains('|') {
        Some('|')
    } else if t.contains('/') {
        Some('/')
    } else if t.contains(',') || t == "and" || t == "or" {
        Some(',')
    } else {
        None
    }
}

fn clean_item(item: &str) -> String {
    item.trim_matches(|c: char| matches!(c, '"' | '\'' | '`')).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_at_sentence_ends_only() {
        assert_eq!(
            sentences("Array of URLs. Supports 1-9 images. Costs $0.125 each, etc., as listed. Done"),
            ["Array of URLs.", "Supports 1-9 images.", "Costs $0.125 each, etc., as listed.", "Done"]
        );
    }

    #[test]
    fn contract_sentences() {
        assert!(states_contract_fact("Duration 3-15 seconds."));
        assert!(states_contract_fact("Save the taskId; you need it."));
        assert!(states_contract_fact("HappyHorse outputs video with audio by default."));
        assert!(states_contract_fact("Current task state: processing, success, or failed."));
        assert!(!states_contract_fact("Use this page when you are ready to call the API."));
        assert!(!states_contract_fact("HappyHorse tasks are asynchronous."));
    }

    #[test]
    fn enumerations_are_read_with_remarks_and_conjunctions() {
        let e = enumerations("Task status values: pending (keep polling), success, failed.");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].items, ["pending", "success", "failed"]);
        let e = enumerations("16:9, 9:16, 1:1, 4:3, 3:4 for text-to-video and reference-to-video");
        assert_eq!(e[0].items, ["16:9", "9:16", "1:1", "4:3", "3:4"]);
        assert_eq!(e[1].items, ["text-to-video", "reference-to-video"]);
        let e = enumerations("state: processing, success, or failed.");
        assert_eq!(e[0].items, ["processing", "success", "failed"]);
    }

    #[test]
    fn markup_is_removed() {
        assert_eq!(
            strip_inline_markup("See [Webhooks](/docs/webhooks) for `taskId` **now**"),
            "See Webhooks for taskId now"
        );
    }
}
