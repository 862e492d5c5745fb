//! `trailgrant learn`: flags → a validated plan → scan → learn → render.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use trailgrant::clock::{Clock, FixedClock, SystemClock};
use trailgrant::learn::{self, LearnOptions, Window};
use trailgrant::policy::parse::{parse_file, ParseOptions, PolicyKind, PolicySet};
use trailgrant::record::{parse_time, Record, RoleSelector};
use trailgrant::render::{self, Format};
use trailgrant::sanitize::terminal_safe;
use trailgrant::source;

use super::Exit;

/// Flags of `learn`.
#[derive(Debug, clap::Args)]
pub struct LearnArgs {
    /// CloudTrail event files or directories (searched recursively), or `-`
    /// for stdin. Every shape is detected: S3 delivery files (`.json.gz`
    /// too), JSON arrays, single records, JSON lines, LookupEvents output,
    /// EventBridge envelopes and CloudTrail Lake query results.
    #[arg(long, value_name = "PATH", num_args = 1.., required = true)]
    pub events: Vec<PathBuf>,

    /// The role: an ARN (`arn:aws:iam::111122223333:role/gha-deploy`) or a
    /// name, matched against the session issuer of each call, never the
    /// session name.
    #[arg(long, value_name = "ROLE")]
    pub role: String,

    /// Keep events from this long ago until now, such as `2h`, `30m` or
    /// `1day`.
    #[arg(long, value_name = "DURATION", conflicts_with_all = ["start", "end"])]
    pub since: Option<String>,

    /// Keep events at or after this time (RFC 3339, or `YYYY-MM-DD[ HH:MM:SS]`
    /// in UTC).
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,

    /// Keep events at or before this time.
    #[arg(long, value_name = "TIME")]
    pub end: Option<String>,

    /// Output format; `text` on a terminal, `json` otherwise.
    #[arg(long, short, value_enum, value_name = "FORMAT")]
    pub output: Option<Format>,

    /// The role's current policies, to diff against: policy documents or
    /// AWS CLI output (`get-role-policy`, `get-policy-version`, `get-role`,
    /// `get-account-authorization-details`). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub policy: Vec<PathBuf>,

    /// The role's trust policy (a policy document, or `aws iam get-role`
    /// output), to diagnose refused OIDC tokens.
    #[arg(long, value_name = "FILE")]
    pub trust_policy: Option<PathBuf>,

    /// Update this `--policy` file in place with the smallest edit
    /// (atomically; the original is kept as `FILE.bak`).
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,

    /// Take "now" from this time instead of the clock (for reproducible
    /// `--since` windows).
    #[arg(long, value_name = "TIME", env = "TRAILGRANT_NOW", hide = true)]
    pub now: Option<String>,
}

/// The validated plan of one `learn` run.
#[derive(Debug)]
struct LearnPlan {
    inputs: Vec<PathBuf>,
    options: LearnOptions,
    format: Format,
    write: Option<PathBuf>,
}

impl LearnPlan {
    fn from_args(args: LearnArgs) -> anyhow::Result<LearnPlan> {
        let role = RoleSelector::parse(&args.role).map_err(anyhow::Error::msg)?;
        let clock: Box<dyn Clock> = match args.now.as_deref() {
            Some(text) => Box::new(FixedClock(parse_cli_time(text, "--now")?)),
            None => Box::new(SystemClock),
        };
        let window = window_from(&args, clock.as_ref())?;
        let format = args.output.unwrap_or(if std::io::stdout().is_terminal() {
            Format::Text
        } else {
            Format::Json
        });
        let trust_policy = args
            .trust_policy
            .as_deref()
            .map(read_trust_policy)
            .transpose()?;
        let current = read_current_policies(&args.policy, &args.role)?;
        if current.is_none() && (format == Format::Diff || args.write.is_some()) {
            bail!("`--output diff` and `--write` need the current policy: pass `--policy FILE`");
        }
        if let Some(write) = &args.write {
            if !args.policy.iter().any(|path| path == write) {
                bail!(
                    "`--write {}` must name one of the `--policy` files",
                    write.display()
                );
            }
        }
        Ok(LearnPlan {
            inputs: args.events,
            options: LearnOptions {
                role,
                window,
                trust_policy,
                current,
            },
            format,
            write: args.write,
        })
    }
}

fn read_trust_policy(path: &Path) -> anyhow::Result<trailgrant::policy::PolicyDocument> {
    let options = ParseOptions {
        plain_kind: PolicyKind::Trust,
        role: None,
    };
    let set = parse_file(path, &options)?;
    let trust = set
        .policies
        .into_iter()
        .find(|policy| policy.kind == PolicyKind::Trust);
    match trust {
        Some(policy) => Ok(policy.document),
        None => bail!("`{}` holds no trust policy", path.display()),
    }
}

fn read_current_policies(paths: &[PathBuf], role: &str) -> anyhow::Result<Option<PolicySet>> {
    if paths.is_empty() {
        return Ok(None);
    }
    let options = ParseOptions {
        plain_kind: PolicyKind::Inline,
        role: Some(role.to_owned()),
    };
    let mut set = PolicySet::default();
    for path in paths {
        set.extend(parse_file(path, &options)?);
    }
    for unresolved in &set.unresolved {
        eprintln!(
            "trailgrant: warning: `{}` references `{}`, whose document is not in the input; \
             pass it with another `--policy`",
            terminal_safe(&unresolved.source),
            terminal_safe(&unresolved.arn)
        );
    }
    Ok(Some(set))
}

fn window_from(args: &LearnArgs, clock: &dyn Clock) -> anyhow::Result<Window> {
    if let Some(since) = &args.since {
        let duration = humantime::parse_duration(since)
            .with_context(|| format!("invalid `--since` duration `{since}` (try `2h` or `45m`)"))?;
        let duration = chrono::Duration::from_std(duration)
            .with_context(|| format!("`--since` duration `{since}` is too long"))?;
        let now = clock.now();
        return Ok(Window {
            start: Some(now - duration),
            end: Some(now),
        });
    }
    let start = args
        .start
        .as_deref()
        .map(|t| parse_cli_time(t, "--start"))
        .transpose()?;
    let end = args
        .end
        .as_deref()
        .map(|t| parse_cli_time(t, "--end"))
        .transpose()?;
    if let (Some(start), Some(end)) = (start, end) {
        if start > end {
            bail!("`--start` {start} is after `--end` {end}");
        }
    }
    Ok(Window { start, end })
}

fn parse_cli_time(text: &str, flag: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Some(time) = parse_time(text) {
        return Ok(time);
    }
    if let Ok(date) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        if let Some(midnight) = date.and_hms_opt(0, 0, 0) {
            return Ok(Utc.from_utc_datetime(&midnight));
        }
    }
    bail!("invalid `{flag}` time `{text}` (use RFC 3339 such as `2026-11-20T10:00:00Z`)")
}

/// Runs `learn`.
pub fn run(args: LearnArgs, catalog_path: Option<&Path>) -> anyhow::Result<Exit> {
    let plan = LearnPlan::from_args(args)?;
    let catalog = super::load_catalog(catalog_path)?;
    let prefilter = plan.options.prefilter();
    let collected = Mutex::new(Vec::<Record>::new());
    let scan = source::scan_paths(&plan.inputs, &prefilter, |record, _origin| {
        if plan.options.accepts(&record) {
            if let Ok(mut records) = collected.lock() {
                records.push(record);
            }
        }
    });
    // File names and messages may quote input (a key, a bad byte), so they
    // are neutralized like every other event-derived text.
    for problem in &scan.problems {
        let path = terminal_safe(&problem.path);
        let message = terminal_safe(&problem.message);
        match problem.index {
            Some(index) => eprintln!("trailgrant: {path}: record {index}: {message}"),
            None => eprintln!("trailgrant: {path}: {message}"),
        }
    }
    let records = collected.into_inner().unwrap_or_default();
    let report = learn::learn(records, catalog, &plan.options);
    if let Some(path) = &plan.write {
        write_policy_file(path, &report)?;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(error) =
        render::render(&report, plan.format, &mut stdout).and_then(|()| stdout.flush())
    {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(exit_for(&report, &scan));
        }
        return Err(error).context("failed to write the output");
    }
    if !scan.problems.is_empty() {
        eprintln!(
            "trailgrant: {} problem(s) in the input; the result covers only what could be read",
            scan.problems.len()
        );
    }
    Ok(exit_for(&report, &scan))
}

fn exit_for(report: &learn::Report, scan: &source::ScanReport) -> Exit {
    if !scan.problems.is_empty() {
        Exit::PartialInput
    } else if report.has_findings() {
        Exit::Proposed
    } else {
        Exit::NoDenials
    }
}

/// Replaces `path` with its edited document: the new text goes to a
/// temporary file in the same folder, the original is copied to
/// `PATH.bak`, then the temporary file is renamed over `path`.
fn write_policy_file(path: &Path, report: &learn::Report) -> anyhow::Result<()> {
    let source = path.to_string_lossy();
    let Some(edited) = report.diff.as_ref().and_then(|diff| {
        diff.documents
            .iter()
            .find(|document| document.source == source)
    }) else {
        bail!("`{}` was not read as a policy document", path.display());
    };
    if edited.before == edited.after {
        eprintln!("trailgrant: `{}` needs no change", path.display());
        return Ok(());
    }
    let backup = PathBuf::from(format!("{}.bak", path.display()));
    std::fs::copy(path, &backup)
        .with_context(|| format!("failed to keep a backup `{}`", backup.display()))?;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(folder).with_context(|| {
        format!(
            "failed to create a temporary file in `{}`",
            folder.display()
        )
    })?;
    temporary.write_all(trailgrant::diff::pretty(&edited.after).as_bytes())?;
    temporary.as_file().sync_all()?;
    temporary
        .persist(path)
        .with_context(|| format!("failed to replace `{}`", path.display()))?;
    eprintln!(
        "trailgrant: updated `{}` (backup in `{}`)",
        path.display(),
        backup.display()
    );
    Ok(())
}
