//! The endpoints' routes: which document a path asks for, found in ECS's state by the path's
//! token (v4, v3, the agent API), the task id (credentials), or the caller's address (v2).

use super::docs::{self, Seen};
use super::Endpoints;
use crate::core::clock::iso8601;
use crate::ecs::state::status::DesiredStatus;
use serde_json::{json, Value};
use std::net::SocketAddr;

/// Credentials last this long and are renewed when less than a quarter is left.
const CREDENTIAL_SECONDS: u32 = 6 * 3600;

/// Whether credentials expiring at `expiration` may still be handed out at `now`: the agent
/// renews them well before they expire (here once less than a quarter of their life is left),
/// so an SDK that caches them until shortly before `Expiration` never holds expired ones.
fn still_fresh(expiration: f64, now: f64) -> bool {
    expiration - now > f64::from(CREDENTIAL_SECONDS) / 4.0
}

/// A task found for a request.
struct Found {
    account: String,
    region: String,
    task_arn: String,
    container: Option<String>,
}

fn not_found(what: &str) -> (u16, Value) {
    (404, json!({ "error": format!("{what} not found") }))
}

impl Endpoints {
    pub(super) async fn route(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        peer: SocketAddr,
    ) -> (u16, Value) {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method, parts.as_slice()) {
            ("GET", ["v4" | "v3", token, rest @ ..]) => self.metadata(token, rest).await,
            ("GET", ["v2", "credentials", id]) => self.credentials(id),
            ("GET", ["v2", "metadata", rest @ ..]) => self.by_address(peer, rest),
            ("GET", ["v2", "stats"]) => match self.find_by_address(peer) {
                Some(f) => self.stats(&f, true).await,
                None => not_found("task"),
            },
            (m, ["api", token, "task-protection", "v1", "state"]) => {
                self.protection(m, token, body)
            }
            _ => not_found("endpoint"),
        }
    }

    fn find_by_token(&self, token: &str) -> Option<Found> {
        let (task_id, container) = token.split_once('-')?;
        self.find_task(|arn| arn.ends_with(&format!("/{task_id}")))
            .map(|f| Found {
                container: Some(container.to_string()),
                ..f
            })
    }

    fn find_task(&self, matches: impl Fn(&str) -> bool) -> Option<Found> {
        self.store.keys().into_iter().find_map(|(account, region)| {
            let arn = self.store.with(&account, &region, |st| {
                st.tasks.keys().find(|a| matches(a)).cloned()
            })?;
            Some(Found {
                account,
                region,
                task_arn: arn,
                container: None,
            })
        })
    }

    fn find_by_address(&self, peer: SocketAddr) -> Option<Found> {
        let arn = self.store.endpoint_task(&peer.ip().to_string())?;
        self.find_task(|a| a == arn)
    }

    /// Builds a document from the task and its definition.
    fn with_task<R>(&self, f: &Found, build: impl FnOnce(&Seen) -> R) -> Option<R> {
        self.store.with(&f.account, &f.region, |st| {
            let task = st.tasks.get(&f.task_arn)?;
            let book = st.task_books.get(&f.task_arn)?;
            let service = task
                .service_arn
                .as_ref()
                .and_then(|s| st.services.get(s))
                .map(|s| s.service_name.clone());
            let seen = Seen {
                task,
                td: &book.definition,
                owner: &self.owner,
                service_name: service.as_deref(),
            };
            Some(build(&seen))
        })
    }

    async fn metadata(&self, token: &str, rest: &[&str]) -> (u16, Value) {
        let Some(f) = self.find_by_token(token) else {
            return not_found("container");
        };
        match rest {
            [] => self.container_doc(&f),
            ["task"] => self
                .with_task(&f, docs::task)
                .map_or_else(|| not_found("task"), |v| (200, v)),
            ["stats"] => self.stats(&f, false).await,
            ["task", "stats"] => self.stats(&f, true).await,
            _ => not_found("endpoint"),
        }
    }

    fn container_doc(&self, f: &Found) -> (u16, Value) {
        let name = f.container.clone().unwrap_or_default();
        self.with_task(f, |s| {
            s.task
                .containers
                .iter()
                .find(|c| c.name == name)
                .map(|c| docs::container(s, c))
        })
        .flatten()
        .map_or_else(|| not_found("container"), |v| (200, v))
    }

    /// v2's task (no rest) or container (`/v2/metadata/<docker id>`), by the caller's address.
    fn by_address(&self, peer: SocketAddr, rest: &[&str]) -> (u16, Value) {
        let Some(f) = self.find_by_address(peer) else {
            return not_found("task");
        };
        match rest {
            [] => self
                .with_task(&f, docs::task)
                .map_or_else(|| not_found("task"), |v| (200, v)),
            [docker_id] => self
                .with_task(&f, |s| {
                    s.task
                        .containers
                        .iter()
                        .find(|c| c.runtime_id.as_deref() == Some(docker_id))
                        .map(|c| docs::container(s, c))
                })
                .flatten()
                .map_or_else(|| not_found("container"), |v| (200, v)),
            _ => not_found("endpoint"),
        }
    }

    /// The engine's own stats: one container's, or every container's by Docker id.
    async fn stats(&self, f: &Found, whole_task: bool) -> (u16, Value) {
        let ids: Vec<(String, String)> = self
            .with_task(f, |s| {
                s.task
                    .containers
                    .iter()
                    .filter(|c| whole_task || Some(&c.name) == f.container.as_ref())
                    .filter_map(|c| Some((c.name.clone(), c.runtime_id.clone()?)))
                    .collect()
            })
            .unwrap_or_default();
        let mut out = serde_json::Map::new();
        for (_, id) in &ids {
            let stats = self.runtime.stats(id).await.unwrap_or(Value::Null);
            out.insert(id.clone(), stats);
        }
        if whole_task {
            return (200, Value::Object(out));
        }
        match out.into_iter().next() {
            Some((_, one)) => (200, one),
            None => not_found("container"),
        }
    }

    fn credentials(&self, task_id: &str) -> (u16, Value) {
        let Some(f) = self.find_task(|a| a.ends_with(&format!("/{task_id}"))) else {
            return not_found("credentials");
        };
        let role = self.store.with(&f.account, &f.region, |st| {
            let t = st.tasks.get(&f.task_arn)?;
            let td = &st.task_books.get(&f.task_arn)?.definition;
            t.overrides
                .task_role_arn
                .clone()
                .or_else(|| td.task_role_arn.clone())
        });
        let (Some(role), Some(issuer)) = (role, self.issuer.get()) else {
            return not_found("credentials");
        };
        let now = self.store.clock().now();
        let fresh = self
            .credentials
            .get(&f.task_arn)
            .filter(|c| still_fresh(c.expiration, now))
            .map(|c| c.clone());
        let creds = match fresh {
            Some(c) => c,
            None => {
                let Some(c) = issuer.issue(&f.account, &role, task_id, CREDENTIAL_SECONDS) else {
                    return not_found("credentials");
                };
                self.credentials.insert(f.task_arn.clone(), c.clone());
                c
            }
        };
        (
            200,
            json!({
                "RoleArn": role,
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key,
                "Token": creds.session_token,
                "Expiration": iso8601(creds.expiration).replace(".000Z", "Z"),
            }),
        )
    }

    /// The agent API's task scale-in protection: GET reads it, PUT sets it.
    fn protection(&self, method: &str, token: &str, body: &[u8]) -> (u16, Value) {
        let Some(f) = self.find_by_token(token) else {
            return not_found("task");
        };
        let error = |code: &str, message: &str| {
            (
                400,
                json!({ "error": { "Arn": f.task_arn, "Code": code, "Message": message } }),
            )
        };
        let now = self.store.clock().now();
        if method == "PUT" {
            let Ok(req) = serde_json::from_slice::<Value>(body) else {
                return error(
                    "InvalidParameterException",
                    "The request body is not valid JSON.",
                );
            };
            let Some(enabled) = req.get("ProtectionEnabled").and_then(Value::as_bool) else {
                return error(
                    "InvalidParameterException",
                    "ProtectionEnabled is required.",
                );
            };
            let minutes = req
                .get("ExpiresInMinutes")
                .and_then(Value::as_i64)
                .unwrap_or(120);
            if enabled && !(1..=2880).contains(&minutes) {
                return error(
                    "InvalidParameterException",
                    "expiresInMinutes must be between 1 and 2880.",
                );
            }
            let ok = self.store.with(&f.account, &f.region, |st| {
                let t = st.tasks.get_mut(&f.task_arn)?;
                if t.service_arn.is_none() || t.desired_status == DesiredStatus::Stopped {
                    return Some(false);
                }
                t.protected_until = enabled.then_some(now + minutes as f64 * 60.0);
                Some(true)
            });
            if ok != Some(true) {
                return error(
                    "InvalidParameterException",
                    "The task is not part of a running service.",
                );
            }
        } else if method != "GET" {
            return (405, json!({ "error": "method not allowed" }));
        }
        let until = self
            .store
            .with(&f.account, &f.region, |st| {
                st.tasks.get(&f.task_arn)?.protected_until
            })
            .filter(|u| *u > now);
        let mut protection = json!({ "ProtectionEnabled": until.is_some(), "TaskArn": f.task_arn });
        if let Some(u) = until {
            protection["ExpirationDate"] = json!(iso8601(u));
        }
        (200, json!({ "protection": protection }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_renewed_with_a_quarter_of_their_life_left() {
        let issued = 1_000.0;
        let expiration = issued + f64::from(CREDENTIAL_SECONDS);
        assert!(still_fresh(expiration, issued));
        assert!(
            still_fresh(expiration, issued + 4.0 * 3600.0),
            "two hours left"
        );
        assert!(
            !still_fresh(expiration, issued + 4.6 * 3600.0),
            "under 1.5 hours left: renew"
        );
        assert!(!still_fresh(expiration, expiration + 1.0), "expired: renew");
    }
}
