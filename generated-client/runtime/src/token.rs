//! Random tokens, fingerprints of request bodies, and constant-time comparison: what the
//! task journal and webhook verification are built on.

use serde_json::Value;

use super::error::Error;

/// `n` random bytes from the operating system, as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, Error> {
    use ring::rand::SecureRandom;
    let mut buf = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::Config { message: "the operating system's random source failed".into() })?;
    Ok(hex(&buf))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// SHA-256 of bytes, as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

/// JSON with object keys sorted at every level and no insignificant whitespace, so equal
/// values always give the same text (whatever order the map kept).
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The fingerprint of a validated submit body for one provider module: SHA-256 of the
/// module name and the canonical JSON of the body.
pub fn fingerprint(module: &str, body: &Value) -> String {
    sha256_hex(format!("{module}\n{}", canonical_json(body)).as_bytes())
}

/// Compares two byte strings in time that depends only on their lengths (a token's length
/// is not secret), so a forger learns nothing from how long a comparison took.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fingerprints_ignore_key_order_and_whitespace_but_not_values() {
        let a = json!({"b": 1, "a": {"y": [1, 2], "x": "s"}});
        let b: Value = serde_json::from_str("{ \"a\": {\"x\": \"s\", \"y\": [1,2]}, \"b\": 1 }").unwrap();
        assert_eq!(canonical_json(&a), "{\"a\":{\"x\":\"s\",\"y\":[1,2]},\"b\":1}");
        assert_eq!(fingerprint("m", &a), fingerprint("m", &b));
        assert_ne!(fingerprint("m", &a), fingerprint("n", &a), "the module is part of it");
        assert_ne!(fingerprint("m", &a), fingerprint("m", &json!({"b": 2, "a": {"y": [1, 2], "x": "s"}})));
        // SHA-256 of "abc" (FIPS 180-2 test vector).
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn tokens_are_random_and_comparisons_exact() {
        let (a, b) = (random_hex(32).unwrap(), random_hex(32).unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(constant_time_eq(a.as_bytes(), a.clone().as_bytes()));
        assert!(!constant_time_eq(a.as_bytes(), b.as_bytes()));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
