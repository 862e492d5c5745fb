//! The machine formats: `json` (the whole report) and `policy` (the IAM
//! policy document alone).

use std::io::{self, Write};

use serde::Serialize;

use crate::learn::Report;
use crate::policy::PolicyDocument;

use super::RenderOptions;

/// Writes the policy document alone, valid for `aws iam put-role-policy`.
pub fn policy(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report.policy)?;
    writeln!(out)
}

/// Writes the documented json output.
pub fn json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write_report(report, &RenderOptions::default(), out)
}

/// The json output: the report's fields, then `policies` when the
/// statements are split.
#[derive(Serialize)]
struct JsonOutput<'a> {
    #[serde(flatten)]
    report: &'a Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    policies: Option<Vec<PolicyDocument>>,
}

/// Writes the report; with a split, `policies` lists the documents while
/// `policy` keeps every statement in one.
pub(super) fn write_report(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let policies = options
        .is_split()
        .then(|| options.documents(&report.policy));
    serde_json::to_writer_pretty(&mut *out, &JsonOutput { report, policies })?;
    writeln!(out)
}

/// Writes the policy document, or with a split a JSON array of documents
/// (`jq -c '.[]'` prints one a line).
pub(super) fn write_policies(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if !options.is_split() {
        return policy(report, out);
    }
    serde_json::to_writer_pretty(&mut *out, &options.documents(&report.policy))?;
    writeln!(out)
}
