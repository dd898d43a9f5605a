//! The AlarmRule of a composite alarm: `ALARM(name)`, `OK(name)`, `INSUFFICIENT_DATA(name)`
//! (a name or an alarm ARN, quoted or not), `TRUE`, `FALSE`, `AND`, `OR`, `NOT` and parentheses,
//! as <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html>
//! describes them. NOT binds tighter than AND, AND tighter than OR.

/// A parsed rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Const(bool),
    /// The named alarm (name or ARN as written) is in this state.
    State(&'static str, String),
    Not(Box<Rule>),
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
}

impl Rule {
    /// Every alarm the rule names, as written.
    pub fn children(&self) -> Vec<String> {
        match self {
            Rule::Const(_) => Vec::new(),
            Rule::State(_, name) => vec![name.clone()],
            Rule::Not(r) => r.children(),
            Rule::And(a, b) | Rule::Or(a, b) => [a.children(), b.children()].concat(),
        }
    }

    /// The rule's value given each named alarm's state (`None`: unknown, never matches).
    pub fn eval(&self, state_of: &dyn Fn(&str) -> Option<String>) -> bool {
        match self {
            Rule::Const(b) => *b,
            Rule::State(s, name) => state_of(name).is_some_and(|v| v == *s),
            Rule::Not(r) => !r.eval(state_of),
            Rule::And(a, b) => a.eval(state_of) && b.eval(state_of),
            Rule::Or(a, b) => a.eval(state_of) || b.eval(state_of),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Word(String),
    Quoted(String),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            '"' => {
                let s: String = chars.by_ref().take_while(|c| *c != '"').collect();
                out.push(Token::Quoted(s));
            }
            _ => {
                let mut word = c.to_string();
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || n == '(' || n == ')' {
                        break;
                    }
                    word.push(n);
                    chars.next();
                }
                out.push(Token::Word(word));
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<String> {
        match self.tokens.get(self.at) {
            Some(Token::Word(w)) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }

    fn expect(&mut self, t: Token) -> Result<(), String> {
        if self.tokens.get(self.at) == Some(&t) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected {t:?} at token {}", self.at + 1))
        }
    }

    fn or(&mut self) -> Result<Rule, String> {
        let mut left = self.and()?;
        while self.peek_word().as_deref() == Some("OR") {
            self.at += 1;
            left = Rule::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Rule, String> {
        let mut left = self.not()?;
        while self.peek_word().as_deref() == Some("AND") {
            self.at += 1;
            left = Rule::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Rule, String> {
        if self.peek_word().as_deref() == Some("NOT") {
            self.at += 1;
            return Ok(Rule::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Rule, String> {
        if self.tokens.get(self.at) == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(Token::Close)?;
            return Ok(inner);
        }
        let word = self.peek_word().ok_or("expected a term")?;
        self.at += 1;
        let state = match word.as_str() {
            "TRUE" => return Ok(Rule::Const(true)),
            "FALSE" => return Ok(Rule::Const(false)),
            "ALARM" => "ALARM",
            "OK" => "OK",
            "INSUFFICIENT_DATA" => "INSUFFICIENT_DATA",
            other => return Err(format!("unknown term {other}")),
        };
        self.expect(Token::Open)?;
        let name = self.name()?;
        self.expect(Token::Close)?;
        Ok(Rule::State(state, name))
    }

    /// A quoted name, or bare words up to the closing parenthesis.
    fn name(&mut self) -> Result<String, String> {
        match self.tokens.get(self.at).cloned() {
            Some(Token::Quoted(s)) | Some(Token::Word(s)) if !s.is_empty() => {
                self.at += 1;
                Ok(s)
            }
            _ => Err("expected an alarm name".into()),
        }
    }
}

/// Parses an AlarmRule; the error says where it went wrong.
pub fn parse(text: &str) -> Result<Rule, String> {
    let mut p = Parser {
        tokens: tokens(text)?,
        at: 0,
    };
    let rule = p.or()?;
    if p.at != p.tokens.len() {
        return Err(format!("unexpected token {}", p.at + 1));
    }
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str) -> bool {
        let states = |n: &str| match n {
            "a" | "arn:aws:cloudwatch:r:1:alarm:a" => Some("ALARM".to_string()),
            "b" => Some("OK".to_string()),
            _ => None,
        };
        parse(text).unwrap().eval(&states)
    }

    #[test]
    fn parses_and_evaluates_rules() {
        assert!(eval("ALARM(a)"));
        assert!(eval("ALARM(\"arn:aws:cloudwatch:r:1:alarm:a\") AND OK(b)"));
        assert!(!eval("ALARM(a) AND NOT OK(b)"));
        assert!(eval("FALSE OR (ALARM(b) OR TRUE)"));
        assert!(eval("not alarm(b) and true"));
        assert!(
            !eval("INSUFFICIENT_DATA(c)"),
            "unknown alarms match nothing"
        );
        let r = parse("ALARM(a) OR (OK(\"b\") AND NOT ALARM(c))").unwrap();
        assert_eq!(r.children(), ["a", "b", "c"]);
        for bad in [
            "",
            "ALARM()",
            "ALARM(a",
            "ALARM(a) AND",
            "MAYBE(a)",
            "TRUE FALSE",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
