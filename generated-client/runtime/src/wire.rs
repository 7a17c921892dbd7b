//! Closed enums of documented wire values (request-side enums such as a resolution tier).
//! A generated enum states its values and their exact spellings once, as a const table
//! ([`WireEnum::WIRE`]); looking a spelling up, and reading the enum strictly from request
//! JSON ([`read`], which its `Read` impl calls), are done here for every enum.

use serde_json::Value;

use super::read::enum_value;
use super::violation::Violation;

/// A closed enum whose every value has one exact wire spelling.
pub trait WireEnum: Copy + PartialEq + 'static {
    /// Every value with its exact wire spelling, in documented order.
    const WIRE: &'static [(&'static str, Self)];
}

/// The exact wire spelling of `value`.
pub fn spelling<T: WireEnum>(value: T) -> &'static str {
    // Every value of a generated enum is in its table, so the empty string is unreachable.
    T::WIRE.iter().find(|(_, v)| *v == value).map_or("", |(w, _)| w)
}

/// The value with exactly this wire spelling (case-sensitive, no aliases).
pub fn value<T: WireEnum>(s: &str) -> Option<T> {
    T::WIRE.iter().find(|(w, _)| *w == s).map(|(_, v)| *v)
}

/// Reads the enum strictly from request JSON: a string that is exactly one of the
/// spellings; anything else is an `enum` (or a `type`) violation listing them. (A generated
/// enum's `Read` impl is this one call: `Read` has a blanket impl for request objects, so
/// it cannot have one for enums too.)
pub fn read<T: WireEnum>(v: &Value, path: &str, id_base: &str, out: &mut Vec<Violation>) -> Option<T> {
    enum_value(v, T::WIRE, path, id_base, out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Tier {
        Low,
        High,
    }

    impl WireEnum for Tier {
        const WIRE: &'static [(&'static str, Self)] = &[("720p", Tier::Low), ("1080p", Tier::High)];
    }

    #[test]
    fn spellings_round_trip_and_are_exact() {
        assert_eq!(spelling(Tier::High), "1080p");
        assert_eq!(value::<Tier>("720p"), Some(Tier::Low));
        assert_eq!(value::<Tier>("720P"), None, "case-sensitive");
    }

    #[test]
    fn reading_names_the_path_and_lists_the_values() {
        let mut out = Vec::new();
        assert_eq!(read(&json!("1080p"), "input.resolution", "m.submit.input.resolution", &mut out), Some(Tier::High));
        assert_eq!(read::<Tier>(&json!("4k"), "input.resolution", "m.submit.input.resolution", &mut out), None);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path, "input.resolution");
        assert_eq!(out[0].limit, "one of: 720p, 1080p");
        assert_eq!(out[0].constraint, "m.submit.input.resolution:enum");
    }
}
