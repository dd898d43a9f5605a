//! Names of one task or one service across all accounts and regions: what the dispatcher and
//! the controllers hand each other to say "look at this one again".

/// Names one task across all regions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskRef {
    pub account: String,
    pub region: String,
    pub task_arn: String,
}

/// Names one service across all regions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceRef {
    pub account: String,
    pub region: String,
    pub service_arn: String,
}
