//! local-ecs: a local emulator of Amazon ECS.
//!
//! The crate is embeddable: build an [`App`], bind a listener and call [`serve`]. Requests flow
//! straight down: [`server`] (HTTP) → [`edge`] (internal endpoints, routing, protocol codecs) →
//! a service's dispatch (e.g. [`ecs`]) → its operation functions → its state.

#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod config;
pub mod ecs;
pub mod edge;
pub mod model;
pub mod router;
pub mod server;
pub mod wire;

use std::sync::Arc;
use std::time::Instant;

pub use config::Config;
pub use server::serve;

/// The whole emulator: one handle per emulated service. Cheap to share behind an `Arc`.
pub struct App {
    pub config: Config,
    pub ecs: ecs::Ecs,
    started: Instant,
}

impl App {
    pub fn new(config: Config) -> Arc<App> {
        Arc::new(App {
            config,
            ecs: ecs::Ecs::new(),
            started: Instant::now(),
        })
    }

    /// Drops every service's state (the `/_local-ecs/reset` endpoint).
    pub fn reset(&self) {
        self.ecs.reset();
    }

    pub fn uptime(&self) -> std::time::Duration {
        self.started.elapsed()
    }
}

/// The README's supported-operations table, generated from the dispatch tables so it cannot lie.
pub fn operations_table() -> String {
    let mut out = String::from("| Service | Operation | Status |\n|---|---|---|\n");
    for (op, support) in ecs::operation_support() {
        out.push_str(&format!("| ECS | {op} | {} |\n", support.describe()));
    }
    out
}

#[cfg(test)]
mod tests {
    /// The README's table is the generated one: `cargo run -- --list-operations` refreshes it.
    #[test]
    fn readme_lists_the_supported_operations() {
        let readme = include_str!("../README.md");
        let begin = readme
            .find("<!-- operations:begin -->\n")
            .map(|i| i + 26)
            .unwrap();
        let end = readme.find("<!-- operations:end -->").unwrap();
        assert_eq!(
            &readme[begin..end],
            super::operations_table(),
            "run scripts/gen-readme-ops.sh"
        );
    }
}
