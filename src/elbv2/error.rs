//! ELBv2 errors: one variant per AWS error code, one match to the wire code and status. Codes
//! from the service model's error shapes (botocore `elbv2/2015-12-01`, `awsQueryError`); messages
//! as ELBv2 words them.

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq)]
pub enum ElbError {
    /// The common error for a request that breaks a constraint.
    Validation(String),
    /// Named: the code (`LoadBalancerNotFound`, `DuplicateListener`…) and the message.
    Coded(&'static str, String),
    /// An operation of the model that local-ecs does not build (the common error `InvalidAction`).
    InvalidAction(String),
}

pub type ElbResult<T> = Result<T, ElbError>;

impl ElbError {
    pub fn code(&self) -> &'static str {
        match self {
            ElbError::Validation(_) => "ValidationError",
            ElbError::Coded(code, _) => code,
            ElbError::InvalidAction(_) => "InvalidAction",
        }
    }

    /// Every ELBv2 fault local-ecs raises is the caller's (`HealthUnavailable`, the one 500 of
    /// the model, is never raised).
    pub fn status(&self) -> u16 {
        400
    }

    pub fn message(&self) -> &str {
        match self {
            ElbError::Validation(m) | ElbError::Coded(_, m) | ElbError::InvalidAction(m) => m,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        ElbError::Validation(message.into())
    }

    pub fn coded(code: &'static str, message: impl Into<String>) -> Self {
        ElbError::Coded(code, message.into())
    }

    pub fn lb_not_found() -> Self {
        Self::coded(
            "LoadBalancerNotFound",
            "One or more load balancers not found",
        )
    }

    pub fn tg_not_found() -> Self {
        Self::coded("TargetGroupNotFound", "One or more target groups not found")
    }

    pub fn listener_not_found() -> Self {
        Self::coded("ListenerNotFound", "One or more listeners not found")
    }

    pub fn rule_not_found() -> Self {
        Self::coded("RuleNotFound", "One or more rules not found")
    }

    pub fn missing(member: &str) -> Self {
        crate::wire::input::missing(member).into()
    }

    /// A value outside the member's range, in AWS's request-validation words.
    pub fn range(member: &str, value: i64, bound: &str) -> Self {
        Self::validation(format!(
            "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: Member must have value {bound}",
            crate::wire::input::lower_first(member)
        ))
    }
}

impl From<crate::core::Invalid> for ElbError {
    fn from(e: crate::core::Invalid) -> Self {
        ElbError::Validation(e.0)
    }
}

impl From<ElbError> for WireError {
    fn from(e: ElbError) -> Self {
        WireError::new(e.code(), e.status(), e.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_statuses_and_messages() {
        let e = ElbError::lb_not_found();
        assert_eq!((e.code(), e.status()), ("LoadBalancerNotFound", 400));
        assert!(ElbError::missing("Name").message().contains("at 'name'"));
        let r = ElbError::range("HealthyThresholdCount", 11, "less than or equal to 10");
        assert!(r.message().contains("'11' at 'healthyThresholdCount'"));
        let w: WireError = ElbError::coded("PriorityInUse", "x").into();
        assert_eq!((w.code.as_str(), w.status), ("PriorityInUse", 400));
    }
}
