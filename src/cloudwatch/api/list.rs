//! ListMetrics: metrics filtered by namespace, name and dimensions (a name alone matches any
//! value), optionally only those put to in the last three hours, 500 per page.

use super::super::error::{CwError, CwResult};
use super::super::read::{self, Doc};
use super::super::state::{MetricKey, RegionState};
use crate::core::pagination::{resume_after, take_page};
use serde_json::{json, Value};

const PAGE: usize = 500;

pub fn list_metrics(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let namespace = read::str(&input, "Namespace");
    let name = read::str(&input, "MetricName");
    let filters = dimension_filters(&input)?;
    let recent = match read::str(&input, "RecentlyActive") {
        None => false,
        Some("PT3H") => true,
        Some(other) => return Err(CwError::invalid_value("RecentlyActive", other)),
    };
    let after =
        resume_after(read::str(&input, "NextToken")).map_err(|e| CwError::InvalidNextToken(e.0))?;
    let since = st.now() - 3.0 * 3600.0;
    let matching = st.metrics.iter().filter(|(key, series)| {
        namespace.is_none_or(|n| key.namespace == n)
            && name.is_none_or(|n| key.name == n)
            && filters.iter().all(|f| matches(key, f))
            && (!recent || series.last_put >= since)
            && after.as_ref().is_none_or(|a| key.sort_key() > *a)
    });
    let (page, token) = take_page(matching.map(|(k, _)| k), PAGE, |k| k.sort_key());
    let metrics: Vec<Value> = page.into_iter().map(metric_json).collect();
    let mut out = json!({ "Metrics": metrics });
    if let Some(token) = token {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}

/// `{Namespace, MetricName, Dimensions}` as the API writes a metric.
pub fn metric_json(key: &MetricKey) -> Value {
    let dims: Vec<Value> = key
        .dimensions
        .iter()
        .map(|(n, v)| json!({ "Name": n, "Value": v }))
        .collect();
    json!({ "Namespace": key.namespace, "MetricName": key.name, "Dimensions": dims })
}

fn matches(key: &MetricKey, filter: &(String, Option<String>)) -> bool {
    key.dimensions
        .iter()
        .any(|(n, v)| *n == filter.0 && filter.1.as_ref().is_none_or(|want| want == v))
}

fn dimension_filters(input: &Doc) -> CwResult<Vec<(String, Option<String>)>> {
    let filters = read::objects(input, "Dimensions");
    if filters.len() > 10 {
        return Err(CwError::InvalidParameterValue(
            "The collection Dimensions must not have a size greater than 10.".into(),
        ));
    }
    filters
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = read::required_str(f, "Name", &format!("Dimensions.member.{}.Name", i + 1))?;
            Ok((name.to_string(), read::string_of(f, "Value")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::Clock;

    #[test]
    fn filters_and_pages() {
        let mut st = RegionState {
            clock: Clock::new(1.0),
            ..Default::default()
        };
        let put = json!({"Namespace": "N", "MetricData": (0..501).map(|i| json!({"MetricName": "m", "Value": 1, "Dimensions": [{"Name": "i", "Value": i.to_string()}]})).collect::<Vec<_>>()});
        super::super::put::put_metric_data(&mut st, put.as_object().cloned().unwrap()).unwrap();
        let first = list_metrics(&mut st, Default::default()).unwrap();
        assert_eq!(first["Metrics"].as_array().unwrap().len(), 500);
        let token = first["NextToken"].as_str().unwrap();
        let next = list_metrics(
            &mut st,
            json!({"NextToken": token}).as_object().cloned().unwrap(),
        )
        .unwrap();
        assert_eq!(next["Metrics"].as_array().unwrap().len(), 1);
        assert!(next.get("NextToken").is_none());
        let one = json!({"Dimensions": [{"Name": "i", "Value": "7"}]})
            .as_object()
            .cloned()
            .unwrap();
        assert_eq!(
            list_metrics(&mut st, one).unwrap()["Metrics"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let bad = json!({"NextToken": "x"}).as_object().cloned().unwrap();
        assert_eq!(
            list_metrics(&mut st, bad).unwrap_err().code(),
            "InvalidNextToken"
        );
    }
}
