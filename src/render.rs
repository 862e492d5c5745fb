//! Output formats. Every renderer takes the same in-memory [`Report`] and
//! writes to any `io::Write`; none re-parses another's output.

use std::io::{self, Write};

use crate::learn::{Finding, Report, Status};
use crate::sanitize::{json_terminal_safe, terminal_safe};

/// The output formats of `learn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A report per denial, then the policy (for people).
    Text,
    /// `{"policy": …, "findings": […]}` (for programs).
    Json,
    /// The IAM policy document of the statements to add, alone.
    Policy,
    /// A unified diff of the current policy documents and the edited ones.
    Diff,
}

/// Writes the report in `format`.
pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text(report, out),
        Format::Json => json(report, out),
        Format::Policy => policy(report, out),
        Format::Diff => diff(report, out, false),
    }
}

/// Writes the policy document alone, valid for `aws iam put-role-policy`.
pub fn policy(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report.policy)?;
    writeln!(out)
}

/// Writes the unified diff of the edited documents, colored when `color`.
pub fn diff(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    match &report.diff {
        Some(diff) => out.write_all(crate::diff::unified(diff, color).as_bytes()),
        None => Ok(()),
    }
}

/// Writes the documented json output.
pub fn json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// Writes the human report.
pub fn text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.findings.is_empty() {
        writeln!(
            out,
            "No denied call of the role in {} record(s) of the role.",
            report.records_of_role
        )?;
    }
    for (number, finding) in report.findings.iter().enumerate() {
        text_finding(number + 1, finding, out)?;
    }
    for finding in &report.trust {
        writeln!(out, "Trust policy: {}", terminal_safe(&finding.explanation))?;
        if let Some(statement) = &finding.proposed_statement {
            let index = finding
                .statement_index
                .map_or(String::new(), |i| format!(" (statement {i})"));
            writeln!(out, "Edited trust statement{index}:")?;
            shown_json(statement, out)?;
        }
        writeln!(out)?;
    }
    for warning in &report.warnings {
        writeln!(out, "warning: {}", terminal_safe(warning))?;
    }
    if report.policy.statements.is_empty() {
        if !report.findings.is_empty() {
            writeln!(out, "No statement to add to the role.")?;
        }
        return Ok(());
    }
    writeln!(out, "Statements to add to the role:")?;
    shown_json(&report.policy, out)
}

/// Writes pretty JSON for people: the same value, with the characters that
/// could steer a terminal (from event fields such as S3 keys) escaped.
fn shown_json(value: &impl serde::Serialize, out: &mut dyn Write) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    writeln!(out, "{}", json_terminal_safe(&text))
}

fn text_finding(number: usize, finding: &Finding, out: &mut dyn Write) -> io::Result<()> {
    let time = finding.event_time.map_or_else(
        || "-".to_owned(),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    );
    let repeats = if finding.occurrences > 1 {
        format!("  ({} events)", finding.occurrences)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{number}. {time}  {} {}  {}{repeats}",
        terminal_safe(&finding.event_source),
        terminal_safe(&finding.event_name),
        terminal_safe(&finding.region),
    )?;
    let cause = format!(
        "{} ({}{})",
        finding.cause.as_str(),
        if finding.explicit_deny {
            "explicit deny"
        } else {
            "implicit deny"
        },
        if finding.cause_inferred {
            ", inferred"
        } else {
            ""
        }
    );
    if finding.requirements.is_empty() {
        if let Some(action) = &finding.action {
            writeln!(out, "   action    {}", terminal_safe(action))?;
        }
        if let Some(resource) = &finding.resource {
            writeln!(out, "   resource  {}", terminal_safe(resource))?;
        }
    }
    for requirement in &finding.requirements {
        writeln!(out, "   action    {}", terminal_safe(&requirement.action))?;
        writeln!(out, "   resource  {}", terminal_safe(&requirement.resource))?;
    }
    writeln!(out, "   cause     {cause}")?;
    writeln!(out, "   status    {}", status_word(finding.status))?;
    writeln!(out, "   remedy    {}", terminal_safe(&finding.remedy))?;
    if let Some(statement) = &finding.remedy_statement {
        let text = serde_json::to_string(statement).unwrap_or_default();
        writeln!(out, "   put there {}", json_terminal_safe(&text))?;
    }
    for warning in &finding.warnings {
        writeln!(out, "   warning   {}", terminal_safe(warning))?;
    }
    writeln!(out)
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Missing => "missing from the role's policies",
        Status::AlreadyAllowed => "already allowed by the current policy",
        Status::Undetermined => "allowed only under conditions the event cannot show",
        Status::NotFixableOnRole => "not fixable by a statement on the role",
        Status::Explained => "explained by another denial",
        Status::NoPermissionNeeded => "no permission needed",
        Status::UnknownAction => "unknown action",
    }
}
