//! The live sources of `learn`: the events of one GitHub run (or of the
//! role in a window) from CloudTrail's LookupEvents, and the role's current
//! policies from IAM.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use trailgrant::aws::iam::read_role;
use trailgrant::aws::lookup::{blind_spots, fetch_events, LookupScope, TimeWindow, WaitResult};
use trailgrant::aws::runs::{discover_runs, select_run, RunSelector};
use trailgrant::aws::{load_config, search_regions, AwsOptions};
use trailgrant::learn::Window;
use trailgrant::policy::parse::PolicySet;
use trailgrant::policy::PolicyDocument;
use trailgrant::record::{Record, RoleSelector};

use super::aws_args::printable;

/// How far back run discovery looks when no window is given.
const DEFAULT_RUN_SEARCH: Duration = Duration::from_secs(24 * 3600);
/// How far back a role lookup without a run looks when no window is given.
const DEFAULT_ROLE_WINDOW: Duration = Duration::from_secs(3600);

/// What to read live.
#[derive(Debug, Clone)]
pub struct LivePlan {
    /// The run to study; `None` reads the role's events in the window.
    pub run: Option<RunSelector>,
    /// How long to wait for the run's denials to be delivered.
    pub wait: Option<Duration>,
    /// Whether events are read from CloudTrail at all (no `--events`).
    pub lookup: bool,
    /// Whether to read the role's policies from IAM.
    pub from_iam: bool,
    /// AWS options.
    pub aws: AwsOptions,
}

/// What the live sources returned.
#[derive(Debug, Default)]
pub struct LiveResult {
    /// Records of the role (or the run).
    pub records: Vec<Record>,
    /// Pages or regions that failed, one line each.
    pub gaps: Vec<String>,
    /// The role's current policies, with `--from-iam`.
    pub current: Option<PolicySet>,
    /// The role's trust policy, with `--from-iam`.
    pub trust: Option<PolicyDocument>,
}

/// Reads the live sources of the plan.
pub fn collect(
    plan: &LivePlan,
    role: &RoleSelector,
    window: Window,
    now: DateTime<Utc>,
) -> anyhow::Result<LiveResult> {
    let runtime = super::aws_args::runtime()?;
    runtime.block_on(collect_async(plan, role, window, now))
}

async fn collect_async(
    plan: &LivePlan,
    role: &RoleSelector,
    window: Window,
    now: DateTime<Utc>,
) -> anyhow::Result<LiveResult> {
    let config = load_config(&plan.aws).await;
    let mut result = LiveResult::default();
    if plan.lookup {
        let regions = search_regions(&config, &plan.aws);
        match &plan.run {
            Some(selector) => {
                read_run(
                    &config,
                    &regions,
                    role,
                    selector,
                    plan,
                    window,
                    now,
                    &mut result,
                )
                .await?
            }
            None => {
                let window = lookup_window(window, now, DEFAULT_ROLE_WINDOW);
                let scope = LookupScope::Role {
                    role: role.clone(),
                    session_name: None,
                };
                let outcome = fetch_events(&config, &regions, &scope, window, plan.wait).await?;
                report_wait(&outcome.waited_for_denials, plan.wait.is_some());
                result
                    .gaps
                    .extend(outcome.incomplete.iter().map(ToString::to_string));
                result.records.extend(outcome.records);
            }
        }
        for spot in blind_spots(&result.records) {
            eprintln!("trailgrant: note: {}", printable(&spot.to_string()));
        }
    }
    if plan.from_iam {
        let name = role.name();
        let policies = read_role(&config, name)
            .await
            .with_context(|| format!("failed to read the policies of role `{name}` from IAM"))?;
        result.trust = policies.trust.clone();
        result.current = Some(policies.into_policy_set());
    }
    Ok(result)
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; a struct would only rename them"
)]
async fn read_run(
    config: &aws_config::SdkConfig,
    regions: &[String],
    role: &RoleSelector,
    selector: &RunSelector,
    plan: &LivePlan,
    window: Window,
    now: DateTime<Utc>,
    result: &mut LiveResult,
) -> anyhow::Result<()> {
    let search = lookup_window(window, now, DEFAULT_RUN_SEARCH);
    let discovery = discover_runs(config, regions, role, search).await?;
    result
        .gaps
        .extend(discovery.incomplete.iter().map(ToString::to_string));
    let run = select_run(&discovery.runs, selector)?;
    eprintln!(
        "trailgrant: run `{}` at {} ({})",
        printable(run.session_name.as_deref().unwrap_or("?")),
        run.time.format("%Y-%m-%dT%H:%M:%SZ"),
        printable(run.subject.as_deref().unwrap_or("no subject"))
    );
    result.records.push(run.assume_record.clone());
    let Some(key) = run.access_key_id.clone() else {
        // A refused token issues no key, so the run has no other events.
        return Ok(());
    };
    let scope = LookupScope::AccessKey(key);
    let outcome = fetch_events(config, regions, &scope, run.session_window(now), plan.wait).await?;
    report_wait(&outcome.waited_for_denials, plan.wait.is_some());
    result
        .gaps
        .extend(outcome.incomplete.iter().map(ToString::to_string));
    result.records.extend(outcome.records);
    Ok(())
}

fn report_wait(wait: &WaitResult, asked: bool) {
    if asked {
        eprintln!("trailgrant: {wait}");
    }
}

fn lookup_window(window: Window, now: DateTime<Utc>, default_span: Duration) -> TimeWindow {
    match (window.start, window.end) {
        (None, None) => TimeWindow::last(now, default_span),
        (start, end) => {
            let end = end.unwrap_or(now);
            let start = start.unwrap_or_else(|| TimeWindow::last(end, default_span).start);
            TimeWindow::new(start, end)
        }
    }
}
