//! CloudWatch operation handlers: each reads its input, changes or reads one region's state and
//! returns the answer as a JSON document (the edge writes it as JSON, CBOR or Query XML).

pub mod alarms;
pub mod composite;
pub mod data;
pub mod describe;
pub mod expr;
pub mod list;
pub mod put;
pub mod statistics;
pub mod tags;

use super::error::CwResult;
use super::read::Doc;
use super::state::RegionState;
use serde_json::Value;

pub type Handler = fn(&mut RegionState, Doc) -> CwResult<Value>;
