//! The anticipation section of the human report, written by
//! [`crate::render`] between the findings and the statements.

use std::io::{self, Write};

use crate::learn::Report;
use crate::sanitize::terminal_safe;

use super::SID_PREFIX;

/// Writes the report's anticipated permissions and those left out, saying
/// whether the statements that follow contain them (`--anticipate include`).
pub fn write_text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if !report.anticipated.is_empty() {
        let included = report.policy.statements.iter().any(|statement| {
            statement
                .sid
                .as_deref()
                .is_some_and(|sid| sid.starts_with(SID_PREFIX))
        });
        let placement = if included {
            "in the statements below, Sid starting with `Anticipated`"
        } else {
            "not in the statements below; add them after review, or pass `--anticipate include`"
        };
        writeln!(out, "Anticipated for the rest of the deploy ({placement}):")?;
        for item in &report.anticipated {
            let requirement = &item.requirement;
            let resource = terminal_safe(&requirement.resource);
            writeln!(out, "  - {}  {resource}", requirement.action)?;
            for (operator, keys) in &requirement.conditions {
                for (key, values) in keys {
                    writeln!(
                        out,
                        "      condition {operator} {key} {}",
                        values.join(", ")
                    )?;
                }
            }
            writeln!(out, "      flow      {}", item.flow)?;
            writeln!(out, "      why       {}", terminal_safe(&item.reason))?;
            writeln!(
                out,
                "      source    {} <{}>",
                item.source.title, item.source.url
            )?;
        }
        writeln!(out)?;
    }
    if !report.not_anticipated.is_empty() {
        writeln!(out, "Not anticipated:")?;
        for item in &report.not_anticipated {
            let step = terminal_safe(&item.step);
            let reason = terminal_safe(&item.reason);
            writeln!(
                out,
                "  - {} for {step} ({}): {reason}",
                item.action, item.flow
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}
