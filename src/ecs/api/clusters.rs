//! Clusters: CreateCluster, DescribeClusters, ListClusters, DeleteCluster, UpdateCluster,
//! UpdateClusterSettings, PutClusterCapacityProviders.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html> and siblings.
//! A deleted cluster stays describable as INACTIVE; creating its name again makes a new one.

use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::core::tags;
use crate::ecs::api::cluster_view::{
    reply_named, view, ClusterView, Include, OneCluster, ALL_FIELDS,
};
use crate::ecs::rules::capacity::validate_strategy;
use crate::ecs::state::lookup::{active_cluster, active_name, find_cluster as find};
use crate::ecs::state::status::ServiceStatus;
use crate::ecs::state::status::{CapacityProviderStatus, ClusterStatus, ContainerInstanceStatus};
use crate::ecs::state::types::{
    CapacityProviderStrategyItem, Cluster, ClusterSetting, Failure, Tag,
};
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

pub const DEFAULT_CLUSTER: &str = "default";

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CreateClusterRequest {
    cluster_name: Option<String>,
    tags: Vec<Tag>,
    settings: Option<Vec<ClusterSetting>>,
    configuration: Option<Value>,
    capacity_providers: Vec<String>,
    default_capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    service_connect_defaults: Option<ServiceConnectDefaults>,
}

#[derive(Deserialize)]
struct ServiceConnectDefaults {
    namespace: String,
}

pub fn create_cluster(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: CreateClusterRequest = parse(input)?;
    let name = req
        .cluster_name
        .unwrap_or_else(|| DEFAULT_CLUSTER.to_string());
    validate_name(&name)?;
    if let Some(existing) = st
        .clusters
        .get(&name)
        .filter(|c| c.status == ClusterStatus::Active)
    {
        let cluster = Some(view(st, existing, &ALL_FIELDS));
        return Ok(Reply::of(&OneCluster { cluster }));
    }
    tags::validate(&req.tags)?;
    let settings = match req.settings {
        Some(settings) => merge_settings(default_settings(st), settings)?,
        None => default_settings(st),
    };
    let cluster_arn = st.arn(&format!("cluster/{name}"));
    let namespace = req
        .service_connect_defaults
        .map(|d| namespace_arn(st, &d.namespace));
    validate_providers(
        st,
        &cluster_arn,
        &req.capacity_providers,
        &req.default_capacity_provider_strategy,
    )?;
    let cluster = Cluster {
        cluster_arn,
        cluster_name: name.clone(),
        configuration: req.configuration,
        status: ClusterStatus::Active,
        tags: req.tags,
        settings,
        attachments_status: (!req.capacity_providers.is_empty())
            .then(|| "UPDATE_COMPLETE".to_string()),
        capacity_providers: req.capacity_providers,
        default_capacity_provider_strategy: req.default_capacity_provider_strategy,
        service_connect_defaults: namespace.map(|ns| json!({ "namespace": ns })),
        ..Default::default()
    };
    st.clusters.insert(name.clone(), cluster);
    Ok(reply_named(st, &name))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DescribeClustersRequest {
    clusters: Option<Vec<String>>,
    include: Vec<String>,
}

#[derive(Serialize)]
struct DescribeClustersOutput<'a> {
    clusters: Vec<ClusterView<'a>>,
    failures: Vec<Failure>,
}

pub fn describe_clusters(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeClustersRequest = parse(input)?;
    let idents = req
        .clusters
        .unwrap_or_else(|| vec![DEFAULT_CLUSTER.to_string()]);
    if idents.len() > 100 {
        return Err(EcsError::invalid(
            "Too many clusters. Please specify 100 or fewer clusters.",
        ));
    }
    let fields = Include::from(&req.include);
    let mut clusters = Vec::new();
    let mut failures = Vec::new();
    for ident in &idents {
        match find(st, ident) {
            Some(c) => clusters.push(view(st, c, &fields)),
            None => failures.push(Failure::new(arn_for_ident(st, ident), "MISSING")),
        }
    }
    Ok(Reply::of(&DescribeClustersOutput { clusters, failures }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRequest {
    next_token: Option<String>,
    max_results: Option<i32>,
}

pub fn list_clusters(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListRequest = parse(input)?;
    let size = page_size(req.max_results, 100, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    // INACTIVE clusters are listed too, as AWS lists them for a while after DeleteCluster.
    let listed = st.clusters.values().filter(|c| {
        after
            .as_ref()
            .is_none_or(|a| c.cluster_name.as_str() > a.as_str())
    });
    let (page, token) = take_page(listed, size, |c| c.cluster_name.clone());
    let arns: Vec<&str> = page.iter().map(|c| c.cluster_arn.as_str()).collect();
    Ok(Reply::page("clusterArns", &arns, &token))
}

#[derive(Deserialize)]
struct ClusterRequest {
    cluster: String,
}

pub fn delete_cluster(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let now = st.now();
    let req: ClusterRequest = parse(input)?;
    let (name, arn) = active_cluster(st, &req.cluster)?;
    let in_cluster = |cluster: &str| cluster == arn;
    if st
        .container_instances
        .values()
        .any(|ci| in_cluster(&ci.cluster_arn) && ci.status != ContainerInstanceStatus::Inactive)
    {
        return Err(EcsError::ClusterContainsContainerInstances);
    }
    if st
        .services
        .values()
        .any(|s| in_cluster(&s.cluster_arn) && s.status != ServiceStatus::Inactive)
    {
        return Err(EcsError::ClusterContainsServices);
    }
    if st
        .tasks
        .values()
        .any(|t| in_cluster(&t.cluster_arn) && !t.is_stopped())
    {
        return Err(EcsError::ClusterContainsTasks);
    }
    if st.capacity_providers.values().any(|cp| {
        cp.status == CapacityProviderStatus::Active && cp.cluster.as_deref() == Some(arn.as_str())
    }) {
        return Err(EcsError::ClusterContainsCapacityProvider);
    }
    let cluster = st
        .clusters
        .get_mut(&name)
        .ok_or(EcsError::ClusterNotFound)?;
    cluster.status = ClusterStatus::Inactive;
    cluster.inactive_at = Some(now);
    cluster.capacity_providers.clear();
    cluster.default_capacity_provider_strategy.clear();
    cluster.attachments_status = None;
    Ok(reply_named(st, &name))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateClusterRequest {
    cluster: String,
    settings: Option<Vec<ClusterSetting>>,
    configuration: Option<Value>,
    service_connect_defaults: Option<ServiceConnectDefaults>,
}

pub fn update_cluster(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UpdateClusterRequest = parse(input)?;
    let name = active_name(st, &req.cluster)?;
    let namespace = req
        .service_connect_defaults
        .map(|d| namespace_arn(st, &d.namespace));
    let cluster = st
        .clusters
        .get_mut(&name)
        .ok_or(EcsError::ClusterNotFound)?;
    if let Some(settings) = req.settings {
        cluster.settings = merge_settings(std::mem::take(&mut cluster.settings), settings)?;
    }
    if let Some(configuration) = req.configuration {
        cluster.configuration = Some(configuration);
    }
    if let Some(namespace) = namespace {
        cluster.service_connect_defaults = Some(json!({ "namespace": namespace }));
    }
    Ok(reply_named(st, &name))
}

#[derive(Deserialize)]
struct UpdateClusterSettingsRequest {
    cluster: String,
    settings: Vec<ClusterSetting>,
}

pub fn update_cluster_settings(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UpdateClusterSettingsRequest = parse(input)?;
    let name = active_name(st, &req.cluster)?;
    let cluster = st
        .clusters
        .get_mut(&name)
        .ok_or(EcsError::ClusterNotFound)?;
    cluster.settings = merge_settings(std::mem::take(&mut cluster.settings), req.settings)?;
    Ok(reply_named(st, &name))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutClusterCapacityProvidersRequest {
    cluster: String,
    capacity_providers: Vec<String>,
    default_capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
}

pub fn put_cluster_capacity_providers(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: PutClusterCapacityProvidersRequest = parse(input)?;
    let (name, arn) = active_cluster(st, &req.cluster)?;
    validate_providers(
        st,
        &arn,
        &req.capacity_providers,
        &req.default_capacity_provider_strategy,
    )?;
    let cluster = st
        .clusters
        .get_mut(&name)
        .ok_or(EcsError::ClusterNotFound)?;
    cluster.attachments_status = Some("UPDATE_COMPLETE".into());
    cluster.capacity_providers = req.capacity_providers;
    cluster.default_capacity_provider_strategy = req.default_capacity_provider_strategy;
    Ok(reply_named(st, &name))
}

fn arn_for_ident(st: &RegionState, ident: &str) -> String {
    if ident.starts_with("arn:") {
        ident.to_string()
    } else {
        st.arn(&format!("cluster/{ident}"))
    }
}

fn validate_name(name: &str) -> EcsResult<()> {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if name.is_empty() || name.len() > 255 || !ok_chars {
        return Err(EcsError::invalid(
            "Cluster name must be 1-255 characters: letters, numbers, hyphens and underscores.",
        ));
    }
    Ok(())
}

/// The cluster settings a new cluster starts with: containerInsights from the account setting.
fn default_settings(st: &RegionState) -> Vec<ClusterSetting> {
    let value = crate::ecs::api::account_settings::effective_value(st, "containerInsights", "")
        .unwrap_or_else(|| "disabled".into());
    vec![ClusterSetting {
        name: Some("containerInsights".into()),
        value: Some(value),
    }]
}

fn merge_settings(
    mut current: Vec<ClusterSetting>,
    updates: Vec<ClusterSetting>,
) -> EcsResult<Vec<ClusterSetting>> {
    for s in updates {
        let (Some(name), Some(value)) = (s.name.as_deref(), s.value.as_deref()) else {
            return Err(EcsError::invalid(
                "A cluster setting needs both a name and a value.",
            ));
        };
        if name != "containerInsights" || !matches!(value, "enabled" | "disabled" | "enhanced") {
            return Err(EcsError::invalid(format!(
                "The value '{value}' is not valid for the cluster setting {name}. Valid values: enabled, disabled, enhanced."
            )));
        }
        current.retain(|c| c.name.as_deref() != Some(name));
        current.push(s);
    }
    Ok(current)
}

fn validate_providers(
    st: &RegionState,
    cluster_arn: &str,
    providers: &[String],
    strategy: &[CapacityProviderStrategyItem],
) -> EcsResult<()> {
    for name in providers {
        crate::ecs::rules::capacity::check_attachable(st, name, cluster_arn)?;
    }
    if let Some(item) = strategy
        .iter()
        .find(|i| !providers.contains(&i.capacity_provider))
    {
        return Err(EcsError::invalid(format!(
            "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again. Capacity provider: {}",
            item.capacity_provider
        )));
    }
    validate_strategy(strategy)
}

/// The ARN of a Service Connect namespace given by ARN or by name; a name not seen before gets a
/// namespace of its own (`namespace/ns-…`), as ECS creates a Cloud Map namespace for it.
pub fn namespace_arn(st: &mut RegionState, namespace: &str) -> String {
    if namespace.starts_with("arn:") {
        return namespace.to_string();
    }
    let (region, account) = (st.region.clone(), st.account.clone());
    st.namespaces
        .entry(namespace.to_string())
        .or_insert_with(|| {
            let id = crate::core::ids::namespace_id();
            crate::core::arn::build(
                "servicediscovery",
                &region,
                &account,
                &format!("namespace/{id}"),
            )
        })
        .clone()
}
