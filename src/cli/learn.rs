//! `trailgrant learn`: flags → a validated plan → scan → learn → render.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use trailgrant::anticipate::workflow::WorkflowError;
use trailgrant::anticipate::{read_workflow, AnticipateMode, DeployHints, TaskDefinition};
use trailgrant::aws::runs::RunSelector;
use trailgrant::clock::{Clock, FixedClock, SystemClock};
use trailgrant::learn::{self, LearnOptions, Window};
use trailgrant::policy::parse::{parse_file, InputShape, ParseOptions, PolicyKind, PolicySet};
use trailgrant::record::{parse_time, Record, RoleSelector};
use trailgrant::render::Format;
use trailgrant::sanitize::terminal_safe;
use trailgrant::source;

use super::learn_live::{self, LivePlan};
use super::Exit;

/// Flags of `learn`.
#[derive(Debug, clap::Args)]
pub struct LearnArgs {
    /// CloudTrail event files or directories (searched recursively), `-`
    /// for stdin, or a trail bucket `s3://BUCKET[/PREFIX]` whose log files of
    /// the window are read. Every shape is detected: S3 delivery files
    /// (`.json.gz` too), JSON arrays, single records, JSON lines,
    /// LookupEvents output, EventBridge envelopes and CloudTrail Lake query
    /// results. Without `--events`, `--athena` or `--lake`, the events are
    /// read from CloudTrail's LookupEvents (see `--last-run`, `--run` and
    /// the AWS flags).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub events: Vec<PathBuf>,

    /// Study the role's most recent run (GitHub Actions session), found
    /// from its `AssumeRoleWithWebIdentity` events in CloudTrail.
    #[arg(long, conflicts_with_all = ["run", "events", "athena", "lake"])]
    pub last_run: bool,

    /// Study this run: the access key id or the session name (set
    /// `role-session-name` in the workflow to make it the run id).
    #[arg(long, value_name = "ID", conflicts_with_all = ["events", "athena", "lake"])]
    pub run: Option<String>,

    /// Poll CloudTrail for up to this long until the run's denials are
    /// delivered (events arrive about 5, at worst 15, minutes after the
    /// call), such as `15m`.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, conflicts_with = "events")]
    pub wait: Option<std::time::Duration>,

    /// Read the role's inline and attached managed policies, its permissions
    /// boundary and its trust policy from IAM, and diff against them.
    #[arg(long)]
    pub from_iam: bool,

    #[command(flatten)]
    pub aws: super::aws_args::AwsArgs,

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

    /// Keep events at or before this time. A date alone means the end of
    /// that day, so `--start 2026-11-21 --end 2026-11-21` keeps that day.
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

    /// Handling of the permissions the rest of a recognised deploy flow will
    /// need, such as the rest of a docker push or the roles a task
    /// definition passes. `none` skips them, `suggest` lists them apart from
    /// the policy, and `include` also adds them as statements whose Sid
    /// starts with `Anticipated`. Only resources named in the events are
    /// used.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = AnticipateMode::Suggest)]
    pub anticipate: AnticipateMode,

    /// The deploy's GitHub Actions workflow file. Anticipation then also
    /// covers the flows the workflow runs (ECR push, ECS deploy, S3 sync,
    /// Lambda, CloudFormation, EKS) on the resources it names, before a
    /// record shows them. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub workflow: Vec<PathBuf>,

    /// The ECS task definition JSON the workflow deploys, used instead of
    /// the file its deploy step names (which is read relative to the folder
    /// holding `.github/`).
    #[arg(long, value_name = "FILE", requires = "workflow")]
    pub task_definition: Option<PathBuf>,

    /// Take "now" from this time instead of the clock (for reproducible
    /// `--since` windows).
    #[arg(long, value_name = "TIME", env = "TRAILGRANT_NOW", hide = true)]
    pub now: Option<String>,

    #[command(flatten)]
    pub layout: super::output::OutputArgs,

    #[command(flatten)]
    pub org: super::org_source::OrgArgs,
}

/// The validated plan of one `learn` run.
#[derive(Debug)]
struct LearnPlan {
    inputs: Vec<PathBuf>,
    options: LearnOptions,
    format: Format,
    write: Option<PathBuf>,
    /// The `--policy` files.
    policy_files: Vec<PathBuf>,
    live: LivePlan,
    source: super::org_source::OrgPlan,
    now: DateTime<Utc>,
    layout: super::output::OutputArgs,
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
        let hints = read_hints(&args.workflow, args.task_definition.as_deref())?;
        if current.is_none() && !args.from_iam && (format == Format::Diff || args.write.is_some()) {
            bail!("`--output diff` and `--write` need the current policy: pass `--policy FILE`");
        }
        if let Some(write) = &args.write {
            if !args.policy.iter().any(|path| path == write) {
                bail!(
                    "`--write {}` must name one of the `--policy` files",
                    write.display()
                );
            }
            check_writable(write, current.as_ref())?;
        }
        let run = match (&args.run, args.last_run) {
            (Some(id), _) => Some(RunSelector::Id(id.clone())),
            (None, true) => Some(RunSelector::Last),
            (None, false) => None,
        };
        let live = LivePlan {
            run,
            wait: args.wait,
            lookup: args.events.is_empty() && args.org.athena.is_none() && args.org.lake.is_none(),
            from_iam: args.from_iam,
            aws: args.aws.options(),
        };
        let source = super::org_source::OrgPlan::new(
            &args.org,
            &args.aws,
            &args.events,
            &role,
            window,
            args.anticipate,
            clock.now(),
        )?;
        // After the option checks, so a misused option is named first.
        check_events_exist(&args.events)?;
        Ok(LearnPlan {
            inputs: source.local_files().to_vec(),
            options: LearnOptions {
                role,
                window,
                trust_policy,
                current,
                anticipate: args.anticipate,
                hints,
            },
            format,
            write: args.write,
            policy_files: args.policy.clone(),
            live,
            source,
            now: clock.now(),
            layout: args.layout,
        })
    }
}

/// Fails when every `--events` input is a local path that cannot be
/// opened: nothing would be read, which is a usage error, not a partial
/// result. A missing path among readable ones is reported by the scan.
fn check_events_exist(events: &[PathBuf]) -> anyhow::Result<()> {
    let is_local = |path: &PathBuf| {
        let text = path.to_string_lossy();
        text != "-" && !text.starts_with("s3://")
    };
    if events.is_empty() || !events.iter().all(is_local) {
        return Ok(());
    }
    let mut first_error = None;
    for path in events {
        match std::fs::metadata(path) {
            Ok(_) => return Ok(()),
            Err(error) => {
                first_error.get_or_insert((path, error));
            }
        }
    }
    match first_error {
        Some((path, error)) => Err(anyhow::Error::new(error).context(format!(
            "failed to read `--events` path `{}`",
            path.display()
        ))),
        None => Ok(()),
    }
}

/// Rejects `--write` for a file that is not a plain policy document:
/// rewriting it as one document would drop everything else it contains.
fn check_writable(path: &Path, current: Option<&PolicySet>) -> anyhow::Result<()> {
    let source = path.display().to_string();
    let shape = current
        .into_iter()
        .flat_map(|set| &set.policies)
        .find(|policy| policy.source == source && policy.shape != InputShape::Document)
        .map(|policy| policy.shape);
    if let Some(shape) = shape {
        bail!(
            "`--write` can update only a plain policy document (`{{\"Version\": …, \"Statement\": \
             […]}}`), but `{source}` is {}; apply the edits of `--output diff` by hand",
            shape.description()
        );
    }
    Ok(())
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

/// Reads the `--workflow` files into deploy hints.
fn read_hints(
    workflows: &[PathBuf],
    task_definition: Option<&Path>,
) -> anyhow::Result<DeployHints> {
    let task_definition = task_definition
        .map(|path| {
            TaskDefinition::read(path).map_err(|reason| WorkflowError::TaskDefinition {
                path: path.display().to_string(),
                reason,
            })
        })
        .transpose()?;
    let mut hints = DeployHints::default();
    for path in workflows {
        hints.extend(read_workflow(path, task_definition.as_ref())?);
    }
    Ok(hints)
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
    let end = args.end.as_deref().map(parse_cli_end).transpose()?;
    if let (Some(start), Some(end)) = (start, end) {
        if start > end {
            bail!("`--start` {start} is after `--end` {end}");
        }
    }
    Ok(Window { start, end })
}

/// Parses `--end`: a date alone stands for the last instant of that day,
/// because the window's end is inclusive and users read `--end 2026-11-21`
/// as "through the 21st".
fn parse_cli_end(text: &str) -> anyhow::Result<DateTime<Utc>> {
    if parse_time(text).is_none() {
        if let Ok(date) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
            if let Some(last) = date.and_hms_nano_opt(23, 59, 59, 999_999_999) {
                return Ok(Utc.from_utc_datetime(&last));
            }
        }
    }
    parse_cli_time(text, "--end")
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
    let mut plan = LearnPlan::from_args(args)?;
    if let Some(sql) = plan.source.explanation() {
        super::aws_args::write_stdout(sql)?;
        return Ok(Exit::NoDenials);
    }
    let catalog = super::load_catalog(catalog_path)?;
    let mut problems = Vec::new();
    let mut records = if plan.live.lookup || plan.inputs.is_empty() {
        Vec::new()
    } else {
        scan_files(&plan, &mut problems)
    };
    let remote = super::org_source::collect(&plan.source, &plan.options)?;
    problems.extend(remote.scan.problems.iter().map(ToString::to_string));
    records.extend(remote.records);
    if plan.live.lookup || plan.live.from_iam {
        let live = learn_live::collect(
            &plan.live,
            &plan.options.role,
            plan.options.window,
            plan.now,
        )?;
        problems.extend(live.gaps.iter().map(|gap| format!("incomplete: {gap}")));
        records.extend(
            live.records
                .into_iter()
                .filter(|record| plan.options.role.matches(record)),
        );
        if let Some(current) = live.current {
            match &mut plan.options.current {
                Some(set) => set.extend(current),
                None => plan.options.current = Some(current),
            }
        }
        if plan.options.trust_policy.is_none() {
            plan.options.trust_policy = live.trust;
        }
    }
    // Problems quote file names, keys and AWS messages, so they are
    // neutralized like every other event-derived text.
    for problem in &problems {
        eprintln!("trailgrant: {}", terminal_safe(problem));
    }
    let mut report = learn::learn(records, catalog, &plan.options);
    if report.records_of_role == 0 && !plan.inputs.is_empty() && !plan.live.lookup {
        name_other_roles(&plan);
    }
    // A query returns only the records the findings need, with the count of
    // all the role's records beside them.
    if let Some(count) = remote.role_records {
        report.records_of_role = count;
    }
    attach_original_texts(&mut report, &plan.policy_files);
    if let Some(path) = &plan.write {
        write_policy_file(path, &report)?;
    }
    let exit = exit_for(&report, problems.len());
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = super::output::write(&mut report, plan.format, &plan.layout, &mut stdout)
        .and_then(|()| stdout.flush())
    {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(exit);
        }
        return Err(error).context("failed to write the output");
    }
    if !problems.is_empty() {
        eprintln!(
            "trailgrant: {} problem(s) in the input; the result covers only what could be read",
            problems.len()
        );
    }
    Ok(exit)
}

/// Reads the `--events` files, keeping the records of the role in the
/// window; every unreadable file or record becomes one line in `problems`.
fn scan_files(plan: &LearnPlan, problems: &mut Vec<String>) -> Vec<Record> {
    let prefilter = plan.options.prefilter();
    let collected = Mutex::new(Vec::<Record>::new());
    let timeless = Mutex::new(Vec::<(String, usize)>::new());
    let window = plan.options.window;
    let bounded = window.start.is_some() || window.end.is_some();
    let scan = source::scan_paths(&plan.inputs, &prefilter, |record, origin| {
        if plan.options.accepts(&record) {
            if let Ok(mut records) = collected.lock() {
                records.push(record);
            }
        } else if bounded && record.event_time.is_none() && plan.options.role.matches(&record) {
            // The window cannot place it, and it may be one of the role's
            // denials, so it is reported rather than dropped unseen.
            if let Ok(mut timeless) = timeless.lock() {
                timeless.push((origin.path.clone(), origin.index));
            }
        }
    });
    for problem in &scan.problems {
        problems.push(match problem.index {
            Some(index) => format!("{}: record {index}: {}", problem.path, problem.message),
            None => format!("{}: {}", problem.path, problem.message),
        });
    }
    let mut timeless = timeless.into_inner().unwrap_or_default();
    timeless.sort();
    problems.extend(timeless.into_iter().map(|(path, index)| {
        format!(
            "{path}: record {index}: `eventTime` is missing or invalid, so the record cannot be \
             placed in the time window; skipped"
        )
    }));
    collected.into_inner().unwrap_or_default()
}

/// When the files hold no record of the role, names the roles whose calls
/// they do show denied, so a mistyped `--role` or the wrong files are
/// plain. Only this path pays for the second scan.
fn name_other_roles(plan: &LearnPlan) {
    let counts = Mutex::new(std::collections::BTreeMap::<String, usize>::new());
    source::scan_paths(
        &plan.inputs,
        &source::Prefilter::any_of(["errorCode"]),
        |record, _origin| {
            let Some(role) = record
                .user_identity
                .session_context
                .session_issuer
                .arn
                .as_deref()
            else {
                return;
            };
            if trailgrant::denial::classify(&record).is_some()
                && plan.options.window.contains(&record)
            {
                if let Ok(mut counts) = counts.lock() {
                    *counts.entry(role.to_owned()).or_default() += 1;
                }
            }
        },
    );
    let mut counts: Vec<(String, usize)> = counts
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .collect();
    if counts.is_empty() {
        return;
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let shown: Vec<String> = counts
        .iter()
        .take(5)
        .map(|(role, count)| format!("{role} ({count})"))
        .collect();
    let more = counts.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    eprintln!(
        "trailgrant: no record of role `{}` in the input; it holds denied calls of {}{more}",
        terminal_safe(plan.options.role.name()),
        terminal_safe(&shown.join(", "))
    );
}

fn exit_for(report: &learn::Report, problems: usize) -> Exit {
    if problems > 0 {
        Exit::PartialInput
    } else if report.proposes_change() {
        Exit::Proposed
    } else {
        Exit::NoDenials
    }
}

/// Gives each `--policy` file that is one plain document its text, so the
/// unified diff starts from the file as written. A file that changed since
/// it was read, or no longer parses to the same document, keeps the
/// pretty-printed form.
fn attach_original_texts(report: &mut learn::Report, files: &[PathBuf]) {
    let Some(diff) = report.diff.as_mut() else {
        return;
    };
    for document in &mut diff.documents {
        if document.shape != InputShape::Document {
            continue;
        }
        let Some(path) = files
            .iter()
            .find(|path| path.to_string_lossy() == document.source)
        else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let options = ParseOptions {
            plain_kind: document.kind,
            role: None,
        };
        let reread = trailgrant::policy::parse::parse_text(&text, &document.source, "", &options);
        let same = reread.ok().is_some_and(|set| {
            set.policies.len() == 1
                && set
                    .policies
                    .first()
                    .is_some_and(|policy| policy.document == document.before)
        });
        if same {
            document.original_text = Some(text);
        }
    }
}

/// Replaces `path` with its edited document: the new text goes to a
/// temporary file in the same folder, the original is copied to
/// `PATH.bak`, then the temporary file is renamed over `path`.
fn write_policy_file(path: &Path, report: &learn::Report) -> anyhow::Result<()> {
    let source = path.to_string_lossy();
    let Some(diff) = report.diff.as_ref() else {
        bail!("`{}` was not read as a policy document", path.display());
    };
    warn_unwritten(path, diff);
    let Some(edited) = diff
        .documents
        .iter()
        .find(|document| document.source == source)
    else {
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

/// Warns about each edited document that `--write` leaves unchanged because
/// it lives in another file, or in no file yet.
fn warn_unwritten(path: &Path, diff: &trailgrant::diff::PolicyDiff) {
    let source = path.to_string_lossy();
    for document in &diff.documents {
        if document.source == source || document.before == document.after {
            continue;
        }
        eprintln!(
            "trailgrant: warning: the edit of policy `{}` in `{}` was not written, because \
             `--write` updates only `{}`; see `--output diff`",
            terminal_safe(&document.policy),
            terminal_safe(&document.source),
            path.display()
        );
    }
}
