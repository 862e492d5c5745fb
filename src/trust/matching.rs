//! How a trust statement's conditions read the token: condition keys in
//! any letter case, the string operators with their set and `IfExists`
//! forms, policy variables in values, and the escapes a subject needs to be
//! written into a value literally.
//!
//! IAM compares condition key names case-insensitively, while each operator
//! keeps its own rule for the values (`StringEquals` and `StringLike` are
//! case-sensitive, `StringEqualsIgnoreCase` is not). Policy variables
//! (`${…}`, and `${*}` `${?}` `${$}` for a literal `*` `?` `$`) exist only in
//! documents of `Version` `2012-10-17` (IAM User Guide, "IAM policy elements:
//! Variables and tags").

use crate::policy::wildcard::{escape_literal, Glob, Lookup, Syntax, VariableSource};
use crate::policy::{PolicyDocument, Statement};

use super::TokenClaims;

/// The policy language version that has policy variables.
const VARIABLES_VERSION: &str = "2012-10-17";

/// Returns true when the values of `document` may contain policy variables.
pub(super) fn has_variables(document: &PolicyDocument) -> bool {
    document.version.as_deref() == Some(VARIABLES_VERSION)
}

/// Returns `sub` or `aud` when `key` names that claim of `issuer`, in any
/// letter case.
pub(super) fn claim_name(key: &str, issuer: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    let claim = key
        .strip_prefix(&issuer.to_ascii_lowercase())
        .and_then(|rest| rest.strip_prefix(':'))?;
    match claim {
        "sub" => Some("sub"),
        "aud" => Some("aud"),
        _ => None,
    }
}

/// The claims CloudTrail shows, as the values of policy variables. Any
/// other key may be in the token, so it is unknown, not absent.
pub(super) struct ClaimVariables<'a> {
    /// The token's claims.
    pub claims: &'a TokenClaims,
    /// The issuer host the claim keys start with.
    pub issuer: &'a str,
}

impl VariableSource for ClaimVariables<'_> {
    fn lookup(&self, key: &str) -> Lookup<'_> {
        let value = match claim_name(key, self.issuer) {
            Some("sub") => self.claims.subject.as_deref(),
            Some("aud") => self.claims.audience.as_deref(),
            _ => None,
        };
        value.map_or(Lookup::Unknown, Lookup::Value)
    }
}

/// Strips the set prefix (`ForAnyValue:`, `ForAllValues:`) and the
/// `IfExists` suffix: on a single-valued claim that is present, each form
/// tests what its base operator tests.
pub(super) fn base_operator(operator: &str) -> &str {
    let base = operator
        .trim_start_matches("ForAnyValue:")
        .trim_start_matches("ForAllValues:");
    base.strip_suffix("IfExists").unwrap_or(base)
}

/// Evaluates a string operator trust policies use on one claim value.
/// `variables` resolves `${…}` in the values; without it they are plain
/// text. Returns `None` for another operator, or when a value depends on a
/// claim CloudTrail does not show and no other value decides.
pub(super) fn operator_met(
    operator: &str,
    expected: &[String],
    actual: &str,
    variables: Option<&dyn VariableSource>,
) -> Option<bool> {
    let base = base_operator(operator);
    let (syntax, ignore_case, negated) = match base {
        "StringEquals" => (Syntax::Literal, false, false),
        "StringEqualsIgnoreCase" => (Syntax::Literal, true, false),
        "StringLike" => (Syntax::Like, false, false),
        "StringNotEquals" => (Syntax::Literal, false, true),
        "StringNotEqualsIgnoreCase" => (Syntax::Literal, true, true),
        "StringNotLike" => (Syntax::Like, false, true),
        _ => return None,
    };
    let actual = if ignore_case {
        actual.to_lowercase()
    } else {
        actual.to_owned()
    };
    let mut unknown = false;
    for value in expected {
        let value = if ignore_case {
            value.to_lowercase()
        } else {
            value.clone()
        };
        let glob = match variables {
            Some(variables) => Glob::compile(&value, syntax, variables).ok(),
            None => Some(Glob::literal_variables(&value, syntax)),
        };
        match glob {
            Some(glob) if glob.is_match(&actual) => return Some(!negated),
            Some(_) => {}
            None => unknown = true,
        }
    }
    (!unknown).then_some(negated)
}

/// Writes `subject` so that a value of `operator` matches exactly it:
/// `StringLike` values escape `*`, `?` and `$`, and the other string
/// operators escape only the `$` of a `${`, which would start a policy
/// variable.
pub(super) fn escape_subject(operator: &str, subject: &str) -> String {
    if base_operator(operator).ends_with("Like") {
        escape_literal(subject)
    } else {
        subject.replace("${", "${$}{")
    }
}

/// Returns true when `statement` applies to `sts:AssumeRoleWithWebIdentity`
/// calls with a token of `provider`. A Deny may name any principal with
/// `*`; an Allow must name the provider as `Federated` (or `*` there).
pub(super) fn covers_web_identity(statement: &Statement, provider: Option<&str>) -> bool {
    let acts = statement.actions().iter().any(|action| {
        crate::policy::wildcard::matches_action(action, "sts:AssumeRoleWithWebIdentity")
    });
    acts && names_provider(statement, provider)
}

fn names_provider(statement: &Statement, provider: Option<&str>) -> bool {
    let Some(principal) = statement.principal.as_ref() else {
        return false;
    };
    if principal.as_str() == Some("*") {
        return true;
    }
    let federated: Vec<&str> = match principal.get("Federated") {
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        Some(serde_json::Value::Array(many)) => {
            many.iter().filter_map(serde_json::Value::as_str).collect()
        }
        _ => Vec::new(),
    };
    match provider {
        Some(provider) => federated.iter().any(|f| *f == provider || *f == "*"),
        None => !federated.is_empty(),
    }
}
