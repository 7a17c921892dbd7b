//! Timestamps and durations as the providers send them (integer milliseconds).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::decode::{Decode, DecodeError};
use super::json::ToJson;
use super::violation::Path;

/// A point in time as Unix milliseconds, exactly as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    /// The time as a `SystemTime`; `None` if it is before 1970 or out of range.
    pub fn to_system_time(self) -> Option<SystemTime> {
        let ms = u64::try_from(self.0).ok()?;
        UNIX_EPOCH.checked_add(Duration::from_millis(ms))
    }
}

/// A duration in milliseconds, exactly as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Millis(pub u64);

impl Millis {
    /// The duration.
    pub fn to_duration(self) -> Duration {
        Duration::from_millis(self.0)
    }
}

impl Decode for UnixMillis {
    fn decode(json: &str, path: &Path<'_>) -> Result<Self, DecodeError> {
        i64::decode(json, path).map(UnixMillis)
    }
}

impl Decode for Millis {
    fn decode(json: &str, path: &Path<'_>) -> Result<Self, DecodeError> {
        serde_json::from_str::<u64>(json).map(Millis).map_err(|_| {
            let got = serde_json::from_str::<Value>(json).map_or_else(|e| e.to_string(), |v| super::read::describe(&v));
            DecodeError::at(path, format!("expected a non-negative integer of milliseconds, got {got}"))
        })
    }
}

impl ToJson for UnixMillis {
    fn write_json(&self, out: &mut Vec<u8>) {
        self.0.write_json(out);
    }
}

impl ToJson for Millis {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0.to_string().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts() {
        let t = UnixMillis(1_767_965_610_929);
        let back = t.to_system_time().unwrap().duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(back.as_millis(), 1_767_965_610_929);
        assert_eq!(UnixMillis(-1).to_system_time(), None);
        assert_eq!(Millis(41_388).to_duration(), Duration::from_millis(41_388));
        let e = Millis::decode("-5", &Path::from("costTime")).unwrap_err();
        assert_eq!(e.to_string(), "costTime: expected a non-negative integer of milliseconds, got number -5");
        assert_eq!(Millis::decode("41388", &Path::ROOT), Ok(Millis(41_388)));
    }
}
