//! AWS CDK: the statements as `iam.PolicyStatement` objects in TypeScript
//! (`aws-cdk-lib/aws-iam`) or Python (`aws_cdk.aws_iam`), in an exported
//! list ready for `role.addToPolicy(…)` or a `ManagedPolicy`.
//!
//! Values are plain string literals in both languages (`${…}` is literal
//! inside quotes that are not template literals), with quotes, backslashes
//! and control characters escaped.

use std::io::{self, Write};

use serde_json::Value;

use crate::learn::Report;
use crate::policy::{ConditionBlock, Effect, PolicyDocument, Statement, ValueList};

use super::terraform::string_values;
use super::{is_display_unsafe, policy_name, RenderOptions};

/// The CDK language to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// TypeScript, `import * as iam from 'aws-cdk-lib/aws-iam'`.
    TypeScript,
    /// Python, `from aws_cdk import aws_iam as iam`.
    Python,
}

/// Writes the import line and one exported list of statements per
/// document.
pub fn write(
    report: &Report,
    options: &RenderOptions,
    language: Language,
    out: &mut dyn Write,
) -> io::Result<()> {
    let comment = match language {
        Language::TypeScript => "//",
        Language::Python => "#",
    };
    if report.policy.statements.is_empty() {
        return writeln!(out, "{comment} No statement to add to the role.");
    }
    let documents = options.documents(&report.policy);
    match language {
        Language::TypeScript => writeln!(out, "import * as iam from 'aws-cdk-lib/aws-iam';")?,
        Language::Python => writeln!(out, "from aws_cdk import aws_iam as iam")?,
    }
    for (index, document) in documents.iter().enumerate() {
        let name = match language {
            Language::TypeScript => policy_name("learnedStatements", "", index + 1, options),
            Language::Python => policy_name("LEARNED_STATEMENTS", "_", index + 1, options),
        };
        writeln!(out)?;
        write_usage(&name, index + 1, options, language, out)?;
        write_list(&name, document, language, out)?;
    }
    Ok(())
}

fn write_usage(
    name: &str,
    number: usize,
    options: &RenderOptions,
    language: Language,
    out: &mut dyn Write,
) -> io::Result<()> {
    match (language, options.is_split()) {
        (Language::TypeScript, false) => {
            writeln!(out, "// Statements to add to the role:")?;
            writeln!(
                out,
                "//   for (const statement of {name}) role.addToPolicy(statement);"
            )
        }
        (Language::TypeScript, true) => {
            writeln!(out, "// Managed policy {number}:")?;
            writeln!(out, "//   new iam.ManagedPolicy(this, 'Learned{number}', {{ statements: {name}, roles: [role] }});")
        }
        (Language::Python, false) => {
            writeln!(out, "# Statements to add to the role:")?;
            writeln!(out, "#   for statement in {name}:")?;
            writeln!(out, "#       role.add_to_policy(statement)")
        }
        (Language::Python, true) => {
            writeln!(out, "# Managed policy {number}:")?;
            writeln!(
                out,
                "#   iam.ManagedPolicy(self, \"Learned{number}\", statements={name}, roles=[role])"
            )
        }
    }
}

fn write_list(
    name: &str,
    document: &PolicyDocument,
    language: Language,
    out: &mut dyn Write,
) -> io::Result<()> {
    match language {
        Language::TypeScript => writeln!(out, "export const {name}: iam.PolicyStatement[] = [")?,
        Language::Python => writeln!(out, "{name} = [")?,
    }
    for statement in &document.statements {
        write_statement(statement, language, out)?;
    }
    match language {
        Language::TypeScript => writeln!(out, "];"),
        Language::Python => writeln!(out, "]"),
    }
}

/// The spelling of one language: property names, literals, layout.
struct Syntax {
    language: Language,
}

impl Syntax {
    fn property(&self, camel: &'static str, snake: &'static str) -> String {
        match self.language {
            Language::TypeScript => format!("{camel}: "),
            Language::Python => format!("{snake}="),
        }
    }

    fn string(&self, value: &str) -> String {
        match self.language {
            Language::TypeScript => quoted(value, '\''),
            Language::Python => quoted(value, '"'),
        }
    }

    fn strings(&self, values: &[String]) -> Vec<String> {
        values.iter().map(|value| self.string(value)).collect()
    }

    /// Returns an object key: TypeScript leaves identifiers bare.
    fn key(&self, key: &str) -> String {
        let identifier = key
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            && key
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if self.language == Language::TypeScript && identifier {
            key.to_owned()
        } else {
            self.string(key)
        }
    }

    fn key_separator(&self) -> &'static str {
        ": "
    }

    /// Returns one level of indentation: two spaces in TypeScript, four in
    /// Python (PEP 8).
    fn unit(&self) -> &'static str {
        match self.language {
            Language::TypeScript => "  ",
            Language::Python => "    ",
        }
    }
}

fn write_statement(
    statement: &Statement,
    language: Language,
    out: &mut dyn Write,
) -> io::Result<()> {
    let syntax = Syntax { language };
    let mut fields: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(sid) = &statement.sid {
        fields.push((syntax.property("sid", "sid"), vec![syntax.string(sid)]));
    }
    let effect = match statement.effect {
        Effect::Allow => "iam.Effect.ALLOW",
        Effect::Deny => "iam.Effect.DENY",
    };
    fields.push((syntax.property("effect", "effect"), vec![effect.to_owned()]));
    let lists: [(&'static str, &'static str, &Option<ValueList>); 4] = [
        ("actions", "actions", &statement.action),
        ("notActions", "not_actions", &statement.not_action),
        ("resources", "resources", &statement.resource),
        ("notResources", "not_resources", &statement.not_resource),
    ];
    for (camel, snake, list) in lists {
        if let Some(list) = list {
            fields.push((
                syntax.property(camel, snake),
                bracketed(&syntax.strings(list.values()), &syntax),
            ));
        }
    }
    let principals = [
        ("principals", "principals", &statement.principal),
        ("notPrincipals", "not_principals", &statement.not_principal),
    ];
    let mut unknown_principals = Vec::new();
    for (camel, snake, principal) in principals {
        if let Some(principal) = principal {
            let (expressions, unknown) = principal_expressions(principal, &syntax);
            fields.push((
                syntax.property(camel, snake),
                bracketed(&expressions, &syntax),
            ));
            unknown_principals.extend(unknown);
        }
    }
    if let Some(conditions) = &statement.condition {
        fields.push((
            syntax.property("conditions", "conditions"),
            condition_lines(conditions, &syntax),
        ));
    }
    let (open, close, indent) = match language {
        Language::TypeScript => ("  new iam.PolicyStatement({", "  }),", "    "),
        Language::Python => ("    iam.PolicyStatement(", "    ),", "        "),
    };
    let comment = if language == Language::TypeScript {
        "//"
    } else {
        "#"
    };
    for kind in unknown_principals {
        let kind = syntax.string(&kind);
        writeln!(
            out,
            "{indent}{comment} principal type {kind} has no CDK class: add it by hand"
        )?;
    }
    writeln!(out, "{open}")?;
    for (property, value) in fields {
        let mut lines = value.iter();
        let first = lines.next().map_or("", String::as_str);
        let last_index = value.len().saturating_sub(1);
        if last_index == 0 {
            writeln!(out, "{indent}{property}{first},")?;
            continue;
        }
        writeln!(out, "{indent}{property}{first}")?;
        for (offset, line) in lines.enumerate() {
            let comma = if offset + 1 == last_index { "," } else { "" };
            writeln!(out, "{indent}{line}{comma}")?;
        }
    }
    writeln!(out, "{close}")
}

/// Returns a list literal: `['a']` on one line, longer lists one item a
/// line.
fn bracketed(items: &[String], syntax: &Syntax) -> Vec<String> {
    let unit = syntax.unit();
    match items {
        [] => vec!["[]".to_owned()],
        [one] => vec![format!("[{one}]")],
        many => {
            let mut lines = vec!["[".to_owned()];
            lines.extend(many.iter().map(|item| format!("{unit}{item},")));
            lines.push("]".to_owned());
            lines
        }
    }
}

/// Returns the `conditions` object, one operator a line group:
/// `{ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }`
/// spread over lines. A value IAM wrote as one string stays a string.
fn condition_lines(conditions: &ConditionBlock, syntax: &Syntax) -> Vec<String> {
    let separator = syntax.key_separator();
    let unit = syntax.unit();
    let mut lines = vec!["{".to_owned()];
    for (operator, keys) in conditions {
        lines.push(format!("{unit}{}{separator}{{", syntax.key(operator)));
        for (key, values) in keys {
            let value = if values.is_array() {
                format!("[{}]", syntax.strings(values.values()).join(", "))
            } else {
                values
                    .values()
                    .first()
                    .map(|one| syntax.string(one))
                    .unwrap_or_default()
            };
            lines.push(format!(
                "{unit}{unit}{}{separator}{value},",
                syntax.key(key)
            ));
        }
        lines.push(format!("{unit}}},"));
    }
    lines.push("}".to_owned());
    lines
}

/// Returns the principal objects of a `Principal` value, and the principal
/// types CDK has no class for.
fn principal_expressions(principal: &Value, syntax: &Syntax) -> (Vec<String>, Vec<String>) {
    let Value::Object(map) = principal else {
        return (
            vec![python_new("new iam.StarPrincipal()".to_owned(), syntax)],
            Vec::new(),
        );
    };
    let mut expressions = Vec::new();
    let mut unknown = Vec::new();
    for (kind, identifiers) in map {
        let class = match kind.as_str() {
            "AWS" => "ArnPrincipal",
            "Service" => "ServicePrincipal",
            "Federated" => "FederatedPrincipal",
            "CanonicalUser" => "CanonicalUserPrincipal",
            other => {
                unknown.push(other.to_owned());
                continue;
            }
        };
        for identifier in string_values(identifiers) {
            let expression = format!("new iam.{class}({})", syntax.string(&identifier));
            expressions.push(python_new(expression, syntax));
        }
    }
    (expressions, unknown)
}

/// Drops `new ` for Python, which calls classes directly.
fn python_new(expression: String, syntax: &Syntax) -> String {
    match syntax.language {
        Language::TypeScript => expression,
        Language::Python => expression
            .strip_prefix("new ")
            .map(str::to_owned)
            .unwrap_or(expression),
    }
}

/// Returns `value` as a string literal in `quote`s, valid in TypeScript and
/// Python: backslashes, the quote, and control, line-separator and
/// bidirectional characters escaped.
fn quoted(value: &str, quote: char) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push(quote);
    for ch in value.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ch if ch == quote => {
                out.push('\\');
                out.push(ch);
            }
            ch if is_display_unsafe(ch) => out.push_str(&format!("\\u{:04x}", u32::from(ch))),
            other => out.push(other),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_and_controls() {
        assert_eq!(quoted("it's ${*}", '\''), r"'it\'s ${*}'");
        assert_eq!(quoted("say \"x\"\\", '"'), r#""say \"x\"\\""#);
        assert_eq!(quoted("a\u{2028}b\u{202e}", '\''), r"'a\u2028b\u202e'");
    }

    #[test]
    fn typescript_keys_quote_non_identifiers() {
        let syntax = Syntax {
            language: Language::TypeScript,
        };
        assert_eq!(syntax.key("StringEquals"), "StringEquals");
        assert_eq!(
            syntax.key("ForAnyValue:StringLike"),
            "'ForAnyValue:StringLike'"
        );
        let python = Syntax {
            language: Language::Python,
        };
        assert_eq!(python.key("StringEquals"), "\"StringEquals\"");
    }
}
