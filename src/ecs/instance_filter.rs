//! A subset of the cluster query language
//! (<https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-query-language.html>):
//! `attribute:NAME` subjects with `==`, `!=`, `exists`, `!exists`, `in (a, b)`, `not_in (a, b)`,
//! joined by `and` / `or` (`and` binds tighter). Used by ListContainerInstances' `filter` and, later,
//! by `memberOf` placement constraints. Parentheses around sub-expressions are not supported yet.

use super::types::Attribute;
use super::{EcsError, EcsResult};

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Equals(String),
    NotEquals(String),
    Exists,
    NotExists,
    In(Vec<String>),
    NotIn(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    attribute: String,
    test: Test,
}

/// A parsed expression: OR of ANDs of clauses.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    any_of: Vec<Vec<Clause>>,
}

impl Filter {
    pub fn parse(text: &str) -> EcsResult<Filter> {
        let invalid = || EcsError::invalid(format!("The filter expression is not valid: {text}"));
        let mut any_of = Vec::new();
        for alternative in split_word(text, "or") {
            let mut all_of = Vec::new();
            for clause in split_word(&alternative, "and") {
                all_of.push(parse_clause(clause.trim()).ok_or_else(invalid)?);
            }
            any_of.push(all_of);
        }
        Ok(Filter { any_of })
    }

    pub fn matches(&self, attributes: &[Attribute]) -> bool {
        self.any_of
            .iter()
            .any(|all| all.iter().all(|c| clause_matches(c, attributes)))
    }
}

/// Splits on a keyword standing as a whole word outside parentheses.
fn split_word(text: &str, word: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0i32;
    for token in text.split_whitespace() {
        depth += token.matches('(').count() as i32 - token.matches(')').count() as i32;
        if depth == 0 && token.eq_ignore_ascii_case(word) {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(token);
        }
    }
    parts
}

fn parse_clause(text: &str) -> Option<Clause> {
    let rest = text.strip_prefix("attribute:")?;
    let (attribute, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if attribute.is_empty() {
        return None;
    }
    let rest = rest.trim();
    let (op, operand) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let operand = operand.trim();
    let list = || -> Option<Vec<String>> {
        let inner = operand.strip_prefix('(')?.strip_suffix(')')?;
        Some(
            inner
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        )
    };
    let test = match op {
        "==" if !operand.is_empty() => Test::Equals(operand.to_string()),
        "!=" if !operand.is_empty() => Test::NotEquals(operand.to_string()),
        "exists" if operand.is_empty() => Test::Exists,
        "!exists" if operand.is_empty() => Test::NotExists,
        "in" => Test::In(list()?),
        "not_in" => Test::NotIn(list()?),
        _ => return None,
    };
    Some(Clause {
        attribute: attribute.to_string(),
        test,
    })
}

fn clause_matches(clause: &Clause, attributes: &[Attribute]) -> bool {
    let found = attributes.iter().find(|a| a.name == clause.attribute);
    let value = found.and_then(|a| a.value.as_deref());
    match &clause.test {
        Test::Exists => found.is_some(),
        Test::NotExists => found.is_none(),
        Test::Equals(v) => value == Some(v.as_str()),
        Test::NotEquals(v) => value != Some(v.as_str()),
        Test::In(vs) => value.is_some_and(|x| vs.iter().any(|v| v == x)),
        Test::NotIn(vs) => !value.is_some_and(|x| vs.iter().any(|v| v == x)),
    }
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
    fn evaluates_the_subset() {
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
        assert!(!ok("attribute:stack not_in (prod, qa)"));
        assert!(ok("attribute:missing !exists"));
        assert!(!ok("attribute:gpu exists and attribute:stack == dev"));
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
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }
}
