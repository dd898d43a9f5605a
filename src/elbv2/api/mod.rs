//! The operation handlers: each reads its input, checks it, changes the region's state and
//! returns the XML of its `Result`. They bind no port and probe nothing: [`super::Elbv2`]
//! reconciles the listeners right after a change, and the controller runs the health checks.

pub mod actions;
pub mod conditions;
pub mod listeners;
pub mod load_balancers;
pub mod rules;
pub mod tags;
pub mod target_groups;
pub mod targets;

use super::state::model::{Listener, LoadBalancer, TargetGroup};
use super::state::RegionState;
use super::{ElbError, ElbResult};
use crate::core::context::RequestContext;
use crate::core::fleet::{Networks, SubnetInfo, View};
use crate::wire::input::Input;

/// What a handler may read outside its own state: EC2's subnets and security groups.
pub struct Env<'a> {
    pub ctx: &'a RequestContext,
    networks: &'a View<dyn Networks>,
}

impl<'a> Env<'a> {
    pub fn new(ctx: &'a RequestContext, networks: &'a View<dyn Networks>) -> Self {
        Env { ctx, networks }
    }

    /// The subnet, `SubnetNotFound` when EC2 does not know it; `None` without EC2.
    pub fn subnet(&self, id: &str) -> ElbResult<Option<SubnetInfo>> {
        let Some(net) = self.networks.get() else {
            return Ok(None);
        };
        net.subnet(&self.ctx.account, &self.ctx.region, id)
            .map(Some)
            .ok_or_else(|| {
                ElbError::coded(
                    "SubnetNotFound",
                    format!("The specified subnet does not exist: '{id}'"),
                )
            })
    }

    /// The security group's VPC, `InvalidSecurityGroup` when EC2 does not know it.
    pub fn security_group_vpc(&self, id: &str) -> ElbResult<Option<String>> {
        let Some(net) = self.networks.get() else {
            return Ok(None);
        };
        net.security_group_vpc(&self.ctx.account, &self.ctx.region, id)
            .map(Some)
            .ok_or_else(|| {
                ElbError::coded(
                    "InvalidSecurityGroup",
                    format!("Security group '{id}' does not exist"),
                )
            })
    }
}

/// An operation: the region's state, what it may read, the input.
pub type Handler = fn(&mut RegionState, &Env<'_>, &Input) -> ElbResult<Option<String>>;

pub fn lb<'s>(st: &'s RegionState, arn: &str) -> ElbResult<&'s LoadBalancer> {
    st.load_balancers
        .get(arn)
        .ok_or_else(ElbError::lb_not_found)
}

pub fn tg<'s>(st: &'s RegionState, arn: &str) -> ElbResult<&'s TargetGroup> {
    st.target_groups.get(arn).ok_or_else(ElbError::tg_not_found)
}

pub fn tg_mut<'s>(st: &'s mut RegionState, arn: &str) -> ElbResult<&'s mut TargetGroup> {
    st.target_groups
        .get_mut(arn)
        .ok_or_else(ElbError::tg_not_found)
}

pub fn listener<'s>(st: &'s RegionState, arn: &str) -> ElbResult<&'s Listener> {
    st.listeners
        .get(arn)
        .ok_or_else(ElbError::listener_not_found)
}

/// A resource name: 1–32 letters, digits and hyphens, not starting or ending with a hyphen.
pub fn check_name(kind: &str, name: &str) -> ElbResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(ElbError::validation(format!(
            "{kind} name '{name}' can have a maximum of 32 characters, can contain only alphanumeric characters or hyphens, and cannot begin or end with a hyphen"
        )))
    }
}

/// An integer member within `[min, max]`, if sent.
pub fn ranged(input: &Input, member: &str, min: i64, max: i64) -> ElbResult<Option<u32>> {
    match input.int(member)? {
        None => Ok(None),
        Some(v) if v < min => Err(ElbError::range(
            member,
            v,
            &format!("greater than or equal to {min}"),
        )),
        Some(v) if v > max => Err(ElbError::range(
            member,
            v,
            &format!("less than or equal to {max}"),
        )),
        Some(v) => Ok(Some(v as u32)),
    }
}

/// `PageSize` (1–400) and `Marker`: the page of `items` after the marker and the next marker.
pub fn page<T: Clone>(
    input: &Input,
    items: Vec<(String, T)>,
) -> ElbResult<(Vec<T>, Option<String>)> {
    let size = ranged(input, "PageSize", 1, 400)?.unwrap_or(400) as usize;
    let after = crate::core::pagination::resume_after(input.str("Marker"))?;
    let rest = items
        .into_iter()
        .filter(|(key, _)| after.as_ref().is_none_or(|a| key > a));
    let (page, marker) = crate::core::pagination::take_page(rest, size, |(k, _)| k.clone());
    Ok((page.into_iter().map(|(_, v)| v).collect(), marker))
}

/// A fresh resource id as ELBv2 writes them in ARNs (16 hex digits).
pub fn new_id() -> String {
    crate::core::ids::hex(8)
}

/// `ResourceArns.member.N`-style list: `Names` and `…Arns` may not both be sent.
pub fn not_both(input: &Input, a: &str, b: &str) -> ElbResult<()> {
    if !input.strings(a).is_empty() && !input.strings(b).is_empty() {
        return Err(ElbError::validation(format!(
            "{a} and {b} cannot be specified at the same time"
        )));
    }
    Ok(())
}
