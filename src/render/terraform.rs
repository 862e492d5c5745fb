//! Terraform: the statements as an `aws_iam_policy_document` data source of
//! the AWS provider, one `statement` block per statement.
//!
//! Values are HCL quoted strings. HCL reads `${` and `%{` in a string as the
//! start of an interpolation or a template directive, and IAM writes its
//! literal `*`, `?` and `$` as `${*}`, `${?}` and `${$}`, so both markers are
//! doubled (`$${*}`), which HCL reads back as the literal text.

use std::io::{self, Write};

use serde_json::Value;

use crate::learn::Report;
use crate::policy::model::POLICY_VERSION;
use crate::policy::{PolicyDocument, Statement, ValueList};

use super::{is_display_unsafe, policy_name, RenderOptions};

/// Writes one `aws_iam_policy_document` data source per document.
pub fn write(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    if report.policy.statements.is_empty() {
        return writeln!(out, "# No statement to add to the role.");
    }
    let documents = options.documents(&report.policy);
    writeln!(
        out,
        "# Statements to add to the role. Attach a document with"
    )?;
    writeln!(
        out,
        "# `policy = data.aws_iam_policy_document.NAME.json` in an `aws_iam_role_policy`"
    )?;
    writeln!(out, "# (inline) or an `aws_iam_policy` (managed) resource.")?;
    for (index, document) in documents.iter().enumerate() {
        writeln!(out)?;
        let name = policy_name("learned", "_", index + 1, options);
        write_document(&name, document, out)?;
    }
    Ok(())
}

fn write_document(name: &str, document: &PolicyDocument, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "data \"aws_iam_policy_document\" {} {{",
        hcl_string(name)
    )?;
    let mut header = Attributes::new(1);
    if let Some(version) = document.version.as_deref().filter(|v| *v != POLICY_VERSION) {
        header.scalar("version", version);
    }
    if let Some(id) = &document.id {
        header.scalar("policy_id", id);
    }
    header.write(out)?;
    for (index, statement) in document.statements.iter().enumerate() {
        if index > 0 || !header.is_empty() {
            writeln!(out)?;
        }
        write_statement(statement, out)?;
    }
    writeln!(out, "}}")
}

fn write_statement(statement: &Statement, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "  statement {{")?;
    let mut attributes = Attributes::new(2);
    if let Some(sid) = &statement.sid {
        attributes.scalar("sid", sid);
    }
    let effect = match statement.effect {
        crate::policy::Effect::Allow => "Allow",
        crate::policy::Effect::Deny => "Deny",
    };
    attributes.scalar("effect", effect);
    let lists = [
        ("actions", &statement.action),
        ("not_actions", &statement.not_action),
        ("resources", &statement.resource),
        ("not_resources", &statement.not_resource),
    ];
    for (name, list) in lists {
        if let Some(list) = list {
            attributes.list(name, list.values());
        }
    }
    attributes.write(out)?;
    for (block, principal) in [
        ("principals", &statement.principal),
        ("not_principals", &statement.not_principal),
    ] {
        if let Some(principal) = principal {
            for (kind, identifiers) in principal_entries(principal) {
                writeln!(out)?;
                writeln!(out, "    {block} {{")?;
                let mut fields = Attributes::new(3);
                fields.scalar("type", &kind);
                fields.list("identifiers", &identifiers);
                fields.write(out)?;
                writeln!(out, "    }}")?;
            }
        }
    }
    for (operator, keys) in statement.condition.iter().flatten() {
        for (key, values) in keys {
            write_condition(operator, key, values, out)?;
        }
    }
    writeln!(out, "  }}")
}

fn write_condition(
    operator: &str,
    key: &str,
    values: &ValueList,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "    condition {{")?;
    let mut fields = Attributes::new(3);
    fields.scalar("test", operator);
    fields.scalar("variable", key);
    fields.list("values", values.values());
    fields.write(out)?;
    writeln!(out, "    }}")
}

/// Returns `(type, identifiers)` pairs of a `Principal`: `"*"` is the
/// provider's `type = "*"`, an object gives one pair per key (`AWS`,
/// `Service`, `Federated`, `CanonicalUser`).
fn principal_entries(principal: &Value) -> Vec<(String, Vec<String>)> {
    match principal {
        Value::Object(map) => map
            .iter()
            .map(|(kind, ids)| (kind.clone(), string_values(ids)))
            .collect(),
        other => vec![("*".to_owned(), string_values(other))],
    }
}

/// Returns a JSON string or array of strings as text values; other scalars
/// as their JSON text.
pub(super) fn string_values(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(string_values).collect(),
        Value::String(text) => vec![text.clone()],
        Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}

/// A run of attribute lines. As `terraform fmt` does, the `=` signs of
/// consecutive single-line attributes are aligned; a multi-line list ends
/// the run.
struct Attributes {
    indent: usize,
    lines: Vec<(String, Vec<String>)>,
}

impl Attributes {
    fn new(depth: usize) -> Attributes {
        Attributes {
            indent: depth * 2,
            lines: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn scalar(&mut self, name: &str, value: &str) {
        self.lines.push((name.to_owned(), vec![hcl_string(value)]));
    }

    fn list(&mut self, name: &str, values: &[String]) {
        let items = values
            .iter()
            .map(|value| hcl_string(value))
            .collect::<Vec<_>>();
        let rendered = match items.as_slice() {
            [] => vec!["[]".to_owned()],
            [one] => vec![format!("[{one}]")],
            many => {
                let mut lines = vec!["[".to_owned()];
                lines.extend(many.iter().map(|item| format!("  {item},")));
                lines.push("]".to_owned());
                lines
            }
        };
        self.lines.push((name.to_owned(), rendered));
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let pad = " ".repeat(self.indent);
        let mut run_start = 0;
        while run_start < self.lines.len() {
            // A run ends after its first multi-line attribute, which is
            // still aligned with the lines before it.
            let run_end = self
                .lines
                .iter()
                .skip(run_start)
                .position(|(_, value)| value.len() > 1)
                .map_or(self.lines.len(), |offset| run_start + offset + 1);
            let run = self.lines.get(run_start..run_end).unwrap_or_default();
            let width = run.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
            for (name, value) in run {
                let mut value_lines = value.iter();
                let first = value_lines.next().map_or("", String::as_str);
                writeln!(out, "{pad}{name:<width$} = {first}")?;
                for line in value_lines {
                    writeln!(out, "{pad}{line}")?;
                }
            }
            run_start = run_end;
        }
        Ok(())
    }
}

/// Returns `value` as an HCL quoted string: quotes, backslashes and
/// control characters escaped, `${` written `$${` and `%{` written `%%{` so
/// HCL keeps them literal.
pub fn hcl_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(ch) = chars.next() {
        let opens_template = chars.peek() == Some(&'{');
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if opens_template => out.push_str("$$"),
            '%' if opens_template => out.push_str("%%"),
            unsafe_char if is_display_unsafe(unsafe_char) => {
                out.push_str(&format!("\\u{:04X}", u32::from(unsafe_char)));
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
    fn hcl_string_escapes_templates_and_quotes() {
        assert_eq!(
            hcl_string("arn:aws:s3:::b/a${*}b${$}"),
            r#""arn:aws:s3:::b/a$${*}b$${$}""#
        );
        assert_eq!(hcl_string("${aws:username}"), r#""$${aws:username}""#);
        assert_eq!(hcl_string("%{if x}"), r#""%%{if x}""#);
        assert_eq!(hcl_string("$$${x}"), r#""$$$${x}""#);
        assert_eq!(hcl_string("100% $5 {x}"), r#""100% $5 {x}""#);
        assert_eq!(hcl_string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(hcl_string("x\u{202e}y\nz"), r#""x\u202Ey\nz""#);
    }

    #[test]
    fn attributes_align_until_a_multiline_list() {
        let mut attributes = Attributes::new(1);
        attributes.scalar("sid", "A");
        attributes.scalar("effect", "Allow");
        attributes.list("actions", &["a:B".to_owned(), "a:C".to_owned()]);
        attributes.list("resources", &["*".to_owned()]);
        let mut out = Vec::new();
        attributes.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  sid     = \"A\"\n  effect  = \"Allow\"\n  actions = [\n    \"a:B\",\n    \"a:C\",\n  ]\n  resources = [\"*\"]\n"
        );
    }
}
