//! Output formats, the last stage of the pipeline. Every renderer takes the
//! same in-memory [`Report`] and writes to any `io::Write`; none re-parses
//! another's output.
//!
//! Machine output is [`json`] and [`policy`]; the human report is [`text`],
//! and [`diff`] the edit of the role's current policies;
//! [`terraform`], [`cdk`] and [`cloudformation`] write the statements in the
//! languages users keep their roles in; [`markdown`] is the report for a
//! GitHub Actions step summary. [`size`] checks the documents against IAM's
//! size quotas and splits them when asked.

use std::io::{self, Write};

use crate::learn::Report;
use crate::policy::PolicyDocument;

pub mod cdk;
pub mod cloudformation;
pub mod markdown;
pub mod size;
pub mod terraform;

mod json;
mod text;

pub use json::{json, policy};
pub use text::text;

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
    /// A Terraform `aws_iam_policy_document` data source.
    Terraform,
    /// AWS CDK `iam.PolicyStatement`s in TypeScript.
    Cdk,
    /// AWS CDK `iam.PolicyStatement`s in Python.
    CdkPython,
    /// A CloudFormation YAML snippet (see `--policy-type`).
    #[value(name = "cloudformation")]
    CloudFormation,
    /// A Markdown report for a GitHub Actions step summary.
    Markdown,
}

/// Where the proposed statements are meant to live, which sets the size
/// quota they are checked against and the CloudFormation shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyType {
    /// Inline policies embedded in the role: all of a role's inline policies
    /// together may take 10,240 characters.
    #[default]
    Inline,
    /// Customer managed policies attached to the role: 6,144 characters
    /// each.
    Managed,
}

/// How the statements are laid out, shared by every format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Where the statements are meant to live.
    pub policy_type: PolicyType,
    /// Split the statements into several documents of at most this many
    /// characters each (whitespace excluded); `None` keeps one document.
    pub split_at: Option<usize>,
}

impl RenderOptions {
    /// Returns the documents to write for `policy`: the policy itself, or
    /// its statements split into several documents when
    /// [`RenderOptions::split_at`] is set.
    pub fn documents(&self, policy: &PolicyDocument) -> Vec<PolicyDocument> {
        match self.split_at {
            Some(limit) => size::split(policy, limit),
            None => vec![policy.clone()],
        }
    }

    /// Returns true when the output holds several documents, so each format
    /// numbers its policies even when the statements fit in one.
    pub fn is_split(&self) -> bool {
        self.split_at.is_some()
    }
}

/// Writes the report in `format` with the default layout: one inline
/// policy document.
pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> io::Result<()> {
    render_with(report, format, &RenderOptions::default(), out)
}

/// Writes the report in `format` with the layout of `options`.
pub fn render_with(
    report: &Report,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::write(report, options, out),
        Format::Json => json::write_report(report, options, out),
        Format::Policy => json::write_policies(report, options, out),
        Format::Diff => diff(report, out, false),
        Format::Terraform => terraform::write(report, options, out),
        Format::Cdk => cdk::write(report, options, cdk::Language::TypeScript, out),
        Format::CdkPython => cdk::write(report, options, cdk::Language::Python, out),
        Format::CloudFormation => cloudformation::write(report, options, out),
        Format::Markdown => markdown::write(report, options, out),
    }
}

/// Writes the unified diff of the edited documents, colored when `color`.
pub fn diff(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    match &report.diff {
        Some(diff) => out.write_all(crate::diff::unified(diff, color).as_bytes()),
        None => Ok(()),
    }
}

/// Returns the name of the `number`th policy (from 1): `base` alone when
/// the output is one unsplit document, else `base`, `separator`, `number`.
fn policy_name(base: &str, separator: &str, number: usize, options: &RenderOptions) -> String {
    if options.is_split() {
        format!("{base}{separator}{number}")
    } else {
        base.to_owned()
    }
}

/// Returns `text` with the characters that rewrite what a terminal or a
/// browser shows (C0 and C1 controls other than newline, DEL, bidirectional
/// formatting characters) written as JSON `\uXXXX` escapes. Applied to JSON
/// text, the result is still valid JSON with the same value, because
/// serde_json already escapes every control character inside strings, so a
/// raw newline can only be layout.
pub(crate) fn json_inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch != '\n' && is_display_unsafe(ch) {
            push_u_escapes(&mut out, ch);
        } else {
            out.push(ch);
        }
    }
    out
}

/// Returns true for the characters [`crate::sanitize::terminal_safe`]
/// neutralizes: controls, DEL, C1 controls and bidirectional formatting
/// characters. Renderers of source code escape these with the language's
/// own `\u` escape instead.
fn is_display_unsafe(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(ch, '\u{2028}' | '\u{2029}')
}

/// Appends `ch` as `\uXXXX` (two of them, a surrogate pair, above U+FFFF).
fn push_u_escapes(out: &mut String, ch: char) {
    let mut units = [0u16; 2];
    for unit in ch.encode_utf16(&mut units) {
        out.push_str(&format!("\\u{unit:04x}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_inert_keeps_layout_and_value() {
        let text = "{\n  \"a\": \"x\u{202e}y\u{7f}\"\n}";
        let inert = json_inert(text);
        assert_eq!(inert, "{\n  \"a\": \"x\\u202ey\\u007f\"\n}");
        let before: serde_json::Value = serde_json::from_str(text).unwrap();
        let after: serde_json::Value = serde_json::from_str(&inert).unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn policy_names_are_numbered_only_when_split() {
        let one = RenderOptions::default();
        let split = RenderOptions {
            split_at: Some(6144),
            ..RenderOptions::default()
        };
        assert_eq!(policy_name("learned", "_", 1, &one), "learned");
        assert_eq!(policy_name("learned", "_", 2, &split), "learned_2");
    }
}
