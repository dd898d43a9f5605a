//! Metric math, the common part: arithmetic (`+ - * /`, parentheses, numbers) between query ids
//! and the functions SUM, AVG, MIN and MAX, over a list (`SUM([m1, m2])`, one value per
//! timestamp) or one series (a scalar); METRICS() (every metric of the request, as a list) and
//! METRICS("text") (those whose id contains the text); RATE (per-second change between
//! consecutive points, the first point dropped) and FILL(series, value | REPEAT | LINEAR) over
//! the request's period grid (REPEAT and LINEAR leave the points before the first value, and
//! LINEAR those after the last, missing). Series combine on the timestamps they share; a list
//! combines with a number member by member; a division by zero drops that point, as CloudWatch
//! leaves it out. Other functions are refused.

use std::collections::BTreeMap;

pub type Series = BTreeMap<i64, f64>;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Scalar(f64),
    Series(Series),
    /// Labelled series (a metric's label, or empty for a member of `[…]`).
    List(Vec<(String, Series)>),
}

/// What an expression reads: the value of an id evaluated before (`None`: no such id, or not
/// evaluated yet), the request's metrics in order (id, label) for METRICS(), and every period
/// start of the request (what FILL fills).
pub struct Inputs<'a> {
    pub lookup: &'a dyn Fn(&str) -> Option<Val>,
    pub metrics: &'a [(String, String)],
    pub grid: &'a [i64],
}

/// Evaluates `text` over `inputs`.
pub fn eval(text: &str, inputs: &Inputs) -> Result<Val, String> {
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens,
        at: 0,
        inputs,
    };
    let v = p.sum()?;
    if p.at != p.tokens.len() {
        return Err(format!("Unexpected token in expression: {text}"));
    }
    Ok(v)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Id(String),
    Str(String),
    Op(char),
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            out.push(Tok::Num(s.parse().map_err(|_| format!("Bad number {s}"))?));
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Id(chars[start..i].iter().collect()));
        } else if c == '"' || c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|x| *x == c)
                .ok_or("Unterminated string in expression")?;
            out.push(Tok::Str(chars[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else if "+-*/()[],".contains(c) {
            out.push(Tok::Op(c));
            i += 1;
        } else {
            return Err(format!("Unexpected character {c} in expression"));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Tok>,
    at: usize,
    inputs: &'a Inputs<'a>,
}

impl Parser<'_> {
    fn peek_op(&self) -> Option<char> {
        match self.tokens.get(self.at) {
            Some(Tok::Op(c)) => Some(*c),
            _ => None,
        }
    }

    fn expect(&mut self, op: char) -> Result<(), String> {
        if self.peek_op() != Some(op) {
            return Err(format!("Expected '{op}' in expression"));
        }
        self.at += 1;
        Ok(())
    }

    fn sum(&mut self) -> Result<Val, String> {
        let mut left = self.product()?;
        while let Some(op @ ('+' | '-')) = self.peek_op() {
            self.at += 1;
            left = binary(op, left, self.product()?)?;
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Val, String> {
        let mut left = self.factor()?;
        while let Some(op @ ('*' | '/')) = self.peek_op() {
            self.at += 1;
            left = binary(op, left, self.factor()?)?;
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Val, String> {
        let tok = self.tokens.get(self.at).cloned();
        self.at += 1;
        match tok {
            Some(Tok::Num(n)) => Ok(Val::Scalar(n)),
            Some(Tok::Op('-')) => binary('*', Val::Scalar(-1.0), self.factor()?),
            Some(Tok::Op('(')) => {
                let v = self.sum()?;
                self.expect(')')?;
                Ok(v)
            }
            Some(Tok::Op('[')) => self.list(),
            Some(Tok::Id(name)) if self.peek_op() == Some('(') => self.call(&name),
            Some(Tok::Id(id)) => {
                (self.inputs.lookup)(&id).ok_or_else(|| format!("Unknown id {id} in expression"))
            }
            _ => Err("Incomplete expression".into()),
        }
    }

    fn list(&mut self) -> Result<Val, String> {
        let mut items = Vec::new();
        loop {
            match self.sum()? {
                Val::Series(s) => items.push((String::new(), s)),
                _ => return Err("A list holds time series only".into()),
            }
            if self.peek_op() == Some(',') {
                self.at += 1;
                continue;
            }
            self.expect(']')?;
            return Ok(Val::List(items));
        }
    }

    fn call(&mut self, name: &str) -> Result<Val, String> {
        self.expect('(')?;
        if name == "METRICS" {
            return self.metrics();
        }
        let arg = self.sum()?;
        if name == "FILL" {
            self.expect(',')?;
            let how = self.fill_how()?;
            self.expect(')')?;
            return map_series(arg, &|s| fill(s, &how, self.inputs.grid));
        }
        self.expect(')')?;
        if name == "RATE" {
            return map_series(arg, &|s| Ok(rate(s)));
        }
        let f: fn(&[f64]) -> f64 = match name {
            "SUM" => |v| v.iter().sum(),
            "AVG" => |v| v.iter().sum::<f64>() / v.len() as f64,
            "MIN" => |v| v.iter().copied().fold(f64::INFINITY, f64::min),
            "MAX" => |v| v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            _ => return Err(format!("Unsupported function {name} in expression")),
        };
        Ok(match arg {
            Val::List(members) => Val::Series(across(&members, f)),
            Val::Series(s) if s.is_empty() => Val::Series(s),
            Val::Series(s) => Val::Scalar(f(&s.values().copied().collect::<Vec<_>>())),
            Val::Scalar(x) => Val::Scalar(x),
        })
    }

    /// METRICS() or METRICS("text") after its `(`: the request's metrics (those whose id
    /// contains the text), in request order.
    fn metrics(&mut self) -> Result<Val, String> {
        let filter = match self.tokens.get(self.at) {
            Some(Tok::Str(text)) => Some(text.clone()),
            _ => None,
        };
        self.at += usize::from(filter.is_some());
        self.expect(')')?;
        let mut out = Vec::new();
        for (id, label) in self.inputs.metrics {
            if filter.as_ref().is_some_and(|f| !id.contains(f.as_str())) {
                continue;
            }
            if let Some(Val::Series(s)) = (self.inputs.lookup)(id) {
                out.push((label.clone(), s));
            }
        }
        Ok(Val::List(out))
    }

    /// FILL's second argument: a number, REPEAT or LINEAR.
    fn fill_how(&mut self) -> Result<Fill, String> {
        if let Some(Tok::Id(word)) = self.tokens.get(self.at) {
            let how = match word.as_str() {
                "REPEAT" => Fill::Repeat,
                "LINEAR" => Fill::Linear,
                _ => return Err(format!("FILL takes a value, REPEAT or LINEAR, not {word}")),
            };
            self.at += 1;
            return Ok(how);
        }
        match self.sum()? {
            Val::Scalar(x) => Ok(Fill::Value(x)),
            _ => Err("FILL takes a value, REPEAT or LINEAR".into()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Fill {
    Value(f64),
    Repeat,
    Linear,
}

/// Applies `f` to a series, or to each series of a list.
fn map_series(v: Val, f: &dyn Fn(&Series) -> Result<Series, String>) -> Result<Val, String> {
    match v {
        Val::Series(s) => Ok(Val::Series(f(&s)?)),
        Val::List(l) => Ok(Val::List(
            l.iter()
                .map(|(label, s)| Ok((label.clone(), f(s)?)))
                .collect::<Result<_, String>>()?,
        )),
        Val::Scalar(_) => Err("This function takes a time series".into()),
    }
}

/// The per-second change from each point to the next, at the later point's timestamp.
fn rate(s: &Series) -> Series {
    s.iter()
        .zip(s.iter().skip(1))
        .map(|((t0, v0), (t1, v1))| (*t1, (v1 - v0) / (t1 - t0) as f64))
        .collect()
}

/// `s` with a value at every timestamp of `grid` it lacks, as `how` says.
fn fill(s: &Series, how: &Fill, grid: &[i64]) -> Result<Series, String> {
    let mut out = s.clone();
    for t in grid.iter().filter(|t| !s.contains_key(t)) {
        let before = s.range(..*t).next_back();
        let after = s.range(*t..).next();
        let v = match (how, before, after) {
            (Fill::Value(x), _, _) => Some(*x),
            (Fill::Repeat, Some((_, v)), _) => Some(*v),
            (Fill::Linear, Some((t0, v0)), Some((t1, v1))) => {
                Some(v0 + (v1 - v0) * (t - t0) as f64 / (t1 - t0) as f64)
            }
            _ => None,
        };
        if let Some(v) = v {
            out.insert(*t, v);
        }
    }
    Ok(out)
}

/// One value per timestamp any series has, reduced over the series that have it.
fn across(members: &[(String, Series)], f: fn(&[f64]) -> f64) -> Series {
    let mut at: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for (_, s) in members {
        for (t, v) in s {
            at.entry(*t).or_default().push(*v);
        }
    }
    at.into_iter().map(|(t, vs)| (t, f(&vs))).collect()
}

fn apply(op: char, a: f64, b: f64) -> Option<f64> {
    let v = match op {
        '+' => a + b,
        '-' => a - b,
        '*' => a * b,
        _ if b == 0.0 => return None,
        _ => a / b,
    };
    v.is_finite().then_some(v)
}

fn binary(op: char, left: Val, right: Val) -> Result<Val, String> {
    use Val::*;
    Ok(match (left, right) {
        (Scalar(a), Scalar(b)) => Scalar(apply(op, a, b).unwrap_or(f64::NAN)),
        (Series(s), Scalar(b)) => Series(
            s.into_iter()
                .filter_map(|(t, a)| apply(op, a, b).map(|v| (t, v)))
                .collect(),
        ),
        (Scalar(a), Series(s)) => Series(
            s.into_iter()
                .filter_map(|(t, b)| apply(op, a, b).map(|v| (t, v)))
                .collect(),
        ),
        (Series(a), Series(b)) => Series(
            a.into_iter()
                .filter_map(|(t, x)| b.get(&t).and_then(|y| apply(op, x, *y)).map(|v| (t, v)))
                .collect(),
        ),
        (List(l), Scalar(b)) => List(each(l, |s| binary(op, Series(s), Scalar(b)))?),
        (Scalar(a), List(l)) => List(each(l, |s| binary(op, Scalar(a), Series(s)))?),
        _ => return Err("Arithmetic between two lists of time series is not supported".into()),
    })
}

/// A list with `f` applied to each member's series.
fn each(
    list: Vec<(String, Series)>,
    f: impl Fn(Series) -> Result<Val, String>,
) -> Result<Vec<(String, Series)>, String> {
    list.into_iter()
        .map(|(label, s)| match f(s)? {
            Val::Series(out) => Ok((label, out)),
            _ => Err("A list member must stay a time series".into()),
        })
        .collect()
}

#[cfg(test)]
#[path = "expr_tests.rs"]
mod tests;
