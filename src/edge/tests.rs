//! The edge end to end, in process: requests signed with keys STS issued act in the account of
//! the caller that assumed the role.

use super::{handle, HttpRequest};
use crate::App;
use bytes::Bytes;

fn signed(access_key: &str, service: &str, form: &str) -> HttpRequest {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=x"
    );
    HttpRequest {
        method: "POST".into(),
        path: "/".into(),
        headers: HttpRequest::header_map(&[
            ("authorization", &auth),
            ("content-type", "application/x-www-form-urlencoded"),
        ]),
        body: Bytes::from(form.to_string()),
        ..Default::default()
    }
}

async fn call(app: &App, key: &str, service: &str, form: &str) -> String {
    let resp = handle(app, &signed(key, service, form)).await;
    let body = String::from_utf8_lossy(&resp.body).into_owned();
    assert_eq!(resp.status, 200, "{body}");
    body
}

/// The text of the first `<name>` element.
fn element<'b>(body: &'b str, name: &str) -> &'b str {
    let open = format!("<{name}>");
    let start = body.find(&open).map(|i| i + open.len()).unwrap_or(0);
    let end = body[start..].find('<').map_or(body.len(), |i| start + i);
    &body[start..end]
}

#[tokio::test]
async fn sts_issued_keys_act_in_the_callers_account() {
    let app = App::new(crate::Config::default());
    let acct = "123456789012";
    let trust = "%7B%22Statement%22%3A%5B%5D%7D";
    let form = format!(
        "Action=CreateRole&Version=2010-05-08&RoleName=web&AssumeRolePolicyDocument={trust}"
    );
    call(&app, acct, "iam", &form).await;
    let form = "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s1&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb";
    let assumed = call(&app, acct, "sts", form).await;
    let key = element(&assumed, "AccessKeyId").to_string();
    assert!(key.starts_with("ASIA"), "{assumed}");
    let who = call(
        &app,
        &key,
        "sts",
        "Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert_eq!(element(&who, "Account"), acct);
    assert_eq!(
        element(&who, "Arn"),
        "arn:aws:sts::123456789012:assumed-role/web/s1"
    );
    // IAM answers the caller's account's roles to the issued key.
    let role = call(
        &app,
        &key,
        "iam",
        "Action=GetRole&Version=2010-05-08&RoleName=web",
    )
    .await;
    assert!(role.contains("<RoleName>web</RoleName>"), "{role}");
    // Any other key is its own account's root.
    let who = call(
        &app,
        "test",
        "sts",
        "Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert_eq!(element(&who, "Arn"), "arn:aws:iam::000000000000:root");
}
