//! Diagnosis of failed `AssumeRoleWithWebIdentity` calls of the role: which
//! condition of its trust policy the token did not meet, and the narrowest
//! change that would admit it — or a plain warning that it should not be
//! admitted.
//!
//! CloudTrail shows the token's subject in `userIdentity.userName` and at
//! the end of `userIdentity.principalId` (`<provider ARN>:<aud>:<sub>`), which
//! is enough to check the `…:sub` and `…:aud` conditions GitHub's OIDC guide
//! puts on the trust policy ("Configuring OpenID Connect in Amazon Web
//! Services").

use std::collections::BTreeMap;

use serde::Serialize;

use crate::policy::{Effect, PolicyDocument, Statement, ValueList};
use crate::record::Record;

/// The GitHub Actions OIDC issuer host.
pub const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

/// What CloudTrail shows of a web identity token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenClaims {
    /// The OIDC provider ARN.
    pub provider: Option<String>,
    /// The issuer host, such as `token.actions.githubusercontent.com`.
    pub issuer: Option<String>,
    /// The `aud` claim.
    pub audience: Option<String>,
    /// The `sub` claim.
    pub subject: Option<String>,
}

/// A GitHub Actions subject decoded into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GithubSubject {
    /// `ORG/REPO`.
    pub repository: Option<String>,
    /// `ORG`.
    pub owner: Option<String>,
    /// `refs/heads/main`, `refs/tags/v1` …
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// The deployment environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// True for `pull_request` subjects.
    pub pull_request: bool,
}

impl GithubSubject {
    /// Decodes `repo:ORG/REPO:ref:…`, `repo:ORG/REPO:environment:NAME` and
    /// `repo:ORG/REPO:pull_request`. Customized subjects keep what they can.
    pub fn parse(subject: &str) -> GithubSubject {
        let mut decoded = GithubSubject::default();
        let mut parts = subject.split(':').peekable();
        while let Some(part) = parts.next() {
            match part {
                "repo" => {
                    decoded.repository = parts.next().map(str::to_owned);
                    decoded.owner = decoded
                        .repository
                        .as_deref()
                        .and_then(|repo| repo.split('/').next())
                        .map(str::to_owned);
                }
                "ref" => decoded.git_ref = parts.next().map(str::to_owned),
                "environment" => decoded.environment = parts.next().map(str::to_owned),
                "pull_request" => decoded.pull_request = true,
                _ => {}
            }
        }
        decoded
    }

    /// Describes the job context in words.
    pub fn context(&self) -> String {
        if let Some(environment) = &self.environment {
            format!("a job in the environment `{environment}`")
        } else if self.pull_request {
            "a pull request workflow".to_owned()
        } else if let Some(git_ref) = &self.git_ref {
            format!("a job on `{git_ref}`")
        } else {
            "a job".to_owned()
        }
    }
}

/// Reads the token claims from a web identity record.
pub fn claims(record: &Record) -> TokenClaims {
    let identity = &record.user_identity;
    let provider = identity.identity_provider.clone();
    let issuer = provider
        .as_deref()
        .and_then(|arn| arn.split_once("oidc-provider/"))
        .map(|(_, issuer)| issuer.to_owned());
    let mut audience = None;
    let mut subject = identity.user_name.clone();
    if let (Some(principal), Some(provider)) =
        (identity.principal_id.as_deref(), provider.as_deref())
    {
        if let Some(rest) = principal
            .strip_prefix(provider)
            .and_then(|rest| rest.strip_prefix(':'))
        {
            if let Some((aud, sub)) = rest.split_once(':') {
                audience = Some(aud.to_owned());
                subject = subject.or_else(|| Some(sub.to_owned()));
            }
        }
    }
    TokenClaims {
        provider,
        issuer,
        audience,
        subject,
    }
}

/// One condition of a trust statement checked against the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConditionCheck {
    /// The condition operator.
    pub operator: String,
    /// The condition key.
    pub key: String,
    /// The values the policy accepts.
    pub expected: Vec<String>,
    /// The token's value, when CloudTrail shows it.
    pub actual: Option<String>,
    /// `Some(true)` met, `Some(false)` failed, `None` cannot be told.
    pub met: Option<bool>,
}

/// The trust-policy finding for one token that was refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrustFinding {
    /// `eventID`s of the refused calls with this token.
    pub event_ids: Vec<String>,
    /// The token claims.
    pub claims: TokenClaims,
    /// The subject decoded, for GitHub tokens.
    pub github: Option<GithubSubject>,
    /// Conditions checked, per trust statement that names the provider.
    pub checks: Vec<Vec<ConditionCheck>>,
    /// Whether the caller looks like one to admit.
    pub verdict: Verdict,
    /// What happened and what to do, in sentences.
    pub explanation: String,
    /// The edited trust statement that admits exactly this subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed_statement: Option<Statement>,
    /// The index of the statement the proposal edits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_index: Option<usize>,
}

/// Whether a refused token should be admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The token comes from a repository the trust policy already trusts;
    /// only its context (branch, environment …) differs.
    Admit,
    /// The token comes from a repository or organization the trust policy
    /// does not trust; do not admit it unless that was meant.
    DoNotAdmit,
    /// There is not enough to tell (no trust policy given).
    Unknown,
}

/// Provider, audience and subject of a token.
type ClaimsKey = (Option<String>, Option<String>, Option<String>);

/// Diagnoses the refused web identity records of the role. Records with the
/// same claims are one finding.
pub fn diagnose(records: &[&Record], trust: Option<&PolicyDocument>) -> Vec<TrustFinding> {
    let mut by_claims: BTreeMap<ClaimsKey, Vec<&Record>> = BTreeMap::new();
    for record in records {
        let claims = claims(record);
        by_claims
            .entry((claims.provider, claims.audience, claims.subject))
            .or_default()
            .push(record);
    }
    by_claims
        .into_values()
        .filter_map(|group| {
            let first = group.first()?;
            let event_ids = group.iter().filter_map(|r| r.event_id.clone()).collect();
            Some(diagnose_one(first, event_ids, trust))
        })
        .collect()
}

fn diagnose_one(
    record: &Record,
    event_ids: Vec<String>,
    trust: Option<&PolicyDocument>,
) -> TrustFinding {
    let claims = claims(record);
    let github = claims
        .issuer
        .as_deref()
        .filter(|issuer| *issuer == GITHUB_ISSUER)
        .and(claims.subject.as_deref())
        .map(GithubSubject::parse);
    let mut finding = TrustFinding {
        event_ids,
        claims,
        github,
        checks: Vec::new(),
        verdict: Verdict::Unknown,
        explanation: String::new(),
        proposed_statement: None,
        statement_index: None,
    };
    let subject = finding
        .claims
        .subject
        .clone()
        .unwrap_or_else(|| "(not recorded)".to_owned());
    let Some(trust) = trust else {
        finding.explanation = format!(
            "the role's trust policy refused the token with subject `{subject}`{}; pass \
             `--trust-policy FILE` or `--from-iam` to see which condition failed",
            context_words(&finding)
        );
        return finding;
    };
    let candidates: Vec<(usize, &Statement)> = trust
        .statements
        .iter()
        .enumerate()
        .filter(|(_, statement)| {
            statement.effect == Effect::Allow && trusts_provider(statement, &finding.claims)
        })
        .collect();
    if candidates.is_empty() {
        finding.explanation =
            format!(
            "no Allow statement of the trust policy names the OIDC provider `{}` as a Federated \
             principal for `sts:AssumeRoleWithWebIdentity`; add one scoped to subject `{subject}`",
            finding.claims.provider.as_deref().unwrap_or("(not recorded)")
        );
        return finding;
    }
    for (_, statement) in &candidates {
        finding
            .checks
            .push(check_statement(statement, &finding.claims));
    }
    decide(&mut finding, &candidates, &subject);
    finding
}

fn context_words(finding: &TrustFinding) -> String {
    finding
        .github
        .as_ref()
        .map(|github| {
            format!(
                " ({} of `{}`)",
                github.context(),
                github.repository.as_deref().unwrap_or("?")
            )
        })
        .unwrap_or_default()
}

fn trusts_provider(statement: &Statement, claims: &TokenClaims) -> bool {
    let acts = statement.actions().iter().any(|action| {
        like(
            &action.to_ascii_lowercase(),
            "sts:assumerolewithwebidentity",
        )
    });
    let federated = statement
        .principal
        .as_ref()
        .and_then(|principal| principal.get("Federated"))
        .map(|value| match value {
            serde_json::Value::String(one) => vec![one.clone()],
            serde_json::Value::Array(many) => many
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    let provider_ok = match claims.provider.as_deref() {
        Some(provider) => federated.iter().any(|f| f == provider || f == "*"),
        None => !federated.is_empty(),
    };
    acts && provider_ok
}

fn check_statement(statement: &Statement, claims: &TokenClaims) -> Vec<ConditionCheck> {
    let issuer = claims.issuer.as_deref().unwrap_or(GITHUB_ISSUER);
    let mut checks = Vec::new();
    for (operator, keys) in statement.condition.iter().flatten() {
        for (key, values) in keys {
            let claim = key
                .strip_prefix(issuer)
                .and_then(|rest| rest.strip_prefix(':'));
            let actual = match claim {
                Some("sub") => claims.subject.clone(),
                Some("aud") => claims.audience.clone(),
                _ => None,
            };
            let met = actual
                .as_deref()
                .and_then(|value| operator_met(operator, values.values(), value));
            checks.push(ConditionCheck {
                operator: operator.clone(),
                key: key.clone(),
                expected: values.values().to_vec(),
                actual,
                met,
            });
        }
    }
    checks
}

/// Evaluates the string operators trust policies use on one value.
fn operator_met(operator: &str, expected: &[String], actual: &str) -> Option<bool> {
    let base = operator
        .trim_start_matches("ForAnyValue:")
        .trim_start_matches("ForAllValues:");
    let base = base.strip_suffix("IfExists").unwrap_or(base);
    let any = |test: &dyn Fn(&str) -> bool| expected.iter().any(|value| test(value));
    Some(match base {
        "StringEquals" => any(&|value| value == actual),
        "StringEqualsIgnoreCase" => any(&|value| value.eq_ignore_ascii_case(actual)),
        "StringLike" => any(&|value| like(value, actual)),
        "StringNotEquals" => !any(&|value| value == actual),
        "StringNotLike" => !any(&|value| like(value, actual)),
        _ => return None,
    })
}

/// IAM `StringLike` matching: `*` any run of characters, `?` one.
fn like(pattern: &str, value: &str) -> bool {
    crate::policy::wildcard::like(pattern, value)
}

fn decide(finding: &mut TrustFinding, candidates: &[(usize, &Statement)], subject: &str) {
    let failed: Vec<&ConditionCheck> = finding
        .checks
        .iter()
        .flatten()
        .filter(|check| check.met == Some(false))
        .collect();
    let context = context_words(finding);
    let trusted_repos = trusted_repositories(&finding.checks);
    let token_repo = finding.github.as_ref().and_then(|g| g.repository.clone());
    let token_owner = finding.github.as_ref().and_then(|g| g.owner.clone());
    let same_repo = token_repo
        .as_ref()
        .is_some_and(|repo| trusted_repos.iter().any(|(r, _)| r == repo));
    let same_owner = token_owner
        .as_ref()
        .is_some_and(|owner| trusted_repos.iter().any(|(_, o)| o == owner));
    if failed.is_empty() {
        finding.explanation = format!(
            "every `sub`/`aud` condition the trust policy checks admits subject `{subject}`{context}; \
             the refusal comes from a condition on a claim CloudTrail does not show, or from the \
             OIDC provider's configuration (thumbprint, client id list)"
        );
        return;
    }
    let failing: Vec<String> = failed
        .iter()
        .map(|check| {
            format!(
                "`{}` `{}` expects {} but the token has `{}`",
                check.operator,
                check.key,
                check
                    .expected
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(" or "),
                check.actual.as_deref().unwrap_or("")
            )
        })
        .collect();
    let failing = failing.join("; ");
    if !same_repo && !trusted_repos.is_empty() {
        finding.verdict = Verdict::DoNotAdmit;
        let whose = if same_owner {
            "another repository of the same organization"
        } else {
            "a repository of another organization"
        };
        finding.explanation =
            format!(
            "the token comes from `{}`, {whose} than the trust policy trusts ({}): {failing}. Do \
             not admit it unless that repository is meant to deploy with this role",
            token_repo.as_deref().unwrap_or(subject),
            trusted_repos.iter().map(|(r, _)| format!("`{r}`")).collect::<Vec<_>>().join(", ")
        );
        return;
    }
    finding.verdict = Verdict::Admit;
    let explain_github = match &finding.github {
        Some(github) if github.environment.is_some() => format!(
            " A job that declares `environment: {}` gets the subject \
             `repo:ORG/REPO:environment:NAME` instead of `repo:ORG/REPO:ref:refs/heads/BRANCH`.",
            github.environment.as_deref().unwrap_or("")
        ),
        Some(github) if github.pull_request => {
            " Pull request workflows get the subject `repo:ORG/REPO:pull_request`.".to_owned()
        }
        _ => String::new(),
    };
    finding.explanation = format!(
        "the trust policy refused subject `{subject}`{context}: {failing}.{explain_github} The \
         narrowest change adds exactly this subject to the failing `sub` condition (statement \
         below)"
    );
    propose_edit(finding, candidates, subject);
}

/// Repositories (with their owner) named by the `sub` conditions.
fn trusted_repositories(checks: &[Vec<ConditionCheck>]) -> Vec<(String, String)> {
    let mut repos = Vec::new();
    for check in checks.iter().flatten() {
        if !check.key.ends_with(":sub") {
            continue;
        }
        for value in &check.expected {
            let decoded = GithubSubject::parse(value);
            if let (Some(repo), Some(owner)) = (decoded.repository, decoded.owner) {
                repos.push((repo, owner));
            }
        }
    }
    repos
}

fn propose_edit(finding: &mut TrustFinding, candidates: &[(usize, &Statement)], subject: &str) {
    let Some((index, statement)) = candidates.first() else {
        return;
    };
    let mut edited = (*statement).clone();
    let issuer = finding
        .claims
        .issuer
        .clone()
        .unwrap_or_else(|| GITHUB_ISSUER.to_owned());
    let sub_key = format!("{issuer}:sub");
    let conditions = edited.condition.get_or_insert_with(Default::default);
    let mut added = false;
    for (operator, keys) in conditions.iter_mut() {
        if !operator.starts_with("String") || operator.contains("Not") {
            continue;
        }
        for (key, values) in keys.iter_mut() {
            if key.eq_ignore_ascii_case(&sub_key) && !values.values().iter().any(|v| v == subject) {
                let list = values.values_mut();
                list.push(subject.to_owned());
                *values = ValueList::from(list.clone());
                added = true;
            }
        }
        if added {
            break;
        }
    }
    if !added {
        conditions
            .entry("StringEquals".to_owned())
            .or_default()
            .insert(sub_key, ValueList::from(subject));
    }
    finding.proposed_statement = Some(edited);
    finding.statement_index = Some(*index);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_decode() {
        let subject = GithubSubject::parse("repo:example-org/example-app:environment:production");
        assert_eq!(
            subject.repository.as_deref(),
            Some("example-org/example-app")
        );
        assert_eq!(subject.owner.as_deref(), Some("example-org"));
        assert_eq!(subject.environment.as_deref(), Some("production"));
        let subject = GithubSubject::parse("repo:o/r:ref:refs/heads/main");
        assert_eq!(subject.git_ref.as_deref(), Some("refs/heads/main"));
        assert!(GithubSubject::parse("repo:o/r:pull_request").pull_request);
    }
}
