//! Reading a role's trust policy: does some `Allow` statement let the ECS tasks service call
//! `sts:AssumeRole`? Policy grammar:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>. Only what
//! ECS needs is read; `Condition`, `NotAction` and `NotPrincipal` are not evaluated.

use serde_json::Value;

pub const ECS_TASKS: &str = "ecs-tasks.amazonaws.com";

/// Whether the trust policy lets `service` (e.g. `ecs-tasks.amazonaws.com`) assume the role.
pub fn trusts_service(document: &str, service: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(document) else {
        return false;
    };
    statements(&doc)
        .into_iter()
        .any(|s| allows_assume_role(s) && principal_services(s).any(|p| p == service))
}

/// `Statement` may be one object or a list of them.
fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

fn allows_assume_role(statement: &Value) -> bool {
    let allow = statement.get("Effect").and_then(Value::as_str) == Some("Allow");
    allow
        && strings(statement.get("Action")).any(|a| {
            matches!(
                a.to_ascii_lowercase().as_str(),
                "sts:assumerole" | "sts:*" | "*"
            )
        })
}

fn principal_services(statement: &Value) -> impl Iterator<Item = &str> {
    strings(statement.get("Principal").and_then(|p| p.get("Service")))
}

/// A string or a list of strings, as policy elements may be written.
fn strings(value: Option<&Value>) -> Box<dyn Iterator<Item = &str> + '_> {
    match value {
        Some(Value::String(s)) => Box::new(std::iter::once(s.as_str())),
        Some(Value::Array(items)) => Box::new(items.iter().filter_map(Value::as_str)),
        _ => Box::new(std::iter::empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusts(doc: &str) -> bool {
        trusts_service(doc, ECS_TASKS)
    }

    #[test]
    fn the_usual_task_role_trust_policy() {
        assert!(trusts(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        ));
    }

    #[test]
    fn lists_wildcards_and_a_single_statement() {
        assert!(trusts(
            r#"{"Statement":{"Effect":"Allow","Action":["s3:GetObject","sts:*"],
            "Principal":{"Service":["ec2.amazonaws.com","ecs-tasks.amazonaws.com"]}}}"#
        ));
        assert!(trusts(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}"#
        ));
    }

    #[test]
    fn what_does_not_trust_ecs_tasks() {
        // Deny, another service, another action, an AWS principal, no JSON at all.
        assert!(!trusts(
            r#"{"Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}"#
        ));
        assert!(!trusts(
            r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}]}"#
        ));
        assert!(!trusts(
            r#"{"Statement":[{"Effect":"Allow","Action":"sts:TagSession","Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}"#
        ));
        assert!(!trusts(
            r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"arn:aws:iam::123456789012:root"}}]}"#
        ));
        assert!(!trusts("not json"));
        assert!(!trusts("{}"));
    }
}
