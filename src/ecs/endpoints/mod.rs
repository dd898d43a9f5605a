//! What the ECS agent serves to task containers at 169.254.170.2: the task metadata endpoints
//! (v4 and v3 by the per-container path in `ECS_CONTAINER_METADATA_URI_V4` /
//! `ECS_CONTAINER_METADATA_URI`, v2 by the caller's address), task-role credentials at
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, and the agent API's task scale-in protection at
//! `${ECS_AGENT_URI}/task-protection/v1/state`.
//!
//! The address is reached through the engine's task endpoints network (see the Docker runtime):
//! its gateway, 169.254.170.2, is this machine, so the server binds it on port 80. Only one
//! process on a machine can: a second local-ecs there logs that its tasks get no endpoints.

mod docs;
mod routes;

use crate::core::fleet::View;
use crate::core::identity::{CredentialIssuer, IssuedCredentials};
use crate::ecs::state::Store;
use crate::runtime::SharedRuntime;
use dashmap::DashMap;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;

/// Where the endpoints answer, from inside a task.
pub const HOST: &str = "169.254.170.2";

/// The path token of one container's metadata and agent endpoints.
pub fn token(task_id: &str, container: &str) -> String {
    format!("{task_id}-{container}")
}

/// The environment ECS sets in every container when the endpoints are served.
pub fn environment(task_id: &str, container: &str, has_role: bool) -> Vec<(String, String)> {
    let t = token(task_id, container);
    let mut env = vec![
        (
            "ECS_CONTAINER_METADATA_URI_V4".into(),
            format!("http://{HOST}/v4/{t}"),
        ),
        (
            "ECS_CONTAINER_METADATA_URI".into(),
            format!("http://{HOST}/v3/{t}"),
        ),
        ("ECS_AGENT_URI".into(), format!("http://{HOST}/api/{t}")),
    ];
    if has_role {
        env.push((
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI".into(),
            format!("/v2/credentials/{task_id}"),
        ));
    }
    env
}

/// local-ecs' own API, for AWS requests a task sends to the endpoints address
/// (`--inject-endpoint-url`).
pub type Api = Arc<
    dyn Fn(
            crate::edge::HttpRequest,
        ) -> futures_util::future::BoxFuture<'static, crate::wire::WireResponse>
        + Send
        + Sync,
>;

/// What the endpoints read: ECS's state, the engine (stats), STS (credentials).
pub struct Endpoints {
    /// Where requests that are not the agent's go, if anywhere.
    pub(crate) api: Option<Api>,
    pub(crate) store: Arc<Store>,
    pub(crate) runtime: SharedRuntime,
    pub(crate) owner: String,
    pub(crate) issuer: View<dyn CredentialIssuer>,
    /// Credentials handed to each task (by task ARN), renewed before they expire.
    pub(crate) credentials: DashMap<String, IssuedCredentials>,
}

/// The bound server; dropping it closes the port.
pub struct Served {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Endpoints {
    /// Binds `addr` (169.254.170.2:80 in use) and serves until the returned handle is dropped.
    pub fn serve(self: Arc<Self>, addr: SocketAddr) -> std::io::Result<Served> {
        let std = std::net::TcpListener::bind(addr)?;
        std.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(std)?;
        let task = tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                let me = self.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let me = me.clone();
                        async move { Ok::<_, std::convert::Infallible>(me.answer(req, peer).await) }
                    });
                    // Clients such as `nc` close their side once the request is sent: they
                    // still get the answer.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .half_close(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Served { addr, task })
    }

    async fn answer(&self, req: Request<Incoming>, peer: SocketAddr) -> Response<Full<Bytes>> {
        let (parts, incoming) = req.into_parts();
        let method = parts.method.as_str().to_string();
        let path = parts.uri.path().to_string();
        let body = match incoming.collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => Bytes::new(),
        };
        let agents = ["/v4/", "/v3/", "/v2/", "/api/"];
        if let (Some(api), false) = (&self.api, agents.iter().any(|p| path.starts_with(p))) {
            let request = crate::edge::HttpRequest {
                method,
                path,
                query: parts.uri.query().unwrap_or("").to_string(),
                headers: parts.headers,
                body,
                peer: Some(peer),
                local: None,
            };
            let wire = api(request).await;
            let mut resp = Response::new(Full::new(wire.body));
            *resp.status_mut() = hyper::StatusCode::from_u16(wire.status).unwrap_or_default();
            for (name, value) in &wire.headers {
                if let Ok(v) = hyper::header::HeaderValue::from_str(value) {
                    resp.headers_mut().insert(*name, v);
                }
            }
            return resp;
        }
        let (status, value) = self.route(&method, &path, &body, peer).await;
        let mut resp = Response::new(Full::new(Bytes::from(value.to_string())));
        *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
        resp.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json"),
        );
        resp
    }
}

#[cfg(test)]
mod renewal_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_name_the_container_and_the_task() {
        let env = environment("abc123", "web", false);
        assert_eq!(
            env,
            [
                (
                    "ECS_CONTAINER_METADATA_URI_V4".to_string(),
                    "http://169.254.170.2/v4/abc123-web".to_string()
                ),
                (
                    "ECS_CONTAINER_METADATA_URI".to_string(),
                    "http://169.254.170.2/v3/abc123-web".to_string()
                ),
                (
                    "ECS_AGENT_URI".to_string(),
                    "http://169.254.170.2/api/abc123-web".to_string()
                ),
            ]
        );
        let with_role = environment("abc123", "web", true);
        assert_eq!(
            with_role.last().unwrap(),
            &(
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI".to_string(),
                "/v2/credentials/abc123".to_string()
            )
        );
    }
}
