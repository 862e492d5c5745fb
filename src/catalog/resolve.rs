//! CloudTrail event → IAM action resolution.
//!
//! A CloudTrail record names an API call (`eventSource`, `eventName`); a
//! policy grants IAM actions. Most calls need the action of the same name
//! under the service's prefix, but not all: S3's `ListObjectsV2` is
//! authorized as `s3:ListBucket`, KMS `ReEncrypt` needs two actions, Lambda
//! logs `UpdateFunctionCode20150331v2`, CloudWatch logs as `monitoring`.
//! [`Catalog::resolve`] applies, in order, the action named in the denial's
//! message, the calls that need no permission, the exceptions table (with
//! rows that depend on a request parameter), the API-version suffix rules,
//! the event-source host table and finally the naive `prefix:eventName`, and
//! says which rule decided. An action the catalog does not list is never
//! returned.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use super::Catalog;
use crate::record::Record;

/// The `format` tag of the exceptions table this version reads.
pub const EXCEPTIONS_FORMAT: &str = "cloudtrail-iam-exceptions/1";

/// The event fields resolution reads.
#[derive(Debug, Clone, Copy)]
pub struct EventKey<'a> {
    /// `eventSource`.
    pub event_source: &'a str,
    /// `eventName`.
    pub event_name: &'a str,
    /// `requestParameters`.
    pub request_parameters: Option<&'a Value>,
}

impl<'a> EventKey<'a> {
    /// Returns the key of a record.
    pub fn from_record(record: &'a Record) -> EventKey<'a> {
        EventKey {
            event_source: record.source(),
            event_name: record.name(),
            request_parameters: record.request_parameters.as_ref(),
        }
    }
}

/// The rule that decided a resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResolutionRule {
    /// The action named in the denial's `errorMessage`.
    ErrorMessage,
    /// A call no identity policy controls.
    NoPermission,
    /// A row of the exceptions table.
    ExceptionTable,
    /// An API-version suffix stripped from the event name.
    VersionSuffix,
    /// An event source whose host label is not the IAM prefix.
    EventSourceHost,
    /// `prefix:eventName` found in the catalog.
    Naive,
}

impl ResolutionRule {
    /// Returns the rule's name as the CLI and JSON output spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionRule::ErrorMessage => "error-message",
            ResolutionRule::NoPermission => "no-permission",
            ResolutionRule::ExceptionTable => "exceptions-table",
            ResolutionRule::VersionSuffix => "version-suffix",
            ResolutionRule::EventSourceHost => "event-source-host",
            ResolutionRule::Naive => "naive",
        }
    }
}

impl serde::Serialize for ResolutionRule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for ResolutionRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One resolved action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResolvedAction {
    /// `prefix:Name` as AWS spells it.
    pub action: String,
    /// The request-parameter condition that selected the action, in words
    /// (`requestParameters.versionId is present`); `None` when the action
    /// applies unconditionally.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
}

/// The outcome of resolving an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The call needs these actions.
    Actions {
        /// The actions, each in the catalog.
        actions: Vec<ResolvedAction>,
        /// The rule that decided.
        rule: ResolutionRule,
        /// Further permissions the call can use depending on its parameters
        /// (a role to pass, a service-linked role to create …), from the
        /// exceptions table; candidates for anticipation, never proven needs.
        may_also_need: Vec<ResolvedAction>,
        /// The exceptions table's note on the row, when it has one.
        note: Option<String>,
    },
    /// The call needs no permission.
    NoPermission {
        /// Why, from the table.
        note: String,
    },
    /// No rule found an action that exists.
    Unknown {
        /// What was tried, naming the event.
        reason: String,
    },
}

impl Resolution {
    /// Returns the rule that decided, `None` for an unknown call.
    pub fn rule(&self) -> Option<ResolutionRule> {
        match self {
            Resolution::Actions { rule, .. } => Some(*rule),
            Resolution::NoPermission { .. } => Some(ResolutionRule::NoPermission),
            Resolution::Unknown { .. } => None,
        }
    }

    /// Returns the resolved actions' names; empty unless actions were found.
    pub fn action_names(&self) -> Vec<&str> {
        match self {
            Resolution::Actions { actions, .. } => actions
                .iter()
                .map(|action| action.action.as_str())
                .collect(),
            Resolution::NoPermission { .. } | Resolution::Unknown { .. } => Vec::new(),
        }
    }
}

/// `event-action-exceptions.json` (format `cloudtrail-iam-exceptions/1`).
#[derive(Debug, Deserialize)]
pub struct Exceptions {
    /// Format tag.
    pub format: String,
    /// Event sources whose host label is not the IAM prefix.
    #[serde(default)]
    pub event_sources: Vec<EventSourceRule>,
    /// API-version suffix rules for event names.
    #[serde(default)]
    pub event_name_rules: Vec<EventNameRule>,
    /// Calls that need no permission.
    #[serde(default)]
    pub no_iam_action: Vec<NoIamAction>,
    /// Calls whose actions are not (only) the naive one.
    #[serde(default)]
    pub events: Vec<ExceptionRow>,
    /// Calls during which the service uses the caller's identity to call
    /// another service (mostly KMS).
    #[serde(default)]
    pub forward_access: Vec<ForwardAccess>,
    #[serde(skip)]
    index: HashMap<(String, String), usize>,
    #[serde(skip)]
    forward_index: HashMap<(String, String), usize>,
    #[serde(skip)]
    name_patterns: OnceLock<Vec<Option<Regex>>>,
}

/// An event source whose IAM prefix differs from its host label.
#[derive(Debug, Clone, Deserialize)]
pub struct EventSourceRule {
    /// The event source, such as `monitoring.amazonaws.com`.
    #[serde(rename = "eventSource")]
    pub event_source: String,
    /// The IAM prefix, such as `cloudwatch`.
    pub iam_prefix: String,
    /// The public source of the fact.
    #[serde(default)]
    pub src: String,
}

/// A rule stripping an API-version suffix from an event name.
#[derive(Debug, Clone, Deserialize)]
pub struct EventNameRule {
    /// The event source it applies to.
    #[serde(rename = "eventSource")]
    pub event_source: String,
    /// Regular expression over the event name.
    pub pattern: String,
    /// Replacement (`$1`).
    pub replace: String,
}

/// A call that needs no permission.
#[derive(Debug, Clone, Deserialize)]
pub struct NoIamAction {
    /// Event source.
    #[serde(rename = "eventSource")]
    pub event_source: String,
    /// Event name.
    #[serde(rename = "eventName")]
    pub event_name: String,
    /// Why no permission is needed.
    #[serde(default)]
    pub note: String,
}

/// How a row of the exceptions table relates the call to its actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowKind {
    /// One action with a name other than the call's.
    Rename,
    /// Several actions, none named like the call.
    Multi,
    /// The naive action, plus permissions the call may also use.
    Extra,
    /// The action depends on a request parameter.
    Conditional,
    /// API Gateway management calls, authorized by HTTP verb.
    HttpVerb,
    /// A kind this version does not know; its actions are used as listed.
    #[serde(other)]
    Other,
}

/// One row of the exceptions table.
#[derive(Debug, Clone, Deserialize)]
pub struct ExceptionRow {
    /// Event source.
    #[serde(rename = "eventSource")]
    pub event_source: String,
    /// Event name.
    #[serde(rename = "eventName")]
    pub event_name: String,
    /// The row's kind.
    pub kind: RowKind,
    /// The actions, some under a condition.
    pub actions: Vec<RowAction>,
    /// Permissions the call may also use.
    #[serde(default)]
    pub may_also_need: Vec<RowAction>,
    /// The public source of the row.
    #[serde(default)]
    pub src: String,
    /// A note on the row.
    #[serde(default)]
    pub note: Option<String>,
}

/// An action of a row, possibly under a condition.
#[derive(Debug, Clone, Deserialize)]
pub struct RowAction {
    /// `prefix:Name`.
    pub action: String,
    /// When the action applies; always when `None`.
    #[serde(default)]
    pub when: Option<When>,
}

/// A condition on a request parameter.
#[derive(Debug, Clone, Deserialize)]
pub struct When {
    /// Path into `requestParameters`: keys joined by `.`, `[]` after a key
    /// whose value is an array (`delete.objects[].versionId`).
    pub param: String,
    /// The test.
    pub op: WhenOp,
    /// The operand of `Equals`, `NotEquals`, `IContains` and `NotIContains`.
    #[serde(default)]
    pub value: Option<String>,
}

/// The tests a [`When`] can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum WhenOp {
    /// The parameter is present (and not null).
    Exists,
    /// The parameter is absent or null.
    NotExists,
    /// Some value of the parameter equals the operand.
    Equals,
    /// No value of the parameter equals the operand.
    NotEquals,
    /// Some value contains the operand, ignoring case and collapsing runs of
    /// white space.
    IContains,
    /// No value contains the operand, compared as for `IContains`.
    NotIContains,
}

/// A call during which the service calls another service with the caller's
/// identity (forward access); a denial there fails the call.
#[derive(Debug, Clone, Deserialize)]
pub struct ForwardAccess {
    /// Event source of the original call.
    #[serde(rename = "eventSource")]
    pub event_source: String,
    /// Event name of the original call.
    #[serde(rename = "eventName")]
    pub event_name: String,
    /// The downstream permissions.
    pub downstream: Vec<Downstream>,
}

/// One downstream permission of a forward-access call.
#[derive(Debug, Clone, Deserialize)]
pub struct Downstream {
    /// `prefix:Name`, such as `kms:Decrypt`.
    pub action: String,
    /// An IAM condition block to grant it under, with `${region}` standing
    /// for the call's region (`{"StringEquals": {"kms:ViaService":
    /// "s3.${region}.amazonaws.com"}}`).
    #[serde(default)]
    pub condition: Option<Value>,
}

impl Downstream {
    /// Returns the condition block with `${region}` replaced by `region`.
    pub fn condition_for_region(&self, region: &str) -> Option<Value> {
        self.condition
            .as_ref()
            .map(|condition| substitute_region(condition, region))
    }
}

fn substitute_region(value: &Value, region: &str) -> Value {
    match value {
        Value::String(text) => Value::String(text.replace("${region}", region)),
        Value::Array(items) => items
            .iter()
            .map(|item| substitute_region(item, region))
            .collect(),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| (key.clone(), substitute_region(item, region)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn key(event_source: &str, event_name: &str) -> (String, String) {
    (
        event_source.trim().to_ascii_lowercase(),
        event_name.trim().to_owned(),
    )
}

impl Exceptions {
    /// Decodes the table from its JSON text and indexes it.
    pub fn from_slice(text: &[u8]) -> Result<Exceptions, serde_json::Error> {
        let mut table: Exceptions = serde_json::from_slice(text)?;
        if table.format != EXCEPTIONS_FORMAT {
            return Err(serde::de::Error::custom(format_args!(
                "exceptions table format `{}`, expected `{EXCEPTIONS_FORMAT}`",
                table.format
            )));
        }
        table.index = table
            .events
            .iter()
            .enumerate()
            .map(|(at, row)| (key(&row.event_source, &row.event_name), at))
            .collect();
        table.forward_index = table
            .forward_access
            .iter()
            .enumerate()
            .map(|(at, row)| (key(&row.event_source, &row.event_name), at))
            .collect();
        Ok(table)
    }

    /// Returns the row for a call.
    pub fn row(&self, event_source: &str, event_name: &str) -> Option<&ExceptionRow> {
        self.index
            .get(&key(event_source, event_name))
            .and_then(|&at| self.events.get(at))
    }

    /// Returns the no-permission entry for a call.
    pub fn no_permission(&self, event_source: &str, event_name: &str) -> Option<&NoIamAction> {
        let source = event_source.trim();
        self.no_iam_action.iter().find(|entry| {
            entry.event_source.eq_ignore_ascii_case(source) && entry.event_name == event_name.trim()
        })
    }

    /// Returns the IAM prefix of an event source and whether the host table
    /// decided it (rather than the host's first label).
    pub fn prefix_of<'a>(&'a self, event_source: &'a str) -> (&'a str, bool) {
        let source = event_source.trim();
        match self
            .event_sources
            .iter()
            .find(|rule| rule.event_source.eq_ignore_ascii_case(source))
        {
            Some(rule) => (&rule.iam_prefix, true),
            None => (source.split('.').next().unwrap_or(source), false),
        }
    }

    /// Returns the event name without its API-version suffix, when a rule
    /// for the event source strips one.
    pub fn strip_version(&self, event_source: &str, event_name: &str) -> Option<String> {
        let patterns = self.name_patterns.get_or_init(|| {
            self.event_name_rules
                .iter()
                .map(|rule| match Regex::new(&rule.pattern) {
                    Ok(regex) => Some(regex),
                    Err(error) => {
                        tracing::warn!(pattern = %rule.pattern, %error,
                            "skipping an event name rule whose pattern does not compile");
                        None
                    }
                })
                .collect()
        });
        let source = event_source.trim();
        self.event_name_rules
            .iter()
            .zip(patterns)
            .find_map(|(rule, regex)| {
                let regex = regex.as_ref()?;
                if !rule.event_source.eq_ignore_ascii_case(source) || !regex.is_match(event_name) {
                    return None;
                }
                let stripped = regex
                    .replace(event_name, rule.replace.as_str())
                    .into_owned();
                (stripped != event_name && !stripped.is_empty()).then_some(stripped)
            })
    }

    /// Returns the forward-access row of a call.
    pub fn forward_access(&self, event_source: &str, event_name: &str) -> Option<&ForwardAccess> {
        self.forward_index
            .get(&key(event_source, event_name))
            .and_then(|&at| self.forward_access.get(at))
    }
}

impl When {
    /// Returns true when the condition holds for `params`. Absent
    /// parameters make `Exists`, `Equals` and `IContains` false and
    /// `NotExists`, `NotEquals` and `NotIContains` true.
    pub fn holds(&self, params: Option<&Value>) -> bool {
        let values = params
            .map(|params| lookup(params, &self.param))
            .unwrap_or_default();
        let operand = self.value.as_deref().unwrap_or("");
        let equals = |value: &&Value| value.as_str() == Some(operand);
        match self.op {
            WhenOp::Exists => !values.is_empty(),
            WhenOp::NotExists => values.is_empty(),
            WhenOp::Equals => values.iter().any(equals),
            WhenOp::NotEquals => !values.iter().any(equals),
            WhenOp::IContains => contains_ignoring_case(&values, operand),
            WhenOp::NotIContains => !contains_ignoring_case(&values, operand),
        }
    }

    /// Describes the condition in words.
    pub fn describe(&self) -> String {
        let param = format!("requestParameters.{}", self.param);
        let value = self.value.as_deref().unwrap_or("");
        match self.op {
            WhenOp::Exists => format!("{param} is present"),
            WhenOp::NotExists => format!("{param} is absent"),
            WhenOp::Equals => format!("{param} is `{value}`"),
            WhenOp::NotEquals => format!("{param} is not `{value}`"),
            WhenOp::IContains => format!("{param} contains `{}`", value.trim()),
            WhenOp::NotIContains => {
                format!("{param} does not contain `{}`", value.trim())
            }
        }
    }
}

fn contains_ignoring_case(values: &[&Value], operand: &str) -> bool {
    let mut needle = collapse_space(operand);
    // The padding `collapse_space` adds lets a verb end the text; an operand
    // that does not end in white space must match without it.
    if !operand.ends_with(char::is_whitespace) {
        needle.pop();
    }
    values
        .iter()
        .filter_map(|value| value.as_str())
        .any(|text| collapse_space(text).contains(needle.as_str()))
}

/// Lower-cases and collapses runs of white space into one space, so that
/// `SELECT\n*` contains `select `.
fn collapse_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let mut last_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.extend(ch.to_lowercase());
            last_space = false;
        }
    }
    // A statement that ends right after its verb still holds the verb.
    if !last_space {
        out.push(' ');
    }
    out
}

/// Returns every non-null value a path reaches. Keys match exactly, else
/// ignoring case and a plural `s`, because CloudTrail spells some
/// parameters as the HTTP API does (`Delete`, `Object`) rather than the
/// SDK (`delete`, `objects`).
pub(crate) fn lookup<'v>(params: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut current = vec![params];
    for segment in path.split('.') {
        let (name, is_list) = match segment.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (segment, false),
        };
        let mut next = Vec::new();
        for value in current {
            let Some(child) = child(value, name) else {
                continue;
            };
            match child {
                Value::Array(items) if is_list => next.extend(items.iter()),
                // A one-element XML list arrives as a bare object.
                other => next.push(other),
            }
        }
        current = next;
    }
    current.retain(|value| !value.is_null());
    current
}

fn child<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    let map = value.as_object()?;
    let find = |wanted: &str| {
        map.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(wanted))
            .map(|(_, child)| child)
    };
    // S3's XML bodies name a list by its element (`Delete.Object[]`) where
    // the SDK names it in the plural (`delete.objects[]`).
    map.get(name)
        .or_else(|| find(name))
        .or_else(|| name.strip_suffix('s').and_then(find))
}

impl Catalog {
    /// Resolves an event to the actions it needs. `message_action` is the
    /// action the denial's error message names, when it names one.
    pub fn resolve(&self, event: EventKey<'_>, message_action: Option<&str>) -> Resolution {
        let (source, name) = (event.event_source.trim(), event.event_name.trim());
        let params = event.request_parameters;
        let row = self.exceptions().row(source, name);
        if let Some(named) = message_action {
            let may_also_need = row
                .map(|row| self.row_extras(row, params))
                .unwrap_or_default();
            return match self.action(named) {
                Some(action) => Resolution::Actions {
                    actions: vec![ResolvedAction {
                        action: action.full_name(),
                        when: None,
                    }],
                    rule: ResolutionRule::ErrorMessage,
                    may_also_need,
                    note: None,
                },
                None => Resolution::Unknown {
                    reason: format!(
                        "the error message of `{source}` `{name}` names `{named}`, which the \
                         catalog does not list; `trailgrant catalog refresh` fetches AWS's \
                         current list"
                    ),
                },
            };
        }
        if source.is_empty() || name.is_empty() {
            return Resolution::Unknown {
                reason: format!(
                    "the event has no {}",
                    if source.is_empty() {
                        "eventSource"
                    } else {
                        "eventName"
                    }
                ),
            };
        }
        if let Some(entry) = self.exceptions().no_permission(source, name) {
            return Resolution::NoPermission {
                note: entry.note.clone(),
            };
        }
        if let Some(row) = row {
            return self.apply_row(row, params, ResolutionRule::ExceptionTable);
        }
        self.resolve_by_name(source, name, params)
    }

    fn resolve_by_name(&self, source: &str, name: &str, params: Option<&Value>) -> Resolution {
        let (prefix, from_host_table) = self.exceptions().prefix_of(source);
        let naive = format!("{prefix}:{name}");
        if let Some(stripped) = self.exceptions().strip_version(source, name) {
            let candidate = format!("{prefix}:{stripped}");
            if !self.has_action(&naive) && self.has_action(&candidate) {
                if let Some(row) = self.exceptions().row(source, &stripped) {
                    return self.apply_row(row, params, ResolutionRule::VersionSuffix);
                }
                return self.single(&candidate, ResolutionRule::VersionSuffix);
            }
        }
        if self.has_action(&naive) {
            let rule = if from_host_table {
                ResolutionRule::EventSourceHost
            } else {
                ResolutionRule::Naive
            };
            return self.single(&naive, rule);
        }
        Resolution::Unknown {
            reason: format!(
                "no IAM action is known for `{source}` `{name}`: `{naive}` is not in the catalog \
                 and no exceptions-table row or name rule covers the call"
            ),
        }
    }

    fn single(&self, name: &str, rule: ResolutionRule) -> Resolution {
        match self.action(name) {
            Some(action) => Resolution::Actions {
                actions: vec![ResolvedAction {
                    action: action.full_name(),
                    when: None,
                }],
                rule,
                may_also_need: Vec::new(),
                note: None,
            },
            None => Resolution::Unknown {
                reason: format!("`{name}` is not in the catalog"),
            },
        }
    }

    fn apply_row(
        &self,
        row: &ExceptionRow,
        params: Option<&Value>,
        rule: ResolutionRule,
    ) -> Resolution {
        let actions = self.row_actions(&row.actions, params);
        if actions.is_empty() {
            return Resolution::Unknown {
                reason: self.why_row_chose_nothing(row, params),
            };
        }
        Resolution::Actions {
            actions,
            rule,
            may_also_need: self.row_extras(row, params),
            note: row.note.clone(),
        }
    }

    /// Returns the actions of a row whose condition holds, in the catalog's
    /// spelling, dropping any the catalog no longer lists.
    fn row_actions(&self, rows: &[RowAction], params: Option<&Value>) -> Vec<ResolvedAction> {
        let mut out: Vec<ResolvedAction> = Vec::new();
        for row in rows {
            if row.when.as_ref().is_some_and(|when| !when.holds(params)) {
                continue;
            }
            let Some(action) = self.action(&row.action) else {
                tracing::warn!(action = %row.action,
                    "the exceptions table names an action the catalog does not list");
                continue;
            };
            let name = action.full_name();
            if out.iter().all(|seen| seen.action != name) {
                out.push(ResolvedAction {
                    action: name,
                    when: row.when.as_ref().map(When::describe),
                });
            }
        }
        out
    }

    fn row_extras(&self, row: &ExceptionRow, params: Option<&Value>) -> Vec<ResolvedAction> {
        self.row_actions(&row.may_also_need, params)
    }

    fn why_row_chose_nothing(&self, row: &ExceptionRow, params: Option<&Value>) -> String {
        let mut conditions: Vec<String> = row
            .actions
            .iter()
            .filter_map(|action| action.when.as_ref())
            .map(|when| format!("`{}`", when.param))
            .collect();
        conditions.dedup();
        let choices: Vec<String> = row
            .actions
            .iter()
            .map(|a| format!("`{}`", a.action))
            .collect();
        let seen = if params.is_some() {
            ""
        } else {
            " (the event has no requestParameters)"
        };
        format!(
            "`{}` `{}` needs one of {} depending on request parameter {}, and none of the \
             conditions holds{seen}",
            row.event_source,
            row.event_name,
            choices.join(", "),
            conditions.join(", ")
        )
    }

    /// Returns true for a call that needs no permission (`sts`
    /// `GetCallerIdentity`, console sign-in events …).
    pub fn is_no_permission_call(&self, event_source: &str, event_name: &str) -> bool {
        self.exceptions()
            .no_permission(event_source, event_name)
            .is_some()
    }

    /// Returns the permissions the exceptions table says a call may also use,
    /// unevaluated (conditions left for the caller); empty for calls without
    /// a row.
    pub fn may_also_need(&self, event_source: &str, event_name: &str) -> &[RowAction] {
        self.exceptions()
            .row(event_source, event_name)
            .map(|row| row.may_also_need.as_slice())
            .unwrap_or_default()
    }

    /// Returns the downstream permissions a call uses through forward access
    /// (S3 `GetObject` → `kms:Decrypt` under `kms:ViaService`); empty when
    /// the table has none.
    pub fn forward_access(&self, event_source: &str, event_name: &str) -> &[Downstream] {
        self.exceptions()
            .forward_access(event_source, event_name)
            .map(|row| row.downstream.as_slice())
            .unwrap_or_default()
    }

    /// Returns the calls that use `action` through forward access, such as
    /// every call that may fail on a `kms:Decrypt` denial.
    pub fn forward_access_callers<'a>(
        &'a self,
        action: &'a str,
    ) -> impl Iterator<Item = &'a ForwardAccess> + 'a {
        self.exceptions().forward_access.iter().filter(move |row| {
            row.downstream
                .iter()
                .any(|down| down.action.eq_ignore_ascii_case(action))
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn catalog() -> &'static Catalog {
        Catalog::embedded().unwrap()
    }

    fn resolve(source: &str, name: &str, params: Option<Value>) -> Resolution {
        let event = EventKey {
            event_source: source,
            event_name: name,
            request_parameters: params.as_ref(),
        };
        catalog().resolve(event, None)
    }

    fn actions(resolution: &Resolution) -> (Vec<&str>, Option<ResolutionRule>) {
        (resolution.action_names(), resolution.rule())
    }

    #[test]
    fn message_action_wins_over_every_table() {
        let event = EventKey {
            event_source: "ecs.amazonaws.com",
            event_name: "RegisterTaskDefinition",
            request_parameters: None,
        };
        let resolution = catalog().resolve(event, Some("IAM:passrole"));
        assert_eq!(
            actions(&resolution),
            (vec!["iam:PassRole"], Some(ResolutionRule::ErrorMessage))
        );
        let unknown = catalog().resolve(event, Some("ecs:RegisterTaskDefinitionV9"));
        let Resolution::Unknown { reason } = unknown else {
            panic!("{unknown:?}")
        };
        assert!(reason
            .contains("names `ecs:RegisterTaskDefinitionV9`, which the catalog does not list"));
    }

    #[test]
    fn calls_without_permission_resolve_to_nothing() {
        let resolution = resolve("sts.amazonaws.com", "GetCallerIdentity", None);
        assert!(
            matches!(resolution, Resolution::NoPermission { .. }),
            "{resolution:?}"
        );
        assert_eq!(resolution.rule(), Some(ResolutionRule::NoPermission));
        assert!(catalog().is_no_permission_call("sts.amazonaws.com", "GetCallerIdentity"));
        assert!(!catalog().is_no_permission_call("sts.amazonaws.com", "AssumeRole"));
    }

    #[test]
    fn renames_come_from_the_table() {
        for name in ["ListObjectsV2", "ListObjects", "HeadBucket"] {
            let resolution = resolve("s3.amazonaws.com", name, Some(json!({"bucketName": "b"})));
            assert_eq!(
                actions(&resolution),
                (vec!["s3:ListBucket"], Some(ResolutionRule::ExceptionTable)),
                "{name}"
            );
        }
        let invoke = resolve("lambda.amazonaws.com", "Invoke", None);
        assert_eq!(actions(&invoke).0, ["lambda:InvokeFunction"]);
    }

    #[test]
    fn head_object_depends_on_the_version_id() {
        let plain = resolve("s3.amazonaws.com", "HeadObject", Some(json!({"key": "k"})));
        assert_eq!(
            actions(&plain),
            (vec!["s3:GetObject"], Some(ResolutionRule::ExceptionTable))
        );
        let Resolution::Actions {
            actions: chosen, ..
        } = &plain
        else {
            panic!()
        };
        assert_eq!(
            chosen[0].when.as_deref(),
            Some("requestParameters.versionId is absent")
        );
        let versioned = resolve(
            "s3.amazonaws.com",
            "HeadObject",
            Some(json!({"key": "k", "versionId": "3"})),
        );
        assert_eq!(actions(&versioned).0, ["s3:GetObjectVersion"]);
        let no_params = resolve("s3.amazonaws.com", "HeadObject", None);
        assert_eq!(actions(&no_params).0, ["s3:GetObject"]);
    }

    #[test]
    fn object_calls_with_a_version_id_need_the_version_action() {
        let cases = [
            ("GetObject", "s3:GetObject", "s3:GetObjectVersion"),
            ("DeleteObject", "s3:DeleteObject", "s3:DeleteObjectVersion"),
            ("GetObjectAcl", "s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
            ("PutObjectAcl", "s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
            (
                "GetObjectTagging",
                "s3:GetObjectTagging",
                "s3:GetObjectVersionTagging",
            ),
            (
                "PutObjectTagging",
                "s3:PutObjectTagging",
                "s3:PutObjectVersionTagging",
            ),
            (
                "DeleteObjectTagging",
                "s3:DeleteObjectTagging",
                "s3:DeleteObjectVersionTagging",
            ),
            (
                "GetObjectAttributes",
                "s3:GetObjectAttributes",
                "s3:GetObjectVersionAttributes",
            ),
        ];
        for (name, current, version) in cases {
            let plain = resolve("s3.amazonaws.com", name, Some(json!({"key": "k"})));
            assert_eq!(actions(&plain).0, [current], "{name} without versionId");
            let versioned = json!({"key": "k", "versionId": "v1"});
            let versioned = resolve("s3.amazonaws.com", name, Some(versioned));
            assert_eq!(actions(&versioned).0, [version], "{name} with versionId");
        }
    }

    #[test]
    fn copy_object_needs_only_what_the_request_uses() {
        let plain = json!({"bucketName": "dst", "key": "k", "x-amz-copy-source": "src/a.txt"});
        let resolution = resolve("s3.amazonaws.com", "CopyObject", Some(plain));
        assert_eq!(actions(&resolution).0, ["s3:GetObject", "s3:PutObject"]);
        let Resolution::Actions { may_also_need, .. } = &resolution else {
            panic!("{resolution:?}")
        };
        let extras: Vec<&str> = may_also_need.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(extras, ["s3:GetObjectTagging", "s3:PutObjectTagging"]);

        let version = json!({"x-amz-copy-source": "src/a.txt?versionId=abc"});
        let resolution = resolve("s3.amazonaws.com", "CopyObject", Some(version));
        assert_eq!(
            actions(&resolution).0,
            ["s3:GetObjectVersion", "s3:PutObject"]
        );

        let acl = json!({"x-amz-copy-source": "src/a.txt", "x-amz-acl": "private"});
        let resolution = resolve("s3.amazonaws.com", "CopyObject", Some(acl));
        assert_eq!(
            actions(&resolution).0,
            ["s3:GetObject", "s3:PutObject", "s3:PutObjectAcl"]
        );

        let tags = json!({"x-amz-copy-source": "src/a.txt", "x-amz-tagging-directive": "REPLACE",
            "x-amz-tagging": "a=b"});
        let resolution = resolve("s3.amazonaws.com", "CopyObject", Some(tags));
        assert_eq!(
            actions(&resolution).0,
            ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]
        );
        let Resolution::Actions { may_also_need, .. } = &resolution else {
            panic!("{resolution:?}")
        };
        assert!(may_also_need.is_empty(), "{may_also_need:?}");
    }

    #[test]
    fn put_object_adds_acl_and_tagging_only_when_sent() {
        let plain = resolve("s3.amazonaws.com", "PutObject", Some(json!({"key": "k"})));
        assert_eq!(actions(&plain).0, ["s3:PutObject"]);
        for header in [
            "x-amz-acl",
            "x-amz-grant-read",
            "x-amz-grant-read-acp",
            "x-amz-grant-write-acp",
            "x-amz-grant-full-control",
        ] {
            let params = json!({"key": "k", header: "value"});
            let resolution = resolve("s3.amazonaws.com", "PutObject", Some(params));
            assert_eq!(
                actions(&resolution).0,
                ["s3:PutObject", "s3:PutObjectAcl"],
                "{header}"
            );
        }
        let tagged = json!({"key": "k", "x-amz-tagging": "a=b"});
        let resolution = resolve("s3.amazonaws.com", "PutObject", Some(tagged));
        assert_eq!(
            actions(&resolution).0,
            ["s3:PutObject", "s3:PutObjectTagging"]
        );
    }

    #[test]
    fn conditional_rows_read_nested_lists() {
        let items = json!({"transactItems": [
            {"put": {"tableName": "t"}}, {"conditionCheck": {"tableName": "t"}}
        ]});
        let resolution = resolve("dynamodb.amazonaws.com", "TransactWriteItems", Some(items));
        assert_eq!(
            actions(&resolution).0,
            ["dynamodb:ConditionCheckItem", "dynamodb:PutItem"]
        );
        let versions = json!({"delete": {"objects": [{"key": "a", "versionId": "1"}]}});
        let resolution = resolve("s3.amazonaws.com", "DeleteObjects", Some(versions));
        assert_eq!(actions(&resolution).0, ["s3:DeleteObjectVersion"]);
        let statement = json!({"statement": "update \"t\"\n  SET a = 1"});
        let resolution = resolve(
            "dynamodb.amazonaws.com",
            "ExecuteStatement",
            Some(statement),
        );
        assert_eq!(actions(&resolution).0, ["dynamodb:PartiQLUpdate"]);
        let account = resolve("s3.amazonaws.com", "GetPublicAccessBlock", Some(json!({})));
        assert_eq!(actions(&account).0, ["s3:GetAccountPublicAccessBlock"]);
        let copy = json!({"taggingDirective": "REPLACE"});
        let resolution = resolve("s3.amazonaws.com", "CopyObject", Some(copy));
        assert!(!actions(&resolution).0.contains(&"s3:GetObjectTagging"));
        assert!(actions(&resolution).0.contains(&"s3:GetObject"));
    }

    #[test]
    fn a_conditional_row_with_no_matching_condition_is_unknown() {
        let resolution = resolve("dynamodb.amazonaws.com", "ExecuteStatement", None);
        let Resolution::Unknown { reason } = resolution else {
            panic!("{resolution:?}")
        };
        assert_eq!(
            reason,
            "`dynamodb.amazonaws.com` `ExecuteStatement` needs one of `dynamodb:PartiQLSelect`, \
             `dynamodb:PartiQLInsert`, `dynamodb:PartiQLUpdate`, `dynamodb:PartiQLDelete` \
             depending on request parameter `statement`, and none of the conditions holds (the \
             event has no requestParameters)"
        );
    }

    #[test]
    fn multi_and_http_verb_rows() {
        let resolution = resolve("kms.amazonaws.com", "ReEncrypt", None);
        assert_eq!(
            actions(&resolution),
            (
                vec!["kms:ReEncryptFrom", "kms:ReEncryptTo"],
                Some(ResolutionRule::ExceptionTable)
            )
        );
        let resolution = resolve("apigateway.amazonaws.com", "CreateRestApi", None);
        assert_eq!(actions(&resolution).0, ["apigateway:POST"]);
    }

    #[test]
    fn extra_rows_keep_the_naive_action_and_list_what_else_may_be_needed() {
        let resolution = resolve("lambda.amazonaws.com", "CreateFunction20150331", None);
        let Resolution::Actions {
            actions,
            rule,
            may_also_need,
            ..
        } = resolution
        else {
            panic!()
        };
        assert_eq!(actions[0].action, "lambda:CreateFunction");
        assert_eq!(rule, ResolutionRule::VersionSuffix);
        assert!(may_also_need
            .iter()
            .any(|extra| extra.action == "iam:PassRole"));
        let rows = catalog().may_also_need("lambda.amazonaws.com", "CreateFunction");
        assert!(rows.iter().any(|extra| extra.action == "iam:PassRole"));
    }

    #[test]
    fn version_suffixes_are_stripped_only_when_the_raw_name_is_no_action() {
        let resolution = resolve("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", None);
        assert_eq!(
            actions(&resolution),
            (
                vec!["lambda:UpdateFunctionCode"],
                Some(ResolutionRule::VersionSuffix)
            )
        );
        let resolution = resolve(
            "cloudfront.amazonaws.com",
            "CreateInvalidation2020_05_31",
            None,
        );
        assert_eq!(actions(&resolution).0, ["cloudfront:CreateInvalidation"]);
        let table = catalog().exceptions();
        assert_eq!(
            table
                .strip_version("lambda.amazonaws.com", "ListTags20170331")
                .as_deref(),
            Some("ListTags")
        );
        assert_eq!(
            table.strip_version("s3.amazonaws.com", "ListTags20170331"),
            None
        );
        // `connect:GetMetricDataV2` is an action of its own; no rule touches it.
        let resolution = resolve("connect.amazonaws.com", "GetMetricDataV2", None);
        assert_eq!(
            actions(&resolution),
            (vec!["connect:GetMetricDataV2"], Some(ResolutionRule::Naive))
        );
    }

    #[test]
    fn event_source_hosts_map_to_their_prefix() {
        let resolution = resolve("monitoring.amazonaws.com", "PutMetricData", None);
        assert_eq!(
            actions(&resolution),
            (
                vec!["cloudwatch:PutMetricData"],
                Some(ResolutionRule::EventSourceHost)
            )
        );
        let resolution = resolve("streams.dynamodb.amazonaws.com", "GetRecords", None);
        assert_eq!(actions(&resolution).0, ["dynamodb:GetRecords"]);
    }

    #[test]
    fn naive_names_must_exist() {
        let resolution = resolve("ecr.amazonaws.com", "PutImage", None);
        assert_eq!(
            actions(&resolution),
            (vec!["ecr:PutImage"], Some(ResolutionRule::Naive))
        );
        let resolution = resolve("ecr.amazonaws.com", "PutImages", None);
        let Resolution::Unknown { reason } = resolution else {
            panic!()
        };
        assert_eq!(
            reason,
            "no IAM action is known for `ecr.amazonaws.com` `PutImages`: `ecr:PutImages` is not \
             in the catalog and no exceptions-table row or name rule covers the call"
        );
        assert!(matches!(
            resolve("", "PutImage", None),
            Resolution::Unknown { .. }
        ));
    }

    #[test]
    fn every_action_in_the_exceptions_table_exists() {
        let catalog = catalog();
        let table = catalog.exceptions();
        let mut missing = Vec::new();
        let mut checked = 0;
        for row in &table.events {
            for action in row.actions.iter().chain(&row.may_also_need) {
                checked += 1;
                if !catalog.has_action(&action.action) {
                    missing.push(format!(
                        "{} {}: {}",
                        row.event_source, row.event_name, action.action
                    ));
                }
            }
        }
        for row in &table.forward_access {
            for down in &row.downstream {
                checked += 1;
                if !catalog.has_action(&down.action) {
                    missing.push(format!(
                        "{} {}: {}",
                        row.event_source, row.event_name, down.action
                    ));
                }
            }
        }
        for rule in &table.event_sources {
            assert!(
                catalog.service(&rule.iam_prefix).is_some(),
                "{}",
                rule.iam_prefix
            );
        }
        assert_eq!(checked, 2_000);
        assert_eq!(missing, Vec::<String>::new());
    }

    #[test]
    fn forward_access_names_downstream_kms_permissions() {
        let downstream = catalog().forward_access("s3.amazonaws.com", "GetObject");
        assert_eq!(downstream.len(), 1);
        assert_eq!(downstream[0].action, "kms:Decrypt");
        assert_eq!(
            downstream[0].condition_for_region("eu-west-1"),
            Some(json!({"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}))
        );
        assert!(catalog()
            .forward_access("s3.amazonaws.com", "ListBuckets")
            .is_empty());
        let callers: Vec<&str> = catalog()
            .forward_access_callers("kms:GenerateDataKey")
            .filter(|row| row.event_source == "sqs.amazonaws.com")
            .map(|row| row.event_name.as_str())
            .collect();
        assert_eq!(callers, ["SendMessage", "SendMessageBatch"]);
    }

    #[test]
    fn when_operators() {
        let when = |op, value: Option<&str>| When {
            param: "a[].b".to_owned(),
            op,
            value: value.map(str::to_owned),
        };
        let params = json!({"a": [{"b": "x"}, {"b": null}, {"c": 1}]});
        assert!(when(WhenOp::Exists, None).holds(Some(&params)));
        assert!(!when(WhenOp::NotExists, None).holds(Some(&params)));
        assert!(when(WhenOp::Equals, Some("x")).holds(Some(&params)));
        assert!(!when(WhenOp::NotEquals, Some("x")).holds(Some(&params)));
        assert!(when(WhenOp::NotEquals, Some("y")).holds(None));
        assert!(when(WhenOp::IContains, Some("X ")).holds(Some(&params)));
        assert!(!when(WhenOp::Exists, None).holds(Some(&json!({"a": [{"b": null}]}))));
        assert!(when(WhenOp::Exists, None).holds(Some(&json!({"A": {"B": "one"}}))));
    }
}
