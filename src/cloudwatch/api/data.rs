//! GetMetricData: MetricStat queries (one metric, period, statistic) and metric-math
//! expressions over them ([`super::expr`]), results ordered by ScanBy and paged by
//! MaxDatapoints across all results (the token is the count of points already returned).

use super::super::error::{CwError, CwResult};
use super::super::read::{self, Doc};
use super::super::state::{MetricKey, RegionState};
use super::super::stats::{by_period, Stat};
use super::expr::{self, Series, Val};
use super::statistics::{period, window};
use crate::core::pagination::{resume_after, token_after};
use serde_json::{json, Value};
use std::collections::HashMap;

const DEFAULT_MAX_DATAPOINTS: usize = 100_800;

pub struct Query<'a> {
    pub id: String,
    pub label: String,
    pub doc: &'a Doc,
    pub returned: bool,
}

pub fn get_metric_data(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let queries = queries(
        read::objects(&input, "MetricDataQueries"),
        "MetricDataQueries",
    )?;
    let (start, end) = window(&input)?;
    let descending = match read::str(&input, "ScanBy") {
        None | Some("TimestampDescending") => true,
        Some("TimestampAscending") => false,
        Some(other) => return Err(CwError::invalid_value("ScanBy", other)),
    };
    let max = match read::number(&input, "MaxDatapoints", "MaxDatapoints")? {
        None => DEFAULT_MAX_DATAPOINTS,
        Some(n) if n >= 1.0 => n as usize,
        Some(n) => return Err(CwError::invalid_value("MaxDatapoints", n)),
    };
    let offset = position_token(&input)?.unwrap_or(0);
    let values = evaluate(st, &queries, start, end)?;
    Ok(page(&queries, &values, descending, offset, max))
}

/// The position a `NextToken` this service issued resumes from (a count or an index).
pub(super) fn position_token(input: &Doc) -> CwResult<Option<usize>> {
    let bad = || {
        CwError::InvalidNextToken(
            "The service cannot process the request because the NextToken is invalid.".into(),
        )
    };
    match resume_after(read::str(input, "NextToken")) {
        Ok(None) => Ok(None),
        Ok(Some(n)) => n.parse().map(Some).map_err(|_| bad()),
        Err(_) => Err(bad()),
    }
}

/// The queries of `docs` (the list member `member`: MetricDataQueries, or an alarm's Metrics),
/// checked.
pub fn queries<'a>(docs: Vec<&'a Doc>, member: &str) -> CwResult<Vec<Query<'a>>> {
    if docs.is_empty() {
        return Err(CwError::missing(member));
    }
    if docs.len() > 500 {
        return Err(CwError::InvalidParameterValue(format!(
            "The collection {member} must not have a size greater than 500."
        )));
    }
    docs.into_iter()
        .enumerate()
        .map(|(i, doc)| {
            let at = format!("{member}.member.{}", i + 1);
            let id = read::required_str(doc, "Id", &format!("{at}.Id"))?;
            let valid = id.starts_with(|c: char| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(CwError::invalid_value(&format!("{at}.Id"), id));
            }
            if doc.contains_key("MetricStat") == doc.contains_key("Expression") {
                return Err(CwError::InvalidParameterCombination(format!(
                    "{at}: exactly one of MetricStat and Expression must be specified."
                )));
            }
            let name = doc
                .get("MetricStat")
                .and_then(|m| m.get("Metric"))
                .and_then(|m| m.get("MetricName"))
                .and_then(Value::as_str);
            let label = read::str(doc, "Label").or(name).unwrap_or(id).to_string();
            let returned = read::boolean(doc, "ReturnData").unwrap_or(true);
            Ok(Query {
                id: id.to_string(),
                label,
                doc,
                returned,
            })
        })
        .collect()
}

/// Every query's value (a series, or a list of labelled series): metric stats first, then
/// expressions in as many passes as their references need (an expression naming an id never
/// resolved is an error).
pub fn evaluate(
    st: &RegionState,
    queries: &[Query],
    start: f64,
    end: f64,
) -> CwResult<HashMap<String, Val>> {
    let mut done = HashMap::new();
    let mut finest = i64::MAX;
    let mut metrics = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        if let Some(stat) = q.doc.get("MetricStat").and_then(Value::as_object) {
            let at = format!("MetricDataQueries.member.{}.MetricStat", i + 1);
            finest = finest.min(period(stat, &format!("{at}.Period"))?);
            let series = metric_stat(st, stat, &at, start, end)?;
            done.insert(q.id.clone(), Val::Series(series));
            metrics.push((q.id.clone(), q.label.clone()));
        }
    }
    let grid = grid(start, end, if finest == i64::MAX { 60 } else { finest });
    let mut pending: Vec<&Query> = queries
        .iter()
        .filter(|q| !done.contains_key(&q.id))
        .collect();
    while !pending.is_empty() {
        let mut left = Vec::new();
        let mut last_error = String::new();
        for q in &pending {
            let text = read::str(q.doc, "Expression").unwrap_or_default();
            let inputs = expr::Inputs {
                lookup: &|id| done.get(id).cloned(),
                metrics: &metrics,
                grid: &grid,
            };
            match expr::eval(text, &inputs) {
                Ok(v) => {
                    let v = as_value(v, &done, start);
                    done.insert(q.id.clone(), v);
                }
                Err(e) => {
                    last_error = e;
                    left.push(*q);
                }
            }
        }
        if left.len() == pending.len() {
            return Err(CwError::InvalidParameterValue(last_error));
        }
        pending = left;
    }
    Ok(done)
}

/// Every period start from `start` to `end`, aligned as [`by_period`] aligns them (what FILL
/// fills), at most [`DEFAULT_MAX_DATAPOINTS`].
fn grid(start: f64, end: f64, period: i64) -> Vec<i64> {
    let grain = period.min(60);
    let origin = (start.floor() as i64).div_euclid(grain) * grain;
    (0..DEFAULT_MAX_DATAPOINTS as i64)
        .map(|i| origin + i * period)
        .take_while(|t| (*t as f64) < end)
        .collect()
}

/// A scalar result drawn as a flat line over the timestamps the other series have.
/// An expression's value as a query's result: a number becomes a series at every timestamp
/// the other results have.
fn as_value(v: Val, done: &HashMap<String, Val>, start: f64) -> Val {
    let Val::Scalar(x) = v else { return v };
    let mut times: Vec<i64> = done
        .values()
        .flat_map(|v| match v {
            Val::Series(s) => s.keys().copied().collect::<Vec<_>>(),
            Val::List(l) => l.iter().flat_map(|(_, s)| s.keys().copied()).collect(),
            Val::Scalar(_) => Vec::new(),
        })
        .collect();
    if times.is_empty() {
        times.push(start as i64);
    }
    Val::Series(
        times
            .into_iter()
            .map(|t| (t, x))
            .filter(|(_, x)| x.is_finite())
            .collect(),
    )
}

/// A query's results: one series, or one per member of a list (labelled with the query's
/// label, if it has its own, and the member's).
fn results_of<'a>(q: &'a Query, v: Option<&'a Val>) -> Vec<(String, &'a Series)> {
    match v {
        Some(Val::Series(s)) => vec![(q.label.clone(), s)],
        Some(Val::List(members)) => members
            .iter()
            .map(|(label, s)| {
                let own = read::str(q.doc, "Label");
                let label = match (own, label.is_empty()) {
                    (Some(own), false) => format!("{own} {label}"),
                    (Some(own), true) => own.to_string(),
                    (None, false) => label.clone(),
                    (None, true) => q.id.clone(),
                };
                (label, s)
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn metric_stat(st: &RegionState, stat: &Doc, at: &str, start: f64, end: f64) -> CwResult<Series> {
    let metric = stat
        .get("Metric")
        .and_then(Value::as_object)
        .ok_or_else(|| CwError::missing(&format!("{at}.Metric")))?;
    let namespace = read::required_str(metric, "Namespace", &format!("{at}.Metric.Namespace"))?;
    let name = read::required_str(metric, "MetricName", &format!("{at}.Metric.MetricName"))?;
    let dims = read::dimensions(metric, &format!("{at}.Metric."))?;
    let period = period(stat, &format!("{at}.Period"))?;
    let stat_name = read::required_str(stat, "Stat", &format!("{at}.Stat"))?;
    let which = Stat::parse(stat_name)
        .ok_or_else(|| CwError::invalid_value(&format!("{at}.Stat"), stat_name))?;
    let Some(series) = st.metrics.get(&MetricKey::new(namespace, name, dims)) else {
        return Ok(Series::new());
    };
    if !super::super::controller::tier_allows(st.now(), start, period) {
        return Ok(Series::new());
    }
    Ok(
        by_period(series, start, end, period, read::str(stat, "Unit"))
            .into_iter()
            .filter_map(|(t, (b, _))| which.of(&b).map(|v| (t, v)))
            .collect(),
    )
}

/// The answer: the returned queries' points from `offset`, at most `max` in all.
fn page(
    queries: &[Query],
    values: &HashMap<String, Val>,
    descending: bool,
    offset: usize,
    max: usize,
) -> Value {
    let mut skip = offset;
    let mut room = max;
    let mut more = false;
    let mut results = Vec::new();
    let returned = queries.iter().filter(|q| q.returned);
    for (q, (label, series)) in returned.flat_map(|q| {
        results_of(q, values.get(&q.id))
            .into_iter()
            .map(move |r| (q, r))
    }) {
        let mut points: Vec<(i64, f64)> = series.iter().map(|(t, v)| (*t, *v)).collect();
        if descending {
            points.reverse();
        }
        let skipped = skip.min(points.len());
        skip -= skipped;
        let rest = &points[skipped..];
        let taken = &rest[..room.min(rest.len())];
        room -= taken.len();
        let partial = taken.len() < rest.len();
        more |= partial;
        results.push(json!({
            "Id": q.id,
            "Label": label,
            "Timestamps": taken.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            "Values": taken.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            "StatusCode": if partial { "PartialData" } else { "Complete" },
        }));
    }
    let mut out = json!({ "MetricDataResults": results, "Messages": [] });
    if more {
        out["NextToken"] = json!(token_after(&(offset + max).to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::Clock;

    #[test]
    fn metric_stats_expressions_and_pages() {
        let mut st = RegionState {
            clock: Clock::new(1.0),
            ..Default::default()
        };
        let now = (st.now() as i64 / 60 * 60) as f64;
        let data: Vec<Value> = (1..=3)
            .flat_map(|i| {
                [
                    json!({"MetricName": "a", "Value": i, "Timestamp": now - 60.0 * i as f64}),
                    json!({"MetricName": "b", "Value": 2 * i, "Timestamp": now - 60.0 * i as f64}),
                ]
            })
            .collect();
        super::super::put::put_metric_data(
            &mut st,
            json!({"Namespace": "N", "MetricData": data})
                .as_object()
                .cloned()
                .unwrap(),
        )
        .unwrap();
        let stat = |m: &str| json!({"Metric": {"Namespace": "N", "MetricName": m}, "Period": 60, "Stat": "Sum"});
        let ask = |extra: Value| {
            let mut d = json!({"StartTime": now - 600.0, "EndTime": now, "MetricDataQueries": [
                {"Id": "m1", "MetricStat": stat("a")}, {"Id": "m2", "MetricStat": stat("b"), "ReturnData": false},
                {"Id": "e1", "Expression": "m1 / m2 * 100", "Label": "ratio"}]}).as_object().cloned().unwrap();
            d.extend(extra.as_object().cloned().unwrap());
            d
        };
        let out = get_metric_data(&mut st, ask(json!({}))).unwrap();
        let results = out["MetricDataResults"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["Values"], json!([1.0, 2.0, 3.0]));
        assert_eq!(results[1]["Values"], json!([50.0, 50.0, 50.0]));
        assert_eq!(results[1]["Label"], json!("ratio"));
        let first = get_metric_data(
            &mut st,
            ask(json!({"MaxDatapoints": 4, "ScanBy": "TimestampAscending"})),
        )
        .unwrap();
        assert_eq!(
            first["MetricDataResults"][1]["Values"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let token = first["NextToken"].as_str().unwrap().to_string();
        let rest = get_metric_data(
            &mut st,
            ask(json!({"MaxDatapoints": 4, "NextToken": token})),
        )
        .unwrap();
        assert_eq!(
            rest["MetricDataResults"][1]["Values"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert!(rest.get("NextToken").is_none());
    }
}
