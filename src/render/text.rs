//! The human report: one block per finding, the trust-policy findings, the
//! warnings, then the statements to add.

use std::io::{self, Write};

use crate::learn::{Finding, Report, Status};
use crate::policy::PolicyDocument;
use crate::sanitize::terminal_safe;

use super::{json_inert, size, RenderOptions};

/// Writes the human report with one policy document.
pub fn text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write(report, &RenderOptions::default(), out)
}

/// Writes the human report; with a split, each document under a heading
/// giving its size.
pub(super) fn write(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
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
    let mut printed_edits = Vec::new();
    for finding in &report.trust {
        writeln!(out, "Trust policy: {}", terminal_safe(&finding.explanation))?;
        if let Some(statement) = &finding.proposed_statement {
            let index = finding
                .statement_index
                .map_or(String::new(), |i| format!(" (statement {i})"));
            if printed_edits.contains(&(finding.statement_index, statement)) {
                writeln!(
                    out,
                    "Edited trust statement{index}: the edit above, which admits this token too."
                )?;
            } else {
                writeln!(out, "Edited trust statement{index}:")?;
                let text = serde_json::to_string_pretty(statement).map_err(io::Error::other)?;
                writeln!(out, "{}", json_inert(&text))?;
                printed_edits.push((finding.statement_index, statement));
            }
        }
        writeln!(out)?;
    }
    for warning in &report.warnings {
        writeln!(out, "warning: {}", terminal_safe(warning))?;
    }
    crate::anticipate::write_text(report, out)?;
    if report.policy.statements.is_empty() {
        if !report.findings.is_empty() {
            writeln!(out, "No statement to add to the role.")?;
        }
        return Ok(());
    }
    if !options.is_split() {
        writeln!(out, "Statements to add to the role:")?;
        return write_document(&report.policy, out);
    }
    let documents = options.documents(&report.policy);
    for (number, document) in documents.iter().enumerate() {
        writeln!(
            out,
            "Policy {} of {} ({} characters without whitespace):",
            number + 1,
            documents.len(),
            size::policy_size(document)
        )?;
        write_document(document, out)?;
    }
    Ok(())
}

fn write_document(document: &PolicyDocument, out: &mut dyn Write) -> io::Result<()> {
    let text = serde_json::to_string_pretty(document).map_err(io::Error::other)?;
    writeln!(out, "{}", json_inert(&text))
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
        writeln!(out, "   action    {}", requirement.action)?;
        writeln!(out, "   resource  {}", terminal_safe(&requirement.resource))?;
    }
    writeln!(out, "   cause     {cause}")?;
    writeln!(out, "   status    {}", status_word(finding.status))?;
    writeln!(out, "   remedy    {}", terminal_safe(&finding.remedy))?;
    if let Some(statement) = &finding.remedy_statement {
        let text = serde_json::to_string(statement).unwrap_or_default();
        writeln!(out, "   put there {}", json_inert(&text))?;
    }
    for note in &finding.notes {
        writeln!(out, "   note      {}", terminal_safe(note))?;
    }
    for warning in &finding.warnings {
        writeln!(out, "   warning   {}", terminal_safe(warning))?;
    }
    writeln!(out)
}

pub(super) fn status_word(status: Status) -> &'static str {
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
