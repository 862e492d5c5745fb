//! GitHub Actions runs of a role, found from its `AssumeRoleWithWebIdentity`
//! events.
//!
//! Each run of a workflow that uses `aws-actions/configure-aws-credentials`
//! exchanges its OIDC token for one STS session. CloudTrail records that
//! exchange with the token's subject (`repo:ORG/REPO:ref:…` or
//! `…:environment:…`), the session name and the access key id issued, and
//! every later call of the run carries that key. The regional STS endpoint
//! records the exchange in the run's region and the global one in
//! `us-east-1`, so every searched region is asked.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cloudtrail::types::LookupAttributeKey;
use aws_types::SdkConfig;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;
use tokio::task::JoinSet;

use super::errors::AwsError;
use super::lookup::{is_denial, FetchGap, Filter, Lookup, LookupScope, Query, TimeWindow};
use super::progress::Progress;
use crate::record::{parse_time, Record, RoleSelector};

/// The STS call that starts a run's session.
pub const ASSUME_EVENT: &str = "AssumeRoleWithWebIdentity";

/// The session length STS uses when the request names none.
const DEFAULT_SESSION: Duration = Duration::from_secs(3600);

/// Slack around a session's lifetime when searching its events, for clock
/// differences between services.
const SESSION_MARGIN: chrono::Duration = chrono::Duration::minutes(5);

/// One run: one web identity session of the role, or a failed attempt to
/// start one.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// When the session was requested.
    pub time: DateTime<Utc>,
    /// The region whose STS endpoint recorded the request.
    pub region: String,
    /// `eventID` of the `AssumeRoleWithWebIdentity` event.
    pub event_id: Option<String>,
    /// `roleSessionName`, such as `GitHubActions`.
    pub session_name: Option<String>,
    /// The access key id issued; absent when the request failed.
    pub access_key_id: Option<String>,
    /// The OIDC token's subject, such as `repo:acme/web:ref:refs/heads/main`.
    pub subject: Option<String>,
    /// The subject's parts.
    #[serde(flatten)]
    pub claims: SubjectClaims,
    /// `errorCode` when STS refused the session (a trust policy problem).
    pub assume_error: Option<String>,
    /// When the session's credentials expire.
    pub expires: Option<DateTime<Utc>>,
    /// Events of the session found; absent when not counted.
    pub events: Option<usize>,
    /// Denied events of the session found; absent when not counted.
    pub denials: Option<usize>,
    /// The `AssumeRoleWithWebIdentity` record itself, for the trust
    /// diagnosis of a refused session.
    #[serde(skip)]
    pub assume_record: Record,
}

/// The parts of a GitHub OIDC subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubjectClaims {
    /// `ORG/REPO`.
    pub repository: Option<String>,
    /// The Git ref, such as `refs/heads/main`, for runs outside an
    /// environment.
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// The deployment environment, for jobs that name one.
    pub environment: Option<String>,
    /// True for `pull_request` runs.
    pub pull_request: bool,
}

/// Splits a GitHub Actions subject such as `repo:acme/web:environment:prod`
/// into its claims. Customized subjects (`repository_owner:…:repo:…`) are
/// read pair by pair; keys other than `repo`, `ref` and `environment` are
/// ignored.
pub fn parse_subject(subject: &str) -> SubjectClaims {
    let mut claims = SubjectClaims::default();
    let mut parts = subject.split(':');
    while let Some(key) = parts.next() {
        if key == "pull_request" {
            claims.pull_request = true;
            continue;
        }
        let Some(value) = parts.next() else { break };
        let slot = match key {
            "repo" | "repository" => &mut claims.repository,
            "ref" => &mut claims.git_ref,
            "environment" => &mut claims.environment,
            _ => continue,
        };
        slot.get_or_insert_with(|| value.to_owned());
    }
    claims
}

impl RunSummary {
    /// Builds the summary of one `AssumeRoleWithWebIdentity` record, or
    /// none when it has no event time.
    pub fn from_record(record: Record) -> Option<RunSummary> {
        let time = record.event_time?;
        let credentials = record
            .response_elements
            .as_ref()
            .and_then(|response| response.get("credentials"));
        let text = |value: Option<&serde_json::Value>| value?.as_str().map(str::to_owned);
        let access_key_id = text(credentials.and_then(|c| c.get("accessKeyId")));
        let expires = text(credentials.and_then(|c| c.get("expiration")))
            .and_then(|value| parse_expiration(&value));
        let subject = token_subject(&record);
        Some(RunSummary {
            time,
            region: record.region().to_owned(),
            event_id: record.event_id.clone(),
            session_name: record.request_str("roleSessionName").map(str::to_owned),
            access_key_id,
            claims: subject.as_deref().map(parse_subject).unwrap_or_default(),
            subject,
            assume_error: record.error_code.clone(),
            expires: expires.or_else(|| Some(time + requested_duration(&record))),
            events: None,
            denials: None,
            assume_record: record,
        })
    }

    /// Returns the time range the session's events fall in: from the
    /// request to the expiry, with a few minutes' slack either side, and no
    /// later than `now`.
    pub fn session_window(&self, now: DateTime<Utc>) -> TimeWindow {
        let start = self.time - SESSION_MARGIN;
        let expires = self.expires.unwrap_or(self.time) + SESSION_MARGIN;
        TimeWindow::new(start, expires.min(now).max(start))
    }
}

fn token_subject(record: &Record) -> Option<String> {
    let identity = &record.user_identity;
    identity
        .user_name
        .clone()
        .or_else(|| {
            let response = record.response_elements.as_ref()?;
            Some(
                response
                    .get("subjectFromWebIdentityToken")?
                    .as_str()?
                    .to_owned(),
            )
        })
        .or_else(|| {
            // `principalId` of a web identity user is `PROVIDER:AUDIENCE:SUBJECT`.
            let principal = identity.principal_id.as_deref()?;
            Some(principal.splitn(3, ':').nth(2)?.to_owned())
        })
}

fn requested_duration(record: &Record) -> chrono::Duration {
    let seconds = record
        .request_parameters
        .as_ref()
        .and_then(|parameters| parameters.get("durationSeconds"))
        .and_then(|value| value.as_i64().or_else(|| value.as_str()?.parse().ok()));
    let default = chrono::Duration::seconds(DEFAULT_SESSION.as_secs().try_into().unwrap_or(3600));
    seconds.map_or(default, chrono::Duration::seconds)
}

/// Parses `credentials.expiration`, which CloudTrail writes as
/// `Nov 20, 2026, 11:00:05 AM` (UTC), or ISO 8601 in some exports.
fn parse_expiration(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text.trim(), "%b %d, %Y, %I:%M:%S %p")
        .ok()
        .map(|naive| Utc.from_utc_datetime(&naive))
        .or_else(|| parse_time(text))
}

/// The runs found, and what could not be searched.
#[derive(Debug, Clone)]
pub struct RunDiscovery {
    /// The runs, newest first.
    pub runs: Vec<RunSummary>,
    /// Pages that failed, for the run list or a run's counts.
    pub incomplete: Vec<FetchGap>,
    /// LookupEvents calls made.
    pub calls: usize,
}

/// Lists the role's runs in `window` from the `AssumeRoleWithWebIdentity`
/// events of every region in `regions` (plus `us-east-1`), and counts each
/// session's events and denials by its access key id.
pub async fn discover_runs(
    config: &SdkConfig,
    regions: &[String],
    role: &RoleSelector,
    window: TimeWindow,
) -> Result<RunDiscovery, AwsError> {
    let regions = super::lookup::with_global_region(regions);
    let progress = Progress::on_stderr(regions.len());
    let lookup = Lookup::new(config, progress.clone());
    let query = Arc::new(Query {
        attribute: Some((LookupAttributeKey::EventName, ASSUME_EVENT.to_owned())),
        window,
        filter: Filter::WebIdentityAssume(role.clone()),
    });
    let result = async {
        let pages = lookup.search(&regions, &query).await?;
        let mut discovery = RunDiscovery {
            runs: pages
                .records
                .into_iter()
                .filter_map(RunSummary::from_record)
                .collect(),
            incomplete: pages.gaps,
            calls: pages.calls,
        };
        count_denials(&lookup, &regions, window.end, &mut discovery).await?;
        discovery
            .runs
            .sort_by(|a, b| (b.time, &b.event_id).cmp(&(a.time, &a.event_id)));
        Ok(discovery)
    }
    .await;
    progress.finish();
    result
}

/// Fills `events` and `denials` of every run that got a session, searching
/// the runs in parallel (the per-region rate limiters keep the pace).
async fn count_denials(
    lookup: &Lookup,
    regions: &[String],
    now: DateTime<Utc>,
    discovery: &mut RunDiscovery,
) -> Result<(), AwsError> {
    let mut tasks = JoinSet::new();
    for (index, run) in discovery.runs.iter().enumerate() {
        let Some(key) = run.access_key_id.clone() else {
            continue;
        };
        let query = Arc::new(LookupScope::AccessKey(key).query(run.session_window(now)));
        let (lookup, regions) = (lookup.clone(), regions.to_vec());
        tasks.spawn(async move { (index, lookup.search(&regions, &query).await) });
    }
    let mut counted = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((index, result)) = joined else {
            continue;
        };
        match result {
            Ok(pages) => {
                discovery.calls += pages.calls;
                discovery.incomplete.extend(pages.gaps);
                let denials = pages.records.iter().filter(|r| is_denial(r)).count();
                counted.insert(index, (pages.records.len(), denials));
            }
            Err(error) if error.is_fatal() => return Err(error),
            Err(error) => {
                tracing::debug!(%error, "counting a run's events failed");
                discovery.incomplete.push(FetchGap {
                    region: error.region().unwrap_or("?").to_owned(),
                    page: 1,
                    event_id: None,
                    reason: error.to_string(),
                });
            }
        }
    }
    for (index, (events, denials)) in counted {
        if let Some(run) = discovery.runs.get_mut(index) {
            run.events = Some(events);
            run.denials = Some(denials);
        }
    }
    Ok(())
}

/// The run to study, as selected on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunSelector {
    /// `--last-run`: the most recent one.
    Last,
    /// `--run ID`: by access key id, else by session name.
    Id(String),
}

/// Why no single run matched a [`RunSelector`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunSelectionError {
    /// The search found no run at all.
    #[error(
        "no GitHub Actions run of the role was found in the time searched; widen `--since` or \
         add the run's region with `--region`"
    )]
    NoRuns,
    /// Nothing matched the id.
    #[error(
        "no run has the access key id or session name `{id}`; `trailgrant runs --role ROLE` \
         lists the runs"
    )]
    NotFound {
        /// The id given.
        id: String,
    },
    /// Several runs share the session name.
    #[error("{count} runs have the session name `{id}`; pick one by its access key id: {keys}")]
    Ambiguous {
        /// The session name given.
        id: String,
        /// How many runs have it.
        count: usize,
        /// Their access key ids, comma-separated.
        keys: String,
    },
}

/// Picks the run `selector` names from `runs`.
pub fn select_run<'a>(
    runs: &'a [RunSummary],
    selector: &RunSelector,
) -> Result<&'a RunSummary, RunSelectionError> {
    let id = match selector {
        RunSelector::Last => {
            return runs
                .iter()
                .max_by_key(|run| run.time)
                .ok_or(RunSelectionError::NoRuns)
        }
        RunSelector::Id(id) => id,
    };
    if runs.is_empty() {
        return Err(RunSelectionError::NoRuns);
    }
    if let Some(run) = runs
        .iter()
        .find(|run| run.access_key_id.as_deref() == Some(id))
    {
        return Ok(run);
    }
    let named: Vec<&RunSummary> = runs
        .iter()
        .filter(|run| run.session_name.as_deref() == Some(id))
        .collect();
    match named.as_slice() {
        [] => Err(RunSelectionError::NotFound { id: id.clone() }),
        [run] => Ok(run),
        many => Err(RunSelectionError::Ambiguous {
            id: id.clone(),
            count: many.len(),
            keys: many
                .iter()
                .map(|run| run.access_key_id.as_deref().unwrap_or("(none: refused)"))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUCCESS: &str = r#"{
        "eventTime": "2026-11-20T10:00:05Z", "eventID": "ev-1",
        "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
        "awsRegion": "us-west-2",
        "userIdentity": {"type": "WebIdentityUser",
            "principalId": "token.actions.githubusercontent.com:sts.amazonaws.com:repo:acme/web:ref:refs/heads/main",
            "userName": "repo:acme/web:ref:refs/heads/main"},
        "requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/gha-deploy",
            "roleSessionName": "GitHubActions", "durationSeconds": 900},
        "responseElements": {"credentials": {"accessKeyId": "ASIARUNTWO",
            "expiration": "Nov 20, 2026, 10:15:05 AM"}}
    }"#;

    fn run(json: &str) -> RunSummary {
        RunSummary::from_record(Record::from_slice(json.as_bytes()).unwrap()).unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        parse_time(text).unwrap()
    }

    #[test]
    fn subjects_split_into_claims() {
        let branch = parse_subject("repo:acme/web:ref:refs/heads/main");
        assert_eq!(branch.repository.as_deref(), Some("acme/web"));
        assert_eq!(branch.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(branch.environment, None);
        let env = parse_subject("repo:acme/web:environment:prod");
        assert_eq!(env.environment.as_deref(), Some("prod"));
        assert_eq!(env.git_ref, None);
        let pr = parse_subject("repo:acme/web:pull_request");
        assert!(pr.pull_request);
        assert_eq!(pr.repository.as_deref(), Some("acme/web"));
        let custom = parse_subject("repository_owner:acme:repo:acme/web:environment:prod");
        assert_eq!(custom.repository.as_deref(), Some("acme/web"));
        assert_eq!(custom.environment.as_deref(), Some("prod"));
    }

    #[test]
    fn successful_assume_becomes_a_run() {
        let run = run(SUCCESS);
        assert_eq!(run.access_key_id.as_deref(), Some("ASIARUNTWO"));
        assert_eq!(run.session_name.as_deref(), Some("GitHubActions"));
        assert_eq!(run.region, "us-west-2");
        assert_eq!(run.claims.repository.as_deref(), Some("acme/web"));
        assert_eq!(run.expires, Some(at("2026-11-20T10:15:05Z")));
        assert_eq!(run.assume_error, None);
    }

    #[test]
    fn session_window_spans_the_credentials() {
        let run = run(SUCCESS);
        let window = run.session_window(at("2026-11-21T00:00:00Z"));
        assert_eq!(window.start, at("2026-11-20T09:55:05Z"));
        assert_eq!(window.end, at("2026-11-20T10:20:05Z"));
        let early = run.session_window(at("2026-11-20T10:01:00Z"));
        assert_eq!(early.end, at("2026-11-20T10:01:00Z"));
    }

    #[test]
    fn refused_assume_keeps_subject_from_principal() {
        let run = run(
            r#"{"eventTime": "2026-11-20T08:30:00Z", "eventName": "AssumeRoleWithWebIdentity",
                "eventSource": "sts.amazonaws.com", "errorCode": "AccessDenied",
                "userIdentity": {"type": "WebIdentityUser",
                  "principalId": "token.actions.githubusercontent.com:sts.amazonaws.com:repo:evil/fork:pull_request"},
                "requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/gha-deploy",
                  "roleSessionName": "GitHubActions"}}"#,
        );
        assert_eq!(run.subject.as_deref(), Some("repo:evil/fork:pull_request"));
        assert_eq!(run.assume_error.as_deref(), Some("AccessDenied"));
        assert_eq!(run.access_key_id, None);
        assert_eq!(run.expires, Some(at("2026-11-20T09:30:00Z")));
    }

    fn runs() -> Vec<RunSummary> {
        let mut first = run(SUCCESS);
        first.access_key_id = Some("ASIARUNONE".into());
        first.time = at("2026-11-20T09:00:00Z");
        let second = run(SUCCESS);
        let mut third = run(SUCCESS);
        third.access_key_id = Some("ASIARUNTHREE".into());
        third.session_name = Some("deploy-42".into());
        third.time = at("2026-11-20T08:00:00Z");
        vec![first, second, third]
    }

    #[test]
    fn last_run_is_the_newest() {
        let runs = runs();
        let last = select_run(&runs, &RunSelector::Last).unwrap();
        assert_eq!(last.access_key_id.as_deref(), Some("ASIARUNTWO"));
        assert_eq!(
            select_run(&[], &RunSelector::Last).unwrap_err(),
            RunSelectionError::NoRuns
        );
    }

    #[test]
    fn run_found_by_key_or_unique_session_name() {
        let runs = runs();
        let by_key = select_run(&runs, &RunSelector::Id("ASIARUNONE".into())).unwrap();
        assert_eq!(by_key.time, at("2026-11-20T09:00:00Z"));
        let by_name = select_run(&runs, &RunSelector::Id("deploy-42".into())).unwrap();
        assert_eq!(by_name.access_key_id.as_deref(), Some("ASIARUNTHREE"));
    }

    #[test]
    fn shared_session_name_is_ambiguous() {
        let runs = runs();
        let error = select_run(&runs, &RunSelector::Id("GitHubActions".into())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "2 runs have the session name `GitHubActions`; pick one by its access key id: \
             ASIARUNONE, ASIARUNTWO"
        );
        let missing = select_run(&runs, &RunSelector::Id("nope".into())).unwrap_err();
        assert_eq!(missing, RunSelectionError::NotFound { id: "nope".into() });
    }
}
