//! The statuses and kinds ECS writes as strings, as enums that serialize to exactly AWS's
//! strings (the values of the service model's enums), so the code compares variants, not text.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a string enum: its variants, their wire strings, its default (what a new resource
/// starts as), `as_str`, `parse` and `Display`.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident (default $default:ident) { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl $name {
            /// The string AWS writes.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// The variant for AWS's string, if it is one.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// A cluster's `status`.
    ClusterStatus (default Active) {
        Active = "ACTIVE",
        Provisioning = "PROVISIONING",
        Deprovisioning = "DEPROVISIONING",
        Failed = "FAILED",
        Inactive = "INACTIVE",
    }
);

wire_enum!(
    /// A service's `status`.
    ServiceStatus (default Active) {
        Active = "ACTIVE",
        Draining = "DRAINING",
        Inactive = "INACTIVE",
    }
);

wire_enum!(
    /// A task definition's `status`.
    TaskDefinitionStatus (default Active) {
        Active = "ACTIVE",
        Inactive = "INACTIVE",
        DeleteInProgress = "DELETE_IN_PROGRESS",
    }
);

wire_enum!(
    /// A container instance's `status`.
    ContainerInstanceStatus (default Active) {
        Active = "ACTIVE",
        Draining = "DRAINING",
        Inactive = "INACTIVE",
        Registering = "REGISTERING",
        Deregistering = "DEREGISTERING",
        RegistrationFailed = "REGISTRATION_FAILED",
    }
);

wire_enum!(
    /// A capacity provider's `status`.
    CapacityProviderStatus (default Active) {
        Active = "ACTIVE",
        Inactive = "INACTIVE",
        Provisioning = "PROVISIONING",
        Deprovisioning = "DEPROVISIONING",
    }
);

wire_enum!(
    /// A service deployment's `status` (in a service's `deployments`).
    DeploymentStatus (default Primary) {
        Primary = "PRIMARY",
        Active = "ACTIVE",
        Inactive = "INACTIVE",
    }
);

wire_enum!(
    /// A deployment's `rolloutState`.
    RolloutState (default InProgress) {
        InProgress = "IN_PROGRESS",
        Completed = "COMPLETED",
        Failed = "FAILED",
    }
);

wire_enum!(
    /// A task set's `status`.
    TaskSetStatus (default Active) {
        Primary = "PRIMARY",
        Active = "ACTIVE",
        Draining = "DRAINING",
    }
);

wire_enum!(
    /// A task's `lastStatus`, declared in lifecycle order: "has the task reached X" is `>=`.
    TaskStatus (default Provisioning) {
        Provisioning = "PROVISIONING",
        Pending = "PENDING",
        Activating = "ACTIVATING",
        Running = "RUNNING",
        Deactivating = "DEACTIVATING",
        Stopping = "STOPPING",
        Deprovisioning = "DEPROVISIONING",
        Stopped = "STOPPED",
    }
);

wire_enum!(
    /// A task's `desiredStatus`.
    DesiredStatus (default Running) {
        Running = "RUNNING",
        Pending = "PENDING",
        Stopped = "STOPPED",
    }
);

wire_enum!(
    /// A container's `lastStatus`.
    ContainerStatus (default Pending) {
        Pending = "PENDING",
        Running = "RUNNING",
        Stopped = "STOPPED",
    }
);

wire_enum!(
    /// A task's or container's `healthStatus`.
    HealthStatus (default Unknown) {
        Healthy = "HEALTHY",
        Unhealthy = "UNHEALTHY",
        Unknown = "UNKNOWN",
    }
);

wire_enum!(
    /// A launch type (also what a task definition requires or is compatible with).
    LaunchType (default Ec2) {
        Ec2 = "EC2",
        Fargate = "FARGATE",
        External = "EXTERNAL",
        ManagedInstances = "MANAGED_INSTANCES",
    }
);

wire_enum!(
    /// A task definition's `networkMode`.
    NetworkMode (default Bridge) {
        Bridge = "bridge",
        Host = "host",
        Awsvpc = "awsvpc",
        None = "none",
    }
);

wire_enum!(
    /// A service's `schedulingStrategy`.
    SchedulingStrategy (default Replica) {
        Replica = "REPLICA",
        Daemon = "DAEMON",
    }
);

wire_enum!(
    /// A stopped task's `stopCode`.
    TaskStopCode (default UserInitiated) {
        TaskFailedToStart = "TaskFailedToStart",
        EssentialContainerExited = "EssentialContainerExited",
        UserInitiated = "UserInitiated",
        ServiceSchedulerInitiated = "ServiceSchedulerInitiated",
        SpotInterruption = "SpotInterruption",
        TerminationNotice = "TerminationNotice",
    }
);

wire_enum!(
    /// A service deployment record's `status` (ListServiceDeployments and friends).
    ServiceDeploymentStatus (default Pending) {
        Pending = "PENDING",
        InProgress = "IN_PROGRESS",
        Successful = "SUCCESSFUL",
        Stopped = "STOPPED",
        StopRequested = "STOP_REQUESTED",
        RollbackRequested = "ROLLBACK_REQUESTED",
        RollbackInProgress = "ROLLBACK_IN_PROGRESS",
        RollbackSuccessful = "ROLLBACK_SUCCESSFUL",
        RollbackFailed = "ROLLBACK_FAILED",
    }
);

impl ServiceDeploymentStatus {
    /// Whether a deployment in this status is still ongoing (pending or in progress).
    pub fn is_open(self) -> bool {
        use ServiceDeploymentStatus::*;
        matches!(
            self,
            Pending | InProgress | StopRequested | RollbackRequested | RollbackInProgress
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_aws_strings_both_ways() {
        assert_eq!(
            serde_json::to_string(&TaskDefinitionStatus::DeleteInProgress).unwrap(),
            "\"DELETE_IN_PROGRESS\""
        );
        let s: ServiceStatus = serde_json::from_str("\"DRAINING\"").unwrap();
        assert_eq!(s, ServiceStatus::Draining);
        assert_eq!(
            RolloutState::parse("IN_PROGRESS"),
            Some(RolloutState::InProgress)
        );
        assert_eq!(RolloutState::parse("in_progress"), None);
        assert_eq!(ClusterStatus::Inactive.to_string(), "INACTIVE");
        assert!(TaskStatus::Stopping > TaskStatus::Running);
        assert!(TaskStatus::Activating < TaskStatus::Running);
    }
}
