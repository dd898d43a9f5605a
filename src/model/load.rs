//! Loading a trimmed service model (as written by `scripts/gen-models.py`) into compact,
//! index-linked structs, so request validation never looks shapes up by name.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// Index of a shape in [`super::ServiceModel`]'s shape table.
pub(crate) type ShapeId = u32;

pub(crate) struct Shape {
    pub kind: Kind,
    /// Length (strings, lists, maps) or value (numbers) bounds.
    pub min: Option<f64>,
    pub max: Option<f64>,
}

pub(crate) enum Kind {
    Structure(Box<[Member]>),
    /// A structure flagged `document`: free-form JSON.
    Document,
    List(ShapeId),
    Map {
        key: ShapeId,
        value: ShapeId,
    },
    /// Allowed values when the string is an enum.
    String(Option<Box<[Box<str>]>>),
    Integer,
    Long,
    Float,
    Double,
    Boolean,
    Timestamp,
    Blob,
}

pub(crate) struct Member {
    pub name: Box<str>,
    pub shape: ShapeId,
    pub required: bool,
}

pub(crate) struct Operation {
    pub input: Option<ShapeId>,
    pub errors: Box<[Box<str>]>,
}

/// Everything [`super::ServiceModel`] keeps from the file.
pub(crate) struct Loaded {
    pub api_version: String,
    pub target_prefix: String,
    pub operations: BTreeMap<String, Operation>,
    pub shapes: Vec<Shape>,
}

#[derive(Deserialize)]
struct RawModel {
    metadata: RawMetadata,
    operations: BTreeMap<String, RawOperation>,
    shapes: BTreeMap<String, RawShape>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMetadata {
    api_version: String,
    #[serde(default)]
    target_prefix: String,
}

#[derive(Deserialize)]
struct RawOperation {
    input: Option<String>,
    output: Option<String>,
    #[serde(default)]
    errors: Vec<String>,
}

#[derive(Deserialize)]
struct RawShape {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    members: OrderedPairs,
    #[serde(default)]
    required: Vec<String>,
    member: Option<String>,
    key: Option<String>,
    value: Option<String>,
    #[serde(rename = "enum")]
    enum_values: Option<Vec<String>>,
    min: Option<f64>,
    max: Option<f64>,
    #[serde(default)]
    document: bool,
}

/// A JSON object read as pairs in file order: members are validated (and errors reported)
/// in the model's declaration order, which serde_json's sorted `Map` would lose.
#[derive(Default)]
struct OrderedPairs(Vec<(String, String)>);

impl<'de> Deserialize<'de> for OrderedPairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = OrderedPairs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of member name to shape name")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<OrderedPairs, A::Error> {
                let mut pairs = Vec::with_capacity(access.size_hint().unwrap_or(0));
                while let Some(pair) = access.next_entry()? {
                    pairs.push(pair);
                }
                Ok(OrderedPairs(pairs))
            }
        }
        d.deserialize_map(PairsVisitor)
    }
}

/// Parses and links a trimmed model; every shape reference must resolve.
pub(crate) fn load(text: &str) -> Result<Loaded, String> {
    let raw: RawModel =
        serde_json::from_str(text).map_err(|e| format!("invalid service model: {e}"))?;
    let names: Vec<&str> = raw.shapes.keys().map(String::as_str).collect();
    let shapes = raw
        .shapes
        .iter()
        .map(|(name, shape)| link_shape(&names, shape).map_err(|e| format!("shape {name}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let operations = raw
        .operations
        .iter()
        .map(|(name, op)| {
            Ok((
                name.clone(),
                link_operation(&names, op).map_err(|e| format!("operation {name}: {e}"))?,
            ))
        })
        .collect::<Result<BTreeMap<_, _>, String>>()?;
    Ok(Loaded {
        api_version: raw.metadata.api_version,
        target_prefix: raw.metadata.target_prefix,
        operations,
        shapes,
    })
}

fn resolve(names: &[&str], name: &str) -> Result<ShapeId, String> {
    let index = names
        .binary_search(&name)
        .map_err(|_| format!("unknown shape {name}"))?;
    ShapeId::try_from(index).map_err(|_| "too many shapes".to_string())
}

fn resolve_opt(names: &[&str], name: Option<&String>, what: &str) -> Result<ShapeId, String> {
    let name = name.ok_or_else(|| format!("missing {what}"))?;
    resolve(names, name)
}

fn link_operation(names: &[&str], op: &RawOperation) -> Result<Operation, String> {
    if let Some(output) = &op.output {
        resolve(names, output)?;
    }
    for error in &op.errors {
        resolve(names, error)?;
    }
    let input = op.input.as_deref().map(|n| resolve(names, n)).transpose()?;
    Ok(Operation {
        input,
        errors: op.errors.iter().map(|e| e.as_str().into()).collect(),
    })
}

fn link_shape(names: &[&str], raw: &RawShape) -> Result<Shape, String> {
    let kind = match raw.kind.as_str() {
        "structure" if raw.document => Kind::Document,
        "structure" => Kind::Structure(link_members(names, raw)?),
        "list" => Kind::List(resolve_opt(names, raw.member.as_ref(), "member")?),
        "map" => Kind::Map {
            key: resolve_opt(names, raw.key.as_ref(), "key")?,
            value: resolve_opt(names, raw.value.as_ref(), "value")?,
        },
        "string" => Kind::String(
            raw.enum_values
                .as_ref()
                .map(|v| v.iter().map(|s| s.as_str().into()).collect()),
        ),
        "integer" => Kind::Integer,
        "long" => Kind::Long,
        "float" => Kind::Float,
        "double" => Kind::Double,
        "boolean" => Kind::Boolean,
        "timestamp" => Kind::Timestamp,
        "blob" => Kind::Blob,
        other => return Err(format!("unsupported type {other}")),
    };
    Ok(Shape {
        kind,
        min: raw.min,
        max: raw.max,
    })
}

fn link_members(names: &[&str], raw: &RawShape) -> Result<Box<[Member]>, String> {
    if let Some(missing) = raw
        .required
        .iter()
        .find(|r| !raw.members.0.iter().any(|(m, _)| m == *r))
    {
        return Err(format!("required member {missing} is not a member"));
    }
    raw.members
        .0
        .iter()
        .map(|(name, shape)| {
            Ok(Member {
                name: name.as_str().into(),
                shape: resolve(names, shape)?,
                required: raw.required.contains(name),
            })
        })
        .collect()
}
