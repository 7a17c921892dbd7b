//! Counting string length the way a provider documents it, and truncating to a limit.

/// How a string's length is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Unicode scalar values (Rust `char`s): an emoji outside the BMP counts 1.
    UnicodeScalars,
    /// UTF-16 code units: an emoji outside the BMP counts 2.
    Utf16Units,
    /// UTF-8 bytes.
    Bytes,
    /// Weighted code points (for example CJK ideographs counting 2).
    Weighted(&'static Weights),
}

/// A weighted counting rule: code points in `ranges` weigh the range's weight, every other
/// code point weighs `default_weight`.
#[derive(Debug, PartialEq, Eq)]
pub struct Weights {
    /// Name of the rule in the spec.
    pub name: &'static str,
    /// Weight of code points outside every range.
    pub default_weight: u32,
    /// `(first, last, weight)`: inclusive code point ranges, sorted, not overlapping.
    pub ranges: &'static [(u32, u32, u32)],
}

impl Weights {
    /// The weight of one character.
    pub fn weight(&self, c: char) -> u32 {
        let cp = c as u32;
        match self.ranges.binary_search_by(|&(lo, hi, _)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        }) {
            Ok(i) => self.ranges[i].2,
            Err(_) => self.default_weight,
        }
    }
}

impl Count {
    /// The length of `s` under this rule.
    pub fn len(self, s: &str) -> u64 {
        match self {
            Count::UnicodeScalars => s.chars().count() as u64,
            Count::Utf16Units => s.encode_utf16().count() as u64,
            Count::Bytes => s.len() as u64,
            Count::Weighted(w) => s.chars().map(|c| u64::from(w.weight(c))).sum(),
        }
    }

    /// The unit in words, for messages: `Unicode scalar values`.
    pub fn unit(self) -> String {
        match self {
            Count::UnicodeScalars => "Unicode scalar values".into(),
            Count::Utf16Units => "UTF-16 code units".into(),
            Count::Bytes => "bytes".into(),
            Count::Weighted(w) => format!("units of the `{}` counting rule", w.name),
        }
    }

    /// Cuts `s` to its longest prefix whose length is at most `max`, never splitting a
    /// character. Returns whether anything was cut.
    pub fn truncate(self, s: &mut String, max: u64) -> bool {
        let mut total = 0u64;
        for (i, c) in s.char_indices() {
            let w = match self {
                Count::UnicodeScalars => 1,
                Count::Utf16Units => c.len_utf16() as u64,
                Count::Bytes => c.len_utf8() as u64,
                Count::Weighted(ws) => u64::from(ws.weight(c)),
            };
            if total + w > max {
                s.truncate(i);
                return true;
            }
            total += w;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static CJK: Weights = Weights {
        name: "test_cjk",
        default_weight: 1,
        ranges: &[(0x3400, 0x4DBF, 2), (0x4E00, 0x9FFF, 2), (0x20000, 0x3FFFF, 2)],
    };

    #[test]
    fn counts_by_rule() {
        let s = "a😀中";
        assert_eq!(Count::UnicodeScalars.len(s), 3);
        assert_eq!(Count::Utf16Units.len(s), 4);
        assert_eq!(Count::Bytes.len(s), 1 + 4 + 3);
        assert_eq!(Count::Weighted(&CJK).len(s), 1 + 1 + 2);
        // An astral ideograph (Extension B) weighs 2; CJK punctuation weighs 1.
        assert_eq!(Count::Weighted(&CJK).len("\u{20000}。"), 3);
    }

    #[test]
    fn truncation_keeps_whole_characters_within_the_limit() {
        let mut s = "ab中文".to_owned();
        assert!(Count::Weighted(&CJK).truncate(&mut s, 5));
        assert_eq!(s, "ab中");
        let mut s = "ab".to_owned();
        assert!(!Count::UnicodeScalars.truncate(&mut s, 2));
        assert_eq!(s, "ab");
        let mut s = "😀😀".to_owned();
        assert!(Count::Utf16Units.truncate(&mut s, 3));
        assert_eq!(s, "😀");
    }
}
