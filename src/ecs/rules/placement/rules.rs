//! Reading `PlacementConstraint {type, expression}` and `PlacementStrategy {type, field}` as the
//! ECS API takes them, with the API's limits: at most 10 constraints (the task definition's
//! included) and 5 strategies; `distinctInstance` takes no expression, `memberOf` needs one
//! (at most 2000 characters, in the cluster query language); `spread` needs a field
//! (`instanceId`, `host` or `attribute:NAME`), `binpack` needs `cpu` or `memory`.
//! The exception messages are worded after AWS's, not copied from it.

use crate::ecs::rules::query_language::Filter;
use crate::ecs::{EcsError, EcsResult};
use serde_json::Value;

pub const MAX_CONSTRAINTS: usize = 10;
pub const MAX_STRATEGIES: usize = 5;
const MAX_EXPRESSION: usize = 2000;

#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    DistinctInstance,
    MemberOf(Filter),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    Random,
    SpreadInstance,
    /// Spread over the values of this attribute (name without the `attribute:` prefix).
    SpreadAttribute(String),
    BinpackCpu,
    BinpackMemory,
}

/// `spread(attribute:ecs.availability-zone), spread(instanceId)`: RunTask's default.
pub fn default_strategies() -> Vec<Strategy> {
    vec![
        Strategy::SpreadAttribute("ecs.availability-zone".into()),
        Strategy::SpreadInstance,
    ]
}

fn text<'a>(item: &'a Value, key: &str) -> EcsResult<Option<&'a str>> {
    if !item.is_object() {
        return Err(EcsError::invalid(
            "Placement constraints and strategies must be objects.",
        ));
    }
    match item.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(EcsError::invalid(format!("{key} must be a string."))),
    }
}

pub fn constraints(items: &[Value]) -> EcsResult<Vec<Constraint>> {
    if items.len() > MAX_CONSTRAINTS {
        return Err(EcsError::invalid(format!(
            "Too many placement constraints. A maximum of {MAX_CONSTRAINTS} placement \
             constraints is allowed per task."
        )));
    }
    items.iter().map(constraint).collect()
}

fn constraint(item: &Value) -> EcsResult<Constraint> {
    let expression = text(item, "expression")?.filter(|e| !e.is_empty());
    match text(item, "type")? {
        Some("distinctInstance") if expression.is_some() => Err(EcsError::invalid(
            "An expression cannot be specified for a distinctInstance placement constraint.",
        )),
        Some("distinctInstance") => Ok(Constraint::DistinctInstance),
        Some("memberOf") => {
            let expression = expression.ok_or_else(|| {
                EcsError::invalid("An expression is required for a memberOf placement constraint.")
            })?;
            if expression.chars().count() > MAX_EXPRESSION {
                return Err(EcsError::invalid(format!(
                    "The placement constraint expression can have a maximum length of \
                     {MAX_EXPRESSION} characters."
                )));
            }
            Ok(Constraint::MemberOf(Filter::parse(expression)?))
        }
        Some(other) => Err(EcsError::invalid(format!(
            "Invalid placement constraint type: {other}. Valid types are distinctInstance and \
             memberOf."
        ))),
        None => Err(EcsError::invalid(
            "A placement constraint type is required.",
        )),
    }
}

pub fn strategies(items: &[Value]) -> EcsResult<Vec<Strategy>> {
    if items.len() > MAX_STRATEGIES {
        return Err(EcsError::invalid(format!(
            "Too many placement strategies. A maximum of {MAX_STRATEGIES} placement strategies \
             is allowed per task."
        )));
    }
    items.iter().map(strategy).collect()
}

fn strategy(item: &Value) -> EcsResult<Strategy> {
    let field = text(item, "field")?.filter(|f| !f.is_empty());
    match text(item, "type")? {
        Some("random") => Ok(Strategy::Random),
        Some("spread") => spread(field),
        Some("binpack") => match field.map(str::to_ascii_lowercase).as_deref() {
            Some("cpu") => Ok(Strategy::BinpackCpu),
            Some("memory") => Ok(Strategy::BinpackMemory),
            _ => Err(EcsError::invalid(format!(
                "Invalid field for binpack placement strategy: {}. Valid values are cpu and \
                 memory.",
                field.unwrap_or("null")
            ))),
        },
        Some(other) => Err(EcsError::invalid(format!(
            "Invalid placement strategy type: {other}. Valid types are random, spread and \
             binpack."
        ))),
        None => Err(EcsError::invalid("A placement strategy type is required.")),
    }
}

fn spread(field: Option<&str>) -> EcsResult<Strategy> {
    let field = field.ok_or_else(|| {
        EcsError::invalid("A field is required for the spread placement strategy.")
    })?;
    if field.eq_ignore_ascii_case("instanceId") || field.eq_ignore_ascii_case("host") {
        return Ok(Strategy::SpreadInstance);
    }
    match field.strip_prefix("attribute:") {
        Some(name) if !name.is_empty() => Ok(Strategy::SpreadAttribute(name.to_string())),
        _ => Err(EcsError::invalid(format!(
            "Invalid field for spread placement strategy: {field}. Valid values are instanceId, \
             host or attribute:<name>."
        ))),
    }
}
