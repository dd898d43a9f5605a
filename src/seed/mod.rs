//! The declarative seed (`--init FILE`, JSON or YAML): clusters, task definitions, services, EC2
//! instances, load balancers, log groups, roles and scaling, created at start in dependency order
//! ([`kinds::KINDS`]). Each entry is the input of the operation that creates it — a task
//! definition is what `register-task-definition --cli-input-json` takes — and is sent through the
//! App's edge as a client's request would be ([`call`]). Entries refer to what earlier ones
//! created with `${KIND.NAME}` ([`refs`]).
//!
//! All or nothing: the whole file is read and checked (syntax, top-level keys, entry shapes)
//! before anything is applied, and if an entry is refused, everything is reset and the error
//! names the file, the entry and the field (or the service's own words, which name the member).
//! `fixtures/web-service.yaml` is a worked example.

mod call;
mod kinds;
mod refs;
mod yaml;

use crate::App;
use kinds::{Kind, KINDS};
use refs::Refs;
use serde_json::{json, Map, Value};
use std::path::Path;

/// What a seed created, by kind.
#[derive(Debug, Default)]
pub struct Applied {
    pub counts: Vec<(&'static str, usize)>,
}

/// Reads, checks and applies `path`; on any error nothing of it is left and the message names
/// the file, the entry and the field.
pub async fn apply(app: &App, path: &Path) -> Result<Applied, String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: cannot read: {e}"))?;
    let doc = parse(path, &text).map_err(|e| format!("{file}: {e}"))?;
    let seed = check(&doc).map_err(|e| format!("{file}: {e}"))?;
    match run(app, &seed).await {
        Ok(applied) => Ok(applied),
        Err(e) => {
            app.reset().await;
            Err(format!("{file}: {e} (nothing of the seed was kept)"))
        }
    }
}

fn parse(path: &Path, text: &str) -> Result<Value, String> {
    let json_ext = path.extension().is_some_and(|e| e == "json");
    if json_ext || text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))
    } else {
        yaml::parse(text).map_err(|e| format!("not valid YAML: {e}"))
    }
}

/// A checked seed: where it acts and its entries by kind.
struct Seed {
    account: String,
    region: String,
    entries: Vec<(&'static Kind, Vec<Map<String, Value>>)>,
}

fn check(doc: &Value) -> Result<Seed, String> {
    let Some(top) = doc.as_object() else {
        return Err("the seed must be a mapping of kinds to lists of entries".into());
    };
    let known: Vec<&str> = KINDS.iter().map(|k| k.key).collect();
    for key in top.keys() {
        if !known.contains(&key.as_str()) && key != "account" && key != "region" {
            return Err(format!(
                "unknown top-level key {key:?} (known: account, region, {})",
                known.join(", ")
            ));
        }
    }
    let text = |k: &str, default: &str| -> Result<String, String> {
        match top.get(k) {
            None => Ok(default.to_string()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(format!("{k}: must be a string, not {other}")),
        }
    };
    let account = text("account", "000000000000")?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("account: {account:?} is not a 12-digit account id"));
    }
    let region = text("region", "us-east-1")?;
    let mut entries = Vec::new();
    for kind in KINDS {
        let Some(list) = top.get(kind.key) else {
            continue;
        };
        let Some(list) = list.as_array() else {
            return Err(format!("{}: must be a list of entries", kind.key));
        };
        let mut checked = Vec::new();
        for (i, entry) in list.iter().enumerate() {
            let Some(map) = entry.as_object() else {
                return Err(format!("{}[{i}]: an entry must be a mapping", kind.key));
            };
            checked.push(map.clone());
        }
        entries.push((kind, checked));
    }
    Ok(Seed {
        account,
        region,
        entries,
    })
}

async fn run(app: &App, seed: &Seed) -> Result<Applied, String> {
    let mut refs = Refs::default();
    defaults(app, seed, &mut refs).await;
    let mut applied = Applied::default();
    for (kind, entries) in &seed.entries {
        for (i, entry) in entries.iter().enumerate() {
            let label = entry_label(kind, i, entry);
            let mut input = entry.clone();
            kinds::complete(kind, &mut input);
            let name = if kind.local_name {
                input.remove(kind.name)
            } else {
                input.get(kind.name).cloned()
            };
            let input = refs
                .resolve(&Value::Object(input), "")
                .map_err(|(at, why)| format!("{label}: field {at}: {why}"))?;
            let input = input.as_object().cloned().unwrap_or_default();
            let answer = call::call(
                app,
                kind.api,
                &seed.account,
                &seed.region,
                kind.operation,
                &input,
            )
            .await
            .map_err(|e| format!("{label}: {} refused it: {e}", kind.operation))?;
            if let Some(name) = name.as_ref().and_then(Value::as_str) {
                let out = answer.find(kind.output).unwrap_or_else(|| name.to_string());
                refs.set(format!("{}.{name}", kind.key), json!(out));
                for (key, value) in kinds::outputs(kind, name, &answer) {
                    refs.set(key, value);
                }
            }
        }
        applied.counts.push((kind.key, entries.len()));
    }
    Ok(applied)
}

/// `services[1] (web)`: where an error is, in the user's own words.
fn entry_label(kind: &Kind, i: usize, entry: &Map<String, Value>) -> String {
    match entry.get(kind.name).and_then(Value::as_str) {
        Some(name) => format!("{}[{i}] ({name})", kind.key),
        None => format!("{}[{i}]", kind.key),
    }
}

/// `${default.vpc}`, `${default.subnets}` and `${default.subnet}`: the default VPC of the
/// seed's account and region, as EC2 describes it.
async fn defaults(app: &App, seed: &Seed, refs: &mut Refs) {
    let filter = json!({"Filter": [{"Name": "default-for-az", "Value": ["true"]}]});
    let input = filter.as_object().cloned().unwrap_or_default();
    let Ok(call::Answer::Xml(xml)) = call::call(
        app,
        call::EC2,
        &seed.account,
        &seed.region,
        "DescribeSubnets",
        &input,
    )
    .await
    else {
        return;
    };
    let subnets = all_elements(&xml, "subnetId");
    if let Some(vpc) = all_elements(&xml, "vpcId").first() {
        refs.set("default.vpc", json!(vpc));
    }
    if let Some(first) = subnets.first() {
        refs.set("default.subnet", json!(first));
    }
    refs.set("default.subnets", json!(subnets));
}

fn all_elements(xml: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|part| part.split(&close).next().map(str::to_string))
        .collect()
}
