//! CloudWatch Logs filter patterns, the common forms
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>):
//! an empty pattern matches everything; terms and "quoted phrases" must all appear
//! (case-sensitive); `?a ?b` matches when any of them appears; `-term` excludes; a JSON pattern
//! `{ $.level = "ERROR" && ($.status >= 500 || $.retry != true) }` compares the fields of a JSON
//! message with `=`, `!=`, `<`, `<=`, `>`, `>=`, a `*` in a string value matching any text.
//!
//! Missing: space-delimited patterns (`[ip, user, ...]`), regular expressions (`%...%`),
//! `IS NULL` / `NOT EXISTS`, and metric-filter value extraction.

use serde_json::Value;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    All,
    Terms(Terms),
    Json(Expr),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Terms {
    required: Vec<String>,
    any: Vec<String>,
    excluded: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare(Vec<String>, Op, Literal),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

impl Pattern {
    /// Parses a pattern; the error is AWS's InvalidParameterException message.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let text = text.trim();
        if text.is_empty() {
            Ok(Pattern::All)
        } else if text.starts_with('{') {
            let inner = text
                .strip_suffix('}')
                .ok_or_else(|| invalid(text))?
                .get(1..)
                .unwrap_or("");
            let mut p = Parser::new(inner);
            let expr = p.expr().ok_or_else(|| invalid(text))?;
            p.skip_ws();
            if p.rest().is_empty() {
                Ok(Pattern::Json(expr))
            } else {
                Err(invalid(text))
            }
        } else if text.starts_with('[') || text.starts_with('%') {
            Err(format!(
                "Invalid filter pattern: local-ecs does not support this pattern form yet: {text}"
            ))
        } else {
            terms(text).map(Pattern::Terms).ok_or_else(|| invalid(text))
        }
    }

    pub fn matches(&self, message: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Terms(t) => t.matches(message),
            Pattern::Json(expr) => serde_json::from_str::<Value>(message)
                .map(|doc| expr.eval(&doc))
                .unwrap_or(false),
        }
    }
}

fn invalid(text: &str) -> String {
    format!("Invalid filter pattern: {text}")
}

impl Terms {
    fn matches(&self, message: &str) -> bool {
        self.required.iter().all(|t| message.contains(t.as_str()))
            && !self.excluded.iter().any(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
    }
}

/// Splits a term pattern into words and quoted phrases, each with its `?` or `-` prefix.
fn terms(text: &str) -> Option<Terms> {
    let mut out = Terms::default();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let kind = if first == '?' || first == '-' {
            chars.next();
            first
        } else {
            ' '
        };
        let term: String = if chars.next_if_eq(&'"').is_some() {
            let phrase: String = chars.by_ref().take_while(|c| *c != '"').collect();
            phrase
        } else {
            std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect()
        };
        if term.is_empty() {
            return None;
        }
        match kind {
            '?' => out.any.push(term),
            '-' => out.excluded.push(term),
            _ => out.required.push(term),
        }
    }
    Some(out)
}

impl Expr {
    fn eval(&self, doc: &Value) -> bool {
        match self {
            Expr::And(a, b) => a.eval(doc) && b.eval(doc),
            Expr::Or(a, b) => a.eval(doc) || b.eval(doc),
            Expr::Compare(path, op, lit) => select(doc, path).is_some_and(|v| compare(v, *op, lit)),
        }
    }
}

/// The value at `$.a.b[0]` (path `["a", "b", "0"]`).
fn select<'v>(doc: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(doc, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

fn compare(value: &Value, op: Op, lit: &Literal) -> bool {
    let equal = match (value, lit) {
        (Value::String(s), Literal::Str(p)) => glob(p, s),
        (Value::Number(n), Literal::Num(x)) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            return match op {
                Op::Eq => n == *x,
                Op::Ne => n != *x,
                Op::Lt => n < *x,
                Op::Le => n <= *x,
                Op::Gt => n > *x,
                Op::Ge => n >= *x,
            };
        }
        (Value::Bool(b), Literal::Bool(x)) => b == x,
        (Value::Null, Literal::Null) => true,
        _ => false,
    };
    match op {
        Op::Eq => equal,
        Op::Ne => !equal,
        _ => false,
    }
}

/// `*` matches any run of characters; everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    if !text.ends_with(last) {
        return false;
    }
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// A recursive-descent parser for the inside of `{ ... }`.
struct Parser<'a> {
    text: &'a str,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser { text }
    }

    fn rest(&self) -> &'a str {
        self.text
    }

    fn skip_ws(&mut self) {
        self.text = self.text.trim_start();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        match self.text.strip_prefix(token) {
            Some(rest) => {
                self.text = rest;
                true
            }
            None => false,
        }
    }

    fn expr(&mut self) -> Option<Expr> {
        let mut left = self.conjunction()?;
        while self.eat("||") {
            left = Expr::Or(Box::new(left), Box::new(self.conjunction()?));
        }
        Some(left)
    }

    fn conjunction(&mut self) -> Option<Expr> {
        let mut left = self.atom()?;
        while self.eat("&&") {
            left = Expr::And(Box::new(left), Box::new(self.atom()?));
        }
        Some(left)
    }

    fn atom(&mut self) -> Option<Expr> {
        if self.eat("(") {
            let inner = self.expr()?;
            return self.eat(")").then_some(inner);
        }
        let path = self.selector()?;
        let op = self.op()?;
        Some(Expr::Compare(path, op, self.literal()?))
    }

    fn selector(&mut self) -> Option<Vec<String>> {
        if !self.eat("$") {
            return None;
        }
        let end = self
            .text
            .find(|c: char| c.is_whitespace() || "=!<>()&|".contains(c))
            .unwrap_or(self.text.len());
        let (raw, rest) = self.text.split_at(end);
        self.text = rest;
        let path: Vec<String> = raw
            .replace('[', ".")
            .replace(']', "")
            .split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        (!path.is_empty()).then_some(path)
    }

    fn op(&mut self) -> Option<Op> {
        for (token, op) in [
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("=", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
        ] {
            if self.eat(token) {
                return Some(op);
            }
        }
        None
    }

    fn literal(&mut self) -> Option<Literal> {
        self.skip_ws();
        if let Some(rest) = self.text.strip_prefix('"') {
            let end = rest.find('"')?;
            self.text = &rest[end + 1..];
            return Some(Literal::Str(rest[..end].to_string()));
        }
        let end = self
            .text
            .find(|c: char| c.is_whitespace() || "()&|".contains(c))
            .unwrap_or(self.text.len());
        let (word, rest) = self.text.split_at(end);
        if word.is_empty() {
            return None;
        }
        self.text = rest;
        Some(match word {
            "true" => Literal::Bool(true),
            "false" => Literal::Bool(false),
            "null" => Literal::Null,
            _ => word
                .parse()
                .map(Literal::Num)
                .unwrap_or_else(|_| Literal::Str(word.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, message: &str) -> bool {
        Pattern::parse(pattern).unwrap().matches(message)
    }

    #[test]
    fn empty_matches_everything() {
        assert!(m("", "anything") && m("  ", ""));
    }

    #[test]
    fn terms_phrases_any_and_exclusions() {
        assert!(m("ERROR", "[ERROR] disk full"));
        assert!(!m("ERROR", "[error] disk full"), "case-sensitive");
        assert!(m("ERROR disk", "disk ERROR") && !m("ERROR disk", "ERROR net"));
        assert!(m("\"disk full\"", "ERROR disk full") && !m("\"disk full\"", "full disk"));
        assert!(m("?ERROR ?WARN", "WARN low") && !m("?ERROR ?WARN", "INFO ok"));
        assert!(m("ERROR -retry", "ERROR boom") && !m("ERROR -retry", "ERROR retry 2"));
        assert!(!m("-\"health check\"", "GET /health check"));
    }

    #[test]
    fn json_selectors() {
        let line =
            r#"{"level":"ERROR","status":503,"ok":false,"user":{"id":"u-42"},"tags":["a","b"]}"#;
        assert!(m(r#"{ $.level = "ERROR" }"#, line));
        assert!(m("{ $.level = ERROR }", line));
        assert!(!m(r#"{ $.level = "INFO" }"#, line));
        assert!(m(r#"{ $.level != "INFO" }"#, line));
        assert!(m("{ $.status >= 500 }", line) && !m("{ $.status < 500 }", line));
        assert!(m("{$.status=503}", line));
        assert!(m(r#"{ $.user.id = "u-*" }"#, line) && m(r#"{ $.tags[1] = "b" }"#, line));
        assert!(m("{ $.ok = false }", line) && !m("{ $.ok = true }", line));
        assert!(m(r#"{ $.level = "ERROR" && $.status > 500 }"#, line));
        assert!(m(r#"{ $.level = "INFO" || $.status = 503 }"#, line));
        assert!(m(
            r#"{ ($.level = "INFO" || $.level = "ERROR") && $.status = 503 }"#,
            line
        ));
        assert!(!m("{ $.missing = 1 }", line) && !m("{ $.level = 1 }", line));
        assert!(!m(r#"{ $.level = "ERROR" }"#, "not json"));
    }

    #[test]
    fn globs() {
        assert!(glob("*", "") && glob("a*", "abc") && glob("*c", "abc") && glob("a*c", "abc"));
        assert!(glob("a*b*c", "a-b-c") && !glob("a*b*c", "acb") && !glob("ab*ba", "aba"));
    }

    #[test]
    fn bad_patterns_are_invalid() {
        for bad in [
            "{ $.a = }",
            "{ $.a ~ 1 }",
            "{ $.a = 1",
            "{ a = 1 }",
            "-",
            "[a, b]",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }
}
