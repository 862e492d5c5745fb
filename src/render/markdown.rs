//! Markdown: the report for a GitHub Actions step summary
//! (`$GITHUB_STEP_SUMMARY`).
//!
//! It opens with a table of the denied calls with cause, status and remedy.
//! The statements to add follow in a fenced JSON block and the edit of the
//! current policies in a fenced diff. Then come the trust-policy findings,
//! the changes that belong outside the role, the notes and the warnings.
//!
//! Every event-derived text in the table and the lists goes through
//! [`markdown_safe`]; code blocks carry JSON whose strings cannot end the
//! block, because the fence is longer than any backtick run inside it.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::learn::{status_counts, Finding, Report};
use crate::policy::PolicyDocument;
use crate::sanitize::markdown_safe;

use super::text::status_word;
use super::{json_inert, size, RenderOptions};

/// The most GitHub shows of one step's summary: larger uploads are dropped
/// whole with the error "`$GITHUB_STEP_SUMMARY` upload aborted, supports
/// content up to a size of 1024k".
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// Writes the Markdown report.
pub fn write(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(report_markdown(report, options, None).as_bytes())
}

/// Returns the Markdown report in at most `max_bytes` bytes: when the whole
/// report is larger, the table keeps its first rows and states how many
/// were left out.
pub fn summary(report: &Report, options: &RenderOptions, max_bytes: usize) -> String {
    let full = report_markdown(report, options, None);
    if full.len() <= max_bytes {
        return full;
    }
    let mut rows = report.findings.len();
    while rows > 0 {
        rows /= 2;
        let shorter = report_markdown(report, options, Some(rows));
        if shorter.len() <= max_bytes {
            return shorter;
        }
    }
    let note = "\n\n*Summary cut at the step summary size limit; run with `--output markdown` for the whole report.*\n";
    let mut cut = max_bytes.saturating_sub(note.len());
    let text = report_markdown(report, options, Some(0));
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut shortened = text.get(..cut).unwrap_or_default().to_owned();
    if max_bytes >= note.len() {
        shortened.push_str(note);
    }
    shortened
}

fn report_markdown(report: &Report, options: &RenderOptions, row_limit: Option<usize>) -> String {
    let mut md = String::new();
    md.push_str("## trailgrant: denied calls of the role\n\n");
    md.push_str(&counts_line(report));
    if !report.findings.is_empty() {
        findings_table(&report.findings, row_limit, &mut md);
    }
    statements_section(report, options, &mut md);
    diff_section(report, &mut md);
    trust_section(report, &mut md);
    outside_section(&report.findings, &mut md);
    notes_section(&report.findings, &mut md);
    warnings_section(report, &mut md);
    md
}

fn counts_line(report: &Report) -> String {
    let denials = report.findings.len();
    let mut line = format!(
        "{denials} distinct denied call(s) in {} record(s) of the role",
        report.records_of_role
    );
    let counts = status_counts(&report.findings);
    if !counts.is_empty() {
        let parts: Vec<String> = counts
            .iter()
            .map(|(status, count)| format!("{count} {}", status_word(*status)))
            .collect();
        let _ = write!(line, ": {}", parts.join(", "));
    }
    line.push_str(".\n\n");
    line
}

fn findings_table(findings: &[Finding], row_limit: Option<usize>, md: &mut String) {
    md.push_str("| # | Time (UTC) | Event | Action | Resource | Cause | Status | Remedy |\n");
    md.push_str("|---|---|---|---|---|---|---|---|\n");
    let shown = row_limit.unwrap_or(findings.len()).min(findings.len());
    for (index, finding) in findings.iter().take(shown).enumerate() {
        let _ = writeln!(md, "| {} | {} |", index + 1, row_cells(finding).join(" | "));
    }
    if shown < findings.len() {
        let _ = writeln!(
            md,
            "\n*{} more finding(s) left out to fit the step summary; run with `--output markdown` for all.*",
            findings.len() - shown
        );
    }
    md.push('\n');
}

fn row_cells(finding: &Finding) -> Vec<String> {
    let time = finding.event_time.map_or_else(
        || "-".to_owned(),
        |time| time.format("%Y-%m-%d %H:%M:%S").to_string(),
    );
    let mut event = format!(
        "{} {}",
        markdown_safe(&finding.event_source),
        markdown_safe(&finding.event_name)
    );
    if finding.occurrences > 1 {
        let _ = write!(event, " (×{})", finding.occurrences);
    }
    let (actions, resources): (Vec<String>, Vec<String>) = if finding.requirements.is_empty() {
        (
            finding.action.iter().map(|a| markdown_safe(a)).collect(),
            finding.resource.iter().map(|r| markdown_safe(r)).collect(),
        )
    } else {
        finding
            .requirements
            .iter()
            .map(|r| (markdown_safe(&r.action), markdown_safe(&r.resource)))
            .unzip()
    };
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
    vec![
        time,
        event,
        cell_lines(&actions),
        cell_lines(&resources),
        cause,
        status_word(finding.status).to_owned(),
        markdown_safe(&finding.remedy),
    ]
}

/// Joins the lines of a table cell with `<br>`, GitHub's line break inside
/// a cell; an empty cell shows `-`.
fn cell_lines(lines: &[String]) -> String {
    if lines.is_empty() {
        "-".to_owned()
    } else {
        lines.join("<br>")
    }
}

fn statements_section(report: &Report, options: &RenderOptions, md: &mut String) {
    if report.policy.statements.is_empty() {
        if !report.findings.is_empty() {
            md.push_str("No statement to add to the role.\n\n");
        }
        return;
    }
    md.push_str("### Statements to add to the role\n\n");
    let documents = options.documents(&report.policy);
    for (number, document) in documents.iter().enumerate() {
        if options.is_split() {
            let _ = writeln!(
                md,
                "Policy {} of {} ({} characters without whitespace):\n",
                number + 1,
                documents.len(),
                size::policy_size(document)
            );
        }
        fenced_json(&document_text(document), md);
    }
}

fn document_text(document: &PolicyDocument) -> String {
    serde_json::to_string_pretty(document).unwrap_or_default()
}

fn diff_section(report: &Report, md: &mut String) {
    let Some(diff) = &report.diff else {
        return;
    };
    let unified = crate::diff::unified(diff, false);
    if unified.is_empty() {
        return;
    }
    md.push_str("### Changes to the current policies\n\n");
    fenced("diff", unified.trim_end(), md);
}

fn trust_section(report: &Report, md: &mut String) {
    if report.trust.is_empty() {
        return;
    }
    md.push_str("### Trust policy\n\n");
    for finding in &report.trust {
        let _ = writeln!(md, "{}\n", markdown_safe(&finding.explanation));
        if let Some(statement) = &finding.proposed_statement {
            let index = finding
                .statement_index
                .map_or(String::new(), |i| format!(" (statement {i})"));
            let _ = writeln!(md, "Edited trust statement{index}:\n");
            fenced(
                "json",
                &serde_json::to_string_pretty(statement).unwrap_or_default(),
                md,
            );
        }
    }
}

fn outside_section(findings: &[Finding], md: &mut String) {
    let outside: Vec<(usize, &Finding)> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.remedy_statement.is_some())
        .collect();
    if outside.is_empty() {
        return;
    }
    md.push_str("### Changes outside the role\n\n");
    for (index, finding) in outside {
        let _ = writeln!(
            md,
            "Finding {} ({}): {}\n",
            index + 1,
            finding.cause.as_str(),
            markdown_safe(&finding.remedy)
        );
        if let Some(statement) = &finding.remedy_statement {
            fenced_json(
                &serde_json::to_string_pretty(statement).unwrap_or_default(),
                md,
            );
        }
    }
}

fn notes_section(findings: &[Finding], md: &mut String) {
    let notes: Vec<String> = findings
        .iter()
        .enumerate()
        .flat_map(|(index, finding)| {
            let number = index + 1;
            finding
                .notes
                .iter()
                .map(move |note| format!("- finding {number}: {}", markdown_safe(note)))
        })
        .collect();
    if notes.is_empty() {
        return;
    }
    md.push_str("### Notes\n\n");
    for note in notes {
        let _ = writeln!(md, "{note}");
    }
    md.push('\n');
}

fn warnings_section(report: &Report, md: &mut String) {
    let mut warnings: Vec<String> = report.warnings.iter().map(|w| markdown_safe(w)).collect();
    for (index, finding) in report.findings.iter().enumerate() {
        warnings.extend(
            finding
                .warnings
                .iter()
                .map(|w| format!("finding {}: {}", index + 1, markdown_safe(w))),
        );
    }
    if warnings.is_empty() {
        return;
    }
    md.push_str("### Warnings\n\n");
    for warning in warnings {
        let _ = writeln!(md, "- {warning}");
    }
    md.push('\n');
}

/// Appends a fenced `json` block.
fn fenced_json(json: &str, md: &mut String) {
    fenced("json", json, md);
}

/// Appends a fenced block whose fence is longer than any run of backticks
/// in `text`, so no value can close it early. `text` is JSON or a diff of
/// JSON, so [`json_inert`] keeps it valid while escaping what would
/// rewrite the page.
fn fenced(language: &str, text: &str, md: &mut String) {
    let longest_run = text.split(|ch| ch != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest_run + 1).max(3));
    let _ = writeln!(md, "{fence}{language}\n{}\n{fence}\n", json_inert(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fence_outgrows_backticks_in_values() {
        let mut md = String::new();
        fenced_json("{\"a\": \"````\"}", &mut md);
        assert_eq!(md, "`````json\n{\"a\": \"````\"}\n`````\n\n");
    }

    #[test]
    fn empty_cells_show_a_dash() {
        assert_eq!(cell_lines(&[]), "-");
        assert_eq!(cell_lines(&["a".to_owned(), "b".to_owned()]), "a<br>b");
    }
}
