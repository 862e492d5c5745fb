//! Hostile event fields: escapes and control characters from S3 keys,
//! session names, user agents and messages are neutralized in text and
//! diff output and on stderr, JSON output keeps them exactly, and no output
//! or log level shows the credentials, tokens and signed URLs that events
//! carry.

use serde_json::Value;

use crate::support::{arg, fixture, run, ROLE};

fn hostile_events() -> String {
    arg(&fixture("hostile/events.json"))
}

/// Returns the characters that could steer a terminal, with their offsets.
fn steering(text: &str) -> Vec<(usize, char)> {
    text.char_indices()
        .filter(|(_, ch)| {
            (ch.is_control() && *ch != '\n')
                || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

fn learn(extra: &[&str]) -> crate::support::Run {
    let events = hostile_events();
    let mut args = vec!["learn", "--events", &events, "--role", ROLE];
    args.extend_from_slice(extra);
    run(args)
}

#[test]
fn text_output_escapes_event_controls() {
    let run = learn(&["--output", "text"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(steering(&run.stdout), [], "stdout:\n{}", run.stdout);
    assert_eq!(steering(&run.stderr), [], "stderr:\n{}", run.stderr);
    // Neutralized, not dropped: the reader sees what the field held.
    assert!(
        run.stdout.contains(
            "   resource  arn:aws:s3:::hostile-data/reports/\\u{1b}[2J\\u{1b}[31mowned\\u{1b}[0m\\u{d}\\u{202e}gpj.exe\\u{9b}31m${*}.csv"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("example\\u{1b}[5m.amazonaws.com Describe\\u{1b}[31mThings\\u{202e}"),
        "{}",
        run.stdout
    );
    // The policy block is still JSON, with the same strings.
    let policy_start = run.stdout.find("Statements to add to the role:\n").unwrap();
    let policy: Value = serde_json::from_str(
        &run.stdout[policy_start + "Statements to add to the role:\n".len()..],
    )
    .unwrap();
    let exact = learn(&["--output", "policy"]).json();
    assert_eq!(policy, exact);
}

#[test]
fn markdown_output_escapes_event_controls() {
    let run = learn(&["--output", "markdown"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(steering(&run.stdout), [], "stdout:\n{}", run.stdout);
    assert!(run.stdout.contains("\\u{1b}\\[2J"), "{}", run.stdout);
}

#[test]
fn json_output_keeps_event_strings_exact() {
    let run = learn(&["--output", "json"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let json = run.json();
    let events: Value =
        serde_json::from_slice(&std::fs::read(fixture("hostile/events.json")).unwrap()).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    for (finding, event) in findings.iter().zip(events["Records"].as_array().unwrap()) {
        assert_eq!(finding["error_message"], event["errorMessage"]);
        assert_eq!(finding["event_source"], event["eventSource"]);
        assert_eq!(finding["event_name"], event["eventName"]);
    }
    let key = events["Records"][0]["requestParameters"]["key"]
        .as_str()
        .unwrap();
    assert_eq!(
        findings[0]["resource"].as_str().unwrap(),
        format!("arn:aws:s3:::hostile-data/{}", key.replace('*', "${*}"))
    );
    assert_eq!(
        findings[1]["resource"],
        "arn:aws:ssm:us-east-1:111122223333:parameter/app/\u{1b}[1mtoken"
    );
    // `--output policy` is the document IAM receives, byte for byte.
    let policy = learn(&["--output", "policy"]).json();
    let resources: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Resource"].as_str().unwrap())
        .collect();
    assert!(resources.contains(&findings[0]["resource"].as_str().unwrap()));
}

#[test]
fn diff_output_escapes_event_controls() {
    let current = arg(&fixture("hostile/current-policy.json"));
    let run = learn(&["--policy", &current, "--output", "diff"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(run.stdout.contains("+"), "{}", run.stdout);
    assert_eq!(steering(&run.stdout), [], "stdout:\n{}", run.stdout);
    assert!(
        run.stdout.contains(
            "reports/\\u001b[2J\\u001b[31mowned\\u001b[0m\\r\\u202egpj.exe\\u009b31m${*}.csv"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn stderr_escapes_hostile_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let name = "bad\u{1b}[31m\u{202e}.json";
    std::fs::write(dir.path().join(name), b"{\"Records\": \"\x1b[2J\"}").unwrap();
    let run = run([
        "learn",
        "--events",
        &arg(dir.path()),
        "--role",
        ROLE,
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    assert_eq!(steering(&run.stderr), [], "stderr:\n{}", run.stderr);
    assert!(
        run.stderr.contains("bad\\u{1b}[31m\\u{202e}.json"),
        "{}",
        run.stderr
    );
}

/// The secrets of `fixtures/secrets/events.json`.
const SECRETS: &[&str] = &[
    "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENdoNotPrintMe0000",
    "ASIAQEXAMPLECHAINED1",
    "9f8e7d6c5b4a39281706f5e4d3c2b1a0SIGNATUREdoNotPrint",
    "FwoGZXIvYXdzEXAMPLEURLTOKENdoNotPrint",
    "ASIAQEXAMPLEURLCRED01",
];

#[test]
fn verbose_logs_name_requests_but_never_secrets() {
    let events = arg(&fixture("secrets/events.json"));
    for output in ["text", "json", "policy"] {
        let run = run([
            "learn", "--events", &events, "--role", ROLE, "-vv", "--output", output,
        ]);
        assert_eq!(run.code, 1, "stderr: {}", run.stderr);
        for secret in SECRETS {
            assert!(
                !run.stdout.contains(secret),
                "{secret} on stdout ({output}):\n{}",
                run.stdout
            );
            assert!(
                !run.stderr.contains(secret),
                "{secret} on stderr ({output}):\n{}",
                run.stderr
            );
        }
        // The trace shows the records (redacted) and the denials by id.
        assert!(run.stderr.contains("record of the role"), "{}", run.stderr);
        assert!(run.stderr.contains("<redacted>"), "{}", run.stderr);
        assert!(
            run.stderr.contains("request_id=REQ-HOSTILE-0006"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("request_id=REQ-HOSTILE-0007"),
            "{}",
            run.stderr
        );
    }
}
