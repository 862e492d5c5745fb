//! GitHub Actions workflow files as anticipation reads them: the jobs and
//! steps, the `env:` of the workflow, job and step, and the expansion of
//! `${{ env.X }}`, `$X` and `${X}` in step inputs and `run:` scripts.
//!
//! Expansion never guesses. A part of a value that is only known while the
//! workflow runs (`${{ secrets.X }}`, `${{ steps.ID.outputs.X }}`, `$(…)`, a
//! shell variable no `env:` sets) stays a [`Piece::Opaque`] piece, so the
//! caller can tell a literal name from an expression.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml_ng::Value;

/// Errors reading a workflow file.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The file could not be read.
    #[error("failed to read the workflow `{path}`")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a GitHub Actions workflow.
    #[error("invalid workflow `{path}`")]
    Invalid {
        /// The file.
        path: String,
        /// The YAML error, with its line and column.
        #[source]
        source: serde_yaml_ng::Error,
    },
    /// A task definition file given on the command line could not be used.
    #[error("invalid task definition `{path}`: {reason}")]
    TaskDefinition {
        /// The file.
        path: String,
        /// The problem with the file.
        reason: String,
    },
}

/// A workflow file: its `env:` and jobs.
#[derive(Debug, Deserialize)]
pub struct Workflow {
    /// The workflow-level `env:`.
    #[serde(default, deserialize_with = "de_env")]
    pub env: BTreeMap<String, String>,
    /// The jobs by id.
    pub jobs: BTreeMap<String, Job>,
}

/// One job of a workflow.
#[derive(Debug, Deserialize)]
pub struct Job {
    /// The job-level `env:`.
    #[serde(default, deserialize_with = "de_env")]
    pub env: BTreeMap<String, String>,
    /// The steps, in order; none for a job that calls a reusable workflow.
    #[serde(default)]
    pub steps: Vec<WorkflowStep>,
}

/// One step of a job.
#[derive(Debug, Deserialize)]
pub struct WorkflowStep {
    /// `id:`, which `${{ steps.ID.outputs.X }}` refers to.
    #[serde(default)]
    pub id: Option<String>,
    /// `name:`.
    #[serde(default)]
    pub name: Option<String>,
    /// `uses:`, such as `aws-actions/amazon-ecr-login@v2`.
    #[serde(default)]
    pub uses: Option<String>,
    /// `run:`, a shell script.
    #[serde(default)]
    pub run: Option<String>,
    /// `with:`, the action's inputs.
    #[serde(default, deserialize_with = "de_env")]
    pub with: BTreeMap<String, String>,
    /// The step-level `env:`.
    #[serde(default, deserialize_with = "de_env")]
    pub env: BTreeMap<String, String>,
}

/// Reads a mapping of scalars. A whole-mapping expression (`env: ${{
/// fromJSON(…) }}`) and values that are not scalars give no entries.
fn de_env<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let mut out = BTreeMap::new();
    if let Value::Mapping(mapping) = value {
        for (key, value) in mapping {
            let (Some(key), Some(value)) = (scalar(&key), scalar(&value)) else {
                continue;
            };
            out.insert(key, value);
        }
    }
    Ok(out)
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

impl Workflow {
    /// Parses workflow YAML; `path` names the file in errors.
    pub fn parse(text: &str, path: &str) -> Result<Workflow, WorkflowError> {
        serde_yaml_ng::from_str(text).map_err(|source| WorkflowError::Invalid {
            path: path.to_owned(),
            source,
        })
    }
}

impl WorkflowStep {
    /// Returns the action of `uses:` without its version, such as
    /// `aws-actions/amazon-ecr-login`.
    pub fn action(&self) -> Option<&str> {
        let uses = self.uses.as_deref()?;
        Some(
            uses.split_once('@')
                .map_or(uses, |(action, _)| action)
                .trim(),
        )
    }

    /// Returns the step's name for messages: its `name:`, `id:` or action,
    /// else its position.
    pub fn label(&self, index: usize) -> String {
        self.name
            .clone()
            .or_else(|| self.id.clone())
            .or_else(|| self.action().map(str::to_owned))
            .unwrap_or_else(|| format!("step {}", index + 1))
    }
}

/// A part of an expanded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text known before the run, with the `env` key it came from, if any.
    Literal {
        /// The text.
        text: String,
        /// `env.NAME` when the text is the value of that variable.
        origin: Option<String>,
    },
    /// An expression whose value exists only while the workflow runs, as
    /// written.
    Opaque {
        /// The expression.
        expression: String,
        /// `env.NAME` when the expression is the value of that variable.
        origin: Option<String>,
    },
}

/// The variables of one step: its own `env:` over its job's over the
/// workflow's, as GitHub Actions merges them.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    variables: BTreeMap<String, String>,
    /// Names a shell assignment of the script set, whose values are no
    /// `env` key.
    assigned: std::collections::BTreeSet<String>,
}

/// The maximum depth of `env` values that name other variables.
const MAX_DEPTH: usize = 8;

impl Scope {
    /// Returns the scope of a step of a job.
    pub fn of_step(workflow: &Workflow, job: &Job, step: &WorkflowStep) -> Scope {
        let mut variables = workflow.env.clone();
        variables.extend(job.env.clone());
        variables.extend(step.env.clone());
        Scope {
            variables,
            assigned: std::collections::BTreeSet::new(),
        }
    }

    /// Sets a variable to text as written, as a shell assignment in a
    /// script does; references in it are expanded where it is used.
    pub fn assign(&mut self, name: &str, value: &str) {
        self.variables.insert(name.to_owned(), value.to_owned());
        self.assigned.insert(name.to_owned());
    }

    /// Expands `${{ env.X }}`, `$X` and `${X}` in `text`.
    pub fn expand(&self, text: &str) -> Vec<Piece> {
        let mut pieces = Vec::new();
        self.expand_into(text, None, 0, &mut pieces);
        merge_literals(pieces)
    }

    fn expand_into(&self, text: &str, origin: Option<&str>, depth: usize, out: &mut Vec<Piece>) {
        let mut rest = text;
        while !rest.is_empty() {
            let Some(start) = rest.find(['$', '`']) else {
                push_literal(out, rest, origin);
                return;
            };
            let (before, from) = rest.split_at(start);
            push_literal(out, before, origin);
            let (reference, after) = split_reference(from);
            match reference {
                Reference::Variable(name) => match self.variables.get(name) {
                    Some(value) if depth < MAX_DEPTH => {
                        let key = format!("env.{name}");
                        let key = if self.assigned.contains(name) {
                            origin
                        } else {
                            Some(key.as_str())
                        };
                        self.expand_into(value, key, depth + 1, out);
                    }
                    _ => out.push(opaque(written(from, after), origin)),
                },
                Reference::Opaque => out.push(opaque(written(from, after), origin)),
                Reference::Dollar => push_literal(out, "$", origin),
            }
            rest = after;
        }
    }
}

/// Returns the text of `from` up to where `after` starts.
fn written(from: &str, after: &str) -> String {
    from.get(..from.len() - after.len())
        .unwrap_or(from)
        .to_owned()
}

fn opaque(expression: String, origin: Option<&str>) -> Piece {
    Piece::Opaque {
        expression,
        origin: origin.map(str::to_owned),
    }
}

fn push_literal(out: &mut Vec<Piece>, text: &str, origin: Option<&str>) {
    if !text.is_empty() {
        out.push(Piece::Literal {
            text: text.to_owned(),
            origin: origin.map(str::to_owned),
        });
    }
}

fn merge_literals(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut merged: Vec<Piece> = Vec::new();
    for piece in pieces {
        if let (
            Some(Piece::Literal { text, origin }),
            Piece::Literal {
                text: next,
                origin: next_origin,
            },
        ) = (merged.last_mut(), &piece)
        {
            if origin == next_origin {
                text.push_str(next);
                continue;
            }
        }
        merged.push(piece);
    }
    merged
}

enum Reference<'a> {
    /// `${{ env.NAME }}`, `$NAME` or `${NAME}`.
    Variable(&'a str),
    /// Any other expression, command substitution or special parameter.
    Opaque,
    /// A `$` that starts no reference.
    Dollar,
}

/// Reads the reference at the start of `text` (which starts with `$` or a
/// backtick) and returns it with the text after it.
fn split_reference(text: &str) -> (Reference<'_>, &str) {
    if let Some(inner) = text.strip_prefix("${{") {
        return match inner.find("}}") {
            Some(end) => {
                let expression = inner.get(..end).unwrap_or("").trim();
                let after = inner.get(end + 2..).unwrap_or("");
                match expression.strip_prefix("env.") {
                    Some(name) if is_name(name) => (Reference::Variable(name), after),
                    _ => (Reference::Opaque, after),
                }
            }
            None => (Reference::Opaque, ""),
        };
    }
    if let Some(inner) = text.strip_prefix('`') {
        let after = inner.find('`').and_then(|end| inner.get(end + 1..));
        return (Reference::Opaque, after.unwrap_or(""));
    }
    let Some(inner) = text.strip_prefix('$') else {
        return (Reference::Dollar, text.get(1..).unwrap_or(""));
    };
    if let Some(body) = inner.strip_prefix('(') {
        return (Reference::Opaque, after_parenthesis(body));
    }
    if let Some(body) = inner.strip_prefix('{') {
        return match body.find('}') {
            Some(end) => {
                let name = body.get(..end).unwrap_or("");
                let after = body.get(end + 1..).unwrap_or("");
                if is_name(name) {
                    (Reference::Variable(name), after)
                } else {
                    (Reference::Opaque, after)
                }
            }
            None => (Reference::Opaque, ""),
        };
    }
    let length = inner
        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
        .unwrap_or(inner.len());
    let name = inner.get(..length).unwrap_or("");
    let after = inner.get(length..).unwrap_or("");
    if is_name(name) {
        (Reference::Variable(name), after)
    } else if let Some(special) = inner
        .chars()
        .next()
        .filter(|ch| "0123456789?@*#$!-".contains(*ch))
    {
        (
            Reference::Opaque,
            inner.get(special.len_utf8()..).unwrap_or(""),
        )
    } else {
        (Reference::Dollar, inner)
    }
}

/// Returns the text after the parenthesis that closes a `$(`.
fn after_parenthesis(body: &str) -> &str {
    let mut depth = 1usize;
    for (index, ch) in body.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return body.get(index + 1..).unwrap_or("");
                }
            }
            _ => {}
        }
    }
    ""
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// Returns the literal text of `pieces`, or the first expression in them.
pub fn literal(pieces: &[Piece]) -> Result<String, String> {
    let mut text = String::new();
    for piece in pieces {
        match piece {
            Piece::Literal { text: part, .. } => text.push_str(part),
            Piece::Opaque { expression, .. } => return Err(expression.clone()),
        }
    }
    Ok(text)
}

/// Returns the distinct `env` keys the literal pieces came from.
pub fn origins(pieces: &[Piece]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for piece in pieces {
        if let Piece::Literal {
            origin: Some(origin),
            ..
        } = piece
        {
            if !found.contains(origin) {
                found.push(origin.clone());
            }
        }
    }
    found
}

/// Returns the distinct `env` keys whose values are expressions.
pub fn opaque_origins(pieces: &[Piece]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for piece in pieces {
        if let Piece::Opaque {
            origin: Some(origin),
            ..
        } = piece
        {
            if !found.contains(origin) {
                found.push(origin.clone());
            }
        }
    }
    found
}

/// Splits a `run:` script into commands, each a list of words with quotes
/// removed and variables left as written. Lines continued with `\` are
/// joined; `&&`, `||`, `;` and `|` end a command. Comments are dropped.
pub fn commands(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\r\n", " ").replace("\\\n", " ");
    let mut commands = Vec::new();
    for line in joined.lines() {
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        let mut in_word = false;
        let mut quote: Option<char> = None;
        let mut chars = line.char_indices().peekable();
        while let Some((index, ch)) = chars.next() {
            // GitHub replaces `${{ … }}` before the shell runs, so the
            // spaces inside it split no word.
            if let Some(expression) = expression_at(line, index) {
                word.push_str(expression);
                in_word = true;
                while chars
                    .next_if(|(next, _)| *next < index + expression.len())
                    .is_some()
                {}
                continue;
            }
            match (quote, ch) {
                (Some(open), _) if ch == open => quote = None,
                (Some(_), _) => word.push(ch),
                (None, '\'' | '"') => {
                    quote = Some(ch);
                    in_word = true;
                }
                (None, '#') if !in_word => break,
                (None, ' ' | '\t') => end_word(&mut words, &mut word, &mut in_word),
                (None, ';' | '|' | '&') => {
                    if ch != ';' && chars.peek().map(|(_, next)| *next) == Some(ch) {
                        chars.next();
                    }
                    end_word(&mut words, &mut word, &mut in_word);
                    if !words.is_empty() {
                        commands.push(std::mem::take(&mut words));
                    }
                }
                (None, _) => {
                    word.push(ch);
                    in_word = true;
                }
            }
        }
        end_word(&mut words, &mut word, &mut in_word);
        if !words.is_empty() {
            commands.push(words);
        }
    }
    commands
}

/// Returns the `${{ … }}` expression that starts at `index` of `line`.
fn expression_at(line: &str, index: usize) -> Option<&str> {
    let rest = line.get(index..)?;
    if !rest.starts_with("${{") {
        return None;
    }
    let end = rest.find("}}")?;
    rest.get(..end + 2)
}

fn end_word(words: &mut Vec<String>, word: &mut String, in_word: &mut bool) {
    if *in_word {
        words.push(std::mem::take(word));
        *in_word = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(pairs: &[(&str, &str)]) -> Scope {
        let mut scope = Scope::default();
        for (name, value) in pairs {
            scope
                .variables
                .insert((*name).to_owned(), (*value).to_owned());
        }
        scope
    }

    #[test]
    fn expand_resolves_env_forms() {
        let scope = scope(&[("REPO", "web-app"), ("ALIAS", "${{ env.REPO }}")]);
        for text in ["$REPO", "${REPO}", "${{ env.REPO }}", "${{env.ALIAS}}"] {
            assert_eq!(
                literal(&scope.expand(text)),
                Ok("web-app".to_owned()),
                "{text}"
            );
        }
        assert_eq!(origins(&scope.expand("${{ env.ALIAS }}")), ["env.REPO"]);
    }

    #[test]
    fn expand_keeps_run_time_values_opaque() {
        let scope = scope(&[("TAG", "${{ github.sha }}")]);
        let cases = [
            ("${{ secrets.REPO }}", "${{ secrets.REPO }}"),
            (
                "x-${{ steps.login.outputs.registry }}",
                "${{ steps.login.outputs.registry }}",
            ),
            ("$(git rev-parse HEAD)", "$(git rev-parse HEAD)"),
            ("`date`", "`date`"),
            ("$UNSET", "$UNSET"),
            ("$TAG", "${{ github.sha }}"),
        ];
        for (text, expression) in cases {
            assert_eq!(
                literal(&scope.expand(text)),
                Err(expression.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn expand_splits_literals_from_expressions() {
        let scope = scope(&[("REPO", "web-app")]);
        let pieces = scope.expand("$REGISTRY/$REPO:v1");
        assert_eq!(
            pieces,
            [
                Piece::Opaque {
                    expression: "$REGISTRY".to_owned(),
                    origin: None
                },
                Piece::Literal {
                    text: "/".to_owned(),
                    origin: None
                },
                Piece::Literal {
                    text: "web-app".to_owned(),
                    origin: Some("env.REPO".to_owned())
                },
                Piece::Literal {
                    text: ":v1".to_owned(),
                    origin: None
                },
            ]
        );
    }

    #[test]
    fn commands_split_on_operators_and_lines() {
        let script = "docker build -t \"$IMAGE\" . && docker push $IMAGE\n\
                      aws s3 sync ./dist \\\n  s3://site/prefix --delete # publish\n\
                      echo 'a b' | tee out";
        let words = commands(script);
        assert_eq!(
            words,
            [
                vec!["docker", "build", "-t", "$IMAGE", "."],
                vec!["docker", "push", "$IMAGE"],
                vec![
                    "aws",
                    "s3",
                    "sync",
                    "./dist",
                    "s3://site/prefix",
                    "--delete"
                ],
                vec!["echo", "a b"],
                vec!["tee", "out"],
            ]
        );
    }

    #[test]
    fn commands_keep_expressions_as_one_word() {
        let script = "docker push ${{ steps.ecr.outputs.registry }}/web:latest\n\
                      aws eks update-kubeconfig --name ${{ vars.CLUSTER }} # prod";
        assert_eq!(
            commands(script),
            [
                vec![
                    "docker",
                    "push",
                    "${{ steps.ecr.outputs.registry }}/web:latest"
                ],
                vec![
                    "aws",
                    "eks",
                    "update-kubeconfig",
                    "--name",
                    "${{ vars.CLUSTER }}"
                ],
            ]
        );
    }

    #[test]
    fn parse_reads_env_and_steps() {
        let text = "on: push\nenv:\n  REPO: web-app\n  PORT: 8080\njobs:\n  deploy:\n    \
                    runs-on: ubuntu-latest\n    steps:\n      - uses: aws-actions/amazon-ecr-login@v2\n        \
                    id: login\n        with:\n          mask-password: true\n";
        let workflow = Workflow::parse(text, "deploy.yml").unwrap();
        assert_eq!(workflow.env["PORT"], "8080");
        let step = &workflow.jobs["deploy"].steps[0];
        assert_eq!(step.action(), Some("aws-actions/amazon-ecr-login"));
        assert_eq!(step.with["mask-password"], "true");
    }

    #[test]
    fn parse_rejects_files_without_jobs() {
        let error = Workflow::parse("name: x\n", "deploy.yml").unwrap_err();
        assert_eq!(error.to_string(), "invalid workflow `deploy.yml`");
        let error = Workflow::parse("jobs: [1\n", "deploy.yml").unwrap_err();
        assert!(matches!(error, WorkflowError::Invalid { .. }));
    }
}
