//! Exact money: a decimal with an integer mantissa and a power-of-ten scale. No floating
//! point anywhere; arithmetic is checked and fails on overflow instead of wrapping.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The largest scale kept; products of prices (4 places) and seconds stay far below it.
const MAX_SCALE: u32 = 28;

/// An exact decimal number: `mantissa / 10^scale`.
#[derive(Clone, Copy, Debug)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// Why a string is not a decimal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDecimalError(String);

impl fmt::Display for ParseDecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a decimal number (expected digits with an optional '.' and fraction, such as 7.5)",
            self.0
        )
    }
}

impl std::error::Error for ParseDecimalError {}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal { mantissa: 0, scale: 0 };

    /// `mantissa / 10^scale`; `from_parts(125, 3)` is 0.125.
    pub const fn from_parts(mantissa: i128, scale: u32) -> Decimal {
        Decimal { mantissa, scale }
    }

    /// An integer.
    pub const fn from_i64(v: i64) -> Decimal {
        Decimal { mantissa: v as i128, scale: 0 }
    }

    /// Whole milliseconds as seconds: `from_millis(7_500)` is 7.5.
    pub const fn from_millis(ms: i64) -> Decimal {
        Decimal { mantissa: ms as i128, scale: 3 }
    }

    /// The mantissa (of the value as stored, not normalised).
    pub const fn mantissa(self) -> i128 {
        self.mantissa
    }

    /// The scale (of the value as stored, not normalised).
    pub const fn scale(self) -> u32 {
        self.scale
    }

    /// True for values below zero.
    pub const fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    /// The same value with trailing fractional zeros removed: 1.500 → 1.5.
    pub fn normalized(self) -> Decimal {
        let mut d = self;
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }

    /// Both values at the same scale, or `None` if that overflows.
    fn aligned(self, other: Decimal) -> Option<(i128, i128, u32)> {
        let scale = self.scale.max(other.scale);
        let a = self.mantissa.checked_mul(10i128.checked_pow(scale - self.scale)?)?;
        let b = other.mantissa.checked_mul(10i128.checked_pow(scale - other.scale)?)?;
        Some((a, b, scale))
    }

    /// `self + other`, `None` on overflow.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let (a, b, scale) = self.aligned(other)?;
        Some(Decimal { mantissa: a.checked_add(b)?, scale }.normalized())
    }

    /// `self - other`, `None` on overflow.
    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        let (a, b, scale) = self.aligned(other)?;
        Some(Decimal { mantissa: a.checked_sub(b)?, scale }.normalized())
    }

    /// `self * other`, `None` on overflow.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        let a = self.normalized();
        let b = other.normalized();
        let scale = a.scale + b.scale;
        if scale > MAX_SCALE {
            return None;
        }
        Some(Decimal { mantissa: a.mantissa.checked_mul(b.mantissa)?, scale }.normalized())
    }

    /// The smallest integer not below the value: 7.2 → 8, 15 → 15, -1.5 → -1.
    pub fn ceil(self) -> Decimal {
        let d = self.normalized();
        if d.scale == 0 {
            return d;
        }
        let Some(div) = 10i128.checked_pow(d.scale) else { return Decimal::ZERO };
        let q = d.mantissa.div_euclid(div);
        let q = if d.mantissa.rem_euclid(div) != 0 { q + 1 } else { q };
        Decimal { mantissa: q, scale: 0 }
    }

    /// Rounds half away from zero to `places` fractional digits (for display in minor
    /// units). Exact when the value already has at most `places` digits.
    pub fn round_half_up(self, places: u32) -> Decimal {
        let d = self.normalized();
        if d.scale <= places {
            return d;
        }
        let Some(div) = 10i128.checked_pow(d.scale - places) else { return Decimal::ZERO };
        let q = d.mantissa / div;
        let r = d.mantissa % div;
        let q = if r.abs() * 2 >= div { q + d.mantissa.signum() } else { q };
        Decimal { mantissa: q, scale: places }.normalized()
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let a = self.normalized();
        let b = other.normalized();
        match a.aligned(b) {
            Some((x, y, _)) => x.cmp(&y),
            // Only reachable for values near i128::MAX at different scales: compare the
            // integer parts, then the fractions.
            None => {
                let int = |d: Decimal| 10i128.checked_pow(d.scale).map_or(0, |p| d.mantissa / p);
                int(a).cmp(&int(b)).then_with(|| a.mantissa.signum().cmp(&b.mantissa.signum()))
            }
        }
    }
}

impl std::hash::Hash for Decimal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let n = self.normalized();
        n.mantissa.hash(state);
        n.scale.hash(state);
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.normalized();
        let digits = d.mantissa.unsigned_abs().to_string();
        let sign = if d.mantissa < 0 { "-" } else { "" };
        let scale = d.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

impl FromStr for Decimal {
    type Err = ParseDecimalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseDecimalError(s.to_owned());
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        if body.contains('.') && frac.is_empty() {
            return Err(err());
        }
        let scale = u32::try_from(frac.len()).map_err(|_| err())?;
        if scale > MAX_SCALE {
            return Err(err());
        }
        let mantissa: i128 = format!("{int}{frac}").parse().map_err(|_| err())?;
        Ok(Decimal { mantissa: if neg { -mantissa } else { mantissa }, scale }.normalized())
    }
}

/// What a price is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PriceUnit {
    /// A currency, by its ISO 4217 code (`USD`).
    Currency(&'static str),
    /// A provider's own unit of account, by the name its docs give it (`credits`). Not a
    /// currency: it is never shown as one.
    Credits(&'static str),
}

impl fmt::Display for PriceUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PriceUnit::Currency(c) | PriceUnit::Credits(c) => f.write_str(c),
        }
    }
}

/// An exact amount of money in a currency, or of a provider's credits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Money {
    /// The exact amount.
    pub amount: Decimal,
    /// What it is counted in.
    pub unit: PriceUnit,
}

impl Money {
    /// The ISO 4217 code when the amount is in a currency; `None` for credits.
    pub fn currency(&self) -> Option<&'static str> {
        match self.unit {
            PriceUnit::Currency(c) => Some(c),
            PriceUnit::Credits(_) => None,
        }
    }

    /// The unit's name when the amount is in a provider's credits; `None` for a currency.
    pub fn credits(&self) -> Option<&'static str> {
        match self.unit {
            PriceUnit::Credits(c) => Some(c),
            PriceUnit::Currency(_) => None,
        }
    }
}

impl fmt::Display for Money {
    /// `0.625 USD`, `30 credits`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn exact_arithmetic() {
        assert_eq!(d("0.125").checked_mul(d("5")).unwrap(), d("0.625"));
        assert_eq!(d("0.1625").checked_mul(d("7.3")).unwrap().to_string(), "1.18625");
        assert_eq!(d("0.1").checked_add(d("0.2")).unwrap(), d("0.3"));
        assert_eq!(d("1").checked_sub(d("1.5")).unwrap().to_string(), "-0.5");
        assert_eq!(d("1.50"), d("1.5"));
        assert!(d("2.5") > d("2.49"));
        assert_eq!(Decimal::from_millis(7_500), d("7.5"));
    }

    #[test]
    fn display_and_parse() {
        for s in ["0", "15", "0.125", "-0.05", "123456789.000001"] {
            assert_eq!(d(s).to_string(), s);
        }
        assert_eq!(Decimal::from_parts(1500, 3).to_string(), "1.5");
        for bad in ["", ".5", "1.", "1e3", "1,5", "--1", " 1"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad}");
        }
    }

    #[test]
    fn overflow_is_reported_not_wrapped() {
        let big = Decimal::from_parts(i128::MAX / 2, 0);
        assert!(big.checked_mul(d("3")).is_none());
        assert!(big.checked_add(big).is_some());
        assert!(big.checked_add(big).unwrap().checked_add(d("2")).is_none());
    }

    #[test]
    fn credits_are_never_a_currency() {
        let usd = Money { amount: d("0.625"), unit: PriceUnit::Currency("USD") };
        let credits = Money { amount: d("30"), unit: PriceUnit::Credits("credits") };
        assert_eq!((usd.to_string(), usd.currency(), usd.credits()), ("0.625 USD".into(), Some("USD"), None));
        assert_eq!(
            (credits.to_string(), credits.currency(), credits.credits()),
            ("30 credits".into(), None, Some("credits"))
        );
        assert_ne!(
            usd,
            Money { amount: d("0.625"), unit: PriceUnit::Credits("USD") },
            "the unit's kind is part of the amount"
        );
    }

    #[test]
    fn rounding_for_display() {
        assert_eq!(d("1.18625").round_half_up(2), d("1.19"));
        assert_eq!(d("1.185").round_half_up(2), d("1.19"));
        assert_eq!(d("-1.185").round_half_up(2), d("-1.19"));
        assert_eq!(d("1.5").round_half_up(2), d("1.5"));
    }
}
