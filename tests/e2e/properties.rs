//! Properties of the whole learn path on random denials: the proposal
//! allows every identity-policy denial with its request context, and
//! nothing else of the ones checked (other actions of the service, sibling
//! resources, other accounts and regions, other causes), except actions
//! whose only resource is `*`. Output is deterministic and names only
//! catalog actions, never a wildcard action.
//!
//! Records are built the way CloudTrail writes them for a role session,
//! with messages in AWS's identity-policy wording (with and without the
//! resource) and in the wordings of the other policy kinds.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{json, Value};
use trailgrant::anticipate::AnticipateMode;
use trailgrant::catalog::Catalog;
use trailgrant::learn::{learn, LearnOptions, Report};
use trailgrant::policy::eval::{evaluate_documents, Decision, Request};
use trailgrant::policy::PolicyDocument;
use trailgrant::record::{Record, RoleSelector};

const ROLE_NAME: &str = "gha-deploy";
const REGIONS: &[&str] = &["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"];
const ACCOUNTS: &[&str] = &["111122223333", "444455556666", "000000000001"];

/// Reason clauses of denials no statement on the role can fix.
const OTHER_CAUSES: &[&str] = &[
    "with an explicit deny in a service control policy",
    "with an explicit deny in a service control policy: arn:aws:organizations::999988887777:policy/o-abc/service_control_policy/p-1",
    "because no service control policy allows the {action} action",
    "because no permissions boundary allows the {action} action",
    "with an explicit deny in a permissions boundary",
    "with an explicit deny in an identity-based policy",
    "with an explicit deny in a resource control policy",
    "because no resource-based policy allows the {action} action",
    "because no session policy allows the {action} action",
    "because no VPC endpoint policy allows the {action} action",
    "with an explicit deny",
];

/// An action with resource-level permissions and the ARN template of its
/// first resource type.
#[derive(Debug, Clone)]
struct Typed {
    action: String,
    template: String,
}

struct Pools {
    typed: Vec<Typed>,
    untyped: Vec<String>,
}

fn catalog() -> &'static Catalog {
    Catalog::embedded().unwrap()
}

fn pools() -> &'static Pools {
    static POOLS: OnceLock<Pools> = OnceLock::new();
    POOLS.get_or_init(|| {
        let catalog = catalog();
        let mut typed = Vec::new();
        let mut untyped = Vec::new();
        for name in catalog.action_names() {
            let action = catalog.action(name).unwrap();
            // A refused web identity token is the trust policy's business.
            if action.full_name() == "sts:AssumeRoleWithWebIdentity" {
                continue;
            }
            if !action.has_resource_types() {
                untyped.push(action.full_name());
                continue;
            }
            let template = action
                .resource_types()
                .find(|(row, _)| row.required)
                .or_else(|| action.resource_types().next())
                .and_then(|(_, def)| def.templates().next().map(str::to_owned));
            // Templates that are not one ARN (no `arn:` prefix) or that are
            // patterns themselves (`…:/backend/${AppId}/*`) do not name one
            // resource.
            let is_one_resource =
                |t: &String| t.starts_with("arn:") && !t.contains('*') && !t.contains('?');
            if let Some(template) = template.filter(is_one_resource) {
                typed.push(Typed {
                    action: action.full_name(),
                    template,
                });
            }
        }
        Pools { typed, untyped }
    })
}

/// A resource name as callers choose them: wildcard and variable
/// characters, slashes, unicode.
fn name() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z0-9][a-z0-9_.-]{0,8}",
        Just("*".to_owned()),
        Just("?".to_owned()),
        Just("$".to_owned()),
        Just("${x}".to_owned()),
        Just("${aws:username}".to_owned()),
        Just("/".to_owned()),
        Just("é".to_owned()),
        Just("日本".to_owned()),
        Just("🚀".to_owned()),
    ];
    prop::collection::vec(piece, 1..5).prop_map(|pieces| {
        let text: String = pieces.concat();
        // A name never starts or ends with `/` and never ends with `*`: AWS
        // writes `…/*` or `…:*` for calls that are not about one resource
        // (a RunInstances instance), and the learner reads it so.
        let text = text.trim_start_matches('/').to_owned();
        let text = if text.is_empty() || text.ends_with('*') || text.ends_with('/') {
            format!("{text}n")
        } else {
            text
        };
        text
    })
}

/// One denied call to generate.
#[derive(Debug, Clone)]
enum Kind {
    /// A catalog action named with its resource in the message.
    Typed(usize),
    /// An action without resource types; the message may omit the resource
    /// or say `*`.
    Untyped(usize),
    /// `iam:PassRole` inside the call of a service that passes roles.
    PassRole(usize),
    /// A call whose resource the learner builds from request parameters,
    /// the message naming only the action.
    Built(usize),
}

#[derive(Debug, Clone)]
struct Denied {
    kind: Kind,
    names: Vec<String>,
    region: usize,
    account: usize,
    /// `None`: identity-policy wording; `Some(i)`: `OTHER_CAUSES[i]`.
    other_cause: Option<usize>,
    message_has_resource: bool,
    code: usize,
}

fn denied() -> impl Strategy<Value = Denied> {
    let kind = prop_oneof![
        6 => any::<prop::sample::Index>().prop_map(|i| Kind::Typed(i.index(pools().typed.len()))),
        1 => any::<prop::sample::Index>().prop_map(|i| Kind::Untyped(i.index(pools().untyped.len()))),
        2 => (0..PASS_ROLE_SOURCES.len()).prop_map(Kind::PassRole),
        3 => (0..BUILT.len()).prop_map(Kind::Built),
    ];
    (
        kind,
        prop::collection::vec(name(), 4),
        0..REGIONS.len(),
        0..ACCOUNTS.len(),
        prop::option::weighted(0.25, 0..OTHER_CAUSES.len()),
        any::<bool>(),
        0..CODES.len(),
    )
        .prop_map(
            |(kind, names, region, account, other_cause, message_has_resource, code)| Denied {
                kind,
                names,
                region,
                account,
                other_cause,
                message_has_resource,
                code,
            },
        )
}

const CODES: &[&str] = &["AccessDenied", "AccessDeniedException"];

/// Services that pass roles, with the event of the call that passed one.
const PASS_ROLE_SOURCES: &[(&str, &str, &str)] = &[
    (
        "ecs.amazonaws.com",
        "RegisterTaskDefinition",
        "ecs-tasks.amazonaws.com",
    ),
    (
        "lambda.amazonaws.com",
        "CreateFunction20150331",
        "lambda.amazonaws.com",
    ),
    (
        "cloudformation.amazonaws.com",
        "CreateStack",
        "cloudformation.amazonaws.com",
    ),
];

/// Calls whose resource comes from request parameters: action, event
/// name, the parameters from names, and the ARN from partition-free parts.
struct BuiltCall {
    action: &'static str,
    event: &'static str,
    params: fn(&[String], &str, &str) -> Value,
    arn: fn(&[String], &str, &str) -> String,
}

const BUILT: &[BuiltCall] = &[
    BuiltCall {
        action: "s3:GetObject",
        event: "GetObject",
        params: |n, _, _| json!({"bucketName": bucket(&n[0]), "key": n[1]}),
        arn: |n, _, _| format!("arn:aws:s3:::{}/{}", bucket(&n[0]), n[1]),
    },
    BuiltCall {
        action: "s3:PutObject",
        event: "PutObject",
        params: |n, _, _| json!({"bucketName": bucket(&n[0]), "key": n[1]}),
        arn: |n, _, _| format!("arn:aws:s3:::{}/{}", bucket(&n[0]), n[1]),
    },
    BuiltCall {
        action: "ecr:PutImage",
        event: "PutImage",
        params: |n, _, a| json!({"repositoryName": n[0], "registryId": a, "imageTag": "v1"}),
        arn: |n, r, a| format!("arn:aws:ecr:{r}:{a}:repository/{}", n[0]),
    },
    BuiltCall {
        action: "dynamodb:PutItem",
        event: "PutItem",
        params: |n, _, _| json!({"tableName": n[0]}),
        arn: |n, r, a| format!("arn:aws:dynamodb:{r}:{a}:table/{}", n[0]),
    },
    BuiltCall {
        action: "ecs:UpdateService",
        event: "UpdateService",
        params: |n, _, _| json!({"cluster": n[0], "service": n[1]}),
        arn: |n, r, a| format!("arn:aws:ecs:{r}:{a}:service/{}/{}", n[0], n[1]),
    },
];

/// S3 bucket names hold no `/`.
fn bucket(name: &str) -> String {
    name.replace('/', "-")
}

/// What a generated denial means for the checks.
#[derive(Debug, Clone)]
struct Expect {
    request: Request,
    /// True for identity-policy denials the proposal must allow.
    fixable: bool,
    /// The action has no resource type, so `*` is the only grant.
    star_only: bool,
}

fn partition(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Builds the record of one denial and what it means.
fn record_of(index: usize, denied: &Denied) -> (Value, Expect) {
    let region = REGIONS[denied.region];
    let account = ACCOUNTS[denied.account];
    let part = partition(region);
    let n = &denied.names;
    let (action, resource, source, event, params, context, star_only) = match &denied.kind {
        Kind::Typed(i) => {
            let typed = &pools().typed[*i];
            let resource = fill(&typed.template, part, region, account, n);
            let (prefix, name) = typed.action.split_once(':').unwrap();
            (
                typed.action.clone(),
                resource,
                format!("{prefix}.amazonaws.com"),
                name.to_owned(),
                json!(null),
                None,
                false,
            )
        }
        Kind::Untyped(i) => {
            let action = pools().untyped[*i].clone();
            let (prefix, name) = action.split_once(':').unwrap();
            (
                action.clone(),
                "*".to_owned(),
                format!("{prefix}.amazonaws.com"),
                name.to_owned(),
                json!(null),
                None,
                true,
            )
        }
        Kind::PassRole(i) => {
            let (source, event, service) = PASS_ROLE_SOURCES[*i];
            let role = format!("arn:{part}:iam::{account}:role/{}", n[0]);
            let context = Some(("iam:PassedToService", service));
            (
                "iam:PassRole".to_owned(),
                role,
                source.to_owned(),
                event.to_owned(),
                json!({}),
                context,
                false,
            )
        }
        Kind::Built(i) => {
            let call = &BUILT[*i];
            let params = (call.params)(n, region, account);
            let arn =
                (call.arn)(n, region, account).replacen("arn:aws:", &format!("arn:{part}:"), 1);
            let prefix = call.action.split_once(':').unwrap().0;
            (
                call.action.to_owned(),
                arn,
                format!("{prefix}.amazonaws.com"),
                call.event.to_owned(),
                params,
                None,
                false,
            )
        }
    };
    // The resource is left out of the message only where the learner can
    // rebuild it: from request parameters, or `*` for untyped actions.
    let named =
        denied.message_has_resource || !matches!(denied.kind, Kind::Built(_) | Kind::Untyped(_));
    let reason = match denied.other_cause {
        None => format!("because no identity-based policy allows the {action} action"),
        Some(i) => OTHER_CAUSES[i].replace("{action}", &action),
    };
    let session = format!("arn:{part}:sts::{account}:assumed-role/{ROLE_NAME}/GitHubActions");
    let on_resource = match (named, source.as_str()) {
        (false, _) => String::new(),
        (true, "s3.amazonaws.com") => format!(" on resource: \"{resource}\""),
        (true, _) => format!(" on resource: {resource}"),
    };
    let message =
        format!("User: {session} is not authorized to perform: {action}{on_resource} {reason}");
    let record = json!({
        "eventVersion": "1.10",
        "eventTime": format!("2026-11-20T10:{:02}:{:02}Z", index / 60 % 60, index % 60),
        "eventSource": source,
        "eventName": event,
        "awsRegion": region,
        "sourceIPAddress": "192.0.2.10",
        "userAgent": "aws-cli/2.15",
        "errorCode": CODES[denied.code],
        "errorMessage": message,
        "requestParameters": params,
        "responseElements": null,
        "eventID": format!("00000000-0000-4000-8000-{index:012}"),
        "eventType": "AwsApiCall",
        "recipientAccountId": account,
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLE:GitHubActions",
            "arn": session,
            "accountId": account,
            "sessionContext": {"sessionIssuer": {
                "type": "Role",
                "arn": format!("arn:{part}:iam::{account}:role/{ROLE_NAME}"),
                "accountId": account,
                "userName": ROLE_NAME,
            }},
        },
    });
    let mut request = Request::new(action, resource);
    if let Some((key, value)) = context {
        request = request.with_context(key, [value]);
    }
    let expect = Expect {
        request,
        fixable: denied.other_cause.is_none(),
        star_only,
    };
    (record, expect)
}

/// Fills an ARN template: partition, region and account from the event,
/// every other placeholder from the names in turn.
fn fill(template: &str, part: &str, region: &str, account: &str, names: &[String]) -> String {
    let mut out = String::new();
    let mut rest = template;
    let mut next = names.iter().cycle();
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let len = rest[start..].find('}').unwrap();
        out.push_str(match &rest[start + 2..start + len] {
            "Partition" => part,
            "Region" => region,
            "Account" => account,
            _ => next.next().unwrap(),
        });
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn options() -> LearnOptions {
    LearnOptions {
        role: RoleSelector::parse(ROLE_NAME).unwrap(),
        window: Default::default(),
        trust_policy: None,
        current: None,
        // Suggested statements stay out of the policy, which is checked
        // here; included ones are labelled and tested with the flows.
        anticipate: AnticipateMode::Suggest,
        hints: Default::default(),
    }
}

fn run(records: &[Value]) -> Report {
    let records = records
        .iter()
        .map(|value| Record::from_value(value.clone()).unwrap())
        .collect();
    learn(records, catalog(), &options())
}

fn decide(policy: &PolicyDocument, request: &Request) -> Decision {
    evaluate_documents([("proposal", policy)], request).decision
}

/// Requests the proposal must not allow, made from one denial: another
/// action of the service, a sibling resource, another account, another
/// region.
fn others(expect: &Expect, pick: usize) -> Vec<Request> {
    let base = &expect.request;
    let mut out = Vec::new();
    let prefix = base.action.split(':').next().unwrap();
    let actions: Vec<_> = catalog()
        .actions_of(prefix)
        .map(|a| a.full_name())
        .collect();
    let mut sorted = actions;
    sorted.sort();
    if let Some(other) = sorted.get(pick % sorted.len().max(1)) {
        out.push(Request {
            action: other.clone(),
            ..base.clone()
        });
    }
    if expect.star_only {
        return out;
    }
    let resource = &base.resource;
    let mut siblings = vec![
        format!("{resource}x"),
        format!("{resource}/x"),
        sibling_name(resource),
    ];
    // What a `*` or `?` of the name would match if it were left a wildcard.
    if resource.contains(['*', '?']) {
        siblings.push(resource.replace('*', "*wide").replace('?', "Q"));
    }
    for sibling in siblings {
        out.push(Request {
            resource: sibling,
            ..base.clone()
        });
    }
    let fields: Vec<&str> = resource.splitn(6, ':').collect();
    if fields.len() == 6 {
        if !fields[4].is_empty() {
            let mut other = fields.clone();
            other[4] = "999999999999";
            out.push(Request {
                resource: other.join(":"),
                ..base.clone()
            });
        }
        if !fields[3].is_empty() {
            let mut other = fields.clone();
            other[3] = "sa-east-1";
            out.push(Request {
                resource: other.join(":"),
                ..base.clone()
            });
        }
    }
    if base.action == "iam:PassRole" {
        out.push(
            base.clone()
                .with_context("iam:PassedToService", ["ec2.amazonaws.com"]),
        );
    }
    out
}

/// The resource with its last character replaced.
fn sibling_name(resource: &str) -> String {
    let mut chars: Vec<char> = resource.chars().collect();
    let last = chars.pop().unwrap();
    chars.push(if last == 'z' { 'y' } else { 'z' });
    chars.into_iter().collect()
}

fn check(denials: &[Denied], picks: &[usize]) -> Result<(), TestCaseError> {
    let (records, expects): (Vec<Value>, Vec<Expect>) = denials
        .iter()
        .enumerate()
        .map(|(index, denied)| record_of(index, denied))
        .unzip();
    let report = run(&records);
    let policy = &report.policy;
    let shown = || serde_json::to_string_pretty(policy).unwrap();

    for statement in &policy.statements {
        for action in statement.actions() {
            prop_assert!(!action.contains(['*', '?']), "wildcard action `{action}`");
            prop_assert!(
                catalog().has_action(action),
                "`{action}` is not in the catalog"
            );
        }
    }
    let fixable: Vec<&Request> = expects
        .iter()
        .filter(|e| e.fixable)
        .map(|e| &e.request)
        .collect();
    let wide: BTreeSet<&str> = expects
        .iter()
        .filter(|e| e.fixable && e.star_only)
        .map(|e| e.request.action.as_str())
        .collect();
    let is_denied = |request: &Request| {
        fixable.iter().any(|d| {
            d.action.eq_ignore_ascii_case(&request.action)
                && (d.resource == request.resource || wide.contains(d.action.as_str()))
        })
    };
    for expect in &expects {
        let decision = decide(policy, &expect.request);
        if expect.fixable {
            prop_assert_eq!(
                decision,
                Decision::Allow,
                "the denied `{}` on `{}` is not allowed by\n{}",
                expect.request.action,
                expect.request.resource,
                shown()
            );
        } else if !is_denied(&expect.request) {
            prop_assert!(
                decision != Decision::Allow,
                "`{}` on `{}` was denied by another policy kind, yet the proposal allows it:\n{}",
                expect.request.action,
                expect.request.resource,
                shown()
            );
        }
    }
    for (expect, pick) in expects.iter().zip(picks.iter().cycle()) {
        for other in others(expect, *pick) {
            if is_denied(&other) && other.context == expect.request.context {
                continue;
            }
            let decision = decide(policy, &other);
            prop_assert!(
                !matches!(decision, Decision::Allow | Decision::Undetermined),
                "`{}` on `{}` ({:?}) was never denied, yet the proposal gives {decision:?}:\n{}",
                other.action,
                other.resource,
                other.context,
                shown()
            );
        }
    }

    // The same input gives the same bytes, in any record order.
    let mut first = Vec::new();
    trailgrant::render::json(&report, &mut first).unwrap();
    let mut again = Vec::new();
    trailgrant::render::json(&run(&records), &mut again).unwrap();
    prop_assert_eq!(&first, &again, "two runs over the same input differ");
    let mut reversed = records.clone();
    reversed.reverse();
    let mut policy_reversed = Vec::new();
    trailgrant::render::policy(&run(&reversed), &mut policy_reversed).unwrap();
    let mut policy_first = Vec::new();
    trailgrant::render::policy(&report, &mut policy_first).unwrap();
    prop_assert_eq!(
        policy_first,
        policy_reversed,
        "record order changes the policy"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn proposal_allows_the_denials_and_nothing_else(
        denials in prop::collection::vec(denied(), 1..8),
        picks in prop::collection::vec(any::<usize>(), 1..4),
    ) {
        check(&denials, &picks)?;
    }
}
