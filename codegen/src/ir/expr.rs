//! The billing formula language: exact decimal arithmetic over named values.
//!
//! ```text
//! expr   := term (('+' | '-') term)*
//! term   := factor ('*' factor)*
//! factor := number | name | ('min' | 'max') '(' expr (',' expr)+ ')' | '(' expr ')'
//! number := digits ['.' digits]
//! name   := letter (letter | digit | '_' | '.')*
//! ```
//!
//! There is no division, so every result is exact. Names are resolved by the lowering
//! (`input.duration`, a declared billing input, or `unit_price`).

use super::DecimalLit;

/// A parsed formula over names of type `V`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr<V> {
    Num(DecimalLit),
    Var(V),
    Add(Box<Expr<V>>, Box<Expr<V>>),
    Sub(Box<Expr<V>>, Box<Expr<V>>),
    Mul(Box<Expr<V>>, Box<Expr<V>>),
    Min(Vec<Expr<V>>),
    Max(Vec<Expr<V>>),
}

impl<V> Expr<V> {
    /// Maps every name, stopping at the first error.
    pub fn try_map<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<Expr<W>, E> {
        Ok(match self {
            Expr::Num(n) => Expr::Num(n),
            Expr::Var(v) => Expr::Var(f(v)?),
            Expr::Add(a, b) => Expr::Add(Box::new(a.try_map(f)?), Box::new(b.try_map(f)?)),
            Expr::Sub(a, b) => Expr::Sub(Box::new(a.try_map(f)?), Box::new(b.try_map(f)?)),
            Expr::Mul(a, b) => Expr::Mul(Box::new(a.try_map(f)?), Box::new(b.try_map(f)?)),
            Expr::Min(xs) => Expr::Min(xs.into_iter().map(|x| x.try_map(f)).collect::<Result<_, _>>()?),
            Expr::Max(xs) => Expr::Max(xs.into_iter().map(|x| x.try_map(f)).collect::<Result<_, _>>()?),
        })
    }

    /// Every name, in order of appearance (with repeats).
    pub fn vars(&self) -> Vec<&V> {
        let mut out = Vec::new();
        self.walk(&mut |v| out.push(v));
        out
    }

    fn walk<'a>(&'a self, f: &mut impl FnMut(&'a V)) {
        match self {
            Expr::Num(_) => {}
            Expr::Var(v) => f(v),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Min(xs) | Expr::Max(xs) => xs.iter().for_each(|x| x.walk(f)),
        }
    }
}

/// A name as written, with its byte offset in the formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub offset: usize,
}

/// A syntax error at a byte offset of the formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

/// Parses a decimal literal such as `15` or `0.1625`.
pub fn parse_decimal(s: &str) -> Option<DecimalLit> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.contains('.') && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if int.len() + frac.len() > 30 {
        return None;
    }
    let mantissa: i128 = format!("{int}{frac}").parse().ok()?;
    Some(DecimalLit { mantissa, scale: frac.len() as u32 })
}

/// Parses a formula.
pub fn parse(text: &str) -> Result<Expr<Name>, ParseError> {
    let mut p = Parser { s: text, pos: 0 };
    let e = p.expr()?;
    p.skip_ws();
    if p.pos < p.s.len() {
        return Err(p.err(format!("unexpected {:?}", p.rest_char())));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, message: String) -> ParseError {
        ParseError { offset: self.pos, message }
    }

    fn rest_char(&self) -> char {
        self.s[self.pos..].chars().next().unwrap_or(' ')
    }

    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s.as_bytes()[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.as_bytes().get(self.pos).copied()
    }

    fn expect(&mut self, b: u8) -> Result<(), ParseError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else if self.pos >= self.s.len() {
            Err(self.err(format!("expected {:?}, found the end of the formula", b as char)))
        } else {
            Err(self.err(format!("expected {:?}, found {:?}", b as char, self.rest_char())))
        }
    }

    fn expr(&mut self) -> Result<Expr<Name>, ParseError> {
        let mut left = self.term()?;
        loop {
            match self.peek() {
                Some(b'+') => {
                    self.pos += 1;
                    left = Expr::Add(Box::new(left), Box::new(self.term()?));
                }
                Some(b'-') => {
                    self.pos += 1;
                    left = Expr::Sub(Box::new(left), Box::new(self.term()?));
                }
                _ => return Ok(left),
            }
        }
    }

    fn term(&mut self) -> Result<Expr<Name>, ParseError> {
        let mut left = self.factor()?;
        loop {
            match self.peek() {
                Some(b'*') => {
                    self.pos += 1;
                    left = Expr::Mul(Box::new(left), Box::new(self.factor()?));
                }
                Some(b'/') => {
                    return Err(self.err("division is not supported: results must stay exact".into()));
                }
                _ => return Ok(left),
            }
        }
    }

    fn factor(&mut self) -> Result<Expr<Name>, ParseError> {
        match self.peek() {
            None => Err(self.err("expected a number, a name or '(', found the end of the formula".into())),
            Some(b'(') => {
                self.pos += 1;
                let e = self.expr()?;
                self.expect(b')')?;
                Ok(e)
            }
            Some(b) if b.is_ascii_digit() => {
                let start = self.pos;
                while self.pos < self.s.len()
                    && (self.s.as_bytes()[self.pos].is_ascii_digit() || self.s.as_bytes()[self.pos] == b'.')
                {
                    self.pos += 1;
                }
                let lit = &self.s[start..self.pos];
                parse_decimal(lit)
                    .map(Expr::Num)
                    .ok_or(ParseError { offset: start, message: format!("{lit:?} is not a decimal number") })
            }
            Some(b) if b.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.pos < self.s.len() {
                    let c = self.s.as_bytes()[self.pos];
                    if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let name = &self.s[start..self.pos];
                if (name == "min" || name == "max") && self.peek() == Some(b'(') {
                    self.pos += 1;
                    let mut args = vec![self.expr()?];
                    while self.peek() == Some(b',') {
                        self.pos += 1;
                        args.push(self.expr()?);
                    }
                    self.expect(b')')?;
                    if args.len() < 2 {
                        return Err(ParseError {
                            offset: start,
                            message: format!("{name}() needs at least two arguments"),
                        });
                    }
                    return Ok(if name == "min" { Expr::Min(args) } else { Expr::Max(args) });
                }
                Ok(Expr::Var(Name { text: name.to_owned(), offset: start }))
            }
            Some(_) => Err(self.err(format!("expected a number, a name or '(', found {:?}", self.rest_char()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(e: &Expr<Name>) -> Vec<&str> {
        e.vars().into_iter().map(|n| n.text.as_str()).collect()
    }

    #[test]
    fn parses_precedence_and_functions() {
        let e = parse("(min(input_video_seconds, 15) + min(input_video_seconds, 15)) * unit_price").unwrap();
        assert_eq!(names(&e), ["input_video_seconds", "input_video_seconds", "unit_price"]);
        let Expr::Mul(l, r) = e else { panic!("expected a product") };
        assert!(matches!(*l, Expr::Add(..)));
        assert!(matches!(*r, Expr::Var(_)));

        let e = parse("a + b * 2").unwrap();
        let Expr::Add(_, r) = e else { panic!("expected a sum") };
        assert!(matches!(*r, Expr::Mul(..)));
    }

    #[test]
    fn reports_errors_with_offsets() {
        assert_eq!(parse("a / b").unwrap_err().offset, 2);
        assert_eq!(parse("min(a)").unwrap_err().message, "min() needs at least two arguments");
        assert_eq!(parse("(a + b").unwrap_err().message, "expected ')', found the end of the formula");
        assert_eq!(parse("a b").unwrap_err().offset, 2);
        assert!(parse("1.2.3").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(parse_decimal("0.1625"), Some(DecimalLit { mantissa: 1625, scale: 4 }));
        assert_eq!(parse_decimal("15"), Some(DecimalLit { mantissa: 15, scale: 0 }));
        assert_eq!(parse_decimal("1."), None);
        assert_eq!(parse_decimal(".5"), None);
        assert_eq!(parse_decimal("-1"), None);
    }
}
