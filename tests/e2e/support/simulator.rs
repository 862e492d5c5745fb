//! A closed-loop deploy simulator: replays a deploy flow against the role's
//! current policy as AWS would, lets trailgrant learn from the CloudTrail
//! records, applies the proposal and reruns until the flow succeeds.
//!
//! Each run starts with the OIDC `AssumeRoleWithWebIdentity` and makes the
//! flow's calls in order. A call checks its permissions in the order AWS
//! does. The first one the policy does not allow ends the run with a denied
//! record whose message names the action and resource, in the words AWS
//! uses for a missing identity-policy allow. Records have the shape of
//! CloudTrail's S3 delivery files (see `fixtures/ecr-ecs-deploy`).
//! trailgrant learns from every record of the role so far, as
//! `trailgrant learn --since … --policy CURRENT` over the morning of reruns
//! would.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use trailgrant::anticipate::{self, AnticipateMode, DeployHints};
use trailgrant::catalog::Catalog;
use trailgrant::learn::{learn, LearnOptions, Report, Window};
use trailgrant::policy::parse::{NamedPolicy, PolicyKind, PolicySet};
use trailgrant::policy::wildcard::{matches_action, matches_resource, NoVariables};
use trailgrant::policy::{PolicyDocument, Statement};
use trailgrant::record::{Record, RoleSelector};

use super::authorizer::{Authorizer, Request};

/// The account of the simulated role and its resources.
pub const ACCOUNT: &str = "111122223333";
/// The Region of the simulated calls.
pub const REGION: &str = "us-east-1";
/// The simulated GitHub Actions role.
pub const ROLE: &str = "arn:aws:iam::111122223333:role/gha-deploy";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions";

/// Runs after which a flow that still fails is a defect.
const MAX_RUNS: usize = 40;

/// One API call of a flow.
#[derive(Debug, Clone)]
pub struct Call {
    /// `eventSource`.
    pub event_source: String,
    /// `eventName` as CloudTrail writes it (`UpdateFunctionCode20150331v2`).
    pub event_name: String,
    /// `requestParameters`.
    pub request_parameters: Value,
    /// The authorization requests, in the order AWS checks them.
    pub needs: Vec<Request>,
    /// The `errorCode` the service writes for a denial.
    pub error_code: String,
    /// True for an S3 object or bucket data event.
    pub data_event: bool,
}

impl Call {
    /// Creates a management-event call denied with `AccessDeniedException`.
    pub fn new(
        event_source: &str,
        event_name: &str,
        request_parameters: Value,
        needs: Vec<Request>,
    ) -> Call {
        Call {
            event_source: event_source.to_owned(),
            event_name: event_name.to_owned(),
            request_parameters,
            needs,
            error_code: "AccessDeniedException".to_owned(),
            data_event: false,
        }
    }

    /// Sets the `errorCode` of a denial.
    pub fn error_code(mut self, code: &str) -> Call {
        self.error_code = code.to_owned();
        self
    }

    /// Marks the call as an S3 data event.
    pub fn data_event(mut self) -> Call {
        self.data_event = true;
        self
    }
}

/// A deploy flow to replay.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Its name in the results table.
    pub name: &'static str,
    /// The calls, in order.
    pub calls: Vec<Call>,
}

/// How proposals are applied between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// `--anticipate none`: the policy only.
    Without,
    /// `--anticipate suggest`, with the anticipated statements applied too.
    Suggested,
    /// `--anticipate include`: the policy, which contains them.
    Included,
}

/// The result of replaying a scenario until it succeeds.
#[derive(Debug, Clone)]
pub struct Convergence {
    /// Runs that ended in a denial.
    pub failed_runs: usize,
    /// The `(action, resource)` of each failed run's denial.
    pub denials: Vec<(String, String)>,
    /// The policy the role ends with.
    pub policy: PolicyDocument,
}

/// Replays `scenario` from an empty policy until it succeeds, learning with
/// the deploy hints of the scenario's workflow when `hints` is given (as
/// `learn --workflow FILE` does).
pub fn converge(
    scenario: &Scenario,
    applied: Applied,
    hints: Option<&DeployHints>,
    authorizer: &dyn Authorizer,
    catalog: &Catalog,
) -> Convergence {
    let mut policy = PolicyDocument::default();
    let mut history: Vec<Record> = Vec::new();
    let mut denials = Vec::new();
    for run in 0..MAX_RUNS {
        let replay = replay(scenario, &policy, authorizer, run);
        history.extend(replay.records);
        let Some(denial) = replay.denial else {
            return Convergence {
                failed_runs: run,
                denials,
                policy,
            };
        };
        denials.push(denial);
        let options = learn_options(applied, &policy, hints);
        let report = learn(history.clone(), catalog, &options);
        apply(&mut policy, &report, applied);
    }
    panic!(
        "`{}` did not converge in {MAX_RUNS} runs; denials: {denials:?}",
        scenario.name
    );
}

/// Returns the options of `trailgrant learn --policy CURRENT --anticipate …`.
fn learn_options(
    applied: Applied,
    current: &PolicyDocument,
    hints: Option<&DeployHints>,
) -> LearnOptions {
    let current = PolicySet {
        policies: vec![NamedPolicy {
            name: "deploy".to_owned(),
            kind: PolicyKind::Inline,
            source: "simulator".to_owned(),
            arn: None,
            shape: trailgrant::policy::parse::InputShape::Document,
            document: current.clone(),
        }],
        ..PolicySet::default()
    };
    LearnOptions {
        role: RoleSelector::parse(ROLE).expect("valid role"),
        window: Window::default(),
        trust_policy: None,
        current: Some(current),
        anticipate: match applied {
            Applied::Without => AnticipateMode::None,
            Applied::Suggested => AnticipateMode::Suggest,
            Applied::Included => AnticipateMode::Include,
        },
        hints: hints.cloned().unwrap_or_default(),
    }
}

/// Adds the proposal to the role's policy, skipping statements it already
/// has (the `Sid` aside).
fn apply(policy: &mut PolicyDocument, report: &Report, applied: Applied) {
    let mut proposed = report.policy.statements.clone();
    if applied == Applied::Suggested {
        proposed.extend(anticipate::statements(&report.anticipated));
    }
    for statement in proposed {
        let unnamed = |s: &Statement| Statement {
            sid: None,
            ..s.clone()
        };
        if !policy
            .statements
            .iter()
            .any(|existing| unnamed(existing) == unnamed(&statement))
        {
            policy.statements.push(statement);
        }
    }
}

/// The records of one run and the denial that ended it, if any.
#[derive(Debug)]
pub struct Replay {
    /// The CloudTrail records, in time order.
    pub records: Vec<Record>,
    /// The denied `(action, resource)`.
    pub denial: Option<(String, String)>,
}

/// Runs the flow once against `policy`.
pub fn replay(
    scenario: &Scenario,
    policy: &PolicyDocument,
    authorizer: &dyn Authorizer,
    run: usize,
) -> Replay {
    let mut clock = RunClock::new(run);
    let mut records = vec![assume_role_with_web_identity(&mut clock)];
    for call in &scenario.calls {
        let first_denied = call
            .needs
            .iter()
            .find(|request| !authorizer.is_allowed(policy, request));
        records.push(record_of(call, first_denied, &mut clock));
        if let Some(request) = first_denied {
            let denial = (request.action.clone(), request.resource.clone());
            return Replay {
                records,
                denial: Some(denial),
            };
        }
    }
    Replay {
        records,
        denial: None,
    }
}

/// Event times and ids: each run starts 20 minutes after the previous one
/// and its calls are 2 seconds apart.
struct RunClock {
    run: usize,
    sequence: usize,
    time: DateTime<Utc>,
}

impl RunClock {
    fn new(run: usize) -> RunClock {
        let start = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        let offset = Duration::minutes(20 * i64::try_from(run).unwrap());
        RunClock {
            run,
            sequence: 0,
            time: start + offset,
        }
    }

    /// Returns the next event time and an event id.
    fn tick(&mut self) -> (String, String) {
        self.sequence += 1;
        self.time += Duration::seconds(2);
        let time = self.time.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let id = format!(
            "{:08x}-{:04x}-4000-8000-{:012x}",
            self.run,
            self.sequence,
            self.run * 1000 + self.sequence
        );
        (time, id)
    }
}

fn session_identity() -> Value {
    json!({
        "type": "AssumedRole",
        "principalId": "AROAQEXAMPLEGHADEPLO:GitHubActions",
        "arn": SESSION,
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAQEXAMPLEGHA00007",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAQEXAMPLEGHADEPLO",
                "arn": ROLE,
                "accountId": ACCOUNT,
                "userName": "gha-deploy"
            },
            "webIdFederationData": {
                "federatedProvider": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
                "attributes": {}
            },
            "attributes": {"creationDate": "2026-11-20T09:00:00Z", "mfaAuthenticated": "false"}
        }
    })
}

fn assume_role_with_web_identity(clock: &mut RunClock) -> Record {
    let (time, id) = clock.tick();
    let subject = "repo:example-org/web-app:ref:refs/heads/main";
    let value = json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "WebIdentityUser",
            "principalId": format!(
                "arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:{subject}"
            ),
            "userName": subject,
            "identityProvider": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")
        },
        "eventTime": time,
        "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRoleWithWebIdentity",
        "awsRegion": REGION,
        "sourceIPAddress": "198.51.100.23",
        "userAgent": "configure-aws-credentials-for-github-actions",
        "requestParameters": {"roleArn": ROLE, "roleSessionName": "GitHubActions", "durationSeconds": 3600},
        "responseElements": {
            "subjectFromWebIdentityToken": subject,
            "assumedRoleUser": {"assumedRoleId": "AROAQEXAMPLEGHADEPLO:GitHubActions", "arn": SESSION},
            "audience": "sts.amazonaws.com"
        },
        "requestID": id.clone(),
        "eventID": id,
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management"
    });
    Record::from_value(value).expect("valid record")
}

/// Returns the record of a call, denied on `first_denied` when given.
fn record_of(call: &Call, first_denied: Option<&Request>, clock: &mut RunClock) -> Record {
    let (time, id) = clock.tick();
    let mut value = json!({
        "eventVersion": if call.data_event { "1.10" } else { "1.11" },
        "userIdentity": session_identity(),
        "eventTime": time,
        "eventSource": call.event_source,
        "eventName": call.event_name,
        "awsRegion": REGION,
        "sourceIPAddress": "198.51.100.23",
        "userAgent": "aws-cli/2.22.4",
        "requestParameters": call.request_parameters,
        "responseElements": null,
        "requestID": id.clone(),
        "eventID": id,
        "readOnly": call.event_name.starts_with("Describe")
            || call.event_name.starts_with("Get")
            || call.event_name.starts_with("List"),
        "eventType": "AwsApiCall",
        "managementEvent": !call.data_event,
        "recipientAccountId": ACCOUNT,
        "eventCategory": if call.data_event { "Data" } else { "Management" }
    });
    if let Some(request) = first_denied {
        // S3 quotes the resource in its messages since 2024.
        let resource = if call.data_event {
            format!("\"{}\"", request.resource)
        } else {
            request.resource.clone()
        };
        value["errorCode"] = json!(call.error_code);
        value["errorMessage"] = json!(format!(
            "User: {SESSION} is not authorized to perform: {action} on resource: {resource} \
             because no identity-based policy allows the {action} action",
            action = request.action
        ));
    }
    Record::from_value(value).expect("valid record")
}

/// Returns the `(action, resource)` pairs the policy allows that no call of
/// the scenario requests: an action no call needs, or a resource pattern
/// that matches no requested resource of that action.
pub fn unused_grants(policy: &PolicyDocument, scenario: &Scenario) -> Vec<(String, String)> {
    let requests: Vec<&Request> = scenario
        .calls
        .iter()
        .flat_map(|call| call.needs.iter())
        .collect();
    let mut unused = Vec::new();
    for statement in &policy.statements {
        for action in statement.actions() {
            for resource in statement.resources() {
                let used = requests.iter().any(|request| {
                    matches_action(action, &request.action)
                        && matches_resource(resource, &request.resource, &NoVariables)
                            .unwrap_or(false)
                });
                if !used {
                    unused.push((action.clone(), resource.clone()));
                }
            }
        }
    }
    unused.sort();
    unused.dedup();
    unused
}
