//! The public CloudTrail samples under `fixtures/cloudtrail-samples/`: every
//! denied record of a role gets a finding (or a trust finding) when `learn`
//! studies that role.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use trailgrant::anticipate::AnticipateMode;
use trailgrant::catalog::Catalog;
use trailgrant::denial;
use trailgrant::learn::{learn, LearnOptions, Window};
use trailgrant::record::{Record, RoleSelector};
use trailgrant::source::{scan_paths, Prefilter};

use crate::support::fixture;

/// The role a record belongs to: its session issuer, or the role a web
/// identity asked for.
fn role_of(record: &Record) -> Option<String> {
    let issuer = record
        .user_identity
        .session_context
        .session_issuer
        .arn
        .clone();
    let issuer = issuer.filter(|arn| arn.contains(":role/"));
    issuer.or_else(|| {
        record
            .is_web_identity_assume()
            .then(|| record.request_str("roleArn").map(str::to_owned))
            .flatten()
    })
}

#[test]
fn every_denied_record_of_a_role_gets_a_finding() {
    let collected = Mutex::new(Vec::new());
    let scan = scan_paths(
        &[fixture("cloudtrail-samples")],
        &Prefilter::default(),
        |record, origin| {
            collected
                .lock()
                .unwrap()
                .push((origin.path.clone(), record));
        },
    );
    assert!(scan.files > 60, "only {} files were read", scan.files);
    let records = collected.into_inner().unwrap();
    let mut by_role: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    let mut denied_of_roles = 0;
    for (_, record) in &records {
        let Some(role) = role_of(record) else {
            continue;
        };
        if denial::classify(record).is_some() {
            denied_of_roles += 1;
        }
        by_role.entry(role).or_default().push(record.clone());
    }
    assert!(
        denied_of_roles >= 40,
        "only {denied_of_roles} denied records of roles"
    );
    let catalog = Catalog::embedded().unwrap();
    let mut missed = Vec::new();
    for (role, records) in by_role {
        let Ok(selector) = RoleSelector::parse(&role) else {
            missed.push(format!("role `{role}` does not parse"));
            continue;
        };
        let options = LearnOptions {
            role: selector,
            window: Window::default(),
            trust_policy: None,
            current: None,
            anticipate: AnticipateMode::default(),
            hints: Default::default(),
        };
        let denied: Vec<Record> = records
            .iter()
            .filter(|r| denial::classify(r).is_some())
            .cloned()
            .collect();
        let report = learn(records, catalog, &options);
        for record in denied {
            // CloudTrail Lake rows carry no eventID unless the query selects
            // it; those are matched by source and name.
            let found = match record.event_id.clone() {
                Some(id) => {
                    report.findings.iter().any(|f| f.event_ids.contains(&id))
                        || report.trust.iter().any(|t| t.event_ids.contains(&id))
                }
                None => report
                    .findings
                    .iter()
                    .any(|f| f.event_source == record.source() && f.event_name == record.name()),
            };
            let id = record.event_id.clone().unwrap_or_default();
            if !found {
                missed.push(format!(
                    "{role}: {} {} ({id})",
                    record.source(),
                    record.name()
                ));
            }
        }
    }
    assert!(
        missed.is_empty(),
        "denied records without a finding:\n{}",
        missed.join("\n")
    );
}

#[test]
fn sample_findings_name_catalog_actions() {
    let path: PathBuf = fixture(
        "cloudtrail-samples/from-stratus-red-team/aws.credential-access.ec2-get-password-data.json",
    );
    let collected = Mutex::new(Vec::new());
    scan_paths(&[path], &Prefilter::default(), |record, _| {
        collected.lock().unwrap().push(record)
    });
    let records = collected.into_inner().unwrap();
    let role = records.iter().find_map(role_of).unwrap();
    let options = LearnOptions {
        role: RoleSelector::parse(&role).unwrap(),
        window: Window::default(),
        trust_policy: None,
        current: None,
        anticipate: AnticipateMode::default(),
        hints: Default::default(),
    };
    let report = learn(records, Catalog::embedded().unwrap(), &options);
    let actions: Vec<&str> = report
        .findings
        .iter()
        .filter_map(|f| f.action.as_deref())
        .collect();
    assert!(actions.contains(&"ec2:GetPasswordData"), "{actions:?}");
}
