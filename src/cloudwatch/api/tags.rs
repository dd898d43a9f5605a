//! Tags on metric alarms: TagResource, UntagResource and ListTagsForResource, by alarm ARN
//! (`arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME`). Other resources (dashboards, insight
//! rules, metric streams) are not built, so their ARNs answer ResourceNotFoundException.

use super::super::alarm::{arn, Alarm};
use super::super::error::{CwError, CwResult};
use super::super::read::{self, Doc};
use super::super::state::RegionState;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `Tags: [{Key, Value}]` as a map; each tag needs a non-empty key.
pub fn tags(doc: &Doc) -> CwResult<BTreeMap<String, String>> {
    read::objects(doc, "Tags")
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let key = read::required_str(t, "Key", &format!("Tags.member.{}.Key", i + 1))?;
            let value = read::str(t, "Value").unwrap_or("");
            Ok((key.to_string(), value.to_string()))
        })
        .collect()
}

fn alarm_of<'a>(st: &'a mut RegionState, input: &Doc) -> CwResult<&'a mut Alarm> {
    let resource = read::required_str(input, "ResourceARN", "ResourceARN")?;
    let name = st
        .alarms
        .keys()
        .find(|n| arn(st, n) == resource)
        .cloned()
        .ok_or_else(|| {
            CwError::NotFound(
                "ResourceNotFoundException",
                format!("The specified resource {resource} does not exist."),
            )
        })?;
    Ok(st.alarms.get_mut(&name).expect("found above"))
}

pub fn tag_resource(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let new = tags(&input)?;
    alarm_of(st, &input)?.tags.extend(new);
    Ok(json!({}))
}

pub fn untag_resource(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let keys = read::strings(&input, "TagKeys");
    let alarm = alarm_of(st, &input)?;
    keys.iter().for_each(|k| {
        alarm.tags.remove(k);
    });
    Ok(json!({}))
}

pub fn list_tags_for_resource(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let alarm = alarm_of(st, &input)?;
    let tags: Vec<Value> = alarm
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    Ok(json!({ "Tags": tags }))
}

#[cfg(test)]
mod tests {
    use super::super::alarms::put_metric_alarm;
    use super::*;

    fn doc(v: Value) -> Doc {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn tags_by_alarm_arn() {
        let mut st = RegionState {
            account: "1".into(),
            region: "r".into(),
            ..Default::default()
        };
        let put = json!({"AlarmName": "a", "Namespace": "N", "MetricName": "m", "Statistic": "Sum",
            "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
            "ComparisonOperator": "GreaterThanThreshold", "Tags": [{"Key": "k", "Value": "v"}]});
        put_metric_alarm(&mut st, doc(put)).unwrap();
        let arn = json!({"ResourceARN": "arn:aws:cloudwatch:r:1:alarm:a"});
        let mut add = doc(arn.clone());
        add.insert("Tags".into(), json!([{"Key": "x", "Value": "y"}]));
        tag_resource(&mut st, add).unwrap();
        let mut remove = doc(arn.clone());
        remove.insert("TagKeys".into(), json!(["k"]));
        untag_resource(&mut st, remove).unwrap();
        let out = list_tags_for_resource(&mut st, doc(arn)).unwrap();
        assert_eq!(out["Tags"], json!([{"Key": "x", "Value": "y"}]));
        let err = list_tags_for_resource(&mut st, doc(json!({"ResourceARN": "arn:x"})));
        assert_eq!(err.unwrap_err().code(), "ResourceNotFoundException");
    }
}
