//! CloudFormation: the statements as a YAML snippet, either a `Policies`
//! entry for an `AWS::IAM::Role` (`--policy-type inline`, the default) or
//! `AWS::IAM::ManagedPolicy` resources (`--policy-type managed`).
//!
//! The policy document is written as YAML block mappings with the same keys
//! and values as the JSON policy. A string stays plain only when YAML cannot
//! read it as anything else; every other string is double-quoted (`"*"`,
//! `"2012-10-17"`, `"${aws:username}"`). No `!Sub` is written, so IAM's
//! `${…}` text reaches IAM as written.

use std::io::{self, Write};

use serde_json::Value;

use crate::learn::Report;
use crate::policy::PolicyDocument;

use super::{is_display_unsafe, policy_name, PolicyType, RenderOptions};

/// Writes the snippet for `options.policy_type`.
pub fn write(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    if report.policy.statements.is_empty() {
        return writeln!(out, "# No statement to add to the role.");
    }
    let documents = options.documents(&report.policy);
    let mut lines = Vec::new();
    match options.policy_type {
        PolicyType::Inline => {
            writeln!(out, "# Add under Properties of the AWS::IAM::Role (merge with an existing Policies list):")?;
            lines.push("Policies:".to_owned());
            for (index, document) in documents.iter().enumerate() {
                let name = policy_name("trailgrant-learned", "-", index + 1, options);
                let mut entry = vec![
                    format!("  - PolicyName: {}", scalar(&name)),
                    "    PolicyDocument:".to_owned(),
                ];
                entry.extend(document_lines(document, 6));
                lines.extend(entry);
            }
        }
        PolicyType::Managed => {
            writeln!(
                out,
                "# Add under Resources of the template, and attach each policy to the role by"
            )?;
            writeln!(
                out,
                "# listing `!Ref LOGICAL_ID` in the role's ManagedPolicyArns."
            )?;
            for (index, document) in documents.iter().enumerate() {
                let name = policy_name("TrailgrantLearnedPolicy", "", index + 1, options);
                lines.push(format!("{}:", scalar(&name)));
                lines.push("  Type: AWS::IAM::ManagedPolicy".to_owned());
                lines.push("  Properties:".to_owned());
                lines.push(
                    "    Description: Statements learned from the role's denied calls".to_owned(),
                );
                lines.push("    PolicyDocument:".to_owned());
                lines.extend(document_lines(document, 6));
            }
        }
    }
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn document_lines(document: &PolicyDocument, indent: usize) -> Vec<String> {
    let value = serde_json::to_value(document).unwrap_or(Value::Null);
    let mut lines = Vec::new();
    value_lines(&value, indent, &mut lines);
    lines
}

/// Appends the block YAML of a mapping or sequence at `indent` spaces.
fn value_lines(value: &Value, indent: usize, lines: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                let key = scalar(key);
                match inline_form(item) {
                    Some(text) => lines.push(format!("{pad}{key}: {text}")),
                    None => {
                        lines.push(format!("{pad}{key}:"));
                        value_lines(item, indent + 2, lines);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match inline_form(item) {
                    Some(text) => lines.push(format!("{pad}- {text}")),
                    None => {
                        // The item's block goes two columns deeper, and its
                        // first line moves up onto the `- ` marker.
                        let start = lines.len();
                        value_lines(item, indent + 2, lines);
                        if let Some(first) = lines.get_mut(start) {
                            let content = first.trim_start().to_owned();
                            *first = format!("{pad}- {content}");
                        }
                    }
                }
            }
        }
        other => lines.push(format!("{pad}{}", inline_form(other).unwrap_or_default())),
    }
}

/// Returns the one-line form of scalars and empty collections; `None` for
/// a collection that needs a block.
fn inline_form(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("null".to_owned()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => Some(scalar(text)),
        Value::Array(items) if items.is_empty() => Some("[]".to_owned()),
        Value::Object(map) if map.is_empty() => Some("{}".to_owned()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// Returns `text` as a YAML scalar: plain when YAML reads it back as this
/// same string, double-quoted otherwise.
pub fn scalar(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_owned()
    } else {
        double_quoted(text)
    }
}

/// Returns true for strings YAML 1.1 and 1.2 read as plain strings: a
/// letter first, then letters, digits and `:/._-*?@=+,` only, no trailing
/// `:` (which would start a mapping), and no boolean or null word.
fn is_plain_safe(text: &str) -> bool {
    const RESERVED: &[&str] = &["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    let Some(first) = text.chars().next() else {
        return false;
    };
    first.is_ascii_alphabetic()
        && text
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ":/._-*?@=+,".contains(ch))
        && !text.ends_with(':')
        && !RESERVED.iter().any(|word| text.eq_ignore_ascii_case(word))
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            ch if is_display_unsafe(ch) || ch == '\u{feff}' || ch == '\u{85}' => {
                out.push_str(&format!("\\u{:04X}", u32::from(ch)));
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_quote_what_yaml_would_misread() {
        assert_eq!(scalar("ecr:PutImage"), "ecr:PutImage");
        assert_eq!(scalar("arn:aws:s3:::bucket/*"), "arn:aws:s3:::bucket/*");
        assert_eq!(scalar("*"), "\"*\"");
        assert_eq!(scalar("2012-10-17"), "\"2012-10-17\"");
        assert_eq!(scalar("111122223333"), "\"111122223333\"");
        assert_eq!(scalar("arn:aws:s3:::b/${*}x"), "\"arn:aws:s3:::b/${*}x\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("arn:aws:iam::1:"), "\"arn:aws:iam::1:\"");
        assert_eq!(scalar("a \"b\"\\"), "\"a \\\"b\\\"\\\\\"");
        assert_eq!(scalar("x\u{202e}"), "\"x\\u202E\"");
    }

    #[test]
    fn nested_sequences_of_mappings() {
        let value =
            serde_json::json!({"Statement": [{"Sid": "A", "Action": ["a:B", "a:C"]}], "E": []});
        let mut lines = Vec::new();
        value_lines(&value, 0, &mut lines);
        assert_eq!(
            lines,
            [
                "Statement:",
                "  - Sid: A",
                "    Action:",
                "      - a:B",
                "      - a:C",
                "E: []"
            ]
        );
    }
}
