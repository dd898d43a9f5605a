//! The `/_local-ecs/*` endpoints: `GET health` and `POST reset`.
//!
//! How they are protected: like the API, they answer browsers only from allowed origins (CORS is
//! checked before this module is reached). `reset` also refuses callers whose address is one of
//! this server's task containers (or awsvpc sandboxes): a task on the Docker bridge can reach a
//! server bound to a non-loopback address, and must not be able to wipe it. Loopback callers are
//! the host's own processes and are always served; when the engine cannot be asked who its
//! containers are, non-loopback callers are refused rather than guessed about.

use super::HttpRequest;
use crate::wire::WireResponse;
use crate::App;
use bytes::Bytes;
use serde_json::Value;

pub(super) async fn handle(app: &App, req: &HttpRequest) -> Option<WireResponse> {
    let path = req.path.strip_prefix("/_local-ecs/")?;
    Some(match (req.method.as_str(), path.trim_end_matches('/')) {
        ("GET", "health") => json(
            200,
            serde_json::json!({
                "version": env!("CARGO_PKG_VERSION"),
                "status": "running",
                "uptimeSeconds": app.uptime().as_secs(),
                "services": {
                    "ecs": "running",
                    "ec2": "running",
                    "autoscaling": "running",
                    "application-autoscaling": "running",
                    "elasticloadbalancing": "running",
                    "logs": "running",
                    "monitoring": "running",
                    "iam": "running",
                    "sts": "running",
                },
                "runtime": app.runtime_health(),
                "listeners": listeners(app),
            }),
        ),
        ("POST", "reset") => match caller_is_a_task(app, req).await {
            Err(why) => json(403, serde_json::json!({ "error": why })),
            Ok(()) => {
                app.reset().await;
                json(200, serde_json::json!({ "reset": true }))
            }
        },
        (_, "health" | "reset") => json(405, serde_json::json!({ "error": "method not allowed" })),
        _ => json(
            404,
            serde_json::json!({ "error": "no such local-ecs endpoint" }),
        ),
    })
}

/// `Err` with the reason when the caller is (or may be) one of our task containers.
async fn caller_is_a_task(app: &App, req: &HttpRequest) -> Result<(), String> {
    let Some(peer) = req.peer else {
        return Ok(()); // embedded, no socket: the caller is the embedding program
    };
    let ip = peer.ip().to_canonical();
    if ip.is_loopback() {
        return Ok(());
    }
    match app.ecs.controller().owned_addresses().await {
        Ok(tasks) if !tasks.contains(&ip) => Ok(()),
        Ok(_) => Err(format!(
            "{ip} is a local-ecs task container: tasks may not reset the server"
        )),
        Err(e) => Err(format!(
            "cannot tell whether {ip} is a task container ({e}); reset from the host's loopback address"
        )),
    }
}

/// Every ELBv2 listener's address and whether it is bound (a port that could not be bound says
/// why, as its load balancer's `failed` state does).
fn listeners(app: &App) -> Value {
    app.elbv2
        .listener_status()
        .into_iter()
        .map(|l| {
            serde_json::json!({
                "listenerArn": l.listener_arn,
                "address": l.address,
                "status": if l.error.is_some() { "failed" } else { "bound" },
                "reason": l.error,
            })
        })
        .collect()
}

fn json(status: u16, body: Value) -> WireResponse {
    WireResponse {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: Bytes::from(body.to_string()),
    }
}
