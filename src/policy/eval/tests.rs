//! Evaluation cases taken from the IAM User Guide: "Policy evaluation
//! logic", "IAM JSON policy elements" (`NotAction`, `NotResource`,
//! `Condition`, condition operators) and "IAM policy elements: Variables".

use serde_json::json;

use super::*;
use crate::policy::parse::PolicyKind;

fn document(value: serde_json::Value) -> PolicyDocument {
    serde_json::from_value(value).unwrap()
}

fn policy(name: &str, value: serde_json::Value) -> NamedPolicy {
    NamedPolicy {
        name: name.to_owned(),
        kind: PolicyKind::Inline,
        source: "test".to_owned(),
        arn: None,
        shape: crate::policy::parse::InputShape::Document,
        document: document(value),
    }
}

fn complete(action: &str, resource: &str) -> Request {
    Request::new(action, resource).with_completeness(Completeness::Complete)
}

const ALLOW_ALL_S3: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Sid":"AllowS3","Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

#[test]
fn explicit_deny_overrides_allow() {
    let policies = [
        policy("allow", serde_json::from_str(ALLOW_ALL_S3).unwrap()),
        policy(
            "deny",
            json!({"Statement": [{"Sid": "NoDelete", "Effect": "Deny",
                "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::prod/*"}]}),
        ),
    ];
    let evaluation = evaluate(
        &policies,
        &complete("s3:DeleteObject", "arn:aws:s3:::prod/a"),
    );
    assert_eq!(evaluation.decision, Decision::ExplicitDeny);
    assert_eq!(evaluation.deciding.len(), 1);
    assert_eq!(evaluation.deciding[0].policy_name, "deny");
    assert_eq!(evaluation.deciding[0].sid.as_deref(), Some("NoDelete"));
    assert_eq!(evaluation.deciding[0].effect, Effect::Deny);

    let evaluation = evaluate(&policies, &complete("s3:GetObject", "arn:aws:s3:::prod/a"));
    assert_eq!(evaluation.decision, Decision::Allow);
    assert_eq!(evaluation.deciding[0].policy_index, 0);
    assert_eq!(evaluation.deciding[0].statement_index, 0);
}

#[test]
fn nothing_matching_is_implicit_deny() {
    let doc = serde_json::from_str(ALLOW_ALL_S3).unwrap();
    let request = complete("ec2:RunInstances", "*");
    assert_eq!(allows(&doc, &request), Decision::ImplicitDeny);
    let evaluation = evaluate_documents([("p", &doc)], &request);
    assert!(evaluation.deciding.is_empty());
    assert!(evaluation.undetermined.is_empty());
}

#[test]
fn not_action_with_deny_blocks_every_other_service() {
    // The "deny everything except IAM" pattern: with an allow for
    // everything, only IAM actions remain allowed.
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}
    ]}));
    let iam = complete("iam:ListUsers", "*");
    assert_eq!(allows(&doc, &iam), Decision::Allow);
    let s3 = complete("s3:ListAllMyBuckets", "*");
    assert_eq!(allows(&doc, &s3), Decision::ExplicitDeny);
}

#[test]
fn not_action_with_allow_grants_everything_else() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    ]}));
    assert_eq!(
        allows(&doc, &complete("s3:GetObject", "arn:aws:s3:::b/k")),
        Decision::Allow
    );
    assert_eq!(
        allows(&doc, &complete("IAM:CreateUser", "*")),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_action_deny_unless_mfa() {
    // "DenyAllExceptListedIfNoMFA": deny everything but IAM self-service
    // when the request did not use MFA.
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
         "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "sts:GetSessionToken"],
         "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    ]}));
    let without_mfa = complete("ec2:DescribeInstances", "*")
        .with_context("aws:MultiFactorAuthPresent", ["false"]);
    assert_eq!(allows(&doc, &without_mfa), Decision::ExplicitDeny);
    let with_mfa =
        complete("ec2:DescribeInstances", "*").with_context("aws:MultiFactorAuthPresent", ["true"]);
    assert_eq!(allows(&doc, &with_mfa), Decision::Allow);
    // Long-term access keys carry no MFA key at all: `IfExists` denies.
    assert_eq!(
        allows(&doc, &complete("ec2:DescribeInstances", "*")),
        Decision::ExplicitDeny
    );
    let enable = complete("iam:EnableMFADevice", "*");
    assert_eq!(allows(&doc, &enable), Decision::Allow);
}

#[test]
fn not_resource_with_deny_protects_all_but_listed() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*",
         "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}
    ]}));
    let payroll = complete("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv");
    assert_eq!(allows(&doc, &payroll), Decision::Allow);
    let other = complete("s3:GetObject", "arn:aws:s3:::HRBucket/Other/jan.csv");
    assert_eq!(allows(&doc, &other), Decision::ExplicitDeny);
    let case = complete("s3:GetObject", "arn:aws:s3:::hrbucket/Payroll/jan.csv");
    assert_eq!(allows(&doc, &case), Decision::ExplicitDeny);
}

#[test]
fn not_resource_with_allow() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}
    ]}));
    assert_eq!(
        allows(&doc, &complete("s3:GetObject", "arn:aws:s3:::open/a")),
        Decision::Allow
    );
    let secret = complete("s3:GetObject", "arn:aws:s3:::secret/a");
    assert_eq!(allows(&doc, &secret), Decision::ImplicitDeny);
}

#[test]
fn if_exists_applies_only_when_the_key_is_there() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
         "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}}
    ]}));
    let small = complete("ec2:RunInstances", "*").with_context("ec2:InstanceType", ["t2.micro"]);
    assert_eq!(allows(&doc, &small), Decision::Allow);
    let large = complete("ec2:RunInstances", "*").with_context("ec2:InstanceType", ["c5.large"]);
    assert_eq!(allows(&doc, &large), Decision::ImplicitDeny);
    let no_type = complete("ec2:DescribeInstances", "*");
    assert_eq!(allows(&doc, &no_type), Decision::Allow);

    // When the event does not say, the key is read as absent and reported.
    let partial = Request::new("ec2:DescribeInstances", "*");
    let evaluation = evaluate_documents([("p", &doc)], &partial);
    assert_eq!(evaluation.decision, Decision::Allow);
    assert_eq!(
        evaluation.assumed_absent_keys,
        vec!["ec2:InstanceType".to_owned()]
    );
}

#[test]
fn for_all_values_matches_missing_and_empty_sets() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
         "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}}
    ]}));
    let subset = complete("ec2:CreateTags", "*").with_context("aws:TagKeys", ["environment"]);
    assert_eq!(allows(&doc, &subset), Decision::Allow);
    let both =
        complete("ec2:CreateTags", "*").with_context("aws:TagKeys", ["environment", "cost-center"]);
    assert_eq!(allows(&doc, &both), Decision::Allow);
    let extra =
        complete("ec2:CreateTags", "*").with_context("aws:TagKeys", ["environment", "owner"]);
    assert_eq!(allows(&doc, &extra), Decision::ImplicitDeny);
    // The documented pitfall: no tag keys at all also satisfies ForAllValues.
    assert_eq!(
        allows(&doc, &complete("ec2:CreateTags", "*")),
        Decision::Allow
    );
    let empty = complete("ec2:CreateTags", "*").with_context("aws:TagKeys", Vec::<String>::new());
    assert_eq!(allows(&doc, &empty), Decision::Allow);
}

#[test]
fn for_any_value_needs_one_value() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
         "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}}
    ]}));
    let one = complete("ec2:CreateTags", "*").with_context("aws:TagKeys", ["owner", "environment"]);
    assert_eq!(allows(&doc, &one), Decision::Allow);
    let none = complete("ec2:CreateTags", "*").with_context("aws:TagKeys", ["owner"]);
    assert_eq!(allows(&doc, &none), Decision::ImplicitDeny);
    assert_eq!(
        allows(&doc, &complete("ec2:CreateTags", "*")),
        Decision::ImplicitDeny
    );
    let empty = complete("ec2:CreateTags", "*").with_context("aws:TagKeys", Vec::<String>::new());
    assert_eq!(allows(&doc, &empty), Decision::ImplicitDeny);
}

#[test]
fn null_checks_presence() {
    // Deny requests made with long-term credentials: they carry no
    // `aws:TokenIssueTime`.
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"Null": {"aws:TokenIssueTime": "true"}}}
    ]}));
    assert_eq!(
        allows(&doc, &complete("s3:ListAllMyBuckets", "*")),
        Decision::ExplicitDeny
    );
    let temporary = complete("s3:ListAllMyBuckets", "*")
        .with_context("aws:TokenIssueTime", ["2024-05-01T10:00:00Z"]);
    assert_eq!(allows(&doc, &temporary), Decision::Allow);
    let falsy = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"Null": {"aws:TokenIssueTime": "false"}}}
    ]}));
    assert_eq!(allows(&falsy, &temporary), Decision::Allow);
    assert_eq!(
        allows(&falsy, &complete("s3:ListAllMyBuckets", "*")),
        Decision::ImplicitDeny
    );
}

#[test]
fn negated_operator_on_missing_key_holds() {
    // "If the key … is not present … and the policy condition requires that
    // the key is not matched, such as StringNotLike or ArnNotLike, the
    // condition is true."
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}
    ]}));
    assert_eq!(
        allows(&doc, &complete("s3:GetObject", "arn:aws:s3:::b/k")),
        Decision::Allow
    );
    let inside = complete("s3:GetObject", "arn:aws:s3:::b/k")
        .with_context("aws:SourceVpce", ["vpce-1a2b3c4d"]);
    assert_eq!(allows(&doc, &inside), Decision::ImplicitDeny);
}

#[test]
fn wildcard_spans_slashes_in_resources() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}
    ]}));
    let deep = complete("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/a/b/c.txt");
    assert_eq!(allows(&doc, &deep), Decision::Allow);
    let bucket = complete("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket");
    assert_eq!(allows(&doc, &bucket), Decision::ImplicitDeny);
}

#[test]
fn escapes_match_literal_characters() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${*}${?}${$}"}
    ]}));
    let literal = complete("s3:GetObject", "arn:aws:s3:::b/*?$");
    assert_eq!(allows(&doc, &literal), Decision::Allow);
    let other = complete("s3:GetObject", "arn:aws:s3:::b/xy$");
    assert_eq!(allows(&doc, &other), Decision::ImplicitDeny);
}

#[test]
fn username_variable_scopes_home_folders() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"}
    ]}));
    let own = complete(
        "s3:PutObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt",
    )
    .with_context("aws:username", ["alice"]);
    assert_eq!(allows(&doc, &own), Decision::Allow);
    let other = complete(
        "s3:PutObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/notes.txt",
    )
    .with_context("aws:username", ["alice"]);
    assert_eq!(allows(&doc, &other), Decision::ImplicitDeny);
    // A role session has no `aws:username`: the resource matches nothing.
    let role = complete(
        "s3:PutObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt",
    );
    assert_eq!(allows(&doc, &role), Decision::ImplicitDeny);
    // Not knowing whether the key is there leaves the decision open.
    let unknown = Request::new("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/a/n");
    let evaluation = evaluate_documents([("p", &doc)], &unknown);
    assert_eq!(evaluation.decision, Decision::Undetermined);
    assert_eq!(
        evaluation.undetermined_keys,
        vec!["aws:username".to_owned()]
    );
}

#[test]
fn principal_tag_variable_in_condition() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}}
    ]}));
    let same = complete("ec2:StartInstances", "*")
        .with_context("aws:ResourceTag/team", ["web"])
        .with_context("aws:PrincipalTag/team", ["web"]);
    assert_eq!(allows(&doc, &same), Decision::Allow);
    let different = complete("ec2:StartInstances", "*")
        .with_context("aws:ResourceTag/team", ["web"])
        .with_context("aws:PrincipalTag/team", ["db"]);
    assert_eq!(allows(&doc, &different), Decision::ImplicitDeny);
}

#[test]
fn unknown_condition_key_is_undetermined() {
    let doc = document(json!({"Statement": [
        {"Sid": "FromVpc", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-111bbb22"}}}
    ]}));
    let request = Request::new("s3:GetObject", "arn:aws:s3:::b/k");
    let evaluation = evaluate_documents([("p", &doc)], &request);
    assert_eq!(evaluation.decision, Decision::Undetermined);
    assert!(evaluation.deciding.is_empty());
    assert_eq!(evaluation.undetermined.len(), 1);
    assert_eq!(evaluation.undetermined[0].sid.as_deref(), Some("FromVpc"));
    assert_eq!(
        evaluation.undetermined_keys,
        vec!["aws:SourceVpc".to_owned()]
    );

    // The key known to be absent decides it.
    let absent = request.clone().with_absent("aws:sourcevpc");
    assert_eq!(allows(&doc, &absent), Decision::ImplicitDeny);
    // A mismatch on a known key decides it even when another key is unknown.
    let mixed = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-111bbb22", "aws:RequestedRegion": "eu-west-1"}}}
    ]}));
    let wrong_region = request.with_context("aws:RequestedRegion", ["us-east-1"]);
    assert_eq!(allows(&mixed, &wrong_region), Decision::ImplicitDeny);
}

#[test]
fn undetermined_deny_keeps_allow_open() {
    let doc = document(json!({"Statement": [
        {"Sid": "Allow", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "RegionFence", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}
    ]}));
    let evaluation = evaluate_documents([("p", &doc)], &Request::new("s3:GetObject", "*"));
    assert_eq!(evaluation.decision, Decision::Undetermined);
    assert_eq!(evaluation.deciding[0].sid.as_deref(), Some("Allow"));
    assert_eq!(
        evaluation.undetermined[0].sid.as_deref(),
        Some("RegionFence")
    );
    assert_eq!(
        evaluation.undetermined_keys,
        vec!["aws:RequestedRegion".to_owned()]
    );
    let known =
        Request::new("s3:GetObject", "*").with_context("aws:requestedregion", ["us-east-1"]);
    let evaluation = evaluate_documents([("p", &doc)], &known);
    assert_eq!(evaluation.decision, Decision::ExplicitDeny);
    assert!(evaluation.undetermined_keys.is_empty());
}

#[test]
fn condition_key_names_ignore_case() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEquals": {"AWS:SourceIP": "203.0.113.7"}}}
    ]}));
    let request =
        complete("s3:GetObject", "arn:aws:s3:::b/k").with_context("aws:sourceip", ["203.0.113.7"]);
    assert_eq!(allows(&doc, &request), Decision::Allow);
}

#[test]
fn string_operators_follow_case_rules() {
    let doc = |operator: &str| {
        document(
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "*", "Condition": {operator: {"aws:username": "johndoe"}}}]}),
        )
    };
    let request = complete("s3:GetObject", "*").with_context("aws:username", ["JohnDoe"]);
    assert_eq!(
        allows(&doc("StringEquals"), &request),
        Decision::ImplicitDeny
    );
    assert_eq!(
        allows(&doc("StringEqualsIgnoreCase"), &request),
        Decision::Allow
    );
    assert_eq!(allows(&doc("StringNotEquals"), &request), Decision::Allow);
    assert_eq!(
        allows(&doc("StringNotEqualsIgnoreCase"), &request),
        Decision::ImplicitDeny
    );
    let like = document(
        json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "*", "Condition": {"StringLike": {"s3:prefix": ["home/*", "", "pub?ic"]}}}]}),
    );
    let prefixed = complete("s3:GetObject", "*").with_context("s3:prefix", ["home/a/b"]);
    assert_eq!(allows(&like, &prefixed), Decision::Allow);
    let one_char = complete("s3:GetObject", "*").with_context("s3:prefix", ["public"]);
    assert_eq!(allows(&like, &one_char), Decision::Allow);
    let other = complete("s3:GetObject", "*").with_context("s3:prefix", ["private"]);
    assert_eq!(allows(&like, &other), Decision::ImplicitDeny);
}

#[test]
fn numeric_date_ip_bool_and_arn_operators() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
         "Condition": {
            "NumericLessThanEquals": {"s3:max-keys": "10"},
            "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
            "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]},
            "Bool": {"aws:SecureTransport": "true"},
            "ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:topic-*"}
         }}
    ]}));
    let base = || {
        complete("s3:ListBucket", "*")
            .with_context("s3:max-keys", ["10"])
            .with_context("aws:CurrentTime", ["2024-06-01T12:00:00Z"])
            .with_context("aws:SourceIp", ["203.0.113.9"])
            .with_context("aws:SecureTransport", ["TRUE"])
            .with_context(
                "aws:SourceArn",
                ["arn:aws:sns:eu-west-1:123456789012:topic-a"],
            )
    };
    assert_eq!(allows(&doc, &base()), Decision::Allow);
    let cases = [
        ("s3:max-keys", "11"),
        ("aws:CurrentTime", "2019-12-31T23:59:59Z"),
        ("aws:SourceIp", "198.51.100.1"),
        ("aws:SecureTransport", "false"),
        (
            "aws:SourceArn",
            "arn:aws:sns:eu-west-1:999999999999:topic-a",
        ),
    ];
    for (key, value) in cases {
        let request = base().with_context(key, [value]);
        assert_eq!(
            allows(&doc, &request),
            Decision::ImplicitDeny,
            "{key} = {value}"
        );
    }
    let ipv6 = base().with_context("aws:SourceIp", ["2001:db8::5"]);
    assert_eq!(allows(&doc, &ipv6), Decision::Allow);
}

#[test]
fn arn_like_keeps_wildcards_inside_parts() {
    let doc = document(
        json!({"Statement": [{"Effect": "Allow", "Action": "sns:Publish",
        "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket*"}}}]}),
    );
    let bucket =
        complete("sns:Publish", "*").with_context("aws:SourceArn", ["arn:aws:s3:::bucket-1"]);
    assert_eq!(allows(&doc, &bucket), Decision::Allow);
    let region = complete("sns:Publish", "*")
        .with_context("aws:SourceArn", ["arn:aws:s3:us-east-1::bucket-1"]);
    assert_eq!(allows(&doc, &region), Decision::ImplicitDeny);
}

#[test]
fn unreadable_values_never_match() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
         "Condition": {"NumericNotEquals": {"s3:max-keys": "ten"}}}
    ]}));
    let request = complete("s3:ListBucket", "*").with_context("s3:max-keys", ["5"]);
    let evaluation = evaluate_documents([("p", &doc)], &request);
    assert_eq!(evaluation.decision, Decision::ImplicitDeny);
    assert_eq!(evaluation.problems.len(), 1);
    assert_eq!(
        evaluation.problems[0].message,
        "`NumericNotEquals` cannot compare `s3:max-keys` value `5` with `ten`"
    );
}

#[test]
fn multivalued_key_needs_set_operator() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
         "Condition": {"StringEquals": {"aws:TagKeys": "environment"}}}
    ]}));
    let request = complete("ec2:CreateTags", "*").with_context("aws:TagKeys", ["environment", "a"]);
    let evaluation = evaluate_documents([("p", &doc)], &request);
    assert_eq!(evaluation.decision, Decision::ImplicitDeny);
    assert_eq!(evaluation.problems.len(), 1);
}

#[test]
fn unknown_operator_is_undetermined_not_allowed() {
    let doc = document(json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEqual": {"aws:PrincipalAccount": "123456789012"}}}
    ]}));
    let request =
        complete("s3:GetObject", "*").with_context("aws:PrincipalAccount", ["123456789012"]);
    let evaluation = evaluate_documents([("p", &doc)], &request);
    assert_eq!(evaluation.decision, Decision::Undetermined);
    assert_eq!(
        evaluation.problems[0].message,
        "unknown condition operator `StringEqual`"
    );
}

#[test]
fn statement_match_reports_each_part() {
    let statement: Statement = serde_json::from_value(json!({"Effect": "Allow",
        "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:us-east-1:111122223333:parameter/app/*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}))
    .unwrap();
    let request = Request::new(
        "ssm:GetParameter",
        "arn:aws:ssm:eu-west-1:111122223333:parameter/app/db",
    )
    .with_context("aws:RequestedRegion", ["eu-west-1"]);
    let matched = match_statement(&statement, &request);
    assert_eq!(matched.action, MatchResult::Match);
    assert_eq!(matched.resource, MatchResult::NoMatch);
    assert_eq!(matched.condition, MatchResult::NoMatch);
    assert_eq!(matched.result(), MatchResult::NoMatch);
}

#[test]
fn principal_fills_principal_keys() {
    let request = Request::new("s3:GetObject", "*")
        .with_principal("arn:aws:sts::111122223333:assumed-role/deploy/gha");
    assert_eq!(request.account.as_deref(), Some("111122223333"));
    assert_eq!(
        request.key_state("aws:PrincipalAccount"),
        KeyState::Present(&["111122223333".to_owned()])
    );
}
