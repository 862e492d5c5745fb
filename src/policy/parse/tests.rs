use serde_json::json;

use super::*;

fn parse(value: &serde_json::Value) -> Result<PolicySet, ParseError> {
    parse_text(
        &value.to_string(),
        "in.json",
        "in",
        &ParseOptions::default(),
    )
}

fn error_text(value: &serde_json::Value) -> String {
    parse(value).unwrap_err().to_string()
}

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;

fn encoded(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[test]
fn plain_document() {
    let set = parse(&serde_json::from_str(DOC).unwrap()).unwrap();
    assert_eq!(set.policies.len(), 1);
    let policy = &set.policies[0];
    assert_eq!(policy.name, "in");
    assert_eq!(policy.kind, PolicyKind::Inline);
    assert_eq!(policy.source, "in.json");
    assert_eq!(policy.document.statements[0].actions(), ["s3:GetObject"]);
}

#[test]
fn plain_trust_document_keeps_requested_kind() {
    let trust = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"}}}});
    let options = ParseOptions {
        plain_kind: PolicyKind::Trust,
        role: None,
    };
    let set = parse_text(&trust.to_string(), "trust.json", "trust", &options).unwrap();
    assert_eq!(set.trust().unwrap().document.statements.len(), 1);
    assert_eq!(set.identity().count(), 0);
}

#[test]
fn get_role_policy_output() {
    let output = json!({"RoleName": "deploy", "PolicyName": "ci", "PolicyDocument": encoded(DOC)});
    let set = parse(&output).unwrap();
    assert_eq!(set.role_name.as_deref(), Some("deploy"));
    assert_eq!(set.policies[0].name, "ci");
    assert_eq!(set.policies[0].kind, PolicyKind::Inline);
    assert_eq!(
        set.policies[0].document.statements[0].resources(),
        ["arn:aws:s3:::b/*"]
    );

    let plain: serde_json::Value = serde_json::from_str(DOC).unwrap();
    let output = json!({"RoleName": "deploy", "PolicyName": "ci", "PolicyDocument": plain});
    assert_eq!(
        parse(&output).unwrap().policies[0]
            .document
            .statements
            .len(),
        1
    );
}

#[test]
fn get_policy_version_encoded_or_plain() {
    for document in [
        json!(encoded(DOC)),
        serde_json::from_str(DOC).unwrap(),
        json!(DOC),
    ] {
        let output = json!({"PolicyVersion": {"Document": document, "VersionId": "v3",
            "IsDefaultVersion": true, "CreateDate": "2024-01-01T00:00:00Z"}});
        let set = parse(&output).unwrap();
        assert_eq!(set.policies[0].kind, PolicyKind::Managed);
        assert_eq!(
            set.policies[0].document.statements[0].actions(),
            ["s3:GetObject"]
        );
    }
}

#[test]
fn get_role_output_reads_trust_policy() {
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let output = json!({"Role": {"RoleName": "deploy",
        "Arn": "arn:aws:iam::111122223333:role/deploy",
        "AssumeRolePolicyDocument": encoded(&trust.to_string()),
        "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/fence"}}});
    let set = parse(&output).unwrap();
    assert_eq!(
        set.role_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/deploy")
    );
    let trust = set.trust().unwrap();
    assert_eq!(trust.name, "deploy trust policy");
    assert_eq!(trust.document.statements[0].actions(), ["sts:AssumeRole"]);
    assert_eq!(set.unresolved.len(), 1);
    assert_eq!(set.unresolved[0].kind, PolicyKind::Boundary);
}

fn authorization_details() -> serde_json::Value {
    let managed = |name: &str, action: &str| {
        json!({"PolicyName": name, "Arn": format!("arn:aws:iam::111122223333:policy/{name}"),
        "DefaultVersionId": "v2",
        "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": false, "Document": encoded(
                &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Action": "s3:DeleteBucket", "Resource": "*"}]}).to_string())},
            {"VersionId": "v2", "IsDefaultVersion": true, "Document": encoded(
                &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Action": action, "Resource": "*"}]}).to_string())}
        ]})
    };
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    json!({
        "RoleDetailList": [
            {"RoleName": "other", "Arn": "arn:aws:iam::111122223333:role/other",
             "RolePolicyList": [], "AttachedManagedPolicies": []},
            {"RoleName": "deploy", "Arn": "arn:aws:iam::111122223333:role/deploy",
             "AssumeRolePolicyDocument": encoded(&trust.to_string()),
             "RolePolicyList": [{"PolicyName": "inline-ci", "PolicyDocument": encoded(DOC)}],
             "AttachedManagedPolicies": [
                {"PolicyName": "ecr", "PolicyArn": "arn:aws:iam::111122223333:policy/ecr"},
                {"PolicyName": "ecs", "PolicyArn": "arn:aws:iam::111122223333:policy/ecs"},
                {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
             ],
             "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/fence"}}
        ],
        "Policies": [managed("ecr", "ecr:PutImage"), managed("ecs", "ecs:UpdateService"),
            managed("fence", "*")],
        "UserDetailList": [], "GroupDetailList": []
    })
}

#[test]
fn authorization_details_role_entry() {
    let options = ParseOptions {
        plain_kind: PolicyKind::Inline,
        role: Some("deploy".into()),
    };
    let text = authorization_details().to_string();
    let set = parse_text(&text, "auth.json", "auth", &options).unwrap();
    assert_eq!(set.role_name.as_deref(), Some("deploy"));
    let summary: Vec<(&str, PolicyKind)> = set
        .policies
        .iter()
        .map(|p| (p.name.as_str(), p.kind))
        .collect();
    assert_eq!(
        summary,
        [
            ("deploy trust policy", PolicyKind::Trust),
            ("inline-ci", PolicyKind::Inline),
            ("ecr", PolicyKind::Managed),
            ("ecs", PolicyKind::Managed),
            ("fence", PolicyKind::Boundary),
        ]
    );
    // The default version, not the first one, is read.
    let ecr = &set.policies[2];
    assert_eq!(ecr.document.statements[0].actions(), ["ecr:PutImage"]);
    assert_eq!(
        ecr.arn.as_deref(),
        Some("arn:aws:iam::111122223333:policy/ecr")
    );
    assert_eq!(set.identity().count(), 3);
    assert_eq!(set.boundary().unwrap().name, "fence");
    assert_eq!(set.unresolved.len(), 1);
    assert_eq!(
        set.unresolved[0].arn,
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
}

#[test]
fn authorization_details_needs_a_role_choice() {
    assert_eq!(
        error_text(&authorization_details()),
        "`in.json`: RoleDetailList: holds 2 roles; name the role to read"
    );
    let options = ParseOptions {
        plain_kind: PolicyKind::Inline,
        role: Some("nope".into()),
    };
    let err = parse_text(
        &authorization_details().to_string(),
        "in.json",
        "in",
        &options,
    );
    assert_eq!(
        err.unwrap_err().to_string(),
        "`in.json`: RoleDetailList: no role named `nope`"
    );
    let by_arn = ParseOptions {
        plain_kind: PolicyKind::Inline,
        role: Some("arn:aws:iam::111122223333:role/other".into()),
    };
    let set = parse_text(
        &authorization_details().to_string(),
        "in.json",
        "in",
        &by_arn,
    )
    .unwrap();
    assert_eq!(set.role_name.as_deref(), Some("other"));
    assert!(set.policies.is_empty());
}

#[test]
fn invalid_documents_name_file_and_statement() {
    let statement = |extra: serde_json::Value| {
        let mut base = json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"});
        for (key, value) in extra.as_object().unwrap() {
            if value.is_null() {
                base.as_object_mut().unwrap().remove(key);
            } else {
                base[key] = value.clone();
            }
        }
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}, base]})
    };
    let cases = [
        (json!({"Effect": "allow"}), "`in.json`: Statement[1].Effect: `Effect` must be `Allow` or `Deny`, found \"allow\""),
        (json!({"Action": "s3GetObject"}), "`in.json`: Statement[1].Action: action `s3GetObject` is not `service:Name` (for example `s3:GetObject`)"),
        (json!({"Action": ["s3:GetObject", "s3:"]}), "`in.json`: Statement[1].Action: action `s3:` is not `service:Name` (for example `s3:GetObject`)"),
        (json!({"NotAction": "s3:PutObject"}), "`in.json`: Statement[1]: has both `Action` and `NotAction`"),
        (json!({"Resource": null}), "`in.json`: Statement[1]: missing `Resource` (or `NotResource`)"),
        (json!({"Effect": null}), "`in.json`: Statement[1]: missing `Effect`"),
        (json!({"Resources": "*"}), "`in.json`: Statement[1]: unknown key `Resources` in statement"),
        (json!({"condition": {}}), "`in.json`: Statement[1]: unknown key `condition` in statement (did you mean `Condition`?)"),
        (json!({"Principal": "*"}), "`in.json`: Statement[1]: `Principal` is not allowed in an identity-based policy"),
        (json!({"Condition": {"StringEqual": {"aws:username": "a"}}}), "`in.json`: Statement[1].Condition: unknown condition operator `StringEqual`"),
        (json!({"Condition": {"StringEquals": {"aws:username": {"a": 1}}}}), "`in.json`: Statement[1].Condition.StringEquals.aws:username: values of `aws:username` must be strings, numbers or booleans"),
        (json!({"Resource": []}), "`in.json`: Statement[1].Resource: `Resource` is an empty list"),
    ];
    for (change, expected) in cases {
        assert_eq!(error_text(&statement(change)), expected);
    }
}

#[test]
fn invalid_top_level_keys_and_version() {
    let unknown = json!({"Version": "2012-10-17", "Statements": [], "Statement": []});
    assert_eq!(
        error_text(&unknown),
        "`in.json`: document: unknown key `Statements` in policy document"
    );
    let version = json!({"Version": "2012-10-18", "Statement": []});
    assert_eq!(
        error_text(&version),
        "`in.json`: Version: `Version` must be `2012-10-17` or `2008-10-17`, found \"2012-10-18\""
    );
}

#[test]
fn nested_document_errors_name_their_place() {
    let bad = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Permit",
        "Action": "s3:GetObject", "Resource": "*"}]});
    let output = json!({"PolicyVersion": {"Document": encoded(&bad.to_string())}});
    assert_eq!(
        error_text(&output),
        "`in.json`: PolicyVersion.Document.Statement[0].Effect: `Effect` must be `Allow` or `Deny`, found \"Permit\""
    );
}

#[test]
fn unknown_shapes_and_bad_json() {
    assert_eq!(
        error_text(&json!({"Roles": []})),
        "`in.json`: not a policy document or a known AWS CLI output (top-level keys: Roles); \
         expected `Statement`, `PolicyDocument`, `PolicyVersion`, `Role` or `RoleDetailList`"
    );
    let err = parse_text(
        "{\"Statement\": [",
        "in.json",
        "in",
        &ParseOptions::default(),
    );
    assert_eq!(
        err.unwrap_err().to_string(),
        "`in.json`: invalid JSON at line 1, column 15"
    );
    let err = parse_text("[]", "in.json", "in", &ParseOptions::default());
    assert_eq!(
        err.unwrap_err().to_string(),
        "`in.json`: expected a JSON object, found an array"
    );
    let encoded_garbage = json!({"PolicyDocument": "%7B%22Statement"});
    assert_eq!(
        error_text(&encoded_garbage),
        "`in.json`: PolicyDocument: invalid JSON at line 1, column 11"
    );
}

#[test]
fn missing_file_is_a_read_error() {
    let err = parse_file(
        Path::new("/nonexistent/policy.json"),
        &ParseOptions::default(),
    );
    let err = err.unwrap_err();
    assert_eq!(err.to_string(), "failed to read `/nonexistent/policy.json`");
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn decode_leaves_plain_json_alone() {
    assert_eq!(decode_document_text("{\"a\":\"%41\"}"), "{\"a\":\"%41\"}");
    assert_eq!(decode_document_text("%7B%22a%22%3A1%7D"), "{\"a\":1}");
}
