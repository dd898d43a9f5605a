//! What the ECS agent reads from `/etc/ecs/ecs.config`, found in an instance's user data
//! (<https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-agent-config.html>).
//!
//! There is no shell to run the user data, so the text is scanned for `KEY=value` assignments of
//! the agent's variables in the forms users write them: `echo ECS_CLUSTER=x >> /etc/ecs/ecs.config`
//! (quoted or not), a `cat <<EOF` block, cloud-init `write_files` content, or a plain config
//! file. A later assignment wins, as a later line of the file does.

use std::collections::BTreeMap;

/// The agent's settings that change how an instance registers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EcsConfig {
    /// `ECS_CLUSTER` (absent: the `default` cluster).
    pub cluster: Option<String>,
    /// `ECS_RESERVED_MEMORY`, MiB kept from tasks.
    pub reserved_memory: u64,
    /// `ECS_RESERVED_PORTS` (a JSON list), replacing the agent's default reserved ports.
    pub reserved_ports: Option<Vec<u16>>,
    /// `ECS_INSTANCE_ATTRIBUTES` (a JSON object of strings): custom attributes.
    pub attributes: BTreeMap<String, String>,
    /// `ECS_CONTAINER_INSTANCE_TAGS` (a JSON object of strings).
    pub tags: BTreeMap<String, String>,
}

const KEYS: [&str; 5] = [
    "ECS_CLUSTER",
    "ECS_RESERVED_MEMORY",
    "ECS_RESERVED_PORTS",
    "ECS_INSTANCE_ATTRIBUTES",
    "ECS_CONTAINER_INSTANCE_TAGS",
];

/// Reads the agent's settings out of `user_data`.
pub fn parse(user_data: &str) -> EcsConfig {
    let mut out = EcsConfig::default();
    for (key, value) in assignments(user_data) {
        match key {
            "ECS_CLUSTER" if !value.is_empty() => out.cluster = Some(value),
            "ECS_RESERVED_MEMORY" => out.reserved_memory = value.parse().unwrap_or(0),
            "ECS_RESERVED_PORTS" => out.reserved_ports = serde_json::from_str(&value).ok(),
            "ECS_INSTANCE_ATTRIBUTES" => {
                out.attributes = serde_json::from_str(&value).unwrap_or_default()
            }
            "ECS_CONTAINER_INSTANCE_TAGS" => {
                out.tags = serde_json::from_str(&value).unwrap_or_default()
            }
            _ => {}
        }
    }
    out
}

/// Every `KEY=value` of a known key, in order of appearance.
fn assignments(text: &str) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    for line in text.lines() {
        for key in KEYS {
            let mut rest = line;
            while let Some(at) = rest.find(key) {
                let before = rest[..at].chars().next_back();
                let after = &rest[at + key.len()..];
                rest = after;
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                if let Some(value) = after.strip_prefix('=') {
                    found.push((key, value_of(value, before)));
                }
            }
        }
    }
    found
}

/// The value after `=`: up to the closing quote when the assignment was quoted, else up to a
/// space or a shell operator. JSON values (attributes, tags) keep their inner quotes.
fn value_of(text: &str, opening: Option<char>) -> String {
    let text = text.trim_start();
    if text.starts_with('{') || text.starts_with('[') {
        return balanced(text).to_string();
    }
    let end = match opening {
        Some(q @ ('"' | '\'')) => text.find(q).unwrap_or(text.len()),
        _ => text
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '>' | '&' | '|'))
            .unwrap_or(text.len()),
    };
    text[..end].to_string()
}

/// The leading JSON object or list of `text`, by bracket depth outside strings.
fn balanced(text: &str) -> &str {
    let (mut depth, mut in_string, mut escaped) = (0i32, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' | '[' if !in_string => depth += 1,
            '}' | ']' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return &text[..=i];
                }
            }
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_forms_name_the_cluster() {
        let forms = [
            "#!/bin/bash\necho ECS_CLUSTER=web >> /etc/ecs/ecs.config",
            "#!/bin/bash\necho \"ECS_CLUSTER=web\" >> /etc/ecs/ecs.config",
            "#!/bin/bash\necho 'ECS_CLUSTER=web' >> /etc/ecs/ecs.config;",
            "#!/bin/bash\ncat <<'EOF' >> /etc/ecs/ecs.config\nECS_CLUSTER=web\nECS_ENABLE_TASK_IAM_ROLE=true\nEOF\n",
            "#cloud-config\nwrite_files:\n  - path: /etc/ecs/ecs.config\n    content: |\n      ECS_CLUSTER=web\n",
            "ECS_CLUSTER=web",
            "#!/bin/bash\necho ECS_CLUSTER=other >> /etc/ecs/ecs.config\necho ECS_CLUSTER=web >> /etc/ecs/ecs.config",
        ];
        for form in forms {
            assert_eq!(parse(form).cluster.as_deref(), Some("web"), "{form}");
        }
    }

    #[test]
    fn no_cluster_means_default_and_lookalikes_do_not_count() {
        assert_eq!(parse("#!/bin/bash\nyum update -y").cluster, None);
        assert_eq!(parse("MY_ECS_CLUSTER=x").cluster, None);
        assert_eq!(parse("echo ECS_CLUSTER= >> f").cluster, None);
    }

    #[test]
    fn reserved_memory_ports_attributes_and_tags() {
        let c = parse(concat!(
            "#!/bin/bash\ncat <<EOF >> /etc/ecs/ecs.config\n",
            "ECS_CLUSTER=c1\nECS_RESERVED_MEMORY=256\nECS_RESERVED_PORTS=[22, 8080]\n",
            "ECS_INSTANCE_ATTRIBUTES={\"stack\": \"blue\", \"tier\": \"web\"}\n",
            "ECS_CONTAINER_INSTANCE_TAGS={\"team\": \"a b\"}\nEOF\n"
        ));
        assert_eq!(c.cluster.as_deref(), Some("c1"));
        assert_eq!(c.reserved_memory, 256);
        assert_eq!(c.reserved_ports, Some(vec![22, 8080]));
        assert_eq!(c.attributes["stack"], "blue");
        assert_eq!(c.attributes["tier"], "web");
        assert_eq!(c.tags["team"], "a b");
        let quoted = parse("echo 'ECS_INSTANCE_ATTRIBUTES={\"k\":\"v\"}' >> /etc/ecs/ecs.config");
        assert_eq!(quoted.attributes["k"], "v");
    }
}
