//! Request → (service, operation, protocol), by LocalStack's order of indicators: the
//! `X-Amz-Target` header (AWS JSON), the Smithy RPC v2 path `/service/{S}/operation/{O}` (CBOR),
//! then a form `Action` (AWS Query) with the service taken from the SigV4 credential scope.

use crate::wire::{query, Protocol, WireError};

/// The services local-ecs knows how to route to (shipped or not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Ecs,
    Logs,
    CloudWatch,
    Elbv2,
    Ec2,
    AutoScaling,
    Iam,
    Sts,
    AppScaling,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Ecs => "ecs",
            Service::Logs => "logs",
            Service::CloudWatch => "cloudwatch",
            Service::Elbv2 => "elasticloadbalancing",
            Service::Ec2 => "ec2",
            Service::AutoScaling => "autoscaling",
            Service::Iam => "iam",
            Service::Sts => "sts",
            Service::AppScaling => "application-autoscaling",
        }
    }

    /// By `X-Amz-Target` prefix (AWS JSON services).
    fn from_target_prefix(prefix: &str) -> Option<Service> {
        match prefix {
            "AmazonEC2ContainerServiceV20141113" => Some(Service::Ecs),
            "Logs_20140328" => Some(Service::Logs),
            "GraniteServiceVersion20100801" => Some(Service::CloudWatch),
            "AnyScaleFrontendService" => Some(Service::AppScaling),
            _ => None,
        }
    }

    /// By SigV4 signing name (Query services) or Smithy service name (CBOR).
    fn from_signing_name(name: &str) -> Option<Service> {
        match name {
            "ecs" => Some(Service::Ecs),
            "logs" => Some(Service::Logs),
            "monitoring" | "GraniteServiceVersion20100801" => Some(Service::CloudWatch),
            "elasticloadbalancing" => Some(Service::Elbv2),
            "ec2" => Some(Service::Ec2),
            "autoscaling" => Some(Service::AutoScaling),
            "iam" => Some(Service::Iam),
            "sts" => Some(Service::Sts),
            "application-autoscaling" => Some(Service::AppScaling),
            _ => None,
        }
    }
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// `None` when the protocol was recognised but the service was not.
    pub service: Option<Service>,
    pub operation: String,
    pub protocol: Protocol,
}

/// What the router looks at, independent of the HTTP library.
pub struct RouteInput<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub header: &'a dyn Fn(&str) -> Option<&'a str>,
    pub body: &'a [u8],
    /// The SigV4 signing name, when the request carried one.
    pub signing_service: Option<&'a str>,
}

/// Routes a request, or says in which protocol to answer that it cannot be routed.
pub fn route(input: &RouteInput<'_>) -> Result<Route, (Protocol, WireError)> {
    let header = input.header;
    if let Some(target) = header("x-amz-target") {
        let content_type = header("content-type").unwrap_or("");
        let (prefix, operation) = target.split_once('.').unwrap_or((target, ""));
        let service = Service::from_target_prefix(prefix);
        let protocol = if content_type.contains("json-1.0") {
            Protocol::Json10
        } else if content_type.contains("json-1.1") || service != Some(Service::CloudWatch) {
            Protocol::Json11
        } else {
            Protocol::Json10
        };
        return Ok(Route {
            service,
            operation: operation.to_string(),
            protocol,
        });
    }
    if let Some(rest) = input.path.strip_prefix("/service/") {
        if let Some((svc, op)) = rest.split_once("/operation/") {
            let svc = svc.rsplit('.').next().unwrap_or(svc);
            let service = Service::from_signing_name(svc)
                .or_else(|| input.signing_service.and_then(Service::from_signing_name));
            return Ok(Route {
                service,
                operation: op.trim_end_matches('/').to_string(),
                protocol: Protocol::RpcV2Cbor,
            });
        }
    }
    let form_body =
        header("content-type").is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let mut action = query::parse_form(input.query).remove("Action");
    if action.is_none() && form_body && input.method == "POST" {
        action = std::str::from_utf8(input.body)
            .ok()
            .and_then(|b| query::parse_form(b).remove("Action"));
    }
    if let Some(action) = action {
        let service = input.signing_service.and_then(Service::from_signing_name);
        let protocol = if service == Some(Service::Ec2) {
            Protocol::Ec2Query
        } else {
            Protocol::Query
        };
        return Ok(Route {
            service,
            operation: action,
            protocol,
        });
    }
    Err((
        Protocol::Json11,
        WireError::new(
            "UnknownOperationException",
            400,
            "The request names no AWS operation (no X-Amz-Target header, RPC v2 path or Query Action).",
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route_with(
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        signing: Option<&str>,
    ) -> Result<Route, (Protocol, WireError)> {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        route(&RouteInput {
            method,
            path,
            query,
            header: &lookup,
            body,
            signing_service: signing,
        })
    }

    #[test]
    fn json_by_target() {
        let r = route_with(
            "POST",
            "/",
            "",
            &[
                (
                    "X-Amz-Target",
                    "AmazonEC2ContainerServiceV20141113.ListClusters",
                ),
                ("Content-Type", "application/x-amz-json-1.1"),
            ],
            b"{}",
            Some("ecs"),
        )
        .unwrap();
        assert_eq!(
            r,
            Route {
                service: Some(Service::Ecs),
                operation: "ListClusters".into(),
                protocol: Protocol::Json11
            }
        );
        let r = route_with(
            "POST",
            "/",
            "",
            &[("X-Amz-Target", "Nope_1.Foo")],
            b"{}",
            None,
        )
        .unwrap();
        assert_eq!(r.service, None);
        let r = route_with(
            "POST",
            "/",
            "",
            &[
                (
                    "X-Amz-Target",
                    "GraniteServiceVersion20100801.PutMetricData",
                ),
                ("Content-Type", "application/x-amz-json-1.0"),
            ],
            b"{}",
            None,
        )
        .unwrap();
        assert_eq!(
            (r.service, r.protocol),
            (Some(Service::CloudWatch), Protocol::Json10)
        );
    }

    #[test]
    fn application_auto_scaling_by_target_and_signing_name() {
        let target = [
            (
                "X-Amz-Target",
                "AnyScaleFrontendService.DescribeScalableTargets",
            ),
            ("Content-Type", "application/x-amz-json-1.1"),
        ];
        let r = route_with("POST", "/", "", &target, b"{}", None).unwrap();
        assert_eq!(
            (r.service, r.operation.as_str(), r.protocol),
            (
                Some(Service::AppScaling),
                "DescribeScalableTargets",
                Protocol::Json11
            )
        );
        assert_eq!(
            Service::from_signing_name("application-autoscaling"),
            Some(Service::AppScaling)
        );
        assert_eq!(Service::AppScaling.name(), "application-autoscaling");
    }

    #[test]
    fn cbor_by_path() {
        let r = route_with(
            "POST",
            "/service/GraniteServiceVersion20100801/operation/GetMetricData",
            "",
            &[("smithy-protocol", "rpc-v2-cbor")],
            b"",
            Some("monitoring"),
        )
        .unwrap();
        assert_eq!(
            r,
            Route {
                service: Some(Service::CloudWatch),
                operation: "GetMetricData".into(),
                protocol: Protocol::RpcV2Cbor
            }
        );
    }

    #[test]
    fn query_by_action_and_scope() {
        let r = route_with(
            "POST",
            "/",
            "",
            &[(
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )],
            b"Action=DescribeLoadBalancers&Version=2015-12-01",
            Some("elasticloadbalancing"),
        )
        .unwrap();
        assert_eq!(
            r,
            Route {
                service: Some(Service::Elbv2),
                operation: "DescribeLoadBalancers".into(),
                protocol: Protocol::Query
            }
        );
        let r = route_with(
            "GET",
            "/",
            "Action=DescribeInstances&Version=2016-11-15",
            &[],
            b"",
            Some("ec2"),
        )
        .unwrap();
        assert_eq!(r.protocol, Protocol::Ec2Query);
        let r = route_with(
            "POST",
            "/",
            "",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"Action=DescribeAutoScalingGroups&Version=2011-01-01",
            Some("autoscaling"),
        )
        .unwrap();
        assert_eq!(
            (r.service, r.protocol),
            (Some(Service::AutoScaling), Protocol::Query)
        );
        for (signing, service) in [("iam", Service::Iam), ("sts", Service::Sts)] {
            let r = route_with(
                "POST",
                "/",
                "",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                b"Action=GetCallerIdentity&Version=2011-06-15",
                Some(signing),
            )
            .unwrap();
            assert_eq!((r.service, r.protocol), (Some(service), Protocol::Query));
        }
    }

    #[test]
    fn nothing_to_route() {
        let (p, e) = route_with("GET", "/", "", &[], b"", None).unwrap_err();
        assert_eq!(
            (p, e.code.as_str()),
            (Protocol::Json11, "UnknownOperationException")
        );
    }
}
