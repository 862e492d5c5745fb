//! Reads policy documents from the shapes users have them in: a plain IAM
//! policy document, or the JSON the AWS CLI prints for `get-role-policy`,
//! `get-policy-version`, `get-role` and `get-account-authorization-details`.
//!
//! IAM returns policy documents URL-encoded (RFC 3986) inside those
//! outputs, and some emulators return them as plain JSON objects; both are
//! read. Every document is checked the way IAM checks it on upload (known
//! keys, `Effect`, `Action` syntax, condition operators) so a typo is
//! reported with its file and statement instead of silently matching
//! nothing.

use std::fmt;
use std::path::Path;

use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::{Map, Value};

use super::condition::Operator;
use super::model::PolicyDocument;

/// The role a policy document plays for the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// An inline policy embedded in the role, or a local policy file.
    Inline,
    /// A customer or AWS managed policy attached to the role.
    Managed,
    /// The role's permissions boundary.
    Boundary,
    /// The role's trust policy (`AssumeRolePolicyDocument`).
    Trust,
}

impl PolicyKind {
    /// Returns true for the kinds that grant permissions to the role.
    pub fn is_identity(self) -> bool {
        matches!(self, PolicyKind::Inline | PolicyKind::Managed)
    }
}

/// The shape of the input a policy document was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputShape {
    /// A plain policy document: the file is the document.
    Document,
    /// `aws iam get-role-policy` output.
    GetRolePolicy,
    /// `aws iam get-policy-version` output.
    GetPolicyVersion,
    /// `aws iam get-role` output.
    GetRole,
    /// `aws iam get-account-authorization-details` output, or one of its
    /// `RoleDetailList` entries.
    AuthorizationDetails,
    /// The IAM API.
    Iam,
}

impl InputShape {
    /// Describes the shape in words, naming the AWS CLI command that prints
    /// it where there is one.
    pub fn description(self) -> &'static str {
        match self {
            InputShape::Document => "a policy document",
            InputShape::GetRolePolicy => "`get-role-policy` output",
            InputShape::GetPolicyVersion => "`get-policy-version` output",
            InputShape::GetRole => "`get-role` output",
            InputShape::AuthorizationDetails => "`get-account-authorization-details` output",
            InputShape::Iam => "the IAM API",
        }
    }

    /// Finds the shape of a top-level JSON object, testing keys in the
    /// order the reader does.
    fn of(object: &Map<String, Value>) -> InputShape {
        if object.contains_key("Statement") {
            InputShape::Document
        } else if object.contains_key("PolicyDocument") {
            InputShape::GetRolePolicy
        } else if object.contains_key("PolicyVersion") {
            InputShape::GetPolicyVersion
        } else if object.contains_key("Role") {
            InputShape::GetRole
        } else {
            InputShape::AuthorizationDetails
        }
    }
}

/// A policy document with its name and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedPolicy {
    /// The policy name (inline name, managed policy name, or file stem).
    pub name: String,
    /// The policy's role for the principal.
    pub kind: PolicyKind,
    /// The input it was read from: a file path, or `iam` for the IAM API.
    pub source: String,
    /// The managed policy's ARN, when known.
    pub arn: Option<String>,
    /// The shape of the input it was read from.
    pub shape: InputShape,
    /// The document.
    pub document: PolicyDocument,
}

/// A managed policy or boundary a role references whose document the input
/// does not contain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnresolvedPolicy {
    /// The policy ARN.
    pub arn: String,
    /// Whether it is attached or the permissions boundary.
    pub kind: PolicyKind,
    /// The file that references it.
    pub source: String,
}

/// The policies read from one or more inputs.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PolicySet {
    /// The role name, when the input names one.
    pub role_name: Option<String>,
    /// The role ARN, when the input names one.
    pub role_arn: Option<String>,
    /// Every document read, in input order.
    pub policies: Vec<NamedPolicy>,
    /// Referenced policies whose documents were not in the input.
    pub unresolved: Vec<UnresolvedPolicy>,
}

impl PolicySet {
    /// Returns the policies that grant permissions (inline and managed).
    pub fn identity(&self) -> impl Iterator<Item = &NamedPolicy> {
        self.policies
            .iter()
            .filter(|policy| policy.kind.is_identity())
    }

    /// Returns the permissions boundary, if any.
    pub fn boundary(&self) -> Option<&NamedPolicy> {
        self.policies
            .iter()
            .find(|policy| policy.kind == PolicyKind::Boundary)
    }

    /// Returns the trust policy, if any.
    pub fn trust(&self) -> Option<&NamedPolicy> {
        self.policies
            .iter()
            .find(|policy| policy.kind == PolicyKind::Trust)
    }

    /// Appends another set, keeping the first role name and ARN.
    pub fn extend(&mut self, other: PolicySet) {
        self.role_name = self.role_name.take().or(other.role_name);
        self.role_arn = self.role_arn.take().or(other.role_arn);
        self.policies.extend(other.policies);
        self.unresolved.extend(other.unresolved);
    }
}

/// How to read an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// The kind given to a plain policy document (the AWS CLI outputs
    /// carry their own).
    pub plain_kind: PolicyKind,
    /// The role of a `get-account-authorization-details` output to read, by
    /// name or ARN. It is required when the output contains several roles.
    pub role: Option<String>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            plain_kind: PolicyKind::Inline,
            role: None,
        }
    }
}

/// An input that could not be read as policies.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The file could not be read.
    #[error(transparent)]
    Read(ReadError),
    /// The input is not JSON.
    #[error(transparent)]
    Syntax(SyntaxError),
    /// The JSON is not a policy document or a known AWS CLI output.
    #[error(transparent)]
    Shape(ShapeError),
    /// A policy document breaks IAM's grammar.
    #[error(transparent)]
    Invalid(InvalidPolicyError),
}

/// A policy file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("failed to read `{source_name}`")]
pub struct ReadError {
    source_name: String,
    #[source]
    err: std::io::Error,
}

/// An input that is not valid JSON.
#[derive(Debug, thiserror::Error)]
#[error("`{source_name}`{}: invalid JSON at line {line}, column {column}", location_suffix(.location))]
pub struct SyntaxError {
    source_name: String,
    location: Option<String>,
    line: usize,
    column: usize,
    #[source]
    err: serde_json::Error,
}

/// JSON that is neither a policy document nor a known AWS CLI output.
#[derive(Debug, thiserror::Error)]
#[error("`{source_name}`{}: {message}", location_suffix(.location))]
pub struct ShapeError {
    source_name: String,
    location: Option<String>,
    message: String,
}

/// A policy document that breaks IAM's grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{source_name}`: {location}: {message}")]
pub struct InvalidPolicyError {
    source_name: String,
    location: String,
    message: String,
}

impl InvalidPolicyError {
    /// Returns the JSON path of the offending element, such as
    /// `Statement[1].Effect`.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Returns what is wrong, without the file and location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

fn location_suffix(location: &Option<String>) -> String {
    location
        .as_ref()
        .map_or_else(String::new, |location| format!(": {location}"))
}

/// Reads the policies in a file.
///
/// # Errors
///
/// Returns an error when the file cannot be read, is not JSON, has an
/// unknown shape, or contains an invalid policy document.
pub fn parse_file(path: &Path, options: &ParseOptions) -> Result<PolicySet, ParseError> {
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|err| {
        ParseError::Read(ReadError {
            source_name: source.clone(),
            err,
        })
    })?;
    let stem = path
        .file_stem()
        .map_or_else(|| source.clone(), |s| s.to_string_lossy().into_owned());
    parse_text(&text, &source, &stem, options)
}

/// Reads the policies in `text`. `source` names the input in messages and
/// `default_name` names a document that does not carry a name itself.
///
/// # Errors
///
/// As [`parse_file`], except for reading.
pub fn parse_text(
    text: &str,
    source: &str,
    default_name: &str,
    options: &ParseOptions,
) -> Result<PolicySet, ParseError> {
    let value: Value = serde_json::from_str(text).map_err(|err| syntax_error(source, None, err))?;
    let reader = Reader {
        source,
        default_name,
        options,
    };
    let mut set = reader.read(&value)?;
    if let Value::Object(object) = &value {
        let shape = InputShape::of(object);
        for policy in &mut set.policies {
            policy.shape = shape;
        }
    }
    Ok(set)
}

/// Reads one policy document given as a JSON value: an object, or a string
/// holding the JSON, URL-encoded or not, as the IAM API returns it.
///
/// # Errors
///
/// Returns an error when the text is not JSON or the document is invalid.
/// `source` and `location` name the document in messages.
pub fn parse_document_value(
    value: &Value,
    kind: PolicyKind,
    source: &str,
    location: &str,
) -> Result<PolicyDocument, ParseError> {
    match value {
        Value::String(text) => parse_document_text(text, kind, source, location),
        Value::Object(_) => {
            validate_document(value, kind, source, location).map_err(ParseError::Invalid)
        }
        other => Err(shape_error(
            source,
            Some(location),
            format!("expected a policy document, found {}", json_type(other)),
        )),
    }
}

/// Reads one policy document from its text, decoding URL-encoding first
/// when the text is encoded (as every IAM API response is).
///
/// # Errors
///
/// Returns an error when the text is not JSON or the document is invalid.
pub fn parse_document_text(
    text: &str,
    kind: PolicyKind,
    source: &str,
    location: &str,
) -> Result<PolicyDocument, ParseError> {
    let decoded = decode_document_text(text);
    let value: Value =
        serde_json::from_str(&decoded).map_err(|err| syntax_error(source, Some(location), err))?;
    if !value.is_object() {
        let message = format!("expected a policy document, found {}", json_type(&value));
        return Err(shape_error(source, Some(location), message));
    }
    validate_document(&value, kind, source, location).map_err(ParseError::Invalid)
}

/// Returns the JSON text of a policy document that may be URL-encoded.
pub fn decode_document_text(text: &str) -> String {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return text.to_owned();
    }
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn syntax_error(source: &str, location: Option<&str>, err: serde_json::Error) -> ParseError {
    ParseError::Syntax(SyntaxError {
        source_name: source.to_owned(),
        location: location.map(str::to_owned),
        line: err.line(),
        column: err.column(),
        err,
    })
}

fn shape_error(source: &str, location: Option<&str>, message: String) -> ParseError {
    ParseError::Shape(ShapeError {
        source_name: source.to_owned(),
        location: location.map(str::to_owned),
        message,
    })
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Reader<'a> {
    source: &'a str,
    default_name: &'a str,
    options: &'a ParseOptions,
}

impl Reader<'_> {
    fn read(&self, value: &Value) -> Result<PolicySet, ParseError> {
        let Value::Object(object) = value else {
            let message = format!("expected a JSON object, found {}", json_type(value));
            return Err(shape_error(self.source, None, message));
        };
        if object.contains_key("Statement") {
            let kind = self.options.plain_kind;
            let document = parse_document_value(value, kind, self.source, "document")?;
            return Ok(self.single(self.default_name.to_owned(), kind, None, document));
        }
        if let Some(document) = object.get("PolicyDocument") {
            // get-role-policy (also get-user-policy and get-group-policy).
            let name = str_field(object, "PolicyName")
                .unwrap_or(self.default_name)
                .to_owned();
            let document =
                parse_document_value(document, PolicyKind::Inline, self.source, "PolicyDocument")?;
            let mut set = self.single(name, PolicyKind::Inline, None, document);
            set.role_name = str_field(object, "RoleName").map(str::to_owned);
            return Ok(set);
        }
        if let Some(Value::Object(version)) = object.get("PolicyVersion") {
            return self.read_policy_version(version);
        }
        if let Some(Value::Object(role)) = object.get("Role") {
            return self.read_role(role, "Role");
        }
        if let Some(Value::Array(roles)) = object.get("RoleDetailList") {
            return self.read_authorization_details(object, roles);
        }
        if object.contains_key("RoleName") && object.contains_key("RolePolicyList") {
            return self.read_role_detail(object, &Map::new(), "role");
        }
        let keys: Vec<&str> = object.keys().map(String::as_str).take(5).collect();
        Err(shape_error(
            self.source,
            None,
            format!(
                "not a policy document or a known AWS CLI output (top-level keys: {}); expected \
                 `Statement`, `PolicyDocument`, `PolicyVersion`, `Role` or `RoleDetailList`",
                keys.join(", ")
            ),
        ))
    }

    fn single(
        &self,
        name: String,
        kind: PolicyKind,
        arn: Option<String>,
        document: PolicyDocument,
    ) -> PolicySet {
        let policy = NamedPolicy {
            name,
            kind,
            source: self.source.to_owned(),
            arn,
            shape: InputShape::Document,
            document,
        };
        PolicySet {
            policies: vec![policy],
            ..PolicySet::default()
        }
    }

    /// `get-policy-version`: `{"PolicyVersion": {"Document": …, "VersionId": …}}`.
    fn read_policy_version(&self, version: &Map<String, Value>) -> Result<PolicySet, ParseError> {
        let Some(document) = version.get("Document") else {
            let message = "`PolicyVersion` has no `Document`".to_owned();
            return Err(shape_error(self.source, Some("PolicyVersion"), message));
        };
        let document = parse_document_value(
            document,
            PolicyKind::Managed,
            self.source,
            "PolicyVersion.Document",
        )?;
        Ok(self.single(
            self.default_name.to_owned(),
            PolicyKind::Managed,
            None,
            document,
        ))
    }

    /// `get-role`: the trust policy, plus the role's name and ARN.
    fn read_role(
        &self,
        role: &Map<String, Value>,
        location: &str,
    ) -> Result<PolicySet, ParseError> {
        let mut set = PolicySet {
            role_name: str_field(role, "RoleName").map(str::to_owned),
            role_arn: str_field(role, "Arn").map(str::to_owned),
            ..PolicySet::default()
        };
        if let Some(document) = role.get("AssumeRolePolicyDocument") {
            let at = format!("{location}.AssumeRolePolicyDocument");
            let document = parse_document_value(document, PolicyKind::Trust, self.source, &at)?;
            let name = set
                .role_name
                .clone()
                .unwrap_or_else(|| self.default_name.to_owned());
            set.policies.push(NamedPolicy {
                name: format!("{name} trust policy"),
                kind: PolicyKind::Trust,
                source: self.source.to_owned(),
                arn: None,
                shape: InputShape::Document,
                document,
            });
        }
        if let Some(arn) = role
            .get("PermissionsBoundary")
            .and_then(|b| b.get("PermissionsBoundaryArn"))
        {
            set.unresolved.push(UnresolvedPolicy {
                arn: arn.as_str().unwrap_or_default().to_owned(),
                kind: PolicyKind::Boundary,
                source: self.source.to_owned(),
            });
        }
        Ok(set)
    }

    fn read_authorization_details(
        &self,
        object: &Map<String, Value>,
        roles: &[Value],
    ) -> Result<PolicySet, ParseError> {
        let managed = managed_policies(object);
        let selected: Vec<(usize, &Map<String, Value>)> = roles
            .iter()
            .enumerate()
            .filter_map(|(index, role)| role.as_object().map(|role| (index, role)))
            .filter(|(_, role)| self.is_selected(role))
            .collect();
        match selected.as_slice() {
            [(index, role)] => {
                self.read_role_detail(role, &managed, &format!("RoleDetailList[{index}]"))
            }
            [] if self.options.role.is_some() => Err(shape_error(
                self.source,
                Some("RoleDetailList"),
                format!(
                    "no role named `{}`",
                    self.options.role.as_deref().unwrap_or_default()
                ),
            )),
            [] => Err(shape_error(
                self.source,
                Some("RoleDetailList"),
                "holds no role".to_owned(),
            )),
            several => Err(shape_error(
                self.source,
                Some("RoleDetailList"),
                format!("holds {} roles; name the role to read", several.len()),
            )),
        }
    }

    fn is_selected(&self, role: &Map<String, Value>) -> bool {
        let Some(wanted) = self.options.role.as_deref() else {
            return true;
        };
        str_field(role, "RoleName") == Some(wanted) || str_field(role, "Arn") == Some(wanted)
    }

    /// Reads one entry of `RoleDetailList`: inline policies, attached
    /// managed policies (resolved through the output's `Policies` list),
    /// the permissions boundary and the trust policy.
    fn read_role_detail(
        &self,
        role: &Map<String, Value>,
        managed: &Map<String, Value>,
        location: &str,
    ) -> Result<PolicySet, ParseError> {
        let mut set = self.read_role(role, location)?;
        set.unresolved.clear();
        for (index, inline) in array_field(role, "RolePolicyList").iter().enumerate() {
            let at = format!("{location}.RolePolicyList[{index}]");
            let name = inline
                .get("PolicyName")
                .and_then(Value::as_str)
                .unwrap_or("inline")
                .to_owned();
            let Some(document) = inline.get("PolicyDocument") else {
                return Err(shape_error(
                    self.source,
                    Some(&at),
                    "has no `PolicyDocument`".to_owned(),
                ));
            };
            let at = format!("{at}.PolicyDocument");
            let document = parse_document_value(document, PolicyKind::Inline, self.source, &at)?;
            set.policies
                .push(self.named(name, PolicyKind::Inline, None, document));
        }
        for attached in array_field(role, "AttachedManagedPolicies") {
            let arn = attached
                .get("PolicyArn")
                .and_then(Value::as_str)
                .unwrap_or_default();
            self.resolve_managed(&mut set, managed, arn, PolicyKind::Managed)?;
        }
        let boundary = role
            .get("PermissionsBoundary")
            .and_then(|b| b.get("PermissionsBoundaryArn"));
        if let Some(arn) = boundary.and_then(Value::as_str) {
            self.resolve_managed(&mut set, managed, arn, PolicyKind::Boundary)?;
        }
        Ok(set)
    }

    fn named(
        &self,
        name: String,
        kind: PolicyKind,
        arn: Option<String>,
        document: PolicyDocument,
    ) -> NamedPolicy {
        NamedPolicy {
            name,
            kind,
            source: self.source.to_owned(),
            arn,
            shape: InputShape::Document,
            document,
        }
    }

    fn resolve_managed(
        &self,
        set: &mut PolicySet,
        managed: &Map<String, Value>,
        arn: &str,
        kind: PolicyKind,
    ) -> Result<(), ParseError> {
        let Some(policy) = managed.get(arn).and_then(Value::as_object) else {
            set.unresolved.push(UnresolvedPolicy {
                arn: arn.to_owned(),
                kind,
                source: self.source.to_owned(),
            });
            return Ok(());
        };
        let default_id = str_field(policy, "DefaultVersionId");
        let versions = array_field(policy, "PolicyVersionList");
        let default = versions.iter().position(|version| {
            version.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true)
                || (default_id.is_some()
                    && version.get("VersionId").and_then(Value::as_str) == default_id)
        });
        let Some((index, document)) =
            default.and_then(|index| versions.get(index)?.get("Document").map(|d| (index, d)))
        else {
            let message = format!("managed policy `{arn}` has no default version document");
            return Err(shape_error(self.source, Some("Policies"), message));
        };
        let at = format!("Policies[{arn}].PolicyVersionList[{index}].Document");
        let document = parse_document_value(document, kind, self.source, &at)?;
        let name = str_field(policy, "PolicyName").unwrap_or(arn).to_owned();
        set.policies
            .push(self.named(name, kind, Some(arn.to_owned()), document));
        Ok(())
    }
}

/// Indexes the `Policies` list of `get-account-authorization-details` by ARN.
fn managed_policies(object: &Map<String, Value>) -> Map<String, Value> {
    array_field(object, "Policies")
        .iter()
        .filter_map(|policy| {
            Some((
                str_field(policy.as_object()?, "Arn")?.to_owned(),
                policy.clone(),
            ))
        })
        .collect()
}

fn str_field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

fn array_field<'a>(object: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    object
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

const DOCUMENT_KEYS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

/// Checks a document against IAM's grammar and converts it.
fn validate_document(
    value: &Value,
    kind: PolicyKind,
    source: &str,
    location: &str,
) -> Result<PolicyDocument, InvalidPolicyError> {
    let check = Validator {
        source,
        location,
        kind,
    };
    check.document(value)?;
    serde_json::from_value(value.clone()).map_err(|err| check.error("", err.to_string()))
}

struct Validator<'a> {
    source: &'a str,
    location: &'a str,
    kind: PolicyKind,
}

impl Validator<'_> {
    fn error(&self, path: &str, message: impl fmt::Display) -> InvalidPolicyError {
        let location = match (self.location, path) {
            ("document", "") => "document".to_owned(),
            ("document", path) => path.to_owned(),
            (location, "") => location.to_owned(),
            (location, path) => format!("{location}.{path}"),
        };
        InvalidPolicyError {
            source_name: self.source.to_owned(),
            location,
            message: message.to_string(),
        }
    }

    fn document(&self, value: &Value) -> Result<(), InvalidPolicyError> {
        let Value::Object(object) = value else {
            return Err(self.error(
                "",
                format!("expected an object, found {}", json_type(value)),
            ));
        };
        self.known_keys(object, &DOCUMENT_KEYS, "", "policy document")?;
        if let Some(version) = object.get("Version") {
            if !version.as_str().is_some_and(|v| VERSIONS.contains(&v)) {
                let message =
                    format!("`Version` must be `2012-10-17` or `2008-10-17`, found {version}");
                return Err(self.error("Version", message));
            }
        }
        match object.get("Statement") {
            Some(Value::Array(statements)) => statements
                .iter()
                .enumerate()
                .try_for_each(|(index, statement)| self.statement(index, statement)),
            Some(statement @ Value::Object(_)) => self.statement(0, statement),
            Some(other) => Err(self.error(
                "Statement",
                format!(
                    "`Statement` must be an object or an array, found {}",
                    json_type(other)
                ),
            )),
            None => Err(self.error("", "missing `Statement`")),
        }
    }

    fn known_keys(
        &self,
        object: &Map<String, Value>,
        known: &[&str],
        path: &str,
        what: &str,
    ) -> Result<(), InvalidPolicyError> {
        match object.keys().find(|key| !known.contains(&key.as_str())) {
            Some(key) => {
                let hint = known
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(key))
                    .map_or_else(String::new, |k| format!(" (did you mean `{k}`?)"));
                Err(self.error(path, format!("unknown key `{key}` in {what}{hint}")))
            }
            None => Ok(()),
        }
    }

    fn statement(&self, index: usize, value: &Value) -> Result<(), InvalidPolicyError> {
        let path = format!("Statement[{index}]");
        let Value::Object(statement) = value else {
            let message = format!("a statement must be an object, found {}", json_type(value));
            return Err(self.error(&path, message));
        };
        self.known_keys(statement, &STATEMENT_KEYS, &path, "statement")?;
        match statement.get("Effect") {
            Some(Value::String(effect)) if effect == "Allow" || effect == "Deny" => {}
            Some(effect) => {
                let message = format!("`Effect` must be `Allow` or `Deny`, found {effect}");
                return Err(self.error(&format!("{path}.Effect"), message));
            }
            None => return Err(self.error(&path, "missing `Effect`")),
        }
        if !matches!(statement.get("Sid"), Some(Value::String(_)) | None) {
            return Err(self.error(&format!("{path}.Sid"), "`Sid` must be a string"));
        }
        self.one_of(statement, &path, "Action", "NotAction", true)?;
        let needs_resource = self.kind != PolicyKind::Trust;
        self.one_of(statement, &path, "Resource", "NotResource", needs_resource)?;
        self.principal(statement, &path)?;
        self.elements(statement, &path)
    }

    /// Checks the values of `Action`, `Resource` and `Condition` and their
    /// negated forms.
    fn elements(
        &self,
        statement: &Map<String, Value>,
        path: &str,
    ) -> Result<(), InvalidPolicyError> {
        for key in ["Action", "NotAction"] {
            if let Some(actions) = statement.get(key) {
                self.actions(actions, &format!("{path}.{key}"))?;
            }
        }
        for key in ["Resource", "NotResource"] {
            if let Some(resources) = statement.get(key) {
                self.strings(resources, &format!("{path}.{key}"), key)?;
            }
        }
        if let Some(condition) = statement.get("Condition") {
            self.condition(condition, &format!("{path}.Condition"))?;
        }
        Ok(())
    }

    fn one_of(
        &self,
        statement: &Map<String, Value>,
        path: &str,
        key: &str,
        not_key: &str,
        required: bool,
    ) -> Result<(), InvalidPolicyError> {
        match (statement.contains_key(key), statement.contains_key(not_key)) {
            (true, true) => Err(self.error(path, format!("has both `{key}` and `{not_key}`"))),
            (false, false) if required => {
                Err(self.error(path, format!("missing `{key}` (or `{not_key}`)")))
            }
            _ => Ok(()),
        }
    }

    fn principal(
        &self,
        statement: &Map<String, Value>,
        path: &str,
    ) -> Result<(), InvalidPolicyError> {
        let has_principal =
            statement.contains_key("Principal") || statement.contains_key("NotPrincipal");
        match self.kind {
            PolicyKind::Trust if !has_principal => Err(self.error(path, "missing `Principal`")),
            PolicyKind::Inline | PolicyKind::Managed | PolicyKind::Boundary if has_principal => {
                Err(self.error(
                    path,
                    "`Principal` is not allowed in an identity-based policy",
                ))
            }
            _ => Ok(()),
        }
    }

    fn strings<'v>(
        &self,
        value: &'v Value,
        path: &str,
        key: &str,
    ) -> Result<Vec<&'v str>, InvalidPolicyError> {
        let items: Vec<&Value> = match value {
            Value::Array(items) if items.is_empty() => {
                return Err(self.error(path, format!("`{key}` is an empty list")));
            }
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        items
            .into_iter()
            .map(|item| {
                item.as_str().ok_or_else(|| {
                    self.error(
                        path,
                        format!("`{key}` values must be strings, found {item}"),
                    )
                })
            })
            .collect()
    }

    fn actions(&self, value: &Value, path: &str) -> Result<(), InvalidPolicyError> {
        let key = path.rsplit('.').next().unwrap_or("Action");
        for action in self.strings(value, path, key)? {
            let valid = action == "*"
                || action.split_once(':').is_some_and(|(service, name)| {
                    !service.is_empty()
                        && !name.is_empty()
                        && service
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && !name.chars().any(char::is_whitespace)
                });
            if !valid {
                let message =
                    format!("action `{action}` is not `service:Name` (for example `s3:GetObject`)");
                return Err(self.error(path, message));
            }
        }
        Ok(())
    }

    fn condition(&self, value: &Value, path: &str) -> Result<(), InvalidPolicyError> {
        let Value::Object(operators) = value else {
            return Err(self.error(path, "`Condition` must be an object"));
        };
        for (operator, keys) in operators {
            if let Err(err) = operator.parse::<Operator>() {
                return Err(self.error(path, err));
            }
            let Value::Object(keys) = keys else {
                let message = format!("`{operator}` must map condition keys to values");
                return Err(self.error(&format!("{path}.{operator}"), message));
            };
            for (key, values) in keys {
                let at = format!("{path}.{operator}.{key}");
                let scalars = match values {
                    Value::Array(items) => items.iter().all(is_scalar),
                    other => is_scalar(other),
                };
                if !scalars {
                    let message = format!("values of `{key}` must be strings, numbers or booleans");
                    return Err(self.error(&at, message));
                }
            }
        }
        Ok(())
    }
}

fn is_scalar(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

#[cfg(test)]
mod tests;
