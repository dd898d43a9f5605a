//! ECS errors: one variant per AWS error code, one match to the wire code and status.
//! Codes and messages as the ECS API reference words them.

use crate::model::ValidationError;
use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq)]
pub enum EcsError {
    Client(String),
    InvalidParameter(String),
    ClusterNotFound,
    ServiceNotFound,
    ServiceNotActive,
    TaskSetNotFound,
    DaemonNotFound,
    DaemonNotActive,
    NamespaceNotFound(String),
    ClusterContainsContainerInstances,
    ClusterContainsServices,
    ClusterContainsTasks,
    ClusterContainsCapacityProvider,
    ResourceNotFound(String),
    ResourceInUse(String),
    LimitExceeded(String),
    UpdateInProgress(String),
    NoUpdateAvailable(String),
    UnsupportedFeature(String),
    TargetNotFound(String),
    AttributeLimitExceeded(String),
    ServiceDeploymentNotFound(String),
    Conflict(String),
    Serialization(String),
    UnknownOperation(String),
    Server(String),
}

pub type EcsResult<T> = Result<T, EcsError>;

/// A shared rule broken (page size, token, tags) is ECS's InvalidParameterException.
impl From<crate::core::Invalid> for EcsError {
    fn from(e: crate::core::Invalid) -> Self {
        EcsError::InvalidParameter(e.0)
    }
}

impl EcsError {
    pub fn code(&self) -> &'static str {
        use EcsError::*;
        match self {
            Client(_) => "ClientException",
            InvalidParameter(_) => "InvalidParameterException",
            ClusterNotFound => "ClusterNotFoundException",
            ServiceNotFound => "ServiceNotFoundException",
            ServiceNotActive => "ServiceNotActiveException",
            TaskSetNotFound => "TaskSetNotFoundException",
            DaemonNotFound => "DaemonNotFoundException",
            DaemonNotActive => "DaemonNotActiveException",
            NamespaceNotFound(_) => "NamespaceNotFoundException",
            ClusterContainsContainerInstances => "ClusterContainsContainerInstancesException",
            ClusterContainsServices => "ClusterContainsServicesException",
            ClusterContainsTasks => "ClusterContainsTasksException",
            ClusterContainsCapacityProvider => "ClusterContainsCapacityProviderException",
            ResourceNotFound(_) => "ResourceNotFoundException",
            ResourceInUse(_) => "ResourceInUseException",
            LimitExceeded(_) => "LimitExceededException",
            UpdateInProgress(_) => "UpdateInProgressException",
            NoUpdateAvailable(_) => "NoUpdateAvailableException",
            UnsupportedFeature(_) => "UnsupportedFeatureException",
            TargetNotFound(_) => "TargetNotFoundException",
            AttributeLimitExceeded(_) => "AttributeLimitExceededException",
            ServiceDeploymentNotFound(_) => "ServiceDeploymentNotFoundException",
            Conflict(_) => "ConflictException",
            Serialization(_) => "SerializationException",
            UnknownOperation(_) => "UnknownOperationException",
            Server(_) => "ServerException",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            EcsError::Server(_) => 500,
            _ => 400,
        }
    }

    pub fn message(&self) -> String {
        use EcsError::*;
        match self {
            ClusterNotFound => "Cluster not found.".into(),
            ServiceNotFound => "Service not found.".into(),
            ServiceNotActive => "Service was not ACTIVE.".into(),
            TaskSetNotFound => "The specified task set wasn't found. You can view your available task sets with DescribeTaskSets. Task sets are specific to each cluster, service and Region.".into(),
            DaemonNotFound => "The specified daemon wasn't found. You can view your available daemons with ListDaemons. Amazon ECS daemons are cluster specific and Region specific.".into(),
            DaemonNotActive => "The specified daemon isn't active. You can't update a daemon that's inactive. If you have previously deleted a daemon, you can re-create it with CreateDaemon.".into(),
            ClusterContainsContainerInstances => {
                "The Cluster cannot be deleted while Container Instances are active or draining."
                    .into()
            }
            ClusterContainsServices => {
                "The Cluster cannot be deleted while Services are active.".into()
            }
            ClusterContainsTasks => "The Cluster cannot be deleted while Tasks are active.".into(),
            ClusterContainsCapacityProvider => {
                "The cluster cannot be deleted while capacity providers are associated with it."
                    .into()
            }
            Client(m)
            | NamespaceNotFound(m)
            | InvalidParameter(m)
            | ResourceNotFound(m)
            | ResourceInUse(m)
            | LimitExceeded(m)
            | UpdateInProgress(m)
            | NoUpdateAvailable(m)
            | UnsupportedFeature(m)
            | TargetNotFound(m)
            | AttributeLimitExceeded(m)
            | ServiceDeploymentNotFound(m)
            | Conflict(m)
            | Serialization(m)
            | UnknownOperation(m)
            | Server(m) => m.clone(),
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        EcsError::InvalidParameter(msg.into())
    }

    pub fn client(msg: impl Into<String>) -> Self {
        EcsError::Client(msg.into())
    }
}

impl From<EcsError> for WireError {
    fn from(e: EcsError) -> Self {
        WireError::new(e.code(), e.status(), e.message())
    }
}

impl From<ValidationError> for EcsError {
    fn from(e: ValidationError) -> Self {
        match e {
            ValidationError::Serialization(m) => EcsError::Serialization(m),
            ValidationError::Constraint(m) => EcsError::InvalidParameter(m),
        }
    }
}
