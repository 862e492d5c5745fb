//! Output flags shared by the commands that print a report: the policy
//! layout (`--policy-type`, `--split-policies`) and the GitHub Actions step
//! summary (`--summary`).

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use trailgrant::learn::Report;
use trailgrant::render::{self, markdown, size, Format, PolicyType, RenderOptions};

/// Layout flags of the statements, and the step summary flag.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Where the statements will live: `inline` policies of the role (all
    /// of them together may take 10,240 characters) or `managed` policies
    /// (6,144 characters each). Sets the size limit checked and the shape
    /// of `--output cloudformation`.
    #[arg(long, value_enum, value_name = "TYPE", default_value_t = PolicyType::Inline)]
    pub policy_type: PolicyType,

    /// Split the statements into several policies of at most MAX_CHARS
    /// characters each, whitespace excluded (IAM's way of counting). Without
    /// a value, the limit of `--policy-type`: 6144 for managed, 10240 for
    /// inline.
    #[arg(
        long,
        value_name = "MAX_CHARS",
        num_args = 0..=1,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub split_policies: Option<Option<u64>>,

    /// Also append the report as Markdown to the file named by
    /// `$GITHUB_STEP_SUMMARY`, the step summary of GitHub Actions. Without
    /// that variable, warns and writes nothing more.
    #[arg(long)]
    pub summary: bool,
}

impl OutputArgs {
    /// Returns the layout the flags request.
    pub fn render_options(&self) -> RenderOptions {
        let split_at = self.split_policies.map(|limit| match limit {
            Some(chars) => usize::try_from(chars).unwrap_or(usize::MAX),
            None => size::document_limit(self.policy_type),
        });
        RenderOptions {
            policy_type: self.policy_type,
            split_at,
        }
    }
}

/// Checks the statements against IAM's size quotas, writes the report in
/// `format` to `out`, then, with `--summary`, appends the Markdown report to
/// the step summary. Size warnings join the report's warnings and are
/// printed on stderr. A step summary that cannot be written is a warning,
/// because the report itself was delivered.
pub fn write(
    report: &mut Report,
    format: Format,
    args: &OutputArgs,
    out: &mut dyn Write,
) -> io::Result<()> {
    let options = args.render_options();
    let size_warnings = size::warnings(&options.documents(&report.policy), &options);
    for warning in &size_warnings {
        eprintln!("trailgrant: warning: {warning}");
    }
    report.warnings.extend(size_warnings);
    render::render_with(report, format, &options, out)?;
    out.flush()?;
    if args.summary {
        append_step_summary(report, &options, std::env::var_os("GITHUB_STEP_SUMMARY"));
    }
    Ok(())
}

fn append_step_summary(report: &Report, options: &RenderOptions, path: Option<OsString>) {
    let Some(path) = path.filter(|path| !path.is_empty()) else {
        eprintln!(
            "trailgrant: warning: `--summary` needs `$GITHUB_STEP_SUMMARY`, which GitHub Actions \
             sets in each step; it is not set, so no step summary was written"
        );
        return;
    };
    let path = Path::new(&path);
    if let Err(error) = append_to(path, report, options) {
        eprintln!(
            "trailgrant: warning: failed to append the step summary to `{}`: {error}",
            path.display()
        );
    }
}

/// Appends the Markdown report, cut to what still fits in the step's
/// summary when the step already wrote part of it.
fn append_to(path: &Path, report: &Report, options: &RenderOptions) -> io::Result<()> {
    let used =
        std::fs::metadata(path).map_or(0, |meta| usize::try_from(meta.len()).unwrap_or(usize::MAX));
    let room = markdown::STEP_SUMMARY_LIMIT.saturating_sub(used);
    let text = markdown::summary(report, options, room);
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()
}
