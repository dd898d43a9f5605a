//! Unit tests: the embedded ECS model loads, and validation behaves like coral on real shapes
//! from it (plus a tiny synthetic model for types ECS does not use in inputs).

use serde_json::{json, Map, Value};

use super::{ServiceModel, ValidationError, ECS_MODEL};

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn check(op: &str, input: Value) -> Result<(), ValidationError> {
    ServiceModel::ecs().validate_input(op, &obj(input))
}

fn constraint(op: &str, input: Value) -> String {
    match check(op, input) {
        Err(ValidationError::Constraint(m)) => m,
        other => panic!("expected a constraint error, got {other:?}"),
    }
}

fn serialization(op: &str, input: Value) -> String {
    match check(op, input) {
        Err(ValidationError::Serialization(m)) => m,
        other => panic!("expected a serialization error, got {other:?}"),
    }
}

#[test]
fn ecs_model_loads_with_all_operations() {
    let model = ServiceModel::ecs();
    let names: Vec<&str> = model.operation_names().collect();
    assert_eq!(names.len(), 77);
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted");
    for op in [
        "CreateCluster",
        "RegisterTaskDefinition",
        "CreateDaemon",
        "DescribeClusters",
    ] {
        assert!(model.has_operation(op), "{op}");
    }
    assert!(!model.has_operation("createCluster"));
    assert_eq!(model.api_version(), "2014-11-13");
    assert_eq!(model.target_prefix(), "AmazonEC2ContainerServiceV20141113");
}

#[test]
fn committed_data_file_parses_completely() {
    // from_json resolves every shape reference, so this also catches a truncated or
    // hand-edited file.
    let model = ServiceModel::from_json(ECS_MODEL).expect("committed model parses");
    assert_eq!(model.operation_names().count(), 77);
    assert_eq!(model.shapes.len(), 626);
    assert!(ECS_MODEL.contains("\"source\":\"Trimmed by scripts/gen-models.py from botocore"));
}

#[test]
fn from_json_rejects_dangling_references() {
    let text = r#"{"metadata":{"apiVersion":"1"},"operations":{"Op":{"input":"Missing","errors":[]}},"shapes":{}}"#;
    let err = ServiceModel::from_json(text).expect_err("dangling reference");
    assert!(err.contains("Missing"), "{err}");
    assert!(ServiceModel::from_json("{").is_err());
}

#[test]
fn operation_errors_come_from_the_model() {
    let errors = ServiceModel::ecs().operation_errors("DeleteCluster");
    assert!(errors.contains(&"ClusterContainsServicesException"));
    assert!(errors.contains(&"ClusterNotFoundException"));
    assert!(ServiceModel::ecs().operation_errors("Nope").is_empty());
}

#[test]
fn valid_inputs_pass() {
    assert_eq!(check("DescribeClusters", json!({})), Ok(()));
    assert_eq!(
        check(
            "DescribeClusters",
            json!({"clusters": ["default"], "include": ["TAGS"]})
        ),
        Ok(())
    );
    let register = json!({
        "family": "web",
        "containerDefinitions": [{"name": "app", "image": "nginx", "cpu": 256,
            "portMappings": [{"hostPort": 1}], "essential": true,
            "dockerLabels": {"a": "b"}, "secrets": [{"name": "s", "valueFrom": "arn"}]}],
        "requiresCompatibilities": ["FARGATE"],
        "tags": [{"key": "k", "value": ""}]
    });
    assert_eq!(check("RegisterTaskDefinition", register), Ok(()));
}

#[test]
fn missing_required_member() {
    assert_eq!(
        constraint("DescribeTaskDefinition", json!({})),
        "1 validation error detected: Value null at 'taskDefinition' failed to satisfy constraint: \
         Member must not be null"
    );
}

#[test]
fn null_counts_as_absent() {
    let m = constraint("DescribeTaskDefinition", json!({"taskDefinition": null}));
    assert!(m.contains("Value null at 'taskDefinition'"), "{m}");
    assert_eq!(
        check(
            "ListTaskDefinitions",
            json!({"sort": null, "maxResults": null})
        ),
        Ok(())
    );
}

#[test]
fn unknown_members_are_ignored() {
    assert_eq!(
        check(
            "ListClusters",
            json!({"futureMember": {"x": [1, 2]}, "maxResults": 5})
        ),
        Ok(())
    );
}

#[test]
fn enum_membership() {
    assert_eq!(
        constraint("ListTaskDefinitions", json!({"sort": "UP"})),
        "1 validation error detected: Value 'UP' at 'sort' failed to satisfy constraint: \
         Member must satisfy enum value set: [ASC, DESC]"
    );
}

#[test]
fn list_of_enums_reports_on_the_list() {
    let m = constraint(
        "RegisterTaskDefinition",
        json!({"family": "f", "containerDefinitions": [],
        "requiresCompatibilities": ["EC2", "NOPE"]}),
    );
    assert_eq!(
        m,
        "1 validation error detected: Value '[EC2, NOPE]' at 'requiresCompatibilities' failed to satisfy \
         constraint: Member must satisfy constraint: [Member must satisfy enum value set: \
         [EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES]]"
    );
}

#[test]
fn too_many_tags_and_several_errors_in_one_message() {
    let tags: Vec<Value> = (0..51)
        .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
        .collect();
    let m = constraint(
        "CreateService",
        json!({"serviceName": "s", "launchType": "X", "tags": tags}),
    );
    assert!(m.starts_with("2 validation errors detected: Value 'X' at 'launchType' failed to satisfy \
         constraint: Member must satisfy enum value set: [EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES]; \
         Value '[{key=k0, value=v}, "), "{m}");
    assert!(m.ends_with("' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"), "{m}");
    let m = constraint("CreateCluster", json!({"tags": tags}));
    assert!(m.starts_with("1 validation error detected: "), "{m}");
}

#[test]
fn nested_required_in_list_members() {
    let m = constraint(
        "CreateCluster",
        json!({"defaultCapacityProviderStrategy": [{"weight": 1}, {}]}),
    );
    assert_eq!(
        m,
        "2 validation errors detected: Value null at 'defaultCapacityProviderStrategy.1.member.capacityProvider' \
         failed to satisfy constraint: Member must not be null; Value null at \
         'defaultCapacityProviderStrategy.2.member.capacityProvider' failed to satisfy constraint: \
         Member must not be null"
    );
    let m = constraint(
        "RegisterTaskDefinition",
        json!({"family": "f",
        "containerDefinitions": [{"name": "a", "secrets": [{"name": "s"}]}]}),
    );
    assert!(
        m.contains("Value null at 'containerDefinitions.1.member.secrets.1.member.valueFrom'"),
        "{m}"
    );
}

#[test]
fn string_length_and_number_range() {
    let m = constraint(
        "CreateCluster",
        json!({"tags": [{"key": "", "value": "v"}]}),
    );
    assert_eq!(
        m,
        "1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: \
         Member must have length greater than or equal to 1"
    );
    let m = constraint(
        "CreateCluster",
        json!({"defaultCapacityProviderStrategy": [{"capacityProvider": "p", "weight": 1001}]}),
    );
    assert!(
        m.contains(
            "Value '1001' at 'defaultCapacityProviderStrategy.1.member.weight' failed to satisfy \
        constraint: Member must have value less than or equal to 1000"
        ),
        "{m}"
    );
}

#[test]
fn listed_errors_are_capped_but_counted() {
    let strategy: Vec<Value> = (0..12).map(|_| json!({})).collect();
    let m = constraint(
        "CreateCluster",
        json!({"defaultCapacityProviderStrategy": strategy}),
    );
    assert!(m.starts_with("12 validation errors detected: "), "{m}");
    assert_eq!(m.matches("Member must not be null").count(), 10);
}

#[test]
fn type_mismatches_are_serialization_errors() {
    let m = serialization("ListTaskDefinitions", json!({"maxResults": "5"}));
    assert_eq!(
        m,
        "STRING_VALUE can not be converted to an Integer at 'maxResults'"
    );
    let m = serialization("ListTaskDefinitions", json!({"maxResults": 5.5}));
    assert!(m.contains("can not be converted to an Integer"), "{m}");
    assert!(serialization(
        "ListTaskDefinitions",
        json!({"maxResults": 5_000_000_000_i64})
    )
    .contains("Integer"));
    let m = serialization(
        "RegisterTaskDefinition",
        json!({"family": "f", "containerDefinitions": {}}),
    );
    assert_eq!(
        m,
        "Start of structure or map found where not expected at 'containerDefinitions'"
    );
    let m = serialization("DescribeTaskDefinition", json!({"taskDefinition": ["a"]}));
    assert_eq!(
        m,
        "Start of list found where not expected at 'taskDefinition'"
    );
    let m = serialization("DescribeClusters", json!({"clusters": ["a", 7]}));
    assert_eq!(
        m,
        "NUMBER_VALUE can not be converted to a String at 'clusters.2.member'"
    );
    let m = serialization(
        "RegisterTaskDefinition",
        json!({"family": "f",
        "containerDefinitions": [{"essential": "yes"}]}),
    );
    assert_eq!(m, "STRING_VALUE can not be converted to a Boolean at 'containerDefinitions.1.member.essential'");
}

#[test]
fn serialization_wins_over_constraints() {
    let m = serialization(
        "RegisterTaskDefinition",
        json!({"containerDefinitions": [{"cpu": "1"}]}),
    );
    assert!(m.contains("'containerDefinitions.1.member.cpu'"), "{m}");
}

#[test]
fn timestamps_accept_epoch_seconds_and_iso8601() {
    let input = |t: Value| json!({"service": "s", "createdAt": {"before": t}});
    assert_eq!(
        check("ListServiceDeployments", input(json!(1_700_000_000.5))),
        Ok(())
    );
    assert_eq!(
        check(
            "ListServiceDeployments",
            input(json!("2024-01-02T03:04:05Z"))
        ),
        Ok(())
    );
    let m = serialization("ListServiceDeployments", input(json!("yesterday")));
    assert_eq!(
        m,
        "STRING_VALUE can not be converted to a Timestamp at 'createdAt.before'"
    );
}

#[test]
fn unknown_operation_is_rejected() {
    assert!(matches!(
        check("Nope", json!({})),
        Err(ValidationError::Serialization(_))
    ));
}

const TINY: &str = r#"{"metadata":{"apiVersion":"1","targetPrefix":"T"},
"operations":{"Op":{"input":"In","output":null,"errors":[]}},
"shapes":{
"In":{"type":"structure","members":{"b":"Bytes","n":"Long","d":"Doc","m":"M","f":"F"}},
"Bytes":{"type":"blob"},"Long":{"type":"long"},"Doc":{"type":"structure","members":{},"document":true},
"M":{"type":"map","key":"K","value":"Long","max":1},"K":{"type":"string","min":2},
"F":{"type":"float","min":0.5}}}"#;

#[test]
fn synthetic_model_blob_long_document_map() {
    let model = ServiceModel::from_json(TINY).expect("tiny model parses");
    let run = |v: Value| model.validate_input("Op", &obj(v));
    assert_eq!(
        run(
            json!({"b": "aGk=", "n": 9_000_000_000_i64, "d": {"any": [1, {"x": null}]}, "m": {"ab": 1}})
        ),
        Ok(())
    );
    assert!(matches!(
        run(json!({"b": "not base64!"})),
        Err(ValidationError::Serialization(_))
    ));
    assert!(
        matches!(run(json!({"m": {"ab": "x"}})), Err(ValidationError::Serialization(m)) if m.ends_with("at 'm.ab'"))
    );
    let Err(ValidationError::Constraint(m)) = run(json!({"m": {"a": 1, "bc": 2}, "f": 0.25}))
    else {
        panic!()
    };
    assert_eq!(
        m,
        "3 validation errors detected: Value '{a=1, bc=2}' at 'm' failed to satisfy constraint: Member must \
         have length less than or equal to 1; Value '{a=1, bc=2}' at 'm' failed to satisfy constraint: Map keys \
         must satisfy constraint: [Member must have length greater than or equal to 2]; Value '0.25' at 'f' \
         failed to satisfy constraint: Member must have value greater than or equal to 0.5"
    );
}
