//! Cost estimates: the generated estimators evaluate each provider's billing formula
//! (compiled from the spec) with exact decimals through these helpers.

use std::fmt;

use super::money::{Decimal, Money};

/// Why a cost could not be estimated. The estimate never guesses a missing input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BillingError {
    /// A value the price depends on is not set: a request field (`input.resolution`) or a
    /// billing input the caller must supply (`input_video_seconds`).
    MissingInput {
        /// The request path or billing input name.
        name: &'static str,
    },
    /// A billing input is outside its documented range.
    InvalidInput {
        /// The billing input name.
        name: &'static str,
        /// What is allowed.
        limit: String,
        /// What was given.
        actual: String,
    },
    /// The arithmetic overflowed (inputs far outside any real task).
    Overflow,
}

impl fmt::Display for BillingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BillingError::MissingInput { name } => {
                write!(
                    f,
                    "cannot estimate the cost: `{name}` is not set and the price depends on it (no default is assumed)"
                )
            }
            BillingError::InvalidInput { name, limit, actual } => {
                write!(f, "cannot estimate the cost: `{name}` must be {limit}, got {actual}")
            }
            BillingError::Overflow => f.write_str("cannot estimate the cost: the amount overflows"),
        }
    }
}

impl std::error::Error for BillingError {}

/// The unit prices for one value of the price selector (such as a resolution).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitPrice {
    /// The selector's wire value, `720p`.
    pub key: &'static str,
    /// The provider's official price per billed unit.
    pub official: Decimal,
    /// The market reference price per billed unit.
    pub market: Decimal,
}

/// An exact cost estimate for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostEstimate {
    /// The mode the formula belongs to, `text-to-video`.
    pub mode: &'static str,
    /// The formula as written in the spec.
    pub formula: &'static str,
    /// The billed unit, `second`.
    pub per: &'static str,
    /// The unit prices used.
    pub unit_price: UnitPrice,
    /// The cost at the official price.
    pub official: Money,
    /// The cost at the market reference price.
    pub market_reference: Money,
    /// When an input may be billed rounded up (a fractional probed duration the docs do not
    /// say how to round), the amounts with it rounded up: what a budget check must use.
    pub upper_bound: Option<CostBound>,
}

/// The amounts of an estimate with its roundable inputs rounded up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostBound {
    /// The upper bound at the official price.
    pub official: Money,
    /// The upper bound at the market reference price.
    pub market_reference: Money,
    /// What was rounded, in words.
    pub assumption: &'static str,
}

impl CostEstimate {
    /// The most the request can cost at the official price: the upper bound when there is
    /// one, else the exact amount. Budget checks use this, so they never under-estimate.
    pub fn at_most_official(&self) -> Money {
        self.upper_bound.map_or(self.official, |b| b.official)
    }

    /// The most the request can cost at the market reference price.
    pub fn at_most_market_reference(&self) -> Money {
        self.upper_bound.map_or(self.market_reference, |b| b.market_reference)
    }
}

/// The value of a request field the price depends on.
pub fn require<T>(v: Option<T>, name: &'static str) -> Result<T, BillingError> {
    v.ok_or(BillingError::MissingInput { name })
}

/// A billing input the caller supplies, checked against its minimum.
pub fn input(v: Option<Decimal>, name: &'static str, min: Option<Decimal>) -> Result<Decimal, BillingError> {
    let v = require(v, name)?;
    match min {
        Some(m) if v < m => Err(BillingError::InvalidInput { name, limit: format!(">= {m}"), actual: v.to_string() }),
        _ => Ok(v),
    }
}

/// `a + b`.
pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, BillingError> {
    a.checked_add(b).ok_or(BillingError::Overflow)
}

/// `a - b`.
pub fn sub(a: Decimal, b: Decimal) -> Result<Decimal, BillingError> {
    a.checked_sub(b).ok_or(BillingError::Overflow)
}

/// `a * b`.
pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal, BillingError> {
    a.checked_mul(b).ok_or(BillingError::Overflow)
}

/// The smallest of the values.
pub fn min(values: &[Decimal]) -> Decimal {
    values.iter().copied().min().unwrap_or(Decimal::ZERO)
}

/// The largest of the values.
pub fn max(values: &[Decimal]) -> Decimal {
    values.iter().copied().max().unwrap_or(Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_inputs_are_errors_not_guesses() {
        let e = require::<i64>(None, "input.duration").unwrap_err();
        assert_eq!(e, BillingError::MissingInput { name: "input.duration" });
        assert!(e.to_string().contains("`input.duration` is not set"));
        let e = input(Some(Decimal::from_i64(-1)), "input_video_seconds", Some(Decimal::ZERO)).unwrap_err();
        assert_eq!(e.to_string(), "cannot estimate the cost: `input_video_seconds` must be >= 0, got -1");
    }

    #[test]
    fn min_and_max_are_exact() {
        let a: Decimal = "15".parse().unwrap();
        let b: Decimal = "15.001".parse().unwrap();
        assert_eq!(min(&[b, a]), a);
        assert_eq!(max(&[a, b]), b);
    }
}
