//! CreateRule, DescribeRules, ModifyRule, DeleteRule and SetRulePriorities. A listener's
//! default rule is not stored as a rule: it is the listener's default actions, shown with the
//! ARN made for it when the listener was created.

use super::{actions, conditions, listener, new_id, page, ranged, Env};
use crate::elbv2::render;
use crate::elbv2::state::model::{LbType, Rule};
use crate::elbv2::state::RegionState;
use crate::elbv2::{ElbError, ElbResult};
use crate::wire::input::Input;

/// The listener's default rule as DescribeRules shows it.
fn default_rule(st: &RegionState, listener_arn: &str) -> Option<Rule> {
    st.listeners.get(listener_arn).map(|l| Rule {
        arn: l.default_rule_arn.clone(),
        listener_arn: l.arn.clone(),
        priority: None,
        conditions: Vec::new(),
        actions: l.default_actions.clone(),
    })
}

/// A rule by ARN, the default rules included.
fn find(st: &RegionState, arn: &str) -> ElbResult<Rule> {
    if let Some(r) = st.rules.get(arn) {
        return Ok(r.clone());
    }
    st.listeners
        .values()
        .find(|l| l.default_rule_arn == arn)
        .and_then(|l| default_rule(st, &l.arn))
        .ok_or_else(ElbError::rule_not_found)
}

fn priority_in_use(
    st: &RegionState,
    listener_arn: &str,
    priority: u32,
    except: &str,
) -> ElbResult<()> {
    let taken = st
        .rules
        .values()
        .any(|r| r.listener_arn == listener_arn && r.priority == Some(priority) && r.arn != except);
    if taken {
        return Err(ElbError::coded(
            "PriorityInUse",
            format!("Priority '{priority}' is currently in use"),
        ));
    }
    Ok(())
}

fn is_network(st: &RegionState, listener_arn: &str) -> bool {
    st.listeners
        .get(listener_arn)
        .and_then(|l| st.load_balancers.get(&l.load_balancer_arn))
        .is_some_and(|lb| lb.lb_type == LbType::Network)
}

pub fn create_rule(st: &mut RegionState, _env: &Env, input: &Input) -> ElbResult<Option<String>> {
    let listener_arn = input.required_str("ListenerArn")?.to_string();
    let l = listener(st, &listener_arn)?.clone();
    if is_network(st, &listener_arn) {
        return Err(ElbError::coded(
            "InvalidConfigurationRequest",
            "Rules are not supported on network load balancer listeners",
        ));
    }
    let priority =
        ranged(input, "Priority", 1, 50000)?.ok_or_else(|| ElbError::missing("Priority"))?;
    let conditions = conditions::read(input)?;
    if conditions.is_empty() {
        return Err(ElbError::missing("Conditions"));
    }
    let actions = actions::read(st, input, "Actions", false)?;
    priority_in_use(st, &listener_arn, priority, "")?;
    let rule_path = l.arn.split_once(":listener/").map_or("", |(_, p)| p);
    let arn = crate::core::arn::build(
        "elasticloadbalancing",
        &st.region,
        &st.account,
        &format!("listener-rule/{rule_path}/{}", new_id()),
    );
    let rule = Rule {
        arn: arn.clone(),
        listener_arn,
        priority: Some(priority),
        conditions,
        actions,
    };
    let out = render::list("Rules", std::slice::from_ref(&rule), None, render::rule);
    let new_tags = super::tags::read(input)?;
    if !new_tags.is_empty() {
        st.tags.insert(arn.clone(), new_tags);
    }
    st.rules.insert(arn, rule);
    Ok(out)
}

pub fn describe_rules(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arns = input.strings("RuleArns");
    let chosen: Vec<Rule> = if !arns.is_empty() {
        arns.iter().map(|a| find(st, a)).collect::<ElbResult<_>>()?
    } else if let Some(l) = input.str("ListenerArn") {
        listener(st, l)?;
        let mut rules: Vec<Rule> = st.rules_of(l).into_iter().cloned().collect();
        rules.extend(default_rule(st, l));
        rules
    } else {
        return Err(ElbError::validation(
            "You must specify either listener rule ARNs or a listener ARN",
        ));
    };
    // Markers order by position: the rules' own order (priority, default last).
    let items = chosen
        .into_iter()
        .enumerate()
        .map(|(i, r)| (format!("{i:08}"), r))
        .collect();
    let (page, marker) = page(input, items)?;
    Ok(render::list(
        "Rules",
        &page,
        marker.as_deref(),
        render::rule,
    ))
}

pub fn modify_rule(st: &mut RegionState, _env: &Env, input: &Input) -> ElbResult<Option<String>> {
    let arn = input.required_str("RuleArn")?.to_string();
    let mut rule = find(st, &arn)?;
    if input.has("Conditions") {
        if rule.priority.is_none() {
            return Err(ElbError::coded(
                "OperationNotPermitted",
                "The conditions of a default rule cannot be modified",
            ));
        }
        rule.conditions = conditions::read(input)?;
    }
    if input.has("Actions") {
        rule.actions = actions::read(st, input, "Actions", is_network(st, &rule.listener_arn))?;
    }
    if rule.priority.is_none() {
        if let Some(l) = st.listeners.get_mut(&rule.listener_arn) {
            l.default_actions = rule.actions.clone();
        }
    } else {
        st.rules.insert(arn, rule.clone());
    }
    Ok(render::list(
        "Rules",
        std::slice::from_ref(&rule),
        None,
        render::rule,
    ))
}

pub fn delete_rule(st: &mut RegionState, _env: &Env, input: &Input) -> ElbResult<Option<String>> {
    let arn = input.required_str("RuleArn")?;
    let rule = find(st, arn)?;
    if rule.priority.is_none() {
        return Err(ElbError::coded(
            "OperationNotPermitted",
            format!("Default rule '{arn}' cannot be deleted"),
        ));
    }
    st.rules.remove(arn);
    st.tags.remove(arn);
    Ok(None)
}

pub fn set_rule_priorities(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let items = input.objects("RulePriorities");
    if items.is_empty() {
        return Err(ElbError::missing("RulePriorities"));
    }
    let mut changes = Vec::new();
    for item in &items {
        let arn = item.required_str("RuleArn")?.to_string();
        let priority =
            ranged(item, "Priority", 1, 50000)?.ok_or_else(|| ElbError::missing("Priority"))?;
        let rule = find(st, &arn)?;
        if rule.priority.is_none() {
            return Err(ElbError::coded(
                "OperationNotPermitted",
                format!("Default rule '{arn}' cannot be modified"),
            ));
        }
        changes.push((arn, priority, rule.listener_arn));
    }
    // Checked against the rules as they will be: the moved rules free their old priorities.
    let moved: Vec<&str> = changes.iter().map(|(a, _, _)| a.as_str()).collect();
    for (i, (arn, priority, listener_arn)) in changes.iter().enumerate() {
        let clash_stored = st.rules.values().any(|r| {
            &r.listener_arn == listener_arn
                && r.priority == Some(*priority)
                && !moved.contains(&r.arn.as_str())
        });
        let clash_batch = changes[..i]
            .iter()
            .any(|(a, p, l)| p == priority && l == listener_arn && a != arn);
        if clash_stored || clash_batch {
            return Err(ElbError::coded(
                "PriorityInUse",
                format!("Priority '{priority}' is currently in use"),
            ));
        }
    }
    let mut out = Vec::new();
    for (arn, priority, _) in changes {
        if let Some(r) = st.rules.get_mut(&arn) {
            r.priority = Some(priority);
            out.push(r.clone());
        }
    }
    Ok(render::list("Rules", &out, None, render::rule))
}
