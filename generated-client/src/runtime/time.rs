//! Timestamps and durations as the providers send them (integer milliseconds).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::decode::{Decode, DecodeError};
use super::json::ToJson;

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
    fn decode(v: &Value, path: &str) -> Result<Self, DecodeError> {
        i64::decode(v, path).map(UnixMillis)
    }
}

impl Decode for Millis {
    fn decode(v: &Value, path: &str) -> Result<Self, DecodeError> {
        v.as_u64().map(Millis).ok_or_else(|| {
            DecodeError::new(
                path,
                format!("expected a non-negative integer of milliseconds, got {}", super::read::describe(v)),
            )
        })
    }
}

impl ToJson for UnixMillis {
    fn to_json(&self) -> Value {
        Value::from(self.0)
    }
}

impl ToJson for Millis {
    fn to_json(&self) -> Value {
        Value::from(self.0)
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
        assert!(Millis::decode(&Value::from(-5), "costTime").is_err());
    }
}
