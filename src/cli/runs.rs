//! `trailgrant runs`: the role's recent GitHub Actions runs, one per STS
//! session, with the denials found for each.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;
use trailgrant::aws::runs::{discover_runs, RunDiscovery, RunSummary};
use trailgrant::aws::{load_config, search_regions, TimeWindow};
use trailgrant::record::RoleSelector;

use super::aws_args::{now, printable, runtime, write_stdout, AwsArgs};
use super::Exit;

/// LookupEvents keeps 90 days of events.
const LOOKUP_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// Flags of `runs`.
#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    /// The role: its ARN, or its name to match it in any account.
    #[arg(long, value_name = "ROLE")]
    role: String,

    /// How far back to look (for example `24h`, `3d`; at most `90d`).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = humantime::parse_duration)]
    since: Duration,

    #[command(flatten)]
    aws: AwsArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    output: Format,
}

/// `--output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A table for people.
    Text,
    /// One JSON object with every run.
    Json,
}

/// Runs `runs`: exit 0 when every page was read, 3 when some failed (the
/// runs found are still printed).
pub fn run(args: RunsArgs) -> anyhow::Result<Exit> {
    let role = RoleSelector::parse(&args.role).map_err(anyhow::Error::msg)?;
    if args.since > LOOKUP_RETENTION {
        anyhow::bail!("`--since` reaches past the 90 days LookupEvents keeps; give `90d` or less");
    }
    let window = TimeWindow::last(now()?, args.since);
    let options = args.aws.options();
    let discovery = runtime()?.block_on(async {
        let config = load_config(&options).await;
        let regions = search_regions(&config, &options);
        discover_runs(&config, &regions, &role, window).await
    })?;
    let text = match args.output {
        Format::Text => render_text(&discovery),
        Format::Json => render_json(&args.role, window, &discovery)?,
    };
    write_stdout(&text)?;
    // The run list and a run's counts can fail on the same page.
    let mut gaps: Vec<String> = discovery
        .incomplete
        .iter()
        .map(ToString::to_string)
        .collect();
    gaps.sort();
    gaps.dedup();
    for gap in gaps {
        eprintln!(
            "trailgrant: warning: incomplete result: {}",
            printable(&gap)
        );
    }
    Ok(if discovery.incomplete.is_empty() {
        Exit::NoDenials
    } else {
        Exit::PartialInput
    })
}

fn render_json(role: &str, window: TimeWindow, discovery: &RunDiscovery) -> anyhow::Result<String> {
    let value = json!({
        "role": role,
        "window": { "start": window.start, "end": window.end },
        "runs": discovery.runs,
        "incomplete": discovery.incomplete.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "calls": discovery.calls,
    });
    let mut text = serde_json::to_string_pretty(&value).context("failed to write JSON")?;
    text.push('\n');
    Ok(text)
}

fn render_text(discovery: &RunDiscovery) -> String {
    if discovery.runs.is_empty() {
        return "no run of the role found\n".to_owned();
    }
    let header = [
        "TIME (UTC)",
        "REGION",
        "SESSION",
        "ACCESS KEY ID",
        "REPOSITORY",
        "REF OR ENVIRONMENT",
        "EVENTS",
        "DENIALS",
    ]
    .map(str::to_owned);
    let rows: Vec<[String; 8]> = discovery.runs.iter().map(row).collect();
    let mut widths = header.each_ref().map(String::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for line in std::iter::once(&header).chain(&rows) {
        let mut cells = String::new();
        for (cell, width) in line.iter().zip(widths) {
            let _ = write!(cells, "{cell:<width$}  ");
        }
        text.push_str(cells.trim_end());
        text.push('\n');
    }
    text
}

fn row(run: &RunSummary) -> [String; 8] {
    let dash = || "-".to_owned();
    let field = |value: Option<&str>| value.map_or_else(dash, printable);
    let count = |value: Option<usize>| value.map_or_else(dash, |n| n.to_string());
    let context = match (&run.claims.environment, &run.claims.git_ref) {
        (Some(environment), _) => format!("environment {}", printable(environment)),
        (None, Some(git_ref)) => printable(git_ref),
        (None, None) if run.claims.pull_request => "pull request".to_owned(),
        (None, None) => field(run.subject.as_deref()),
    };
    let denials = match &run.assume_error {
        Some(code) => format!("refused: {}", printable(code)),
        None => count(run.denials),
    };
    [
        run.time.format("%Y-%m-%d %H:%M:%S").to_string(),
        printable(&run.region),
        field(run.session_name.as_deref()),
        field(run.access_key_id.as_deref()),
        field(run.claims.repository.as_deref()),
        context,
        count(run.events),
        denials,
    ]
}
