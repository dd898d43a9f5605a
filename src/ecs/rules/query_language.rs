//! The cluster query language
//! (<https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-query-language.html>),
//! used by ListContainerInstances' `filter` and by `memberOf` placement constraints.
//!
//! Supported: subjects `attribute:NAME`, `ec2InstanceId`, `agentConnected`, `runningTasksCount`
//! and `task:group` (what a [`Subjects`] answers; `agentVersion` and `registeredAt` parse but never
//! have a value); operators `==`/`equals`, `!=`/`not_equals`, `>`, `>=`, `<`, `<=` (numeric when
//! both sides are numbers, else by string), `exists`, `!exists`/`not_exists`, `in`, `!in`/`not_in`
//! with a list `[a, b]` (or `(a, b)`), `=~`/`matches`, `!~`/`not_matches`; compounds with
//! `and`/`&&`, `or`/`||` (`and` binds tighter), `not`/`!` and parentheses; quoted literals.
//! Missing: `matches` is not Java regex: only `.` (any character), `.*` and `*` (any run) are
//! special, and the pattern must match the whole value. Tokens must be separated by spaces.

use crate::ecs::state::types::{Attribute, ContainerInstance};
use crate::ecs::{EcsError, EcsResult};
use std::cmp::Ordering;

/// Answers a subject for one container instance: `None` when it has no such subject, else its
/// values (an attribute without a value exists with no values; `task:group` can have many).
pub trait Subjects {
    fn values(&self, subject: &str) -> Option<Vec<String>>;
}

/// Bare attributes answer only `attribute:` subjects.
impl Subjects for [Attribute] {
    fn values(&self, subject: &str) -> Option<Vec<String>> {
        let name = subject.strip_prefix("attribute:")?;
        let found = self.iter().find(|a| a.name == name)?;
        Some(found.value.iter().cloned().collect())
    }
}

/// An instance with the groups of the tasks it runs.
pub struct InstanceSubjects<'a> {
    pub instance: &'a ContainerInstance,
    pub groups: Vec<String>,
}

impl Subjects for InstanceSubjects<'_> {
    fn values(&self, subject: &str) -> Option<Vec<String>> {
        let ci = self.instance;
        match subject {
            "ec2InstanceId" => ci.ec2_instance_id.clone().map(|id| vec![id]),
            "agentConnected" => Some(vec![ci.agent_connected.to_string()]),
            "runningTasksCount" => Some(vec![ci.running_tasks_count.to_string()]),
            "task:group" if self.groups.is_empty() => None,
            "task:group" => Some(self.groups.clone()),
            _ => ci.attributes.values(subject),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Equals(String),
    NotEquals(String),
    Compare(Ordering, bool, String),
    Exists,
    NotExists,
    In(Vec<String>),
    NotIn(Vec<String>),
    Matches(String),
    NotMatches(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Clause(String, Test),
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    expr: Expr,
}

impl Filter {
    pub fn parse(text: &str) -> EcsResult<Filter> {
        let invalid = || EcsError::invalid(format!("The filter expression is not valid: {text}"));
        let tokens = tokenize(text);
        let mut parser = Parser { tokens, at: 0 };
        let expr = parser.or().ok_or_else(invalid)?;
        if parser.at != parser.tokens.len() {
            return Err(invalid());
        }
        Ok(Filter { expr })
    }

    /// Whether bare attributes satisfy it (other subjects count as absent).
    pub fn matches(&self, attributes: &[Attribute]) -> bool {
        self.matches_with(attributes)
    }

    pub fn matches_with<S: Subjects + ?Sized>(&self, subjects: &S) -> bool {
        eval(&self.expr, subjects)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenList,
    CloseList,
    Comma,
    Word(String),
    Quoted(String),
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        let single = match c {
            '(' => Some(Token::Open),
            ')' => Some(Token::Close),
            '[' => Some(Token::OpenList),
            ']' => Some(Token::CloseList),
            ',' => Some(Token::Comma),
            _ => None,
        };
        if let Some(t) = single {
            chars.next();
            tokens.push(t);
        } else if c.is_whitespace() {
            chars.next();
        } else if c == '\'' || c == '"' {
            chars.next();
            let quoted: String = chars.by_ref().take_while(|x| *x != c).collect();
            tokens.push(Token::Quoted(quoted));
        } else {
            let mut word = String::new();
            while let Some(&x) = chars.peek() {
                if x.is_whitespace() || "()[],'\"".contains(x) {
                    break;
                }
                word.push(x);
                chars.next();
            }
            tokens.push(Token::Word(word));
        }
    }
    tokens
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

const SUBJECTS: [&str; 6] = [
    "ec2InstanceId",
    "agentConnected",
    "agentVersion",
    "registeredAt",
    "runningTasksCount",
    "task:group",
];

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&mut self, words: &[&str]) -> bool {
        let hit = matches!(self.peek(), Some(Token::Word(w))
            if words.iter().any(|k| w.eq_ignore_ascii_case(k)));
        if hit {
            self.at += 1;
        }
        hit
    }

    fn or(&mut self) -> Option<Expr> {
        let mut parts = vec![self.and()?];
        while self.keyword(&["or", "||"]) {
            parts.push(self.and()?);
        }
        Some(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Option<Expr> {
        let mut parts = vec![self.unary()?];
        while self.keyword(&["and", "&&"]) {
            parts.push(self.unary()?);
        }
        Some(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn unary(&mut self) -> Option<Expr> {
        if self.keyword(&["not", "!"]) {
            return Some(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            return (self.next()? == Token::Close).then_some(inner);
        }
        self.clause()
    }

    fn clause(&mut self) -> Option<Expr> {
        let Some(Token::Word(subject)) = self.next() else {
            return None;
        };
        let known = SUBJECTS.contains(&subject.as_str())
            || subject
                .strip_prefix("attribute:")
                .is_some_and(|n| !n.is_empty());
        let Some(Token::Word(op)) = self.next() else {
            return None;
        };
        let test = self.test(&op)?;
        known.then_some(Expr::Clause(subject, test))
    }

    fn test(&mut self, op: &str) -> Option<Test> {
        Some(match op {
            "exists" => Test::Exists,
            "!exists" | "not_exists" => Test::NotExists,
            "in" => Test::In(self.list()?),
            "!in" | "not_in" => Test::NotIn(self.list()?),
            "==" | "equals" => Test::Equals(self.literal()?),
            "!=" | "not_equals" => Test::NotEquals(self.literal()?),
            "=~" | "matches" => Test::Matches(self.literal()?),
            "!~" | "not_matches" => Test::NotMatches(self.literal()?),
            ">" | "greater_than" => Test::Compare(Ordering::Greater, false, self.literal()?),
            ">=" | "greater_than_equal" => Test::Compare(Ordering::Greater, true, self.literal()?),
            "<" | "less_than" => Test::Compare(Ordering::Less, false, self.literal()?),
            "<=" | "less_than_equal" => Test::Compare(Ordering::Less, true, self.literal()?),
            _ => return None,
        })
    }

    fn literal(&mut self) -> Option<String> {
        match self.next()? {
            Token::Word(w) if !is_keyword(&w) => Some(w),
            Token::Quoted(q) => Some(q),
            _ => None,
        }
    }

    fn list(&mut self) -> Option<Vec<String>> {
        let close = match self.next()? {
            Token::OpenList => Token::CloseList,
            Token::Open => Token::Close,
            _ => return None,
        };
        let mut items = Vec::new();
        loop {
            match self.next()? {
                t if t == close => return Some(items),
                Token::Comma => {}
                Token::Word(w) => items.push(w),
                Token::Quoted(q) => items.push(q),
                _ => return None,
            }
        }
    }
}

fn is_keyword(word: &str) -> bool {
    ["and", "or", "&&", "||"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

fn eval<S: Subjects + ?Sized>(expr: &Expr, subjects: &S) -> bool {
    match expr {
        Expr::Or(parts) => parts.iter().any(|p| eval(p, subjects)),
        Expr::And(parts) => parts.iter().all(|p| eval(p, subjects)),
        Expr::Not(inner) => !eval(inner, subjects),
        Expr::Clause(subject, test) => test_values(test, subjects.values(subject)),
    }
}

fn test_values(test: &Test, found: Option<Vec<String>>) -> bool {
    let values = found.as_deref().unwrap_or_default();
    let any = |f: &dyn Fn(&str) -> bool| values.iter().any(|v| f(v));
    match test {
        Test::Exists => found.is_some(),
        Test::NotExists => found.is_none(),
        Test::Equals(x) => any(&|v| v == x),
        Test::NotEquals(x) => !any(&|v| v == x),
        Test::In(xs) => any(&|v| xs.iter().any(|x| x == v)),
        Test::NotIn(xs) => !any(&|v| xs.iter().any(|x| x == v)),
        Test::Matches(p) => any(&|v| pattern_matches(p, v)),
        Test::NotMatches(p) => !any(&|v| pattern_matches(p, v)),
        Test::Compare(want, or_equal, x) => any(&|v| {
            let ord = compare(v, x);
            ord == *want || (*or_equal && ord == Ordering::Equal)
        }),
    }
}

fn compare(value: &str, argument: &str) -> Ordering {
    match (value.parse::<f64>(), argument.parse::<f64>()) {
        (Ok(a), Ok(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        _ => value.cmp(argument),
    }
}

/// Whole-value match where `.*` and `*` stand for any run of characters and `.` for any one.
fn pattern_matches(pattern: &str, value: &str) -> bool {
    #[derive(PartialEq)]
    enum P {
        Any,
        One,
        Lit(char),
    }
    let text = pattern.replace(".*", "*");
    let parts: Vec<P> = text
        .chars()
        .map(|c| match c {
            '*' => P::Any,
            '.' => P::One,
            c => P::Lit(c),
        })
        .collect();
    let value: Vec<char> = value.chars().collect();
    // ok[j]: the pattern so far matches value[..j].
    let mut ok = vec![false; value.len() + 1];
    ok[0] = true;
    for p in &parts {
        let mut next = vec![false; value.len() + 1];
        for j in 0..=value.len() {
            next[j] = match p {
                P::Any => ok[j] || (j > 0 && next[j - 1]),
                P::One => j > 0 && ok[j - 1],
                P::Lit(c) => j > 0 && ok[j - 1] && value[j - 1] == *c,
            };
        }
        ok = next;
    }
    ok[value.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, Option<&str>)]) -> Vec<Attribute> {
        pairs
            .iter()
            .map(|(n, v)| Attribute {
                name: n.to_string(),
                value: v.map(String::from),
                target_type: None,
                target_id: None,
            })
            .collect()
    }

    #[test]
    fn evaluates_attribute_clauses() {
        let a = attrs(&[
            ("ecs.instance-type", Some("t3.micro")),
            ("stack", Some("prod")),
            ("gpu", None),
        ]);
        let ok = |expr: &str| Filter::parse(expr).unwrap().matches(&a);
        assert!(ok("attribute:ecs.instance-type == t3.micro"));
        assert!(!ok("attribute:ecs.instance-type != t3.micro"));
        assert!(ok("attribute:gpu exists and attribute:stack == prod"));
        assert!(ok(
            "attribute:stack == dev or attribute:stack in (prod, qa)"
        ));
        assert!(ok("attribute:stack in [prod, qa] && attribute:gpu exists"));
        assert!(!ok("attribute:stack not_in (prod, qa)"));
        assert!(!ok("attribute:stack !in ['prod']"));
        assert!(ok("attribute:missing !exists"));
        assert!(!ok("attribute:gpu exists and attribute:stack == dev"));
    }

    #[test]
    fn handles_parentheses_not_and_precedence() {
        let a = attrs(&[("stack", Some("prod")), ("zone", Some("a"))]);
        let ok = |expr: &str| Filter::parse(expr).unwrap().matches(&a);
        assert!(ok(
            "attribute:stack == dev or attribute:zone == a and attribute:stack == prod"
        ));
        assert!(!ok(
            "(attribute:stack == dev or attribute:zone == a) and attribute:stack == dev"
        ));
        assert!(ok("not (attribute:stack == dev)"));
        assert!(ok("!(attribute:stack == dev || attribute:zone == b)"));
        assert!(!ok("not(attribute:zone == a)"));
    }

    #[test]
    fn matches_patterns_and_compares() {
        let a = attrs(&[
            ("ecs.instance-type", Some("t3.micro")),
            ("cores", Some("16")),
        ]);
        let ok = |expr: &str| Filter::parse(expr).unwrap().matches(&a);
        assert!(ok("attribute:ecs.instance-type =~ t3.*"));
        assert!(ok("attribute:ecs.instance-type matches t*o"));
        assert!(!ok("attribute:ecs.instance-type =~ t2.*"));
        assert!(ok("attribute:ecs.instance-type !~ g2.*"));
        assert!(ok("attribute:cores > 8 and attribute:cores <= 16"));
        assert!(!ok("attribute:cores < 9"));
    }

    #[test]
    fn answers_instance_subjects() {
        let ci = ContainerInstance {
            ec2_instance_id: Some("i-abc".into()),
            running_tasks_count: 2,
            attributes: attrs(&[("stack", Some("prod"))]),
            ..Default::default()
        };
        let s = InstanceSubjects {
            instance: &ci,
            groups: vec!["service:web".into()],
        };
        let ok = |expr: &str| Filter::parse(expr).unwrap().matches_with(&s);
        assert!(ok("ec2InstanceId in ['i-abc', 'i-def']"));
        assert!(ok("ec2InstanceId =~ i-*"));
        assert!(ok("task:group == service:web and attribute:stack == prod"));
        assert!(ok("runningTasksCount >= 2 and agentConnected == false"));
        assert!(!ok("registeredAt exists"));
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for bad in [
            "",
            "stack == prod",
            "attribute:stack",
            "attribute:stack ~= x",
            "attribute:stack in prod",
            "attribute:x == a and",
            "(attribute:x == a",
            "attribute:x == a)",
            "attribute: == a",
            "attribute:x == and",
            "attribute:x in [a, b",
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }
}
