//! Differential test of the policy evaluator against
//! `@cloud-copilot/iam-simulate` 0.1.173, an independent IAM simulator
//! (npm, AGPL-3.0, installed by `scripts/test-setup` into `tests/tools` and
//! run only as a test oracle through `tests/tools/iam-simulate-oracle.mjs`).
//!
//! A seeded generator writes random identity policies and requests:
//! actions and resources with `*` and `?`, `NotAction`/`NotResource`,
//! `Deny`, policy variables and escapes, and the common condition operators
//! with context keys present or absent. Both evaluators decide every case,
//! and the test compares the decision and, statement by statement, whether
//! each statement applies.
//!
//! The oracle reads the request context as complete, so the requests here
//! are [`Completeness::Complete`]. The generator leaves out the inputs on
//! which the two evaluators differ on purpose; `known_differences` pins each
//! of them with the reason.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use trailgrant::policy::{
    allows, evaluate_documents, match_statement, Completeness, Decision, MatchResult,
    PolicyDocument, Request,
};

const ACCOUNT: &str = "111122223333";
const PRINCIPAL: &str = "arn:aws:iam::111122223333:role/gha-deploy";
const CASES: usize = 1500;

/// SplitMix64: a small seeded generator, so every run tests the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A request shape: action, resource, and where in the resource the type
/// prefix ends (wildcards go after it, see `known_differences`).
struct Target {
    action: &'static str,
    sibling_actions: &'static [&'static str],
    resource: &'static str,
    prefix_len: usize,
}

const TARGETS: &[Target] = &[
    Target {
        action: "s3:GetObject",
        sibling_actions: &["s3:PutObject", "s3:GetObjectTagging", "s3:DeleteObject"],
        resource: "arn:aws:s3:::app-bucket/releases/2024/v1.2/app.tar.gz",
        prefix_len: "arn:aws:s3:::".len(),
    },
    Target {
        action: "s3:PutObject",
        sibling_actions: &["s3:GetObject", "s3:PutObjectAcl"],
        resource: "arn:aws:s3:::app-bucket/home/alice/notes$1.txt",
        prefix_len: "arn:aws:s3:::".len(),
    },
    Target {
        action: "s3:ListBucket",
        sibling_actions: &["s3:ListBucketVersions", "s3:GetBucketLocation"],
        resource: "arn:aws:s3:::app-bucket",
        prefix_len: "arn:aws:s3:::".len(),
    },
    Target {
        action: "ssm:GetParameter",
        sibling_actions: &["ssm:GetParameters", "ssm:PutParameter"],
        resource: "arn:aws:ssm:us-east-1:111122223333:parameter/app/prod/db-url",
        prefix_len: "arn:aws:ssm:us-east-1:111122223333:parameter/".len(),
    },
    Target {
        action: "ecs:UpdateService",
        sibling_actions: &["ecs:DescribeServices", "ecs:CreateService"],
        resource: "arn:aws:ecs:eu-west-1:111122223333:service/prod-cluster/web",
        prefix_len: "arn:aws:ecs:eu-west-1:111122223333:service/".len(),
    },
    Target {
        action: "lambda:UpdateFunctionCode",
        sibling_actions: &["lambda:UpdateFunctionConfiguration", "lambda:GetFunction"],
        resource: "arn:aws:lambda:us-east-1:111122223333:function:deploy-hook",
        prefix_len: "arn:aws:lambda:us-east-1:111122223333:function:".len(),
    },
    Target {
        action: "logs:PutLogEvents",
        sibling_actions: &["logs:CreateLogStream", "logs:DescribeLogStreams"],
        resource: "arn:aws:logs:us-east-1:111122223333:log-group:/app/web:log-stream:i-0abc",
        prefix_len: "arn:aws:logs:us-east-1:111122223333:log-group:".len(),
    },
    Target {
        action: "ecr:PutImage",
        sibling_actions: &["ecr:InitiateLayerUpload", "ecr:BatchGetImage"],
        resource: "arn:aws:ecr:us-east-1:111122223333:repository/team/web-app",
        prefix_len: "arn:aws:ecr:us-east-1:111122223333:repository/".len(),
    },
    Target {
        action: "iam:PassRole",
        sibling_actions: &["iam:GetRole", "iam:CreateRole"],
        resource: "arn:aws:iam::111122223333:role/app-task-role",
        prefix_len: "arn:aws:iam::111122223333:role/".len(),
    },
];

fn action_pattern(rng: &mut Rng, target: &Target) -> String {
    let (service, name) = target.action.split_once(':').unwrap();
    match rng.below(10) {
        0 => target.action.to_owned(),
        1 => format!("{}:{}", service.to_uppercase(), name.to_lowercase()),
        2 => format!("{service}:*"),
        3 => "*".to_owned(),
        4 => format!("{service}:{}*", &name[..name.len().min(3)]),
        5 => format!("{service}:?{}", &name[1..]),
        6 => format!("{service}:*{}", &name[name.len() - 3..]),
        7 => rng.pick(target.sibling_actions).to_string(),
        8 => "cloudformation:*".to_owned(),
        _ => format!("{service}:{}?", name),
    }
}

fn resource_pattern(rng: &mut Rng, target: &Target) -> String {
    let resource = target.resource;
    let (prefix, tail) = resource.split_at(target.prefix_len);
    let cut = |rng: &mut Rng| {
        let at = rng.below(tail.len() + 1);
        let mut at = at;
        while !tail.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match rng.below(16) {
        0 | 1 => resource.to_owned(),
        2 => "*".to_owned(),
        3 => format!("{prefix}*"),
        4 => {
            let at = cut(rng);
            format!("{prefix}{}*", &tail[..at])
        }
        5 => {
            // Replace one character with `?`.
            let chars: Vec<char> = tail.chars().collect();
            let at = rng.below(chars.len());
            let replaced: String = chars
                .iter()
                .enumerate()
                .map(|(i, c)| if i == at { '?' } else { *c })
                .collect();
            format!("{prefix}{replaced}")
        }
        6 => {
            // A `*` in the middle, which must span `/`.
            let at = cut(rng);
            let end = (at + 1 + rng.below(tail.len() - at + 1)).min(tail.len());
            let mut end = end;
            while !tail.is_char_boundary(end) {
                end += 1;
            }
            format!("{prefix}{}*{}", &tail[..at], &tail[end..])
        }
        7 => format!("{prefix}{}", tail.to_uppercase()),
        8 => resource
            .replacen("us-east-1", "eu-west-1", 1)
            .replacen("eu-west-1:", "us-east-1:", 1),
        9 => resource.replacen(ACCOUNT, "*", 1),
        10 => resource
            .replacen("us-east-1", "us-*", 1)
            .replacen("eu-west-1", "eu-*-1", 1),
        11 => format!("{prefix}{}/extra", tail),
        12 => resource
            .replace("alice", "${aws:username}")
            .replace("web", "${aws:PrincipalTag/app}"),
        13 => resource.replace('$', "${$}"),
        14 => format!("{prefix}{}${{*}}", &tail[..cut(rng)]),
        _ => resource.replace("app", "${aws:PrincipalTag/app, 'app'}"),
    }
}

/// Context keys and the values a request may carry for them.
const STRING_KEYS: &[(&str, &[&str])] = &[
    (
        "aws:RequestedRegion",
        &["us-east-1", "eu-west-1", "US-EAST-1", "ap-south-1"],
    ),
    ("aws:username", &["alice", "bob", "Alice"]),
    ("aws:PrincipalTag/app", &["web", "app", "api"]),
    ("aws:ResourceTag/app", &["web", "api", "WEB"]),
    ("s3:prefix", &["home/alice/", "home/", "public", ""]),
];

fn string_condition(rng: &mut Rng) -> (String, String, Value) {
    let operators = [
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
    ];
    let mut operator = rng.pick(&operators).to_string();
    if rng.chance(25) {
        operator.push_str("IfExists");
    }
    let (key, values) = *rng.pick(STRING_KEYS);
    let extra = [
        "us-*",
        "eu-?est-1",
        "home/*",
        "*",
        "${aws:PrincipalTag/app}",
        "${aws:username}",
    ];
    let mut chosen: Vec<Value> = Vec::new();
    for _ in 0..=rng.below(2) {
        let value = if rng.chance(70) {
            rng.pick(values)
        } else {
            rng.pick(&extra)
        };
        chosen.push(json!(value));
    }
    (operator, key.to_owned(), one_or_many(chosen))
}

fn one_or_many(mut values: Vec<Value>) -> Value {
    if values.len() == 1 {
        values.pop().unwrap()
    } else {
        Value::Array(values)
    }
}

fn other_condition(rng: &mut Rng) -> (String, String, Value) {
    let if_exists = if rng.chance(25) { "IfExists" } else { "" };
    match rng.below(9) {
        0 => {
            let key = rng.pick(&["aws:SecureTransport", "aws:MultiFactorAuthPresent"]);
            let value = rng.pick(&["true", "false"]);
            (format!("Bool{if_exists}"), key.to_string(), json!(value))
        }
        1 => {
            let key = rng.pick(&["aws:SourceIp", "aws:username", "aws:TokenIssueTime"]);
            (
                String::from("Null"),
                key.to_string(),
                json!(rng.pick(&["true", "false"])),
            )
        }
        2 => {
            let op = rng.pick(&[
                "NumericEquals",
                "NumericNotEquals",
                "NumericLessThan",
                "NumericLessThanEquals",
                "NumericGreaterThan",
                "NumericGreaterThanEquals",
            ]);
            let value = rng.pick(&["5", "10", "100", "2.5"]);
            (
                format!("{op}{if_exists}"),
                "s3:max-keys".to_owned(),
                json!(value),
            )
        }
        3 => {
            let op = rng.pick(&[
                "DateEquals",
                "DateNotEquals",
                "DateLessThan",
                "DateLessThanEquals",
                "DateGreaterThan",
                "DateGreaterThanEquals",
            ]);
            let value = rng.pick(&["2024-01-01T00:00:00Z", "2024-06-01T12:00:00Z", "2025-01-01"]);
            (
                format!("{op}{if_exists}"),
                "aws:CurrentTime".to_owned(),
                json!(value),
            )
        }
        4 => {
            let op = rng.pick(&["IpAddress", "NotIpAddress"]);
            let ranges = [
                "203.0.113.0/24",
                "198.51.100.7/32",
                "2001:db8::/32",
                "10.0.0.0/8",
            ];
            let mut values = vec![json!(rng.pick(&ranges))];
            if rng.chance(30) {
                values.push(json!(rng.pick(&ranges)));
            }
            (
                format!("{op}{if_exists}"),
                "aws:SourceIp".to_owned(),
                one_or_many(values),
            )
        }
        5 => {
            let op = rng.pick(&["ArnLike", "ArnEquals", "ArnNotLike", "ArnNotEquals"]);
            let value = rng.pick(&[
                "arn:aws:iam::111122223333:role/gha-*",
                "arn:aws:iam::*:role/gha-deploy",
                "arn:aws:iam::111122223333:role/other",
                "arn:aws:iam::111122223333:role/gha-deplo?",
            ]);
            (
                format!("{op}{if_exists}"),
                "aws:PrincipalArn".to_owned(),
                json!(value),
            )
        }
        6 => {
            let op = rng.pick(&[
                "ForAllValues:StringEquals",
                "ForAllValues:StringLike",
                "ForAllValues:StringNotEquals",
                "ForAnyValue:StringEquals",
                "ForAnyValue:StringLike",
                "ForAnyValue:StringNotLike",
            ]);
            let values = vec![
                json!("environment"),
                json!(rng.pick(&["cost-center", "team*", "owner"])),
            ];
            (
                op.to_string(),
                "aws:TagKeys".to_owned(),
                one_or_many(values),
            )
        }
        7 => {
            // ForAllValues with IfExists is safe; ForAnyValue with IfExists
            // is a known difference.
            let op = format!("ForAllValues:StringLike{if_exists}");
            (
                op,
                "aws:TagKeys".to_owned(),
                json!(rng.pick(&["env*", "team", "*"])),
            )
        }
        _ => {
            let value = rng.pick(&["QmluYXJ5", "b3RoZXI="]);
            (
                String::from("BinaryEquals"),
                "aws:Binary".to_owned(),
                json!(value),
            )
        }
    }
}

fn statement(rng: &mut Rng, target: &Target) -> Value {
    let mut statement = serde_json::Map::new();
    if rng.chance(50) {
        statement.insert("Sid".into(), json!(format!("S{}", rng.below(1000))));
    }
    let effect = if rng.chance(30) { "Deny" } else { "Allow" };
    statement.insert("Effect".into(), json!(effect));
    let actions: Vec<Value> = (0..=rng.below(2))
        .map(|_| json!(action_pattern(rng, target)))
        .collect();
    let action_key = if rng.chance(15) {
        "NotAction"
    } else {
        "Action"
    };
    statement.insert(action_key.into(), one_or_many(actions));
    let resources: Vec<Value> = (0..=rng.below(2))
        .map(|_| json!(resource_pattern(rng, target)))
        .collect();
    let resource_key = if rng.chance(15) {
        "NotResource"
    } else {
        "Resource"
    };
    statement.insert(resource_key.into(), one_or_many(resources));
    if rng.chance(60) {
        let mut block: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
        for _ in 0..=rng.below(2) {
            let (operator, key, values) = if rng.chance(50) {
                string_condition(rng)
            } else {
                other_condition(rng)
            };
            block.entry(operator).or_default().insert(key, values);
        }
        statement.insert("Condition".into(), json!(block));
    }
    Value::Object(statement)
}

/// Generates a request context. Each key appears with some chance, with a
/// value that the policies test for or one they do not.
fn context(rng: &mut Rng) -> BTreeMap<String, Value> {
    let mut context = BTreeMap::new();
    for (key, values) in STRING_KEYS {
        if rng.chance(65) {
            context.insert(key.to_string(), json!(rng.pick(values)));
        }
    }
    let scalar_keys: [(&str, &[&str]); 7] = [
        ("aws:SecureTransport", &["true", "false"]),
        ("aws:MultiFactorAuthPresent", &["true", "false"]),
        ("aws:TokenIssueTime", &["2024-05-01T10:00:00Z"]),
        ("s3:max-keys", &["1", "5", "10", "50", "100", "2.5"]),
        (
            "aws:CurrentTime",
            &[
                "2023-12-31T23:59:59Z",
                "2024-01-01T00:00:00Z",
                "2024-06-01T12:00:00Z",
                "2025-03-01T00:00:00Z",
            ],
        ),
        (
            "aws:SourceIp",
            &[
                "203.0.113.9",
                "198.51.100.7",
                "10.1.2.3",
                "2001:db8::5",
                "192.0.2.1",
            ],
        ),
        ("aws:Binary", &["QmluYXJ5", "b3RoZXI="]),
    ];
    for (key, values) in scalar_keys {
        if rng.chance(65) {
            context.insert(key.to_owned(), json!(rng.pick(values)));
        }
    }
    if rng.chance(70) {
        context.insert("aws:PrincipalArn".into(), json!(PRINCIPAL));
    }
    if rng.chance(70) {
        let pool = ["environment", "cost-center", "team-a", "owner", "env"];
        let tags: Vec<&str> = (0..rng.below(4)).map(|_| *rng.pick(&pool)).collect();
        context.insert("aws:TagKeys".into(), json!(tags));
    }
    context
}

struct Case {
    policies: Vec<PolicyDocument>,
    policies_json: Vec<Value>,
    action: String,
    resource: String,
    context: BTreeMap<String, Value>,
}

impl Case {
    fn request(&self) -> Request {
        let mut request =
            Request::new(&self.action, &self.resource).with_completeness(Completeness::Complete);
        for (key, value) in &self.context {
            request = match value {
                Value::Array(items) => {
                    request.with_context(key, items.iter().map(|v| v.as_str().unwrap().to_owned()))
                }
                other => request.with_context(key, [other.as_str().unwrap().to_owned()]),
            };
        }
        request.principal_arn = Some(PRINCIPAL.to_owned());
        request
    }

    fn oracle_line(&self, id: usize) -> String {
        let policies: Vec<Value> = self
            .policies_json
            .iter()
            .enumerate()
            .map(|(index, policy)| json!({"name": format!("p{index}"), "policy": policy}))
            .collect();
        json!({
            "id": id,
            "policies": policies,
            "request": {
                "action": self.action,
                "resource": self.resource,
                "principal": PRINCIPAL,
                "account": ACCOUNT,
                "context": self.context,
            }
        })
        .to_string()
    }
}

fn generate(rng: &mut Rng) -> Case {
    let target = rng.pick(TARGETS);
    let policies_json: Vec<Value> = (0..=rng.below(2))
        .map(|_| {
            let statements: Vec<Value> =
                (0..=rng.below(3)).map(|_| statement(rng, target)).collect();
            json!({"Version": "2012-10-17", "Statement": statements})
        })
        .collect();
    let policies = policies_json
        .iter()
        .map(|policy| serde_json::from_value(policy.clone()).unwrap())
        .collect();
    Case {
        policies,
        policies_json,
        action: target.action.to_owned(),
        resource: target.resource.to_owned(),
        context: context(rng),
    }
}

/// The oracle's verdict on one case.
#[derive(Debug)]
struct Verdict {
    decision: Decision,
    statements: Vec<Vec<bool>>,
}

/// Runs the oracle script over `lines`, or returns why it cannot run.
fn run_oracle(lines: Vec<String>) -> Result<Vec<Verdict>, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let module = root.join("tests/tools/node_modules/@cloud-copilot/iam-simulate");
    if !module.is_dir() {
        return Err(format!(
            "{} is not installed (run scripts/test-setup)",
            module.display()
        ));
    }
    let mut child = Command::new("node")
        .arg(root.join("tests/tools/iam-simulate-oracle.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|err| format!("failed to start node: {err}"))?;
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for line in lines {
            writeln!(stdin, "{line}").unwrap();
        }
    });
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let verdicts = stdout
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(&line.unwrap()).unwrap();
            assert!(value.get("error").is_none(), "oracle failed: {value}");
            let decision = match value["decision"].as_str().unwrap() {
                "Allowed" => Decision::Allow,
                "ExplicitlyDenied" => Decision::ExplicitDeny,
                "ImplicitlyDenied" => Decision::ImplicitDeny,
                other => panic!("unexpected oracle decision {other}"),
            };
            let statements = serde_json::from_value(value["statements"].clone()).unwrap();
            Verdict {
                decision,
                statements,
            }
        })
        .collect();
    writer.join().unwrap();
    assert!(
        child.wait().unwrap().success(),
        "oracle exited with an error"
    );
    Ok(verdicts)
}

/// Runs the oracle, or skips with a printed reason unless the test suite
/// runs through `scripts/test`, which requires the oracle.
fn oracle_or_skip(lines: Vec<String>) -> Option<Vec<Verdict>> {
    match run_oracle(lines) {
        Ok(verdicts) => Some(verdicts),
        Err(reason) if std::env::var_os("TRAILGRANT_REQUIRE_TOOLS").is_some() => {
            panic!("the iam-simulate oracle is required: {reason}")
        }
        Err(reason) => {
            eprintln!("skipping the iam-simulate comparison: {reason}");
            None
        }
    }
}

#[test]
fn evaluator_agrees_with_iam_simulate() {
    let mut rng = Rng(0x7472_6169_6c67_7261);
    let cases: Vec<Case> = (0..CASES).map(|_| generate(&mut rng)).collect();
    let lines = cases
        .iter()
        .enumerate()
        .map(|(id, case)| case.oracle_line(id))
        .collect();
    let Some(verdicts) = oracle_or_skip(lines) else {
        return;
    };
    assert_eq!(verdicts.len(), cases.len());

    let mut decisions_agree = 0;
    let mut statements_compared = 0;
    let mut statements_agree = 0;
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for (id, (case, verdict)) in cases.iter().zip(&verdicts).enumerate() {
        let request = case.request();
        let named: Vec<(String, &PolicyDocument)> = case
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("p{i}"), p))
            .collect();
        let evaluation = evaluate_documents(
            named.iter().map(|(name, doc)| (name.as_str(), *doc)),
            &request,
        );
        *tally
            .entry(format!("{:?}", evaluation.decision))
            .or_default() += 1;
        let mut agrees = evaluation.decision == verdict.decision;
        for (policy, oracle_statements) in case.policies.iter().zip(&verdict.statements) {
            for (statement, oracle_applies) in policy.statements.iter().zip(oracle_statements) {
                statements_compared += 1;
                let applies = match_statement(statement, &request).result() == MatchResult::Match;
                if applies == *oracle_applies {
                    statements_agree += 1;
                } else {
                    agrees = false;
                }
            }
        }
        if agrees {
            decisions_agree += 1;
        } else {
            disagreements.push(format!(
                "case {id}: ours {:?}, oracle {:?} {:?}\n{}",
                evaluation.decision,
                verdict.decision,
                verdict.statements,
                case.oracle_line(id)
            ));
        }
    }
    eprintln!(
        "iam-simulate agreement: {decisions_agree}/{} cases, {statements_agree}/{statements_compared} \
         statements; decisions {tally:?}",
        cases.len()
    );
    // The corpus must exercise every outcome, or agreement means little.
    for decision in ["Allow", "ExplicitDeny", "ImplicitDeny"] {
        assert!(
            tally.get(decision).copied().unwrap_or(0) >= CASES / 20,
            "few {decision}: {tally:?}"
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements, first ones:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Builds one hand-written case for `known_differences`.
fn single_case(statement: Value, action: &str, resource: &str, context: Value) -> Case {
    let policy = json!({"Version": "2012-10-17", "Statement": [statement]});
    Case {
        policies: vec![serde_json::from_value(policy.clone()).unwrap()],
        policies_json: vec![policy],
        action: action.to_owned(),
        resource: resource.to_owned(),
        context: serde_json::from_value(context).unwrap(),
    }
}

/// Inputs on which this evaluator and iam-simulate 0.1.173 decide
/// differently, each with the reason this evaluator's result is kept. The
/// random corpus above avoids them.
#[test]
fn known_differences() {
    let allow = |condition: Value| json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition});
    let object = "arn:aws:s3:::app-bucket/a.txt";
    let cases = [
        // `…IfExists` holds when the key is missing, set qualifier or not
        // (IAM User Guide, "…IfExists condition operators"); the oracle
        // makes ForAnyValue fail on a missing key first.
        (
            "ForAnyValue with IfExists on a missing key",
            single_case(
                allow(json!({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "env"}})),
                "s3:GetObject",
                object,
                json!({}),
            ),
            Decision::Allow,
            Decision::ImplicitDeny,
        ),
        // ARN matching is case-sensitive in every part; the oracle ignores
        // case in the partition, service, region and account.
        (
            "region in another letter case",
            single_case(
                json!({"Effect": "Allow", "Action": "ssm:GetParameter",
                    "Resource": "arn:aws:ssm:US-EAST-1:111122223333:parameter/app"}),
                "ssm:GetParameter",
                "arn:aws:ssm:us-east-1:111122223333:parameter/app",
                json!({}),
            ),
            Decision::ImplicitDeny,
            Decision::Allow,
        ),
        // An address of the other IP family is not in the listed one, so
        // NotIpAddress holds. The oracle applies this to CIDR blocks but
        // not to a bare address.
        (
            "NotIpAddress with a bare IPv4 address and an IPv6 caller",
            single_case(
                allow(json!({"NotIpAddress": {"aws:SourceIp": "198.51.100.7"}})),
                "s3:GetObject",
                object,
                json!({"aws:SourceIp": "2001:db8::5"}),
            ),
            Decision::Allow,
            Decision::ImplicitDeny,
        ),
        // IAM applies `*` anywhere in the resource part; the oracle reads
        // the resource type before the first `/` literally.
        (
            "wildcard inside the resource type",
            single_case(
                json!({"Effect": "Allow", "Action": "iam:PassRole",
                    "Resource": "arn:aws:iam::111122223333:ro*/app-task-role"}),
                "iam:PassRole",
                "arn:aws:iam::111122223333:role/app-task-role",
                json!({}),
            ),
            Decision::Allow,
            Decision::ImplicitDeny,
        ),
        // `aws:EpochTime` is in seconds; the oracle compares an epoch
        // number with an ISO date in milliseconds.
        (
            "epoch seconds against an ISO date",
            single_case(
                allow(json!({"DateGreaterThan": {"aws:EpochTime": "2024-01-01T00:00:00Z"}})),
                "s3:GetObject",
                object,
                json!({"aws:EpochTime": "1717243200"}),
            ),
            Decision::Allow,
            Decision::ImplicitDeny,
        ),
        // A request for `*` (an action without a resource type) is covered
        // only by `"Resource": "*"`. The oracle, run without its action
        // catalog, reads `*` as "some resource".
        (
            "request resource `*` against an ARN",
            single_case(
                json!({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken",
                    "Resource": "arn:aws:ecr:us-east-1:111122223333:repository/app"}),
                "ecr:GetAuthorizationToken",
                "*",
                json!({}),
            ),
            Decision::ImplicitDeny,
            Decision::Allow,
        ),
    ];
    let lines = cases
        .iter()
        .enumerate()
        .map(|(id, (_, case, ..))| case.oracle_line(id))
        .collect();
    let Some(verdicts) = oracle_or_skip(lines) else {
        return;
    };
    for ((name, case, ours, theirs), verdict) in cases.iter().zip(&verdicts) {
        let decision = allows(&case.policies[0], &case.request());
        assert_eq!(decision, *ours, "{name}: this evaluator");
        assert_eq!(verdict.decision, *theirs, "{name}: iam-simulate");
    }
}

/// A decision reached on a partial context must not change when the
/// missing keys turn out to be present or absent, except for keys the
/// evaluation reported as assumed absent.
#[test]
fn partial_context_decisions_hold_for_every_completion() {
    let mut rng = Rng(0x7061_7274_6961_6c21);
    let mut decided = 0;
    let mut undetermined = 0;
    for _ in 0..CASES {
        let case = generate(&mut rng);
        let full = case.request();
        let mut partial = full.clone().with_completeness(Completeness::Partial);
        let hidden: Vec<String> = full
            .context
            .keys()
            .filter(|_| rng.chance(40))
            .cloned()
            .collect();
        for key in &hidden {
            partial.context.remove(key);
        }
        let documents: Vec<(&str, &PolicyDocument)> =
            case.policies.iter().map(|policy| ("p", policy)).collect();
        let evaluation = evaluate_documents(documents.iter().copied(), &partial);
        if evaluation.decision == Decision::Undetermined {
            undetermined += 1;
            assert!(!evaluation.undetermined.is_empty());
            continue;
        }
        decided += 1;
        let assumed: Vec<String> = evaluation
            .assumed_absent_keys
            .iter()
            .map(|key| key.to_lowercase())
            .collect();
        // Completion one: the hidden keys were there after all.
        let mut present = full.clone();
        for key in &assumed {
            present.context.remove(key);
        }
        // Completion two: the hidden keys were not in the request.
        let absent = partial.clone().with_completeness(Completeness::Complete);
        for completion in [present, absent] {
            let complete = evaluate_documents(documents.iter().copied(), &completion);
            assert_eq!(
                complete.decision,
                evaluation.decision,
                "partial context {:?} decided {:?}, complete context {:?} decides {:?}\n{}",
                partial.context,
                evaluation.decision,
                completion.context,
                complete.decision,
                case.oracle_line(0)
            );
        }
    }
    eprintln!("partial contexts: {decided} decided, {undetermined} undetermined");
    assert!(
        decided >= CASES / 4 && undetermined >= CASES / 10,
        "{decided} / {undetermined}"
    );
}
