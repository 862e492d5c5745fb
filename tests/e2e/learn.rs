//! `learn` on files: the motivating scenario, role filtering, windows, exit
//! codes and determinism.

use serde_json::{json, Value};

use crate::support::{arg, fixture, learn_case, run, run_with_stdin, Run, ROLE};

fn deploy_events() -> String {
    arg(&fixture("ecr-ecs-deploy/events.json"))
}

#[test]
fn motivating_scenario_policy() {
    let run = run([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        ROLE,
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let json = run.json();
    let statements = json["policy"]["Statement"].as_array().unwrap();
    let by_sid = |sid: &str| {
        statements
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no {sid} in {statements:#?}"))
    };
    assert_eq!(statements.len(), 4);
    let login = by_sid("EcrAnyResource");
    assert_eq!(login["Action"], "ecr:GetAuthorizationToken");
    assert_eq!(login["Resource"], "*");
    let push = by_sid("EcrRepository");
    assert_eq!(
        push["Action"],
        serde_json::json!([
            "ecr:BatchCheckLayerAvailability",
            "ecr:CompleteLayerUpload",
            "ecr:InitiateLayerUpload",
            "ecr:PutImage",
            "ecr:UploadLayerPart"
        ])
    );
    assert_eq!(
        push["Resource"],
        "arn:aws:ecr:us-east-1:111122223333:repository/web-app"
    );
    let pass = by_sid("IamRolePassedToEcsTasks");
    assert_eq!(pass["Action"], "iam:PassRole");
    assert_eq!(
        pass["Resource"],
        serde_json::json!([
            "arn:aws:iam::111122223333:role/ecsTaskExecutionRole",
            "arn:aws:iam::111122223333:role/web-app-task"
        ])
    );
    assert_eq!(
        pass["Condition"]["StringEquals"]["iam:PassedToService"],
        "ecs-tasks.amazonaws.com"
    );
    let update = by_sid("EcsService");
    assert_eq!(update["Action"], "ecs:UpdateService");
    assert_eq!(
        update["Resource"],
        "arn:aws:ecs:us-east-1:111122223333:service/prod/web-app"
    );
}

#[test]
fn retried_denials_are_one_finding() {
    let json = run([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        ROLE,
        "--output",
        "json",
    ])
    .json();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 9);
    let login = &findings[0];
    assert_eq!(login["event_name"], "GetAuthorizationToken");
    assert_eq!(login["occurrences"], 2);
    assert_eq!(login["event_ids"].as_array().unwrap().len(), 2);
    assert_eq!(login["cause"], "identity-policy");
    assert_eq!(login["explicit_deny"], false);
}

#[test]
fn other_roles_and_accounts_are_ignored() {
    let json = run([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        ROLE,
        "--output",
        "json",
    ])
    .json();
    let text = json.to_string();
    assert!(!text.contains("batch-jobs"), "ci-nightly's denial leaked");
    assert!(
        !text.contains("999988887777"),
        "the other account's denial leaked"
    );
}

#[test]
fn role_by_name_matches_every_account() {
    let json = run([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        "gha-deploy",
        "--output",
        "json",
    ])
    .json();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 10);
    let warnings = json["warnings"].as_array().unwrap();
    assert!(
        warnings[0].as_str().unwrap().contains("2 accounts"),
        "{warnings:?}"
    );
}

#[test]
fn window_limits_the_events() {
    let run = run([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        ROLE,
        "--output",
        "json",
        "--start",
        "2026-11-20T11:00:00Z",
        "--end",
        "2026-11-20T12:00:00Z",
    ]);
    let json = run.json();
    let names: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["event_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "RegisterTaskDefinition",
            "RegisterTaskDefinition",
            "UpdateService"
        ]
    );
}

#[test]
fn date_only_end_keeps_that_whole_day() {
    let events = deploy_events();
    let all = run([
        "learn", "--events", &events, "--role", ROLE, "--output", "json",
    ])
    .json();
    let day = run([
        "learn",
        "--events",
        &events,
        "--role",
        ROLE,
        "--output",
        "json",
        "--start",
        "2026-11-20",
        "--end",
        "2026-11-20",
    ]);
    assert_eq!(day.code, 1, "stderr: {}", day.stderr);
    assert_eq!(day.json()["findings"], all["findings"]);
}

#[test]
fn timeless_records_reported_in_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.json");
    let record = |id: &str, time: Value| {
        json!({
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions",
                "sessionContext": {"sessionIssuer": {
                    "type": "Role",
                    "arn": ROLE,
                    "accountId": "111122223333"
                }}
            },
            "eventTime": time,
            "eventSource": "ecr.amazonaws.com",
            "eventName": "GetAuthorizationToken",
            "awsRegion": "us-east-1",
            "errorCode": "AccessDenied",
            "errorMessage": "User: arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions \
                             is not authorized to perform: ecr:GetAuthorizationToken on resource: * \
                             because no identity-based policy allows the ecr:GetAuthorizationToken action",
            "eventID": id,
            "recipientAccountId": "111122223333"
        })
    };
    let records = json!({"Records": [
        record("a", json!("2026-11-20T10:00:00Z")),
        record("b", json!("garbage")),
        record("c", Value::Null),
    ]});
    std::fs::write(&path, records.to_string()).unwrap();
    let path = arg(&path);
    let args = [
        "learn", "--events", &path, "--role", ROLE, "--output", "json",
    ];
    let open = run(args);
    assert_eq!(open.code, 1, "stderr: {}", open.stderr);
    assert_eq!(open.json()["findings"][0]["occurrences"], 3);
    let windowed = run([&args[..], &["--start", "2026-11-20"]].concat());
    assert_eq!(windowed.code, 3, "stderr: {}", windowed.stderr);
    assert_eq!(windowed.json()["findings"][0]["occurrences"], 1);
    for index in [1, 2] {
        let expected = format!("record {index}: `eventTime` is missing or invalid");
        assert!(windowed.stderr.contains(&expected), "{}", windowed.stderr);
    }
}

#[test]
fn since_counts_back_from_now() {
    let mut command = crate::support::command();
    command.args([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        ROLE,
        "--output",
        "json",
        "--since",
        "30m",
    ]);
    command.env("TRAILGRANT_NOW", "2026-11-20T11:30:00Z");
    let output = command.output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["event_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["RegisterTaskDefinition", "RegisterTaskDefinition"]);
}

#[test]
fn no_denials_exits_zero() {
    let run = run([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        "arn:aws:iam::111122223333:role/nobody",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.json()["findings"], serde_json::json!([]));
    assert_eq!(run.json()["policy"]["Statement"], serde_json::json!([]));
}

#[test]
fn output_is_byte_identical_across_runs() {
    let args = [
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        ROLE,
        "--output",
        "json",
    ];
    let first = run(args);
    let second = run(args);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn overlapping_inputs_count_each_event_once() {
    let events = deploy_events();
    let once = run([
        "learn", "--events", &events, "--role", ROLE, "--output", "json",
    ])
    .json();
    let twice = run([
        "learn", "--events", &events, &events, "--role", ROLE, "--output", "json",
    ])
    .json();
    assert_eq!(twice["records_of_role"], once["records_of_role"]);
    assert_eq!(twice["findings"], once["findings"]);
    assert_eq!(twice["policy"], once["policy"]);
    let warnings = twice["warnings"].as_array().unwrap();
    let duplicates = once["records_of_role"].as_u64().unwrap();
    let expected = format!("{duplicates} record(s) of the role were read more than once");
    assert!(
        warnings
            .iter()
            .any(|warning| warning.as_str().unwrap().starts_with(&expected)),
        "{warnings:?}"
    );
}

#[test]
fn stated_explicit_deny_names_the_statement() {
    let output = learn_case(
        "explicit-deny-named",
        &[("--policy", "current-policy.json")],
    );
    let findings = output["findings"].as_array().unwrap();
    for (event, sid) in [
        ("DeleteObject", "DenyProdDeletes"),
        ("BatchDeleteImage", "DenyImageDeletes"),
    ] {
        let finding = findings
            .iter()
            .find(|finding| finding["event_name"] == event)
            .unwrap();
        assert_eq!(finding["status"], "not-fixable-on-role", "{event}");
        let remedy = finding["remedy"].as_str().unwrap();
        assert!(
            remedy.contains(&format!("`{sid}` in `current-policy`")),
            "{event}: {remedy}"
        );
    }
    assert_eq!(output["policy"]["Statement"], json!([]));
}

#[test]
fn ec2_tags_on_create_and_wrapped_requests() {
    let events = arg(&fixture("ec2-tag-on-create").join("events.json"));
    let run = run([
        "learn", "--events", &events, "--role", ROLE, "--output", "policy",
    ]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let policy: Value = serde_json::from_str(&run.stdout).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    let tags = statements
        .iter()
        .find(|statement| statement["Action"] == "ec2:CreateTags")
        .unwrap();
    assert_eq!(
        tags["Condition"],
        json!({"StringEquals": {"ec2:CreateAction": "RunInstances"}})
    );
    let template = statements
        .iter()
        .find(|statement| statement["Action"] == "ec2:CreateLaunchTemplateVersion")
        .unwrap();
    assert_eq!(
        template["Resource"],
        "arn:aws:ec2:us-east-1:111122223333:launch-template/lt-0fedcba9876543210"
    );
}

#[test]
fn bucket_of_another_account_names_its_owner() {
    let output = learn_case("cross-account-bucket", &[]);
    let upload = output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["event_name"] == "PutObject")
        .unwrap();
    let warnings = upload["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|warning| warning
            .as_str()
            .unwrap()
            .starts_with("the resource belongs to account `444455556666`")),
        "{warnings:?}"
    );
    let report_warnings = output["warnings"].as_array().unwrap();
    assert!(
        report_warnings.iter().any(|warning| warning
            .as_str()
            .unwrap()
            .starts_with("1 call(s) set an ACL on a bucket whose Object Ownership")),
        "{report_warnings:?}"
    );
}

#[test]
fn later_success_of_a_denied_call_is_noted() {
    let output = learn_case("later-success", &[]);
    let noted: Vec<&Value> = output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| {
            finding["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|warning| {
                    warning
                        .as_str()
                        .unwrap()
                        .starts_with("the same call succeeded at 2026-11-21T12:10:01Z")
                })
        })
        .collect();
    assert_eq!(noted.len(), 1, "{:#}", output["findings"]);
    assert_eq!(noted[0]["event_name"], "PutObject");
    assert_eq!(noted[0]["status"], "missing");
}

#[test]
fn stdin_is_read_with_dash() {
    let input = std::fs::read(fixture("ecr-ecs-deploy/events.json")).unwrap();
    let run = run_with_stdin(
        [
            "learn", "--events", "-", "--role", ROLE, "--output", "policy",
        ],
        &input,
    );
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let policy: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(policy["Statement"].as_array().unwrap().len(), 4);
}

#[test]
fn invalid_role_is_an_error() {
    let run = run([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        "arn:aws:iam::1:user/bob",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        "trailgrant: `arn:aws:iam::1:user/bob` is not a role ARN (`arn:aws:iam::ACCOUNT:role/NAME`)"
    );
}

#[test]
fn text_report_names_each_denial() {
    let run = run([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        ROLE,
        "--output",
        "text",
    ]);
    assert!(run.stdout.contains("1. 2026-11-20T09:00:07Z  ecr.amazonaws.com GetAuthorizationToken  us-east-1  (2 events)"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "   action    iam:PassRole\n   resource  arn:aws:iam::111122223333:role/web-app-task"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Statements to add to the role:"));
}

/// Runs `learn` on a `fixtures/exit-codes` event file against the policy
/// that already allows its `sqs:SendMessage`.
fn learn_already_allowed(events: &str, format: &str) -> Run {
    let case = fixture("exit-codes");
    run([
        "learn".to_owned(),
        "--events".to_owned(),
        arg(&case.join(events)),
        "--role".to_owned(),
        ROLE.to_owned(),
        "--policy".to_owned(),
        arg(&case.join("policy.json")),
        "--output".to_owned(),
        format.to_owned(),
    ])
}

#[test]
fn nothing_to_change_exits_zero() {
    for format in ["json", "text", "policy", "diff", "markdown", "terraform"] {
        let run = learn_already_allowed("granted-since.json", format);
        assert_eq!(run.code, 0, "{format}: {}{}", run.stdout, run.stderr);
    }
    let output = learn_already_allowed("granted-since.json", "json").json();
    assert_eq!(output["findings"][0]["status"], "already-allowed");
    assert_eq!(output["policy"]["Statement"], serde_json::json!([]));
}

#[test]
fn remedy_elsewhere_exits_one() {
    for format in ["json", "text", "policy", "diff", "markdown"] {
        let run = learn_already_allowed("denied-elsewhere.json", format);
        assert_eq!(run.code, 1, "{format}: {}{}", run.stdout, run.stderr);
    }
    let output = learn_already_allowed("denied-elsewhere.json", "json").json();
    assert_eq!(output["findings"][0]["status"], "already-allowed");
    assert_eq!(output["findings"][0]["cause_inferred"], true);
}

#[test]
fn remedy_lists_every_resource() {
    let parameter = "arn:aws:ssm:us-east-1:111122223333:parameter";
    let two = format!(
        "add `ssm:GetParameters` on `{parameter}/app/prod/api-key` and \
         `{parameter}/app/prod/db-url` to the role's identity policy (statement below)"
    );
    let six = format!(
        "add `ssm:GetParameters` on `{parameter}/app/build/p1`, `{parameter}/app/build/p2`, \
         `{parameter}/app/build/p3` and 3 more to the role's identity policy (statement below)"
    );
    for format in ["text", "markdown"] {
        let run = run([
            "learn",
            "--events",
            &arg(&fixture("multi-resource/events.json")),
            "--role",
            ROLE,
            "--anticipate",
            "none",
            "--output",
            format,
        ]);
        assert_eq!(run.code, 1, "stderr: {}", run.stderr);
        // The Markdown table escapes backticks so they stay literal.
        let (two, six) = match format {
            "markdown" => (two.replace('`', "\\`"), six.replace('`', "\\`")),
            _ => (two.clone(), six.clone()),
        };
        assert!(run.stdout.contains(&two), "{format}:\n{}", run.stdout);
        assert!(run.stdout.contains(&six), "{format}:\n{}", run.stdout);
    }
}

#[test]
fn split_limit_overrun_warns_on_stderr() {
    let run = run([
        "learn",
        "--events",
        &arg(&fixture("multi-resource/events.json")),
        "--role",
        ROLE,
        "--anticipate",
        "none",
        "--output",
        "policy",
        "--policy-type",
        "managed",
        "--split-policies=100",
    ]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let warning = run
        .stderr
        .lines()
        .find(|line| line.contains("--split-policies` limit of 100"))
        .unwrap_or_else(|| panic!("no split limit warning:\n{}", run.stderr));
    assert!(
        warning.starts_with("trailgrant: warning: 8 statements cannot be cut to fit"),
        "{warning}"
    );
}

#[test]
fn passrole_service_and_account_come_from_the_request() {
    let events = arg(&fixture("passrole-targets/events.json"));
    let json = run([
        "learn", "--events", &events, "--role", ROLE, "--output", "json",
    ])
    .json();
    let findings = json["findings"].as_array().unwrap();
    let passed_to = |index: usize| {
        findings[index]["requirements"][0]["conditions"]["StringEquals"]["iam:PassedToService"]
            .clone()
    };
    assert_eq!(passed_to(0), json!(["ecs.amazonaws.com"]));
    assert_eq!(passed_to(1), json!(["ecs.amazonaws.com"]));
    assert_eq!(passed_to(2), json!(["ecs-tasks.amazonaws.com"]));
    assert_eq!(findings[0]["status"], "missing");

    let foreign = &findings[3];
    assert_eq!(foreign["event_name"], "RunTask");
    assert_eq!(foreign["status"], "not-fixable-on-role");
    assert!(
        foreign["remedy"]
            .as_str()
            .unwrap()
            .contains("a role of another account"),
        "{}",
        foreign["remedy"]
    );
    let resources = json["policy"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|statement| match &statement["Resource"] {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        })
        .collect::<Vec<_>>();
    assert!(!resources.contains(&json!("arn:aws:iam::444455556666:role/shared-task")));
    assert!(resources.contains(&json!("arn:aws:iam::111122223333:role/ecs-infrastructure")));
}

fn policy_context_report() -> serde_json::Value {
    let run = run([
        "learn",
        "--events",
        &arg(&fixture("policy-context/events.json")),
        "--role",
        "gha-deploy",
        "--policy",
        &arg(&fixture(
            "policy-context/account-authorization-details.json",
        )),
        "--anticipate",
        "none",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    run.json()
}

#[test]
fn boundary_that_lacks_the_action_is_the_cause_when_the_role_allows_it() {
    let json = policy_context_report();
    let finding = &json["findings"][0];
    assert_eq!(finding["event_name"], "SendMessage");
    assert_eq!(finding["cause"], "permissions-boundary");
    assert_eq!(finding["status"], "not-fixable-on-role");
    let remedy = finding["remedy"].as_str().unwrap();
    assert!(remedy.contains("boundary `deploy-boundary`"), "{remedy}");
    assert!(
        remedy.contains("`sqs:SendMessage` on `arn:aws:sqs:us-east-1:111122223333:deploy-events`"),
        "{remedy}"
    );
    let statements = json["policy"]["Statement"].as_array().unwrap();
    assert!(
        statements.iter().all(|s| s["Action"] != "sqs:SendMessage"),
        "{statements:#?}"
    );
}

#[test]
fn calls_with_another_condition_context_are_judged_apart() {
    let json = policy_context_report();
    let listings: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["event_name"] == "ListObjects")
        .collect();
    assert_eq!(listings.len(), 2, "{listings:#?}");
    assert_eq!(listings[0]["request_context"]["s3:prefix"][0], "public/");
    assert_eq!(listings[0]["status"], "already-allowed");
    assert_eq!(listings[0]["occurrences"], 1);
    // Two runs from different runner addresses are one call.
    assert_eq!(listings[1]["request_context"]["s3:prefix"][0], "private/");
    assert_eq!(listings[1]["status"], "missing");
    assert_eq!(listings[1]["occurrences"], 2);
}

#[test]
fn a_double_slash_parameter_pattern_is_corrected_once_for_every_parameter() {
    let policy = arg(&fixture("ssm-double-slash-pattern/current-policy.json"));
    let run = run([
        "learn",
        "--events",
        &arg(&fixture("ssm-double-slash-pattern/events.json")),
        "--role",
        ROLE,
        "--policy",
        &policy,
        "--anticipate",
        "none",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let json = run.json();
    let edits = json["diff"]["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0]["kind"], "replace-resource");
    assert_eq!(
        edits[0]["from"],
        "arn:aws:ssm:us-east-1:111122223333:parameter//app/prod/*"
    );
    assert_eq!(
        edits[0]["to"],
        "arn:aws:ssm:us-east-1:111122223333:parameter/app/prod/*"
    );
}

#[test]
fn a_role_name_in_another_case_is_the_same_role() {
    let run = run([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        "GHA-Deploy",
        "--anticipate",
        "none",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(run.json()["findings"].as_array().unwrap().len(), 10);
}

#[test]
fn a_role_without_records_names_the_roles_the_input_shows_denied() {
    let run = run([
        "learn",
        "--events",
        &deploy_events(),
        "--role",
        "gha-deplo",
        "--output",
        "text",
    ]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        "trailgrant: no record of role `gha-deplo` in the input; it holds denied calls of \
         arn:aws:iam::111122223333:role/gha-deploy (10), \
         arn:aws:iam::111122223333:role/ci-nightly (1), \
         arn:aws:iam::999988887777:role/gha-deploy (1)"
    );
}

/// Copies `fixtures/policy-write/<names>` into a new folder and runs
/// `learn` on its events with `--policy` for each copy and `args` after.
fn learn_with_policies(names: &[&str], args: &[&str]) -> (tempfile::TempDir, Run) {
    let case = fixture("policy-write");
    let folder = tempfile::tempdir().unwrap();
    let mut command = vec![
        "learn".to_owned(),
        "--events".to_owned(),
        arg(&case.join("events.json")),
        "--role".to_owned(),
        ROLE.to_owned(),
        "--anticipate".to_owned(),
        "none".to_owned(),
    ];
    for name in names {
        let copy = folder.path().join(name);
        std::fs::copy(case.join(name), &copy).unwrap();
        command.push("--policy".to_owned());
        command.push(arg(&copy));
    }
    command.extend(args.iter().map(|arg| (*arg).to_owned()));
    // Paths in `args` are relative to the folder of the copies.
    let command: Vec<String> = command
        .into_iter()
        .map(|arg| match arg.strip_prefix("COPY/") {
            Some(name) => crate::support::arg(&folder.path().join(name)),
            None => arg,
        })
        .collect();
    let run = run(command);
    (folder, run)
}

#[test]
fn write_rejects_cli_output_shapes() {
    for (name, shape) in [
        (
            "authorization-details.json",
            "`get-account-authorization-details` output",
        ),
        ("role-policy.json", "`get-role-policy` output"),
        ("policy-version.json", "`get-policy-version` output"),
    ] {
        let written = format!("COPY/{name}");
        let (folder, run) = learn_with_policies(&[name], &["--write", &written, "-o", "json"]);
        let path = folder.path().join(name);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert_eq!(
            run.stderr,
            format!(
                "trailgrant: `--write` can update only a plain policy document (`{{\"Version\": \
                 …, \"Statement\": […]}}`), but `{}` is {shape}; apply the edits of \
                 `--output diff` by hand\n",
                path.display()
            )
        );
        let original = std::fs::read(fixture("policy-write").join(name)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), original, "{name}");
        assert!(!folder.path().join(format!("{name}.bak")).exists());
    }
}

#[test]
fn write_names_edits_left_in_other_files() {
    let (folder, run) = learn_with_policies(
        &["site.json", "lambda.json"],
        &["--write", "COPY/lambda.json", "-o", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let site = folder.path().join("site.json");
    let lambda = folder.path().join("lambda.json");
    assert!(
        run.stderr.contains(&format!(
            "trailgrant: warning: the edit of policy `site` in `{}` was not written, because \
             `--write` updates only `{}`; see `--output diff`\n",
            site.display(),
            lambda.display()
        )),
        "{}",
        run.stderr
    );
    let written: Value = serde_json::from_slice(&std::fs::read(&lambda).unwrap()).unwrap();
    assert_eq!(
        written["Statement"][0]["Resource"],
        json!([
            "arn:aws:lambda:us-east-1:111122223333:function:worker",
            "arn:aws:lambda:us-east-1:111122223333:function:web"
        ])
    );
    let untouched = std::fs::read(&site).unwrap();
    assert_eq!(
        untouched,
        std::fs::read(fixture("policy-write/site.json")).unwrap()
    );
}

#[test]
fn diff_of_authorization_details_names_each_policy() {
    let (folder, run) = learn_with_policies(&["authorization-details.json"], &["-o", "diff"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let source = folder.path().join("authorization-details.json");
    let source = source.display();
    let headers: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("# ") || line.starts_with("--- "))
        .collect();
    assert_eq!(
        headers,
        [
            format!(
                "# policy `site-upload` inside `{source}` (`get-account-authorization-details` \
                 output); line numbers count lines of the pretty-printed document, not of the \
                 file"
            ),
            format!("--- a/{source}#site-upload"),
            format!(
                "# policy `shared-deploy` inside `{source}` (`get-account-authorization-details` \
                 output); line numbers count lines of the pretty-printed document, not of the \
                 file"
            ),
            format!("--- a/{source}#shared-deploy"),
        ]
    );
}

#[test]
fn diff_of_plain_document_keeps_file_header() {
    let (folder, run) = learn_with_policies(&["site.json"], &["-o", "diff"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let source = folder.path().join("site.json");
    assert!(run.stdout.starts_with(&format!(
        "--- a/{}\n+++ b/{}\n",
        source.display(),
        source.display()
    )));
}

#[test]
fn diff_of_plain_document_applies_with_patch() {
    let case = fixture("policy-write");
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("site.json")).unwrap()).unwrap();
    let layouts = [
        ("compact", serde_json::to_string(&document).unwrap()),
        (
            "pretty",
            serde_json::to_string_pretty(&document).unwrap() + "\n",
        ),
    ];
    for (layout, text) in layouts {
        let folder = tempfile::tempdir().unwrap();
        let patched = folder.path().join("patched.json");
        let written = folder.path().join("written.json");
        std::fs::write(&patched, &text).unwrap();
        std::fs::write(&written, &text).unwrap();
        let learn = |policy: &std::path::Path, extra: &[&str]| {
            let mut args = vec![
                "learn".to_owned(),
                "--events".to_owned(),
                arg(&case.join("events.json")),
                "--role".to_owned(),
                ROLE.to_owned(),
                "--anticipate".to_owned(),
                "none".to_owned(),
                "--policy".to_owned(),
                arg(policy),
            ];
            args.extend(extra.iter().map(|extra| (*extra).to_owned()));
            run(args)
        };
        let diff = learn(&patched, &["-o", "diff"]);
        assert_eq!(diff.code, 1, "{layout}: {}", diff.stderr);
        let diff_file = folder.path().join("edit.diff");
        std::fs::write(&diff_file, &diff.stdout).unwrap();
        let output = std::process::Command::new("patch")
            .arg(&patched)
            .arg("-i")
            .arg(&diff_file)
            .output()
            .expect("failed to run patch");
        assert!(
            output.status.success(),
            "{layout}: {}{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            diff.stdout
        );
        let write = learn(&written, &["--write", &arg(&written), "-o", "json"]);
        assert_eq!(write.code, 1, "{layout}: {}", write.stderr);
        assert_eq!(
            std::fs::read_to_string(&patched).unwrap(),
            std::fs::read_to_string(&written).unwrap(),
            "{layout}"
        );
    }
}

#[test]
fn widening_managed_policy_is_a_warning() {
    let (_folder, run) = learn_with_policies(&["authorization-details.json"], &["-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let warnings = run.json()["warnings"].clone();
    assert_eq!(
        warnings,
        json!([
            "the edit widens the customer managed policy `shared-deploy` \
             (`arn:aws:iam::111122223333:policy/shared-deploy`); every role, user or group it is \
             attached to gains the same permissions, so put the statements in an inline policy \
             of the role instead if the others should not have them"
        ])
    );
}

#[test]
fn missing_events_path_is_an_error() {
    let run = run([
        "learn",
        "--events",
        "/nonexistent/trailgrant-events.json",
        "--role",
        ROLE,
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "trailgrant: failed to read `--events` path `/nonexistent/trailgrant-events.json`: No such \
         file or directory (os error 2)\n"
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn missing_events_path_beside_readable_is_partial() {
    let run = run([
        "learn",
        "--events",
        "/nonexistent/trailgrant-events.json",
        &deploy_events(),
        "--role",
        ROLE,
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
}
