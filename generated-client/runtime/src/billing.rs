//! Cost estimates: each provider's billing formulas reach the runtime as const data
//! ([`CostRule`], a formula compiled from the spec to a postfix program of [`Op`]s), and
//! [`estimate`] evaluates them with exact decimals.

use std::fmt;

use super::money::{Decimal, Money, PriceUnit};

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

/// One step of a billing formula in postfix order: values are pushed, operators pop their
/// operands and push the result. There is no division, so every result is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Pushes a constant.
    Num(Decimal),
    /// Pushes the `i`-th value the estimator passes (a request field or a billing input,
    /// in the order of [`CostRule::values`]).
    Value(usize),
    /// Pushes the unit price (official or market reference).
    UnitPrice,
    /// Pops `b`, then `a`; pushes `a + b`.
    Add,
    /// Pops `b`, then `a`; pushes `a - b`.
    Sub,
    /// Pops `b`, then `a`; pushes `a * b`.
    Mul,
    /// Pops `n` values; pushes the smallest.
    Min(usize),
    /// Pops `n` values; pushes the largest.
    Max(usize),
}

/// The billing rule of one mode, as const data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostRule {
    /// The mode, `text-to-video`.
    pub mode: &'static str,
    /// The formula as written in the spec.
    pub formula: &'static str,
    /// The formula as a postfix program.
    pub program: &'static [Op],
    /// The names of the values [`Op::Value`] refers to, in order (`input.duration`).
    pub values: &'static [&'static str],
    /// The billed unit, `second`.
    pub per: &'static str,
    /// What prices are counted in.
    pub unit: PriceUnit,
    /// Indexes of values the provider may bill rounded up to a whole unit: when there are
    /// any, the estimate also gives the amounts with them rounded up.
    pub round_up: &'static [usize],
    /// What is rounded, in words (empty when nothing is).
    pub assumption: &'static str,
}

/// Runs a postfix program over `values` with `unit_price`.
fn run(program: &[Op], values: &[Decimal], unit_price: Decimal) -> Result<Decimal, BillingError> {
    let mut stack: Vec<Decimal> = Vec::with_capacity(program.len());
    // A program the generator compiled is well formed: a missing operand or value reads as
    // an overflow rather than a panic.
    let pop = |stack: &mut Vec<Decimal>| stack.pop().ok_or(BillingError::Overflow);
    for op in program {
        let v = match *op {
            Op::Num(d) => d,
            Op::Value(i) => *values.get(i).ok_or(BillingError::Overflow)?,
            Op::UnitPrice => unit_price,
            Op::Add | Op::Sub | Op::Mul => {
                let b = pop(&mut stack)?;
                let a = pop(&mut stack)?;
                match op {
                    Op::Add => add(a, b)?,
                    Op::Sub => sub(a, b)?,
                    _ => mul(a, b)?,
                }
            }
            Op::Min(n) | Op::Max(n) => {
                let at = stack.len().checked_sub(n).ok_or(BillingError::Overflow)?;
                let xs = stack.split_off(at);
                if matches!(op, Op::Min(_)) { min(&xs) } else { max(&xs) }
            }
        };
        stack.push(v);
    }
    pop(&mut stack)
}

/// Evaluates `rule` with the unit prices the request selects and the values of
/// [`CostRule::values`] (already read from the request and the billing inputs): the exact
/// cost at both prices, and, when the rule has values billed rounded up, the upper bound.
pub fn estimate(rule: &CostRule, unit_price: UnitPrice, values: &[Decimal]) -> Result<CostEstimate, BillingError> {
    let money = |amount| Money { amount, unit: rule.unit };
    let upper_bound = if rule.round_up.is_empty() {
        None
    } else {
        let up: Vec<Decimal> =
            values.iter().enumerate().map(|(i, v)| if rule.round_up.contains(&i) { v.ceil() } else { *v }).collect();
        Some(CostBound {
            official: money(run(rule.program, &up, unit_price.official)?),
            market_reference: money(run(rule.program, &up, unit_price.market)?),
            assumption: rule.assumption,
        })
    };
    Ok(CostEstimate {
        mode: rule.mode,
        formula: rule.formula,
        per: rule.per,
        unit_price,
        official: money(run(rule.program, values, unit_price.official)?),
        market_reference: money(run(rule.program, values, unit_price.market)?),
        upper_bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRICE: UnitPrice =
        UnitPrice { key: "720p", official: Decimal::from_parts(14, 2), market: Decimal::from_parts(10, 2) };

    /// `(min(seconds, 15) + 1) * unit_price`, with `seconds` billed rounded up.
    const RULE: CostRule = CostRule {
        mode: "edit",
        formula: "(min(seconds, 15) + 1) * unit_price",
        program: &[
            Op::Value(0),
            Op::Num(Decimal::from_parts(15, 0)),
            Op::Min(2),
            Op::Num(Decimal::from_parts(1, 0)),
            Op::Add,
            Op::UnitPrice,
            Op::Mul,
        ],
        values: &["seconds"],
        per: "second",
        unit: PriceUnit::Currency("USD"),
        round_up: &[0],
        assumption: "`seconds` rounded up",
    };

    #[test]
    fn a_program_is_evaluated_exactly_with_its_upper_bound() {
        let e = estimate(&RULE, PRICE, &["4.2".parse().unwrap()]).unwrap();
        assert_eq!(e.official.amount, "0.728".parse().unwrap(), "(4.2 + 1) * 0.14");
        assert_eq!(e.market_reference.amount, "0.52".parse().unwrap(), "(4.2 + 1) * 0.10");
        let up = e.upper_bound.unwrap();
        assert_eq!(up.official.amount, "0.84".parse().unwrap(), "(5 + 1) * 0.14");
        assert_eq!(up.assumption, "`seconds` rounded up");
        let capped = estimate(&RULE, PRICE, &["40".parse().unwrap()]).unwrap();
        assert_eq!(capped.official.amount, "2.24".parse().unwrap(), "(15 + 1) * 0.14");
    }

    #[test]
    fn a_malformed_program_is_an_error_not_a_panic() {
        let bad = CostRule { program: &[Op::Add], round_up: &[], ..RULE };
        assert_eq!(estimate(&bad, PRICE, &[]).unwrap_err(), BillingError::Overflow);
        let missing = CostRule { program: &[Op::Value(3)], round_up: &[], ..RULE };
        assert_eq!(estimate(&missing, PRICE, &[]).unwrap_err(), BillingError::Overflow);
    }

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
