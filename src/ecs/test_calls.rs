//! For unit tests that drive ECS through its dispatch, as a request would.

use crate::core::context::RequestContext;
use crate::App;
use serde_json::Value;

/// Calls ECS operation `op` of account 000000000000 in us-east-1; its JSON answer.
pub fn call(app: &App, op: &str, input: Value) -> Value {
    let ctx = RequestContext::new("000000000000", "us-east-1");
    let Value::Object(map) = input else {
        panic!("input must be an object")
    };
    let reply = app
        .ecs
        .dispatch(&ctx, op, map)
        .unwrap_or_else(|e| panic!("{op}: {e:?}"));
    serde_json::from_slice(&reply.into_json()).expect("a JSON answer")
}
