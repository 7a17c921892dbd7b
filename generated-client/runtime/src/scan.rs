//! A validating scanner over JSON text, for decoding without a `serde_json::Value`: it
//! finds the spans of an object's values (or an array's items) in one pass and checks the
//! JSON grammar (RFC 8259) of everything it passes over, skipped values included. It
//! answers only "these are the spans" or "this is not that": a caller that needs to say
//! why parses the text with `serde_json`, whose messages the errors keep.

/// Deeper nesting is refused, as `serde_json` refuses it.
const MAX_DEPTH: u32 = 127;

/// The length of the run of bytes at the start of `b` that a string holds as they are
/// (not `"`, `\\` or a control character), eight bytes at a time.
pub(crate) fn plain_run(b: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut n = 0;
    while let Some(chunk) = b.get(n..n + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // The lowest flagged byte is exact (the borrows run upwards only).
        let special = zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if special != 0 {
            return n + (special.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + b[n..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).unwrap_or(b.len() - n)
}

struct Scanner<'s> {
    s: &'s str,
    b: &'s [u8],
    i: usize,
}

impl<'s> Scanner<'s> {
    /// A span of the text. The scanner stops only on ASCII bytes, so spans are on
    /// character boundaries (`get` cannot miss).
    fn text(&self, from: usize, to: usize) -> &'s str {
        self.s.get(from..to).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// One value, after any whitespace.
    fn value(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(depth + 1, |_, _, _| {}),
            b'[' => self.array(depth + 1, |_| {}),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    fn literal(&mut self, lit: &[u8]) -> Option<()> {
        self.b[self.i..].starts_with(lit).then(|| self.i += lit.len())
    }

    fn digits(&mut self) -> Option<()> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        (self.i > start).then_some(())
    }

    /// `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits()?,
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digits()?;
        }
        Some(())
    }

    /// A string, from its opening quote; whether it holds escapes.
    fn string(&mut self) -> Option<bool> {
        self.eat(b'"')?;
        let mut escapes = false;
        loop {
            self.i += plain_run(&self.b[self.i..]);
            let c = self.peek()?;
            self.i += 1;
            match c {
                b'"' => return Some(escapes),
                b'\\' => {
                    escapes = true;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            let hex = self.b.get(self.i + 1..self.i + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                _ => {}
            }
        }
    }

    /// An object, from its opening brace: `each(key, key_has_escapes, value)` per member.
    fn object(&mut self, depth: u32, mut each: impl FnMut(&'s str, bool, &'s str)) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let k = self.i;
            let escapes = self.string()?;
            let key = self.text(k + 1, self.i - 1);
            self.ws();
            self.eat(b':')?;
            self.ws();
            let v = self.i;
            self.value(depth)?;
            each(key, escapes, self.text(v, self.i));
            self.ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws();
                }
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array, from its opening bracket: `each(item)` per item.
    fn array(&mut self, depth: u32, mut each: impl FnMut(&'s str)) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'[')?;
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            let v = self.i;
            self.value(depth)?;
            each(self.text(v, self.i));
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

fn whole<'s, T>(s: &'s str, f: impl FnOnce(&mut Scanner<'s>) -> Option<T>) -> Option<T> {
    let mut sc = Scanner { s, b: s.as_bytes(), i: 0 };
    sc.ws();
    let out = f(&mut sc)?;
    sc.ws();
    (sc.i == sc.b.len()).then_some(out)
}

/// The values of the keys `names` in `text`, which must be one JSON object (the last
/// value when a key repeats, as a JSON map keeps it); `None` when `text` is anything else.
pub(crate) fn object_fields<'s, const N: usize>(text: &'s str, names: &[&str; N]) -> Option<[Option<&'s str>; N]> {
    let mut slots = [None; N];
    let mut bad_key = false;
    whole(text, |sc| {
        sc.object(1, |key, escapes, value| {
            let found = if escapes {
                match serde_json::from_str::<String>(&format!("\"{key}\"")) {
                    Ok(k) => names.iter().position(|n| *n == k),
                    Err(_) => {
                        bad_key = true;
                        None
                    }
                }
            } else {
                // The first byte first: most keys differ there, and it saves a `memcmp`.
                names.iter().position(|n| n.as_bytes().first() == key.as_bytes().first() && *n == key)
            };
            if let Some(i) = found {
                slots[i] = Some(value);
            }
        })
    })?;
    (!bad_key).then_some(slots)
}

/// The items of `text`, which must be one JSON array; `None` when it is anything else.
pub(crate) fn array_items(text: &str) -> Option<Vec<&str>> {
    let mut items = Vec::new();
    whole(text, |sc| sc.array(1, |item| items.push(item)))?;
    Some(items)
}

/// The contents of the JSON string `text` (quotes included), escapes resolved; `None` when
/// `text` is not exactly one JSON string (a lone surrogate escape included, which
/// `serde_json` refuses too).
pub(crate) fn unescape(text: &str) -> Option<String> {
    let b = text.strip_prefix('"')?.strip_suffix('"')?.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let hex = |at: usize| -> Option<u32> {
        let digits = b.get(at..at + 4)?;
        // `from_str_radix` would take a sign: only the four hex digits JSON allows pass.
        digits.iter().all(u8::is_ascii_hexdigit).then_some(())?;
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    while i < b.len() {
        let run = plain_run(&b[i..]);
        out.extend_from_slice(&b[i..i + run]);
        i += run;
        let Some(&c) = b.get(i) else { break };
        if c != b'\\' {
            return None; // a bare quote or a control character
        }
        let e = *b.get(i + 1)?;
        i += 2;
        let ch = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex(i)?;
                i += 4;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    if b.get(i..i + 2)? != b"\\u" {
                        return None;
                    }
                    let lo = hex(i + 2)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                char::from_u32(code)?
            }
            _ => return None,
        };
        out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
    }
    String::from_utf8(out).ok()
}

/// Whether `text` is one JSON value.
#[cfg(test)]
fn is_json(text: &str) -> bool {
    whole(text, |sc| sc.value(0)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_serde_json_accepts_and_refuses_what_it_refuses() {
        let cases = [
            "{}",
            "[]",
            " {\"a\" : [1, -2.5e+3, 0, true, false, null, \"x\\\"y\\u00e9\\n\"], \"b\": {}} ",
            "0",
            "-0.0",
            "1E9",
            "\"\"",
            "{\"a\":1,}",
            "[1,]",
            "[1 2]",
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1e",
            "tru",
            "nul",
            "\"a",
            "\"\\x\"",
            "\"\\u12g4\"",
            "\"a\u{1}b\"",
            "{\"a\" 1}",
            "{1: 2}",
            "[1] [2]",
            "",
            "   ",
            "{\"a\":1}}",
            "[[[]]]",
            "\"é\"",
        ];
        for text in cases {
            let serde = serde_json::from_str::<serde_json::Value>(text).is_ok();
            assert_eq!(is_json(text), serde, "{text:?}");
        }
        for n in [126, 127, 128, 200] {
            let deep = format!("{}{}", "[".repeat(n), "]".repeat(n));
            let serde = serde_json::from_str::<serde_json::Value>(&deep).is_ok();
            assert_eq!(is_json(&deep), serde, "nesting {n} deep, as serde_json's limit");
        }
    }

    #[test]
    fn plain_runs_stop_at_the_first_special_byte() {
        let text = "abcdefghijklmnopqrstuvwxyz0123456789é-ü";
        for at in 0..text.len() {
            if !text.is_char_boundary(at) {
                continue;
            }
            for special in ["\"", "\\", "\u{1f}", "\n", "\u{0}"] {
                let s = format!("{}{special}{}", &text[..at], &text[at..]);
                assert_eq!(plain_run(s.as_bytes()), at, "{s:?}");
            }
        }
        assert_eq!(plain_run(text.as_bytes()), text.len());
        assert_eq!(plain_run(b"\x7f\xff "), 3, "DEL and high bytes are plain");
    }

    #[test]
    fn unescaping_agrees_with_serde_json() {
        let cases = [
            r#""""#,
            r#""plain""#,
            r#""{\"resultUrls\":[\"https:\/\/cdn.example\/v.mp4\"]}""#,
            r#""\b\f\n\r\t\\ \u00e9 \u4e2d \ud83d\ude00 é""#,
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\ud83d\u0041""#,
            r#""\u12""#,
            r#""\u+123""#,
            r#""\u-123""#,
            r#""\x""#,
            r#""a"b""#,
            "\"a\u{1}b\"",
            r#""ends with \""#,
            "\"",
        ];
        for text in cases {
            assert_eq!(unescape(text), serde_json::from_str::<String>(text).ok(), "{text}");
        }
    }

    #[test]
    fn object_fields_are_spans_of_the_text() {
        let text = r#"{"code": 200, "data": {"x": [1, {"y": "}"}]}, "skip": "\"", "k\u0065y": "v", "code": 201}"#;
        let [code, data, key, none] = object_fields(text, &["code", "data", "key", "none"]).unwrap();
        assert_eq!(code, Some("201"), "the last value of a repeated key");
        assert_eq!(data, Some(r#"{"x": [1, {"y": "}"}]}"#));
        assert_eq!(key, Some(r#""v""#), "an escaped key is compared unescaped");
        assert_eq!(none, None);
        assert!(object_fields("[1]", &["a"]).is_none());
        assert!(object_fields("{\"a\": 1", &["a"]).is_none());
        assert_eq!(array_items(r#"[1, "a,b", [2, 3]]"#).unwrap(), ["1", r#""a,b""#, "[2, 3]"]);
        assert_eq!(array_items("[]").unwrap(), Vec::<&str>::new());
    }
}
