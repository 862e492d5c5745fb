//! Deny statements of the trust policy that apply to the refused token. An
//! explicit Deny overrides every Allow, so when one matches, it is the cause
//! and no Allow edit is proposed.

use crate::policy::{Effect, PolicyDocument};

use super::{check_statement, context_words, ConditionCheck, TokenClaims, TrustFinding, Verdict};

/// A Deny statement for web identity tokens of the provider whose checks the
/// token does not fail.
#[derive(Debug)]
pub(super) struct Denial {
    /// The statement index.
    index: usize,
    /// Its conditions checked against the token.
    checks: Vec<ConditionCheck>,
    /// True when every condition is met; false when some depend on claims
    /// CloudTrail does not show.
    pub certain: bool,
}

/// Finds the Deny statements that match the token or may match it.
// NOTE: a Deny written with `NotAction` or `NotPrincipal` is not read.
pub(super) fn denials(
    trust: &PolicyDocument,
    claims: &TokenClaims,
    variables: bool,
) -> Vec<Denial> {
    trust
        .statements
        .iter()
        .enumerate()
        .filter(|(_, statement)| {
            statement.effect == Effect::Deny
                && super::matching::covers_web_identity(statement, claims.provider.as_deref())
        })
        .filter_map(|(index, statement)| {
            let checks = check_statement(statement, claims, variables);
            if checks.iter().any(|check| check.met == Some(false)) {
                return None;
            }
            let certain = checks.iter().all(|check| check.met == Some(true));
            Some(Denial {
                index,
                checks,
                certain,
            })
        })
        .collect()
}

/// Names the matching Deny as the cause of the refusal.
pub(super) fn explain_certain(finding: &mut TrustFinding, denial: &Denial, subject: &str) {
    let matched = if denial.checks.is_empty() {
        "it has no condition".to_owned()
    } else {
        denial
            .checks
            .iter()
            .map(describe_match)
            .collect::<Vec<_>>()
            .join("; ")
    };
    finding.verdict = Verdict::DoNotAdmit;
    finding.denied_by = Some(denial.index);
    finding.checks.push(denial.checks.clone());
    finding.explanation = format!(
        "trust statement {} explicitly denies subject `{subject}`{}: {matched}. An explicit Deny \
         overrides every Allow, so no edit of an Allow statement admits this token; change that \
         Deny only if such tokens are meant to assume the role",
        denial.index,
        context_words(finding),
    );
}

fn describe_match(check: &ConditionCheck) -> String {
    let verb = if super::is_negated(&check.operator) {
        "does not match"
    } else {
        "matches"
    };
    let values = check
        .expected
        .iter()
        .map(|value| format!("`{value}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    format!("`{}` `{}` {verb} {values}", check.operator, check.key)
}

/// Appends one sentence per Deny statement that matches the token if its
/// conditions on claims CloudTrail does not show hold.
pub(super) fn append_possible(finding: &mut TrustFinding, denials: &[Denial]) {
    for denial in denials.iter().filter(|denial| !denial.certain) {
        let unknown = denial
            .checks
            .iter()
            .filter(|check| check.met.is_none())
            .map(|check| format!("`{}`", check.key))
            .collect::<Vec<_>>()
            .join(", ");
        finding.explanation = format!(
            "{}. Trust statement {} is a Deny whose conditions on {unknown} CloudTrail does not \
             show; it is the cause if the token meets them",
            finding.explanation, denial.index
        );
    }
}
