//! Resource ARNs built from a CloudTrail event by filling the catalog's ARN
//! templates, and the escaping of IAM's special characters in resource names.
//!
//! For each resource type an action takes, the builder looks, in order, at
//! the resource the denial's message named, at what it knows of the
//! service's parameters (`known.rs`: S3 keys and copy sources, Lambda
//! qualifiers, SSM parameter names, SQS queue URLs, KMS keys and aliases …),
//! at ARNs in `requestParameters` and `resources[]` that fit the template,
//! and finally fills each placeholder from the request parameter of the same
//! name. A placeholder nothing fills becomes `*`, is listed in
//! [`BuiltResource::unfilled`] and sets a warning: the statement is then
//! wider than the observed call.

mod known;
mod template;

use serde_json::Value;

use self::template::{Part, Template};
use super::{ActionRef, Catalog};
use crate::record::Record;

/// A resource ARN built for one action of one event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BuiltResource {
    /// The ARN, with `*`, `?` and `$` in names escaped. It is `*` when the
    /// action has no resource type, and holds `*` in place of each
    /// placeholder the event did not fill.
    pub arn: String,
    /// The catalog resource type the ARN was built for; `None` for `*`.
    pub resource_type: Option<String>,
    /// Placeholders that could not be filled from the event.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unfilled: Vec<String>,
    /// The reason the resource is wider than one exact ARN, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Context that does not widen the grant (the action has no
    /// resource-level permissions, a default was assumed …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The event fields the ARN builder reads.
#[derive(Debug, Clone, Copy)]
pub struct ArnContext<'a> {
    /// The event.
    pub record: &'a Record,
    /// The resource ARN the denial's message named for this action, if any;
    /// used as is when it fits one of the action's resource types.
    pub message_resource: Option<&'a str>,
}

impl<'a> ArnContext<'a> {
    /// Returns a context reading only the record.
    pub fn new(record: &'a Record) -> ArnContext<'a> {
        ArnContext {
            record,
            message_resource: None,
        }
    }
}

/// Escapes `*`, `?` and `$` in a resource name as `${*}`, `${?}`, `${$}`.
pub fn escape_resource_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        match ch {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' => out.push_str("${$}"),
            other => out.push(other),
        }
    }
    out
}

/// The event fields the builder reads, looked up once.
pub(crate) struct Event<'a> {
    pub(crate) record: &'a Record,
    pub(crate) params: Option<&'a Value>,
    pub(crate) name: &'a str,
    partition: Option<&'a str>,
    region: Option<&'a str>,
    account: Option<&'a str>,
}

/// Returns `requestParameters`, or the object inside it when EC2 wraps the
/// request as `{"<EventName>Request": {…}}` (`CreateLaunchTemplateVersion`
/// and other newer EC2 calls are recorded that way, with capitalized keys).
fn unwrapped_parameters(record: &Record) -> Option<&Value> {
    let params = record.request_parameters.as_ref()?;
    let wrapper = format!("{}Request", record.name());
    match params.as_object() {
        Some(object) if object.len() == 1 => match object.get(&wrapper) {
            Some(inner) if inner.is_object() => Some(inner),
            _ => Some(params),
        },
        _ => Some(params),
    }
}

impl<'a> Event<'a> {
    fn new(record: &'a Record) -> Event<'a> {
        Event {
            record,
            params: unwrapped_parameters(record),
            name: record.name(),
            partition: record
                .partition()
                .filter(|partition| is_partition(partition)),
            region: Some(record.region()).filter(|region| is_region(region)),
            account: record.account().filter(|account| is_account(account)),
        }
    }

    /// Returns the string values a path into `requestParameters` reaches
    /// (numbers as text).
    pub(crate) fn strings(&self, path: &str) -> Vec<String> {
        let Some(params) = self.params else {
            return Vec::new();
        };
        super::resolve::lookup(params, path)
            .into_iter()
            .filter_map(|value| match value {
                Value::String(text) if !text.is_empty() => Some(text.clone()),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            })
            .collect()
    }

    /// Returns the first string value of a path.
    pub(crate) fn string(&self, path: &str) -> Option<String> {
        self.strings(path).into_iter().next()
    }
}

/// The value a placeholder gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A name from the event, escaped when used.
    Name(String),
    /// Text used as is, wildcards deliberate (`name-??????`).
    Pattern(String),
}

/// True for a partition name as ARNs write it (`aws`, `aws-cn`,
/// `aws-us-gov`, `aws-iso-b` …).
pub(crate) fn is_partition(text: &str) -> bool {
    text.starts_with("aws") && text.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// True for a Region code (`us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`).
/// A record whose `awsRegion` is anything else gives no Region, so a
/// malformed value never becomes part of an ARN.
pub(crate) fn is_region(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// True for a 12-digit account id.
pub(crate) fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Placeholder values for one resource, with what to tell the user.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fill {
    pub(crate) values: Vec<(String, Piece)>,
    pub(crate) warning: Option<String>,
    pub(crate) note: Option<String>,
}

impl Fill {
    pub(crate) fn with(mut self, var: &str, piece: Piece) -> Fill {
        self.values.push((var.to_owned(), piece));
        self
    }

    fn get(&self, var: &str) -> Option<&Piece> {
        self.values
            .iter()
            .find(|(name, _)| name == var)
            .map(|(_, piece)| piece)
    }
}

/// The result of a service's own rules for one resource type.
pub(crate) enum Known {
    /// Exact ARNs taken from the event.
    Arns(Vec<String>),
    /// Placeholder values; the rest comes from the event.
    Fills(Vec<Fill>),
}

/// A resource before type selection.
#[derive(Debug, Clone)]
struct Draft {
    resource: BuiltResource,
    /// Placeholders other than partition, region and account that were
    /// filled; more means a more specific match.
    filled: usize,
}

impl Draft {
    fn exact(arn: &str, resource_type: &str) -> Draft {
        Draft {
            resource: BuiltResource {
                arn: escape_resource_name(arn),
                resource_type: Some(resource_type.to_owned()),
                unfilled: Vec::new(),
                warning: None,
                note: None,
            },
            filled: usize::MAX,
        }
    }
}

impl Catalog {
    /// Builds the resources `action` needs for the call in `context`: one
    /// `*` with a note when the action has no resource type; one resource
    /// per required resource type (several when the call touches several
    /// resources of that type); else the optional type the event fills
    /// best.
    pub fn build_resources(
        &self,
        action: &ActionRef<'_>,
        context: ArnContext<'_>,
    ) -> Vec<BuiltResource> {
        let event = Event::new(context.record);
        let rows: Vec<_> = action.resource_types().collect();
        if !action.has_resource_types() {
            return vec![star(
                None,
                Some(format!(
                    "`{}` has no resource-level permissions; IAM accepts only `\"Resource\": \"*\"`",
                    action.full_name()
                )),
            )];
        }
        if rows.is_empty() {
            return vec![star(
                Some(format!(
                    "the catalog lists resource types for `{}` that it does not define",
                    action.full_name()
                )),
                None,
            )];
        }
        if let Some(named) = context
            .message_resource
            .and_then(|arn| message_match(&rows, arn))
        {
            return vec![named.resource];
        }
        let drafts = if rows.iter().any(|(row, _)| row.required) {
            self.required_types(&event, action, &rows)
        } else {
            let best = best_optional(&event, &rows, |name, def| {
                build_type(&event, action, name, def)
            });
            if untouched_optional(&best) || best.is_empty() {
                return vec![optional_star(action)];
            }
            best
        };
        let mut out: Vec<BuiltResource> = Vec::new();
        for draft in drafts {
            if out.iter().all(|seen| seen.arn != draft.resource.arn) {
                out.push(draft.resource);
            }
        }
        out
    }

    fn required_types(
        &self,
        event: &Event<'_>,
        action: &ActionRef<'_>,
        rows: &[(&super::ActionResource, &super::ResourceTypeDef)],
    ) -> Vec<Draft> {
        let mut out = Vec::new();
        for (row, def) in rows.iter().filter(|(row, _)| row.required) {
            // DynamoDB `Query` lists `table` as required and `index` as
            // optional, yet a query on an index is authorized on the index
            // ARN: an optional type whose template extends a required one
            // and that the event fills completely takes its place.
            let narrower = rows
                .iter()
                .filter(|(other, other_def)| !other.required && extends(other_def, def));
            let replacement = narrower
                .map(|(other, other_def)| {
                    build_type(event, action, &other.resource_type, other_def)
                })
                .find(|drafts| {
                    !drafts.is_empty() && drafts.iter().all(|d| d.resource.unfilled.is_empty())
                });
            match replacement {
                Some(drafts) => out.extend(drafts),
                None => out.extend(build_type(event, action, &row.resource_type, def)),
            }
        }
        out
    }
}

/// When every resource type is optional and the event names none of them
/// (CloudWatch `PutMetricData` without a dataset), the call is authorized
/// against `*`.
fn untouched_optional(best: &[Draft]) -> bool {
    best.first()
        .is_some_and(|first| first.filled == 0 && !first.resource.unfilled.is_empty())
}

fn optional_star(action: &ActionRef<'_>) -> BuiltResource {
    let types: Vec<String> = action
        .def
        .resources
        .iter()
        .map(|row| format!("`{}`", row.resource_type))
        .collect();
    let types = types.join(", ");
    let action = action.full_name();
    if targets_one_optional_type(&action) {
        return star(
            Some(format!(
                "the event names no resource of the type(s) {types} of `{action}`, so `*` stands \
                 for it and allows the action on every one; narrow `*` to the ARN the call used"
            )),
            None,
        );
    }
    star(
        None,
        Some(format!(
            "the event names no resource of the optional type(s) {types} of `{action}`, so the \
             call is authorized on `*`"
        )),
    )
}

/// Returns true for actions whose resource types are all marked optional
/// although every call targets one of them. S3 lists a bucket or object
/// type beside its access-point type, each optional because a request names
/// either one, never neither.
fn targets_one_optional_type(action: &str) -> bool {
    action
        .split_once(':')
        .is_some_and(|(prefix, _)| prefix.eq_ignore_ascii_case("s3"))
}

fn star(warning: Option<String>, note: Option<String>) -> BuiltResource {
    BuiltResource {
        arn: "*".to_owned(),
        resource_type: None,
        unfilled: Vec::new(),
        warning,
        note,
    }
}

/// Returns the message's resource when it fits one of the action's types.
fn message_match(
    rows: &[(&super::ActionResource, &super::ResourceTypeDef)],
    arn: &str,
) -> Option<Draft> {
    rows.iter().find_map(|(row, def)| {
        def.templates()
            .any(|text| Template::parse(text).matches(arn))
            .then(|| Draft::exact(arn, &row.resource_type))
    })
}

/// Returns true when every template of `narrow` starts with a template of
/// `wide` followed by `/`.
fn extends(narrow: &super::ResourceTypeDef, wide: &super::ResourceTypeDef) -> bool {
    narrow.templates().all(|n| {
        wide.templates()
            .any(|w| n.strip_prefix(w).is_some_and(|rest| rest.starts_with('/')))
    })
}

/// Picks the optional resource type the event fills best: completely filled
/// first, then the type the event name ends with (`GetObject` → `object`
/// rather than `accesspointobject`), then the most placeholders filled.
fn best_optional(
    event: &Event<'_>,
    rows: &[(&super::ActionResource, &super::ResourceTypeDef)],
    build: impl Fn(&str, &super::ResourceTypeDef) -> Vec<Draft>,
) -> Vec<Draft> {
    let mut best: Option<((bool, u8, usize), Vec<Draft>)> = None;
    for (row, def) in rows {
        let drafts = build(&row.resource_type, def);
        let Some(first) = drafts.first() else {
            continue;
        };
        let complete = drafts.iter().all(|d| d.resource.unfilled.is_empty());
        let score = (
            complete,
            name_score(event.name, &row.resource_type),
            first.filled,
        );
        if best.as_ref().is_none_or(|(top, _)| score > *top) {
            best = Some((score, drafts));
        }
    }
    best.map(|(_, drafts)| drafts).unwrap_or_default()
}

/// How well a resource type's name fits the event name: 2 when it is the
/// event's noun (`GetStage` → `Stage`, `CreateDeployment` →
/// `Deployments`), 1 when the event name ends with it, else 0.
fn name_score(event_name: &str, type_name: &str) -> u8 {
    let squash = |text: &str| -> String {
        text.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let (event, kind) = (squash(event_name), squash(type_name));
    let verb_len = event_name
        .char_indices()
        .skip(1)
        .find(|(_, ch)| ch.is_ascii_uppercase())
        .map_or(event_name.len(), |(at, _)| at);
    let noun = event.get(verb_len..).unwrap_or("");
    let plural = event.starts_with("create") || event.starts_with("import");
    if noun == kind || (plural && format!("{noun}s") == kind) {
        return 2;
    }
    u8::from(event.ends_with(&kind))
}

/// Builds the resources of one type, trying each of its templates and
/// keeping the one the event fills best.
fn build_type(
    event: &Event<'_>,
    action: &ActionRef<'_>,
    type_name: &str,
    def: &super::ResourceTypeDef,
) -> Vec<Draft> {
    let mut best: Option<Vec<Draft>> = None;
    for text in def.templates() {
        let template = Template::parse(text);
        let drafts = build_template(event, action, type_name, &template);
        let unfilled = |drafts: &[Draft]| {
            drafts
                .iter()
                .map(|d| d.resource.unfilled.len())
                .sum::<usize>()
        };
        if best
            .as_ref()
            .is_none_or(|top| unfilled(&drafts) < unfilled(top))
        {
            best = Some(drafts);
        }
    }
    best.unwrap_or_default()
}

fn build_template(
    event: &Event<'_>,
    action: &ActionRef<'_>,
    type_name: &str,
    template: &Template<'_>,
) -> Vec<Draft> {
    match known::resources(event, action, type_name, template) {
        Some(Known::Arns(arns)) => {
            return arns
                .iter()
                .map(|arn| Draft::exact(arn, type_name))
                .collect();
        }
        Some(Known::Fills(fills)) => {
            return fills
                .iter()
                .map(|fill| assemble(event, action, type_name, template, fill))
                .collect();
        }
        None => {}
    }
    let found = arns_in_event(event, type_name, template);
    if !found.is_empty() {
        return found
            .iter()
            .map(|arn| Draft::exact(arn, type_name))
            .collect();
    }
    expand_generic(event, action, type_name, template)
}

/// Returns the ARNs in `requestParameters` (at any depth) and then in
/// `resources[]` that fit the template.
fn arns_in_event(event: &Event<'_>, type_name: &str, template: &Template<'_>) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(params) = event.params {
        collect_arns(params, &mut |arn| {
            if template.matches(arn) && !found.iter().any(|seen| seen == arn) {
                found.push(arn.to_owned());
            }
        });
    }
    if !found.is_empty() {
        return found;
    }
    for entry in &event.record.resources {
        let Some(arn) = entry.arn.as_deref() else {
            continue;
        };
        let same_type = entry
            .resource_type
            .as_deref()
            .is_none_or(|kind| same_kind(kind, type_name));
        if same_type && template.matches(arn) && !found.iter().any(|seen| seen == arn) {
            found.push(arn.to_owned());
        }
    }
    found
}

fn collect_arns(value: &Value, found: &mut impl FnMut(&str)) {
    match value {
        Value::String(text) if text.starts_with("arn:") => found(text),
        Value::Array(items) => items.iter().for_each(|item| collect_arns(item, found)),
        Value::Object(map) => map.values().for_each(|item| collect_arns(item, found)),
        _ => {}
    }
}

/// Compares a CloudTrail resource type (`AWS::EC2::SecurityGroup`) with a
/// catalog type name (`security-group`).
fn same_kind(cloudtrail_type: &str, type_name: &str) -> bool {
    let last = cloudtrail_type
        .rsplit("::")
        .next()
        .unwrap_or(cloudtrail_type);
    let squash = |text: &str| -> String {
        text.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    squash(last) == squash(type_name)
}

/// Fills a template from request parameters named like its placeholders.
/// A placeholder with several values (EC2 `instancesSet.items[]`) gives
/// one resource per value.
fn expand_generic(
    event: &Event<'_>,
    action: &ActionRef<'_>,
    type_name: &str,
    template: &Template<'_>,
) -> Vec<Draft> {
    let mut fill = Fill::default();
    let mut many: Option<(String, Vec<Piece>)> = None;
    for var in template.vars().filter(|var| !is_context_var(var)) {
        let (pieces, context) = lookup_var(event, action, var);
        for (name, value) in context {
            if fill.get(&name).is_none() {
                fill.values.push((name, Piece::Name(value)));
            }
        }
        match pieces.len() {
            0 => {
                if let Some((value, note)) = known::default_value(action.prefix, var) {
                    fill.values
                        .push((var.to_owned(), Piece::Name(value.to_owned())));
                    fill.note = Some(note.to_owned());
                }
            }
            1 => fill
                .values
                .extend(pieces.into_iter().map(|piece| (var.to_owned(), piece))),
            _ if many.is_none() => many = Some((var.to_owned(), pieces)),
            _ => fill.values.extend(
                pieces
                    .into_iter()
                    .take(1)
                    .map(|piece| (var.to_owned(), piece)),
            ),
        }
    }
    if let Some(note) = known::note_for(action.prefix, template, &fill) {
        fill.note = Some(note);
    }
    match many {
        None => vec![assemble(event, action, type_name, template, &fill)],
        Some((var, pieces)) => pieces
            .into_iter()
            .map(|piece| {
                let fill = fill.clone().with(&var, piece);
                assemble(event, action, type_name, template, &fill)
            })
            .collect(),
    }
}

fn is_context_var(var: &str) -> bool {
    matches!(var, "Partition" | "Region" | "Account")
}

/// Returns the values of a placeholder from the request parameters, and
/// the partition, region and account of ARN-valued parameters (a
/// cross-account ARN names its own account).
fn lookup_var(
    event: &Event<'_>,
    action: &ActionRef<'_>,
    var: &str,
) -> (Vec<Piece>, Vec<(String, String)>) {
    let mut keys: Vec<String> = known::param_keys(action.prefix, var)
        .iter()
        .map(|k| (*k).to_owned())
        .collect();
    keys.push(lower_camel(var));
    if let Some(base) = var.strip_suffix("WithPath") {
        keys.push(lower_camel(base));
    }
    keys.extend(list_and_number_keys(var));
    for key in keys {
        let values = event.strings(&key);
        if values.is_empty() {
            continue;
        }
        let mut pieces = Vec::new();
        let mut context = Vec::new();
        for value in values {
            if value.starts_with("arn:") {
                if let Some((name, found)) = decompose(action, var, &value) {
                    pieces.push(Piece::Name(name));
                    context.extend(found);
                }
            } else {
                pieces.push(Piece::Name(value));
            }
        }
        if !pieces.is_empty() {
            return (pieces, context);
        }
    }
    (Vec::new(), Vec::new())
}

/// Finds `var` in an ARN by matching it against the service's templates
/// that have the placeholder.
fn decompose(
    action: &ActionRef<'_>,
    var: &str,
    arn: &str,
) -> Option<(String, Vec<(String, String)>)> {
    action
        .service
        .resource_types
        .values()
        .flat_map(|def| def.templates())
        .find_map(|text| {
            let template = Template::parse(text);
            if !template.has_var(var) {
                return None;
            }
            let captures = template.captures(arn)?;
            let value = captures.iter().find(|(name, _)| *name == var)?.1.to_owned();
            let context = captures
                .iter()
                .filter(|(name, _)| is_context_var(name))
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect();
            Some((value, context))
        })
}

/// Returns further parameter names that can hold a placeholder's values: a
/// list named in the plural (`services` for `${ServiceName}`, `tasks` for
/// `${TaskId}`), whose every element is one resource, and the number
/// parameter of a version (`versionNumber` for Lambda's `${LayerVersion}`).
fn list_and_number_keys(var: &str) -> Vec<String> {
    let mut keys = vec![format!("{}s[]", lower_camel(var))];
    let base = var
        .strip_suffix("Id")
        .or_else(|| var.strip_suffix("Name"))
        .filter(|base| !base.is_empty());
    if let Some(base) = base {
        keys.push(lower_camel(base));
        keys.push(format!("{}s[]", lower_camel(base)));
    }
    if var.ends_with("Version") {
        keys.push("versionNumber".to_owned());
    }
    keys
}

fn lower_camel(var: &str) -> String {
    let mut chars = var.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Writes the ARN: filled placeholders from `fill`, then partition, region
/// and account from the event, `*` for the rest.
fn assemble(
    event: &Event<'_>,
    action: &ActionRef<'_>,
    type_name: &str,
    template: &Template<'_>,
    fill: &Fill,
) -> Draft {
    let mut arn = String::with_capacity(template.text.len() + 32);
    let mut unfilled = Vec::new();
    let mut filled = 0;
    for part in &template.parts {
        let var = match part {
            Part::Lit(text) => {
                arn.push_str(text);
                continue;
            }
            Part::Var(var) => *var,
        };
        let from_event = match var {
            "Partition" => event.partition,
            "Region" => event.region,
            "Account" => event.account,
            _ => None,
        };
        match (fill.get(var), from_event) {
            (Some(Piece::Name(value)), _) => arn.push_str(&escape_resource_name(value)),
            (Some(Piece::Pattern(value)), _) => arn.push_str(value),
            (None, Some(value)) => arn.push_str(value),
            (None, None) => {
                arn.push('*');
                unfilled.push(var.to_owned());
                continue;
            }
        }
        if !is_context_var(var) {
            filled += 1;
        }
    }
    let mut warning = if unfilled.is_empty() {
        fill.warning.clone()
    } else {
        Some(unfilled_warning(
            action.prefix,
            &unfilled,
            fill.warning.as_deref(),
        ))
    };
    if let Some(wide) = template_wildcard_warning(type_name, template) {
        warning = Some(match warning {
            Some(text) => format!("{text}; {wide}"),
            None => wide,
        });
    }
    Draft {
        resource: BuiltResource {
            arn,
            resource_type: Some(type_name.to_owned()),
            unfilled,
            warning,
            note: fill.note.clone(),
        },
        filled,
    }
}

/// Some ARN formats hold a wildcard of their own (`…/job/*`, `…:task:*`,
/// `braket:*:*:…`): the grant then covers every resource the format matches,
/// and no narrower ARN exists for that resource type.
fn template_wildcard_warning(type_name: &str, template: &Template<'_>) -> Option<String> {
    let wild = template
        .parts
        .iter()
        .any(|part| matches!(part, Part::Lit(text) if text.contains(['*', '?'])));
    wild.then(|| {
        format!(
            "the ARN format of `{type_name}` (`{}`) holds a wildcard of its own, so the grant \
             covers every `{type_name}` resource it matches; IAM has no narrower ARN for it",
            template.text
        )
    })
}

fn unfilled_warning(prefix: &str, unfilled: &[String], extra: Option<&str>) -> String {
    let names: Vec<String> = unfilled.iter().map(|var| format!("`${{{var}}}`")).collect();
    let mut text = format!(
        "the event does not give {}, so `*` stands for {}",
        names.join(", "),
        if unfilled.len() == 1 { "it" } else { "them" }
    );
    for var in unfilled {
        if let Some(reason) = known::unfilled_reason(prefix, var) {
            text.push_str("; ");
            text.push_str(reason);
        }
    }
    if let Some(extra) = extra {
        text.push_str("; ");
        text.push_str(extra);
    }
    text
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ACCOUNT: &str = "111122223333";

    fn record(source: &str, name: &str, params: Value) -> Record {
        record_with(source, name, params, json!({}))
    }

    fn record_with(source: &str, name: &str, params: Value, extra: Value) -> Record {
        let mut event = json!({
            "eventSource": source,
            "eventName": name,
            "awsRegion": "eu-west-1",
            "recipientAccountId": ACCOUNT,
            "userIdentity": {"arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/gha-deploy/run-1")},
            "requestParameters": params,
        });
        if let (Some(event), Value::Object(extra)) = (event.as_object_mut(), extra) {
            event.extend(extra);
        }
        Record::from_value(event).unwrap()
    }

    fn build(action: &str, record: &Record) -> Vec<BuiltResource> {
        let catalog = Catalog::embedded().unwrap();
        let action = catalog.action(action).unwrap();
        catalog.build_resources(&action, ArnContext::new(record))
    }

    fn arns(action: &str, record: &Record) -> Vec<String> {
        build(action, record).into_iter().map(|r| r.arn).collect()
    }

    fn exact(action: &str, record: &Record) -> String {
        let built = build(action, record);
        assert_eq!(built.len(), 1, "{built:?}");
        assert_eq!(built[0].warning, None, "{built:?}");
        assert!(built[0].unfilled.is_empty(), "{built:?}");
        built[0].arn.clone()
    }

    #[test]
    fn actions_without_resource_types_get_star_with_a_note() {
        let built = build(
            "ecr:GetAuthorizationToken",
            &record("ecr.amazonaws.com", "GetAuthorizationToken", json!({})),
        );
        assert_eq!(
            built,
            [BuiltResource {
                arn: "*".to_owned(),
                resource_type: None,
                unfilled: Vec::new(),
                warning: None,
                note: Some(
                    "`ecr:GetAuthorizationToken` has no resource-level permissions; IAM accepts \
                     only `\"Resource\": \"*\"`"
                        .to_owned()
                ),
            }]
        );
    }

    #[test]
    fn ecr_repository() {
        let event = record(
            "ecr.amazonaws.com",
            "PutImage",
            json!({"repositoryName": "team/app"}),
        );
        let built = build("ecr:PutImage", &event);
        assert_eq!(built[0].resource_type.as_deref(), Some("repository"));
        assert_eq!(
            exact("ecr:PutImage", &event),
            "arn:aws:ecr:eu-west-1:111122223333:repository/team/app"
        );
    }

    #[test]
    fn s3_bucket_and_object() {
        let list = record(
            "s3.amazonaws.com",
            "ListObjectsV2",
            json!({"bucketName": "artifacts", "list-type": "2"}),
        );
        assert_eq!(exact("s3:ListBucket", &list), "arn:aws:s3:::artifacts");
        let head = record(
            "s3.amazonaws.com",
            "HeadObject",
            json!({"bucketName": "artifacts", "key": "builds/1.zip"}),
        );
        let built = build("s3:GetObject", &head);
        assert_eq!(built[0].resource_type.as_deref(), Some("object"));
        assert_eq!(
            exact("s3:GetObject", &head),
            "arn:aws:s3:::artifacts/builds/1.zip"
        );
    }

    #[test]
    fn special_characters_in_names_are_escaped() {
        assert_eq!(escape_resource_name("a*b?c${x}"), "a${*}b${?}c${$}{x}");
        let event = record(
            "s3.amazonaws.com",
            "PutObject",
            json!({"bucketName": "b", "key": "a*b?c${x}"}),
        );
        assert_eq!(
            exact("s3:PutObject", &event),
            "arn:aws:s3:::b/a${*}b${?}c${$}{x}"
        );
    }

    #[test]
    fn s3_without_a_key_widens_with_a_warning() {
        let event = record("s3.amazonaws.com", "GetObject", json!({"bucketName": "b"}));
        let built = build("s3:GetObject", &event);
        assert_eq!(built[0].arn, "arn:aws:s3:::b/*");
        assert_eq!(built[0].unfilled, ["ObjectName"]);
        assert_eq!(
            built[0].warning.as_deref(),
            Some("the event does not give `${ObjectName}`, so `*` stands for it; the event names no object key")
        );
    }

    #[test]
    fn s3_access_points_copies_and_batch_deletes() {
        let ap = "arn:aws:s3:eu-west-1:111122223333:accesspoint/reports";
        let via_ap = record(
            "s3.amazonaws.com",
            "GetObject",
            json!({"bucketName": ap, "key": "q1.csv"}),
        );
        assert_eq!(
            exact("s3:GetObject", &via_ap),
            format!("{ap}/object/q1.csv")
        );
        let copy = record(
            "s3.amazonaws.com",
            "CopyObject",
            json!({"bucketName": "dst", "key": "new.txt", "x-amz-copy-source": "src/old%20name.txt?versionId=3"}),
        );
        assert_eq!(
            exact("s3:GetObject", &copy),
            "arn:aws:s3:::src/old name.txt"
        );
        assert_eq!(exact("s3:ListBucket", &copy), "arn:aws:s3:::src");
        assert_eq!(exact("s3:PutObject", &copy), "arn:aws:s3:::dst/new.txt");
        let delete = record(
            "s3.amazonaws.com",
            "DeleteObjects",
            json!({"bucketName": "b", "Delete": {"Object": [{"Key": "x"}, {"Key": "y"}]}}),
        );
        assert_eq!(
            arns("s3:DeleteObject", &delete),
            ["arn:aws:s3:::b/x", "arn:aws:s3:::b/y"]
        );
    }

    #[test]
    fn ecs_service_from_names_arns_and_the_default_cluster() {
        let by_name = record(
            "ecs.amazonaws.com",
            "UpdateService",
            json!({"cluster": "prod", "service": "web"}),
        );
        assert_eq!(
            exact("ecs:UpdateService", &by_name),
            "arn:aws:ecs:eu-west-1:111122223333:service/prod/web"
        );
        let by_arn = record(
            "ecs.amazonaws.com",
            "UpdateService",
            json!({"cluster": "arn:aws:ecs:eu-west-1:444455556666:cluster/prod", "service": "web"}),
        );
        assert_eq!(
            exact("ecs:UpdateService", &by_arn),
            "arn:aws:ecs:eu-west-1:444455556666:service/prod/web"
        );
        let service_arn = "arn:aws:ecs:eu-west-1:111122223333:service/prod/api";
        let full = record(
            "ecs.amazonaws.com",
            "UpdateService",
            json!({"cluster": "prod", "service": service_arn}),
        );
        assert_eq!(exact("ecs:UpdateService", &full), service_arn);
        let default = record(
            "ecs.amazonaws.com",
            "UpdateService",
            json!({"service": "web"}),
        );
        let built = build("ecs:UpdateService", &default);
        assert_eq!(
            built[0].arn,
            "arn:aws:ecs:eu-west-1:111122223333:service/default/web"
        );
        assert_eq!(
            built[0].note.as_deref(),
            Some("the request names no cluster, so ECS used the `default` cluster")
        );
    }

    #[test]
    fn list_parameters_give_one_resource_per_element() {
        let services = record(
            "ecs.amazonaws.com",
            "DescribeServices",
            json!({"cluster": "prod", "services": ["web", "api"]}),
        );
        assert_eq!(
            arns("ecs:DescribeServices", &services),
            [
                format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:service/prod/web"),
                format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:service/prod/api"),
            ]
        );
        let tasks = record(
            "ecs.amazonaws.com",
            "DescribeTasks",
            json!({"cluster": "prod", "tasks": ["9f1e", "0b2c"]}),
        );
        assert_eq!(
            arns("ecs:DescribeTasks", &tasks),
            [
                format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:task/prod/9f1e"),
                format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:task/prod/0b2c"),
            ]
        );
    }

    #[test]
    fn version_numbers_fill_version_placeholders() {
        let layer = record(
            "lambda.amazonaws.com",
            "GetLayerVersion20181031",
            json!({"layerName": "shared-deps", "versionNumber": 3}),
        );
        assert_eq!(
            exact("lambda:GetLayerVersion", &layer),
            format!("arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:shared-deps:3")
        );
    }

    #[test]
    fn ecs_task_definitions() {
        let run = record(
            "ecs.amazonaws.com",
            "RunTask",
            json!({"taskDefinition": "web:7"}),
        );
        assert_eq!(
            exact("ecs:RunTask", &run),
            "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:7"
        );
        let register = record(
            "ecs.amazonaws.com",
            "RegisterTaskDefinition",
            json!({"family": "web"}),
        );
        let built = build("ecs:RegisterTaskDefinition", &register);
        assert_eq!(
            built[0].arn,
            "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:*"
        );
        assert_eq!(built[0].unfilled, ["TaskDefinitionRevisionNumber"]);
    }

    #[test]
    fn pass_role_takes_every_role_in_the_request() {
        let event = record(
            "ecs.amazonaws.com",
            "RegisterTaskDefinition",
            json!({"family": "web",
                   "taskRoleArn": "arn:aws:iam::111122223333:role/app",
                   "executionRoleArn": "arn:aws:iam::111122223333:role/ecs-exec"}),
        );
        assert_eq!(
            arns("iam:PassRole", &event),
            [
                "arn:aws:iam::111122223333:role/app",
                "arn:aws:iam::111122223333:role/ecs-exec"
            ]
        );
    }

    #[test]
    fn ssm_parameter_names_lose_their_leading_slash() {
        let get = record(
            "ssm.amazonaws.com",
            "GetParameter",
            json!({"name": "/app/db", "withDecryption": true}),
        );
        assert_eq!(
            exact("ssm:GetParameter", &get),
            "arn:aws:ssm:eu-west-1:111122223333:parameter/app/db"
        );
        let plain = record("ssm.amazonaws.com", "GetParameter", json!({"name": "db:3"}));
        assert_eq!(
            exact("ssm:GetParameter", &plain),
            "arn:aws:ssm:eu-west-1:111122223333:parameter/db"
        );
        let several = record(
            "ssm.amazonaws.com",
            "GetParameters",
            json!({"names": ["/a", "/b"]}),
        );
        assert_eq!(
            arns("ssm:GetParameters", &several),
            [
                "arn:aws:ssm:eu-west-1:111122223333:parameter/a",
                "arn:aws:ssm:eu-west-1:111122223333:parameter/b"
            ]
        );
        let by_path = record(
            "ssm.amazonaws.com",
            "GetParametersByPath",
            json!({"path": "/app/", "recursive": true}),
        );
        assert_eq!(
            exact("ssm:GetParametersByPath", &by_path),
            "arn:aws:ssm:eu-west-1:111122223333:parameter/app"
        );
        let shared = "arn:aws:ssm:eu-west-1:444455556666:parameter/shared/x";
        let by_arn = record("ssm.amazonaws.com", "GetParameter", json!({"name": shared}));
        assert_eq!(exact("ssm:GetParameter", &by_arn), shared);
    }

    #[test]
    fn lambda_functions_by_name_partial_arn_and_qualifier() {
        let cases = [
            (
                json!({"functionName": "deploy"}),
                "arn:aws:lambda:eu-west-1:111122223333:function:deploy",
            ),
            (
                json!({"functionName": "444455556666:function:deploy"}),
                "arn:aws:lambda:eu-west-1:444455556666:function:deploy",
            ),
            (
                json!({"functionName": "arn:aws:lambda:us-east-2:444455556666:function:deploy"}),
                "arn:aws:lambda:us-east-2:444455556666:function:deploy",
            ),
            (
                json!({"functionName": "deploy:prod"}),
                "arn:aws:lambda:eu-west-1:111122223333:function:deploy:prod",
            ),
            (
                json!({"functionName": "deploy", "qualifier": "7"}),
                "arn:aws:lambda:eu-west-1:111122223333:function:deploy:7",
            ),
        ];
        for (params, expected) in cases {
            let event = record("lambda.amazonaws.com", "Invoke", params);
            assert_eq!(exact("lambda:InvokeFunction", &event), expected);
        }
        let update = record(
            "lambda.amazonaws.com",
            "UpdateFunctionCode20150331v2",
            json!({"functionName": "deploy"}),
        );
        assert_eq!(
            exact("lambda:UpdateFunctionCode", &update),
            "arn:aws:lambda:eu-west-1:111122223333:function:deploy"
        );
    }

    #[test]
    fn secrets_by_name_need_the_suffix_pattern() {
        let by_name = record(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            json!({"secretId": "prod/db"}),
        );
        let built = build("secretsmanager:GetSecretValue", &by_name);
        assert_eq!(
            built[0].arn,
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-??????"
        );
        assert_eq!(
            built[0].warning.as_deref(),
            Some("the event names secret `prod/db` without the random six-character suffix of its ARN, so `-??????` stands for it")
        );
        let arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf";
        let by_arn = record(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            json!({"secretId": arn}),
        );
        assert_eq!(exact("secretsmanager:GetSecretValue", &by_arn), arn);
    }

    #[test]
    fn kms_keys_aliases_and_re_encrypt() {
        let key_id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let by_id = record("kms.amazonaws.com", "Decrypt", json!({"keyId": key_id}));
        assert_eq!(
            exact("kms:Decrypt", &by_id),
            format!("arn:aws:kms:eu-west-1:111122223333:key/{key_id}")
        );
        let alias = record(
            "kms.amazonaws.com",
            "GenerateDataKey",
            json!({"keyId": "alias/app"}),
        );
        let built = build("kms:GenerateDataKey", &alias);
        assert_eq!(built[0].arn, "arn:aws:kms:eu-west-1:111122223333:key/*");
        assert_eq!(built[0].unfilled, ["KeyId"]);
        assert!(built[0]
            .warning
            .as_deref()
            .unwrap()
            .contains("the call named `alias/app`"));
        let key_arn = format!("arn:aws:kms:eu-west-1:111122223333:key/{key_id}");
        let resolved = record_with(
            "kms.amazonaws.com",
            "GenerateDataKey",
            json!({"keyId": "alias/app"}),
            json!({"resources": [{"ARN": key_arn, "type": "AWS::KMS::Key"}]}),
        );
        assert_eq!(exact("kms:GenerateDataKey", &resolved), key_arn);
        let create = record(
            "kms.amazonaws.com",
            "CreateAlias",
            json!({"aliasName": "alias/app", "targetKeyId": key_id}),
        );
        assert_eq!(
            arns("kms:CreateAlias", &create),
            [
                "arn:aws:kms:eu-west-1:111122223333:alias/app".to_owned(),
                key_arn.clone()
            ]
        );
        let other = "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-12ab-34cd-56ef-1234567890ab";
        let re = record(
            "kms.amazonaws.com",
            "ReEncrypt",
            json!({"sourceKeyId": key_arn, "destinationKeyId": other}),
        );
        assert_eq!(exact("kms:ReEncryptFrom", &re), key_arn);
        assert_eq!(exact("kms:ReEncryptTo", &re), other);
    }

    #[test]
    fn cloudformation_stacks_need_their_id() {
        let event = record(
            "cloudformation.amazonaws.com",
            "UpdateStack",
            json!({"stackName": "app"}),
        );
        let built = build("cloudformation:UpdateStack", &event);
        assert_eq!(
            built[0].arn,
            "arn:aws:cloudformation:eu-west-1:111122223333:stack/app/*"
        );
        assert_eq!(built[0].unfilled, ["Id"]);
        assert!(built[0].warning.as_deref().unwrap().contains("unique id"));
        let arn = "arn:aws:cloudformation:eu-west-1:111122223333:stack/app/0a1b2c3d-1111-2222-3333-444455556666";
        let by_arn = record(
            "cloudformation.amazonaws.com",
            "UpdateStack",
            json!({"stackName": arn}),
        );
        assert_eq!(exact("cloudformation:UpdateStack", &by_arn), arn);
    }

    #[test]
    fn queues_topics_tables_and_logs() {
        let queue = record(
            "sqs.amazonaws.com",
            "SendMessage",
            json!({"queueUrl": "https://sqs.us-east-2.amazonaws.com/444455556666/jobs"}),
        );
        assert_eq!(
            exact("sqs:SendMessage", &queue),
            "arn:aws:sqs:us-east-2:444455556666:jobs"
        );
        let topic = "arn:aws:sns:eu-west-1:111122223333:alerts";
        let publish = record(
            "sns.amazonaws.com",
            "Publish",
            json!({"topicArn": topic, "message": "x"}),
        );
        assert_eq!(exact("sns:Publish", &publish), topic);
        let put = record(
            "dynamodb.amazonaws.com",
            "PutItem",
            json!({"tableName": "orders"}),
        );
        assert_eq!(
            exact("dynamodb:PutItem", &put),
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"
        );
        let query = record(
            "dynamodb.amazonaws.com",
            "Query",
            json!({"tableName": "orders", "indexName": "by-date"}),
        );
        assert_eq!(
            exact("dynamodb:Query", &query),
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/index/by-date"
        );
        let batch = record(
            "dynamodb.amazonaws.com",
            "BatchWriteItem",
            json!({"requestItems": {"a": [], "b": []}}),
        );
        assert_eq!(
            arns("dynamodb:BatchWriteItem", &batch),
            [
                "arn:aws:dynamodb:eu-west-1:111122223333:table/a",
                "arn:aws:dynamodb:eu-west-1:111122223333:table/b"
            ]
        );
        let group = record(
            "logs.amazonaws.com",
            "CreateLogGroup",
            json!({"logGroupName": "/aws/lambda/deploy"}),
        );
        assert_eq!(
            exact("logs:CreateLogGroup", &group),
            "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/deploy"
        );
        let eks = record(
            "eks.amazonaws.com",
            "DescribeCluster",
            json!({"name": "main"}),
        );
        assert_eq!(
            exact("eks:DescribeCluster", &eks),
            "arn:aws:eks:eu-west-1:111122223333:cluster/main"
        );
    }

    #[test]
    fn global_services_have_no_region() {
        let role = record(
            "iam.amazonaws.com",
            "GetRole",
            json!({"roleName": "deployer"}),
        );
        let built = build("iam:GetRole", &role);
        assert_eq!(built[0].arn, "arn:aws:iam::111122223333:role/deployer");
        assert!(built[0]
            .note
            .as_deref()
            .unwrap()
            .contains("assumes the path `/`"));
        let invalidation = record(
            "cloudfront.amazonaws.com",
            "CreateInvalidation2020_05_31",
            json!({"distributionId": "E2ABC"}),
        );
        assert_eq!(
            exact("cloudfront:CreateInvalidation", &invalidation),
            "arn:aws:cloudfront::111122223333:distribution/E2ABC"
        );
    }

    #[test]
    fn api_gateway_paths_follow_the_event_noun() {
        let create = record(
            "apigateway.amazonaws.com",
            "CreateDeployment",
            json!({"restApiId": "a1b2"}),
        );
        assert_eq!(
            exact("apigateway:POST", &create),
            "arn:aws:apigateway:eu-west-1::/restapis/a1b2/deployments"
        );
        let stage = record(
            "apigateway.amazonaws.com",
            "GetStage",
            json!({"restApiId": "a1b2", "stageName": "prod"}),
        );
        assert_eq!(
            exact("apigateway:GET", &stage),
            "arn:aws:apigateway:eu-west-1::/restapis/a1b2/stages/prod"
        );
        let apis = record(
            "apigateway.amazonaws.com",
            "CreateRestApi",
            json!({"name": "x"}),
        );
        assert_eq!(
            exact("apigateway:POST", &apis),
            "arn:aws:apigateway:eu-west-1::/restapis"
        );
    }

    #[test]
    fn a_malformed_region_or_account_is_not_written_into_an_arn() {
        let event = record_with(
            "ecs.amazonaws.com",
            "UntagResource",
            json!({"resourceArn": "arn:aws:ecs:us-east-1:111122223333:cluster/default"}),
            json!({"awsRegion": "us-east-1?*", "recipientAccountId": "11112222333*"}),
        );
        let built = build("ecs:ListTagsForResource", &event);
        for resource in &built {
            if resource.unfilled.is_empty() && resource.warning.is_none() {
                assert!(!resource.arn.contains(['*', '?']), "{resource:?}");
            }
        }
        let cluster = record_with(
            "ecs.amazonaws.com",
            "DescribeClusters",
            json!({"clusters": ["default"]}),
            json!({"awsRegion": "us-east-1?*", "recipientAccountId": "not-an-account"}),
        );
        let built = build("ecs:DescribeClusters", &cluster);
        assert_eq!(built[0].arn, "arn:aws:ecs:*:*:cluster/default");
        assert_eq!(built[0].unfilled, ["Region", "Account"]);
    }

    #[test]
    fn a_format_with_its_own_wildcard_is_never_called_exact() {
        let event = record(
            "amplifybackend.amazonaws.com",
            "ListBackendJobs",
            json!({"appId": "d1a2b3"}),
        );
        let built = build("amplifybackend:ListBackendJobs", &event);
        let arns: Vec<&str> = built.iter().map(|b| b.arn.as_str()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:amplifybackend:eu-west-1:111122223333:/backend/d1a2b3/*",
                "arn:aws:amplifybackend:eu-west-1:111122223333:/backend/d1a2b3/job/*",
            ]
        );
        for resource in &built {
            assert!(resource.unfilled.is_empty());
            let warning = resource.warning.as_deref().unwrap();
            assert!(warning.contains("holds a wildcard of its own"), "{warning}");
        }
    }

    #[test]
    fn optional_types_the_event_does_not_name_leave_star() {
        let event = record(
            "monitoring.amazonaws.com",
            "PutMetricData",
            json!({"namespace": "ci"}),
        );
        let built = build("cloudwatch:PutMetricData", &event);
        assert_eq!(built.len(), 1);
        assert_eq!(built[0].arn, "*");
        assert_eq!(built[0].warning, None);
        assert_eq!(
            built[0].note.as_deref(),
            Some(
                "the event names no resource of the optional type(s) `dataset` of \
                 `cloudwatch:PutMetricData`, so the call is authorized on `*`"
            )
        );
    }

    #[test]
    fn s3_call_without_a_bucket_warns_on_star() {
        for parameters in [serde_json::Value::Null, json!({"key": "k"})] {
            let event = record("s3.amazonaws.com", "GetObject", parameters.clone());
            let built = build("s3:GetObject", &event);
            assert_eq!(built.len(), 1, "{parameters}");
            assert_eq!(built[0].arn, "*", "{parameters}");
            assert_eq!(built[0].note, None, "{parameters}");
            assert_eq!(
                built[0].warning.as_deref(),
                Some(
                    "the event names no resource of the type(s) `accesspointobject`, `object` of \
                     `s3:GetObject`, so `*` stands for it and allows the action on every one; \
                     narrow `*` to the ARN the call used"
                ),
                "{parameters}"
            );
        }
    }

    #[test]
    fn missing_context_is_a_warning_and_the_message_resource_wins() {
        let mut event = record(
            "ecr.amazonaws.com",
            "PutImage",
            json!({"repositoryName": "app"}),
        );
        event.aws_region = None;
        let built = build("ecr:PutImage", &event);
        assert_eq!(built[0].arn, "arn:aws:ecr:*:111122223333:repository/app");
        assert_eq!(built[0].unfilled, ["Region"]);
        let catalog = Catalog::embedded().unwrap();
        let action = catalog.action("s3:GetObject").unwrap();
        let event = record("s3.amazonaws.com", "GetObject", json!({}));
        let context = ArnContext {
            record: &event,
            message_resource: Some("arn:aws:s3:::b/k*"),
        };
        assert_eq!(
            catalog.build_resources(&action, context)[0].arn,
            "arn:aws:s3:::b/k${*}"
        );
    }
}
