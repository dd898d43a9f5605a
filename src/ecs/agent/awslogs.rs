//! The `awslogs` log driver's rules, apart from any engine: reading a container's
//! `logConfiguration`, naming its stream as ECS does (`<prefix>/<container>/<task id>`), and
//! grouping lines into events by `awslogs-multiline-pattern` or `awslogs-datetime-format` (a
//! line that matches starts an event; the others join the one before with a newline).

use crate::ecs::state::types::ContainerDefinition;
use regex::Regex;

/// What ECS says when the group is missing and `awslogs-create-group` is not true.
pub const MISSING_GROUP: &str = "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1";

/// One container's awslogs settings.
#[derive(Debug, Clone)]
pub struct AwsLogs {
    pub group: String,
    /// `awslogs-region`, else the task's.
    pub region: String,
    pub stream: String,
    pub create_group: bool,
    /// Where an event starts, if lines are grouped.
    pub start: Option<Regex>,
}

/// The container's log driver, if it sets one.
pub fn driver(def: &ContainerDefinition) -> Option<String> {
    let cfg = def.log_configuration.as_ref()?;
    cfg.get("logDriver")?.as_str().map(str::to_string)
}

/// The awslogs settings of a container whose driver is awslogs; `Err` for settings the driver
/// refuses (no group, a pattern that does not compile).
pub fn settings(
    def: &ContainerDefinition,
    task_region: &str,
    task_id: &str,
    container_id: &str,
) -> Option<Result<AwsLogs, String>> {
    if driver(def).as_deref() != Some("awslogs") {
        return None;
    }
    let options = def
        .log_configuration
        .as_ref()
        .and_then(|c| c.get("options"))
        .cloned()
        .unwrap_or_default();
    let opt = |k: &str| options.get(k).and_then(|v| v.as_str()).map(str::to_string);
    Some((|| {
        let group = opt("awslogs-group").ok_or("awslogs-group is required")?;
        let name = def.name.clone().unwrap_or_default();
        let stream = match opt("awslogs-stream-prefix") {
            Some(prefix) => format!("{prefix}/{name}/{task_id}"),
            None => container_id.to_string(),
        };
        let start = match (
            opt("awslogs-multiline-pattern"),
            opt("awslogs-datetime-format"),
        ) {
            (Some(p), _) => Some(Regex::new(&format!("^(?:{p})")).map_err(|e| {
                format!("awslogs-multiline-pattern is not a valid regular expression: {e}")
            })?),
            (None, Some(f)) => Some(
                Regex::new(&format!("^{}", datetime_regex(&f)))
                    .map_err(|e| format!("awslogs-datetime-format is not valid: {e}"))?,
            ),
            _ => None,
        };
        Ok(AwsLogs {
            group,
            region: opt("awslogs-region").unwrap_or_else(|| task_region.to_string()),
            stream,
            create_group: opt("awslogs-create-group").as_deref() == Some("true"),
            start,
        })
    })())
}

/// The driver's strftime subset as a regular expression (the Docker awslogs driver's table).
pub fn datetime_regex(format: &str) -> String {
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push_str(&regex::escape(&c.to_string()));
            continue;
        }
        let piece = match chars.next() {
            Some('b') => r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
            Some('a') => r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)",
            Some('A') => r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
            Some('B') => {
                r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
            }
            Some('d') | Some('m') | Some('y') | Some('H') | Some('I') | Some('M') | Some('S') => {
                r"\d{2}"
            }
            Some('e') => r"\s?\d{1,2}",
            Some('Y') => r"\d{4}",
            Some('j') => r"\d{3}",
            Some('f') => r"\d{6}",
            Some('L') => r"\.\d{3}",
            Some('p') => r"(?:AM|PM)",
            Some('Z') => r"[A-Za-z_]+(?:/[A-Za-z_]+)?",
            Some('z') => r"[+-]\d{4}",
            Some('%') => "%",
            Some(other) => {
                out.push('%');
                out.push(other);
                continue;
            }
            None => "%",
        };
        out.push_str(piece);
    }
    out
}

/// Groups lines into events: `(timestamp of the first line, joined text)`.
#[derive(Debug, Default)]
pub struct Grouper {
    pending: Option<(i64, String)>,
}

impl Grouper {
    /// Takes a line; returns the event it completes, if any.
    pub fn push(&mut self, start: Option<&Regex>, ts: i64, line: &str) -> Option<(i64, String)> {
        let Some(re) = start else {
            return Some((ts, line.to_string()));
        };
        if re.is_match(line) || self.pending.is_none() {
            return self.pending.replace((ts, line.to_string()));
        }
        if let Some((_, text)) = self.pending.as_mut() {
            text.push('\n');
            text.push_str(line);
        }
        None
    }

    /// The event still being grouped (flushed when output pauses or ends).
    pub fn flush(&mut self) -> Option<(i64, String)> {
        self.pending.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(options: serde_json::Value) -> ContainerDefinition {
        ContainerDefinition {
            name: Some("app".into()),
            log_configuration: Some(json!({"logDriver": "awslogs", "options": options})),
            ..Default::default()
        }
    }

    #[test]
    fn settings_and_stream_names() {
        let d = def(json!({"awslogs-group": "/ecs/app", "awslogs-stream-prefix": "web"}));
        let s = settings(&d, "us-east-1", "abc123", "cid").unwrap().unwrap();
        assert_eq!(
            (s.stream.as_str(), s.region.as_str()),
            ("web/app/abc123", "us-east-1")
        );
        assert!(!s.create_group);
        let d = def(
            json!({"awslogs-group": "g", "awslogs-region": "eu-west-1", "awslogs-create-group": "true"}),
        );
        let s = settings(&d, "us-east-1", "abc", "cid").unwrap().unwrap();
        assert_eq!(
            (s.stream.as_str(), s.region.as_str(), s.create_group),
            ("cid", "eu-west-1", true)
        );
        assert!(settings(&def(json!({})), "r", "t", "c").unwrap().is_err());
        assert!(settings(
            &def(json!({"awslogs-group": "g", "awslogs-multiline-pattern": "("})),
            "r",
            "t",
            "c"
        )
        .unwrap()
        .is_err());
        let plain = ContainerDefinition::default();
        assert!(settings(&plain, "r", "t", "c").is_none());
    }

    #[test]
    fn multiline_grouping() {
        let re = Regex::new(r"^(?:INFO|ERROR)").unwrap();
        let mut g = Grouper::default();
        assert_eq!(g.push(Some(&re), 1, "INFO start"), None);
        assert_eq!(g.push(Some(&re), 2, "  detail"), None);
        assert_eq!(
            g.push(Some(&re), 3, "ERROR next"),
            Some((1, "INFO start\n  detail".into()))
        );
        assert_eq!(g.flush(), Some((3, "ERROR next".into())));
        assert_eq!(g.push(None, 4, "plain"), Some((4, "plain".into())));
    }

    #[test]
    fn datetime_formats() {
        let re = Regex::new(&format!("^{}", datetime_regex("%Y-%m-%d %H:%M:%S"))).unwrap();
        assert!(re.is_match("2026-12-06 03:22:00 hello"));
        assert!(!re.is_match("  at frame"));
        let re = Regex::new(&format!("^{}", datetime_regex("[%b %d, %Y %H:%M:%S]"))).unwrap();
        assert!(re.is_match("[Dec 06, 2026 03:22:00] x"));
    }
}
