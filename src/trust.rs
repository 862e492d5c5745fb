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

mod deny;
mod matching;

use matching::{base_operator, claim_name, escape_subject, operator_met, ClaimVariables};

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
    let (audience, subject) = match (identity.principal_id.as_deref(), provider.as_deref()) {
        (Some(principal), Some(provider)) => {
            audience_and_subject(principal, provider, identity.user_name.as_deref())
        }
        _ => (None, identity.user_name.clone()),
    };
    TokenClaims {
        provider,
        issuer,
        audience,
        subject,
    }
}

/// Splits a web identity `principalId`, `<provider ARN>:<aud>:<sub>`, into
/// audience and subject. Audiences may contain colons (`core.getIDToken()`
/// defaults to `https://github.com/OWNER`) and so may subjects, so the
/// audience is what lies between the provider ARN and `:<userName>`.
/// Without `userName`, a GitHub subject is taken to start at `:repo:`, and
/// any other at the first colon after the audience.
fn audience_and_subject(
    principal: &str,
    provider: &str,
    user_name: Option<&str>,
) -> (Option<String>, Option<String>) {
    let subject = user_name.map(str::to_owned);
    let Some(rest) = principal
        .strip_prefix(provider)
        .and_then(|rest| rest.strip_prefix(':'))
    else {
        return (None, subject);
    };
    if let Some(user_name) = user_name {
        let audience = rest
            .strip_suffix(user_name)
            .and_then(|rest| rest.strip_suffix(':'));
        return (audience.map(str::to_owned), subject);
    }
    if let Some((audience, repository)) = rest.split_once(":repo:") {
        return (
            Some(audience.to_owned()),
            Some(format!("repo:{repository}")),
        );
    }
    match rest.split_once(':') {
        Some((audience, subject)) => (Some(audience.to_owned()), Some(subject.to_owned())),
        None => (None, None),
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
    /// The claims whose conditions failed in the statement the diagnosis
    /// is about: `aud`, `sub`, or both.
    pub failed_claims: Vec<String>,
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
    /// The index of the Deny statement whose conditions the token meets,
    /// which rejects it whatever the Allow statements grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_by: Option<usize>,
}

/// Whether a refused token should be admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The token comes from a repository the trust policy already trusts;
    /// only its context (branch, environment …), its audience or the letter
    /// case of its repository differs.
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
    let mut findings: Vec<TrustFinding> = by_claims
        .into_values()
        .filter_map(|group| {
            let first = group.first()?;
            let event_ids = group.iter().filter_map(|r| r.event_id.clone()).collect();
            Some(diagnose_one(first, event_ids, trust))
        })
        .collect();
    merge_edits(&mut findings);
    findings
}

/// Makes the edits proposed for one trust statement cumulative. Each
/// finding edits the original statement to admit its own subject, so
/// applying one after another would keep only the last. Every finding of
/// the statement gets the union of their condition values instead.
fn merge_edits(findings: &mut [TrustFinding]) {
    let mut by_statement: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (position, finding) in findings.iter().enumerate() {
        if let (Some(index), Some(_)) = (finding.statement_index, &finding.proposed_statement) {
            by_statement.entry(index).or_default().push(position);
        }
    }
    for positions in by_statement
        .values()
        .filter(|positions| positions.len() > 1)
    {
        let mut merged: Option<Statement> = None;
        for position in positions {
            let Some(edit) = findings
                .get(*position)
                .and_then(|finding| finding.proposed_statement.as_ref())
            else {
                continue;
            };
            match merged.as_mut() {
                None => merged = Some(edit.clone()),
                Some(merged) => union_conditions(merged, edit),
            }
        }
        for position in positions {
            if let Some(finding) = findings.get_mut(*position) {
                finding.proposed_statement.clone_from(&merged);
            }
        }
    }
}

/// Adds the condition values of `other` that `into` lacks.
fn union_conditions(into: &mut Statement, other: &Statement) {
    let Some(extra) = &other.condition else {
        return;
    };
    let block = into.condition.get_or_insert_with(Default::default);
    for (operator, keys) in extra {
        let target = block.entry(operator.clone()).or_default();
        for (key, values) in keys {
            match target.get_mut(key) {
                Some(existing) => {
                    for value in values.values() {
                        if !existing.values().contains(value) {
                            existing.values_mut().push(value.clone());
                        }
                    }
                }
                None => {
                    target.insert(key.clone(), values.clone());
                }
            }
        }
    }
}

/// Explains a token that the IAM OIDC provider rejected before the trust
/// policy was read, so no trust policy edit can admit it.
fn provider_rejection(record: &Record, claims: &TokenClaims) -> String {
    let message = record.error_message.as_deref().unwrap_or("").trim();
    let provider = claims.provider.as_deref().unwrap_or("(not recorded)");
    let quoted = if message.is_empty() {
        String::new()
    } else {
        format!(" (\"{}\")", crate::sanitize::terminal_safe(message))
    };
    if message.to_ascii_lowercase().contains("audience") {
        let audience = claims.audience.as_deref().unwrap_or("(not recorded)");
        return format!(
            "the OIDC provider `{provider}` rejected the token's audience `{audience}`{quoted}; \
             the trust policy was not read. Add the audience to the provider's client IDs \
             (`aws iam add-client-id-to-open-id-connect-provider`), or request one the \
             provider lists (the `audience` input of aws-actions/configure-aws-credentials, \
             `sts.amazonaws.com` by default)"
        );
    }
    format!(
        "STS rejected the web identity token{quoted} before the trust policy was read: check \
         that the IAM OIDC provider `{provider}` exists in the role's account and that its \
         issuer URL and client IDs match the token"
    )
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
        failed_claims: Vec::new(),
        verdict: Verdict::Unknown,
        explanation: String::new(),
        proposed_statement: None,
        statement_index: None,
        denied_by: None,
    };
    let subject = finding
        .claims
        .subject
        .clone()
        .unwrap_or_else(|| "(not recorded)".to_owned());
    if crate::denial::is_rejected_web_identity_token(record) {
        finding.explanation = provider_rejection(record, &finding.claims);
        return finding;
    }
    let Some(trust) = trust else {
        finding.explanation = format!(
            "the role's trust policy refused the token with subject `{subject}`{}; pass \
             `--trust-policy FILE` or `--from-iam` to see which condition failed",
            context_words(&finding)
        );
        return finding;
    };
    let variables = matching::has_variables(trust);
    let denies = deny::denials(trust, &finding.claims, variables);
    if let Some(denial) = denies.iter().find(|denial| denial.certain) {
        deny::explain_certain(&mut finding, denial, &subject);
        return finding;
    }
    let candidates: Vec<(usize, &Statement)> = trust
        .statements
        .iter()
        .enumerate()
        .filter(|(_, statement)| {
            statement.effect == Effect::Allow
                && matching::covers_web_identity(statement, finding.claims.provider.as_deref())
        })
        .collect();
    if candidates.is_empty() {
        finding.explanation =
            format!(
            "no Allow statement of the trust policy names the OIDC provider `{}` as a Federated \
             principal for `sts:AssumeRoleWithWebIdentity`; add one scoped to subject `{subject}`",
            finding.claims.provider.as_deref().unwrap_or("(not recorded)")
        );
        deny::append_possible(&mut finding, &denies);
        return finding;
    }
    for (_, statement) in &candidates {
        finding
            .checks
            .push(check_statement(statement, &finding.claims, variables));
    }
    decide(&mut finding, &candidates, &subject, variables);
    deny::append_possible(&mut finding, &denies);
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

/// Checks every condition of `statement` against the token. `variables`
/// is true when the document's values may contain policy variables.
fn check_statement(
    statement: &Statement,
    claims: &TokenClaims,
    variables: bool,
) -> Vec<ConditionCheck> {
    let issuer = claims.issuer.as_deref().unwrap_or(GITHUB_ISSUER);
    let source = ClaimVariables { claims, issuer };
    let source: Option<&dyn crate::policy::wildcard::VariableSource> = variables.then_some(&source);
    let mut checks = Vec::new();
    for (operator, keys) in statement.condition.iter().flatten() {
        for (key, values) in keys {
            let actual = match claim_name(key, issuer) {
                Some("sub") => claims.subject.clone(),
                Some("aud") => claims.audience.clone(),
                _ => None,
            };
            let met = actual
                .as_deref()
                .and_then(|value| operator_met(operator, values.values(), value, source));
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

/// IAM `StringLike` matching: `*` any run of characters, `?` one.
fn like(pattern: &str, value: &str) -> bool {
    crate::policy::wildcard::like(pattern, value)
}

fn decide(
    finding: &mut TrustFinding,
    candidates: &[(usize, &Statement)],
    subject: &str,
    variables: bool,
) {
    let context = context_words(finding);
    let best = best_candidate(&finding.checks);
    let failed: Vec<ConditionCheck> = finding
        .checks
        .get(best)
        .into_iter()
        .flatten()
        .filter(|check| check.met == Some(false))
        .cloned()
        .collect();
    let Some(&(index, statement)) = candidates.get(best).filter(|_| !failed.is_empty()) else {
        finding.explanation = format!(
            "every `sub`/`aud` condition the trust policy checks admits subject `{subject}`{context}; \
             the refusal comes from a condition on a claim CloudTrail does not show, or from the \
             OIDC provider's configuration (thumbprint, client id list)"
        );
        return;
    };
    finding.failed_claims = failed_claims(&failed);
    let failing = describe_failures(&failed);
    if let Some(check) = failed.iter().find(|check| is_negated(&check.operator)) {
        finding.verdict = Verdict::DoNotAdmit;
        finding.explanation = format!(
            "the trust policy refused subject `{subject}`{context}: {failing}. Statement {index} \
             excludes such tokens with `{}`; do not admit it unless that exclusion is wrong",
            check.operator
        );
        return;
    }
    let sub_failed = finding.failed_claims.iter().any(|claim| claim == "sub");
    let repository = if sub_failed {
        repository_match(finding)
    } else {
        RepositoryMatch::Unknown
    };
    if let RepositoryMatch::SameOwner | RepositoryMatch::OtherOwner = repository {
        reject_repository(finding, &repository, &failing, subject);
        return;
    }
    finding.verdict = Verdict::Admit;
    let mut sentences = Vec::new();
    if sub_failed {
        sentences.push(format!(
            "the trust policy refused subject `{subject}`{context}: {failing}"
        ));
        let recase = match &repository {
            RepositoryMatch::CaseOnly { token, trusted } => {
                sentences.push(case_sentence(token, trusted));
                Some(token.as_str())
            }
            _ => None,
        };
        let edit = edit_subject(statement, &finding.claims, subject, recase, variables);
        if edit.adds_subject {
            sentences.push(subject_sentence(finding));
        }
        finding.proposed_statement = Some(edit.statement);
        finding.statement_index = Some(index);
    } else {
        sentences.push(format!(
            "the trust policy refused the token for subject `{subject}`{context} because of its \
             audience: {failing}. The subject passes, so it needs no change"
        ));
    }
    if let Some(check) = failed.iter().find(|check| claim_of(check) == Some("aud")) {
        sentences.push(audience_advice(check, index, sub_failed));
    }
    finding.explanation = sentences.join(". ");
}

/// Returns the index of the candidate statement with the fewest failing
/// conditions, the one a diagnosis and an edit are about.
fn best_candidate(checks: &[Vec<ConditionCheck>]) -> usize {
    checks
        .iter()
        .enumerate()
        .min_by_key(|(_, checks)| checks.iter().filter(|c| c.met == Some(false)).count())
        .map_or(0, |(index, _)| index)
}

/// Returns `aud` or `sub` for a check on one of the OIDC claims.
fn claim_of(check: &ConditionCheck) -> Option<&'static str> {
    let (_, claim) = check.key.rsplit_once(':')?;
    match claim.to_ascii_lowercase().as_str() {
        "aud" => Some("aud"),
        "sub" => Some("sub"),
        _ => None,
    }
}

fn failed_claims(failed: &[ConditionCheck]) -> Vec<String> {
    let mut claims: Vec<String> = failed
        .iter()
        .filter_map(claim_of)
        .map(str::to_owned)
        .collect();
    claims.sort();
    claims.dedup();
    claims
}

fn describe_failures(failed: &[ConditionCheck]) -> String {
    failed
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
        .collect::<Vec<_>>()
        .join("; ")
}

fn is_negated(operator: &str) -> bool {
    operator.contains("Not")
}

/// The relation of the token's repository to the repositories the `sub`
/// conditions name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RepositoryMatch {
    /// A `sub` value names it (its context may still differ).
    Trusted,
    /// A `sub` value names it in other letter case.
    CaseOnly {
        /// The repository as the token spells it.
        token: String,
        /// The repository as the trust policy spells it.
        trusted: String,
    },
    /// Another repository of a trusted owner.
    SameOwner,
    /// A repository of an owner the trust policy does not name.
    OtherOwner,
    /// No GitHub subject, or no repository in the `sub` conditions.
    Unknown,
}

/// Compares the token's repository with those of the `sub` conditions.
/// GitHub owner and repository names are case-insensitive, and the `sub`
/// claim carries their current casing, while `StringEquals` and
/// `StringLike` compare case-sensitively: a difference in case alone is a
/// mistake in the trust policy, not another repository.
fn repository_match(finding: &TrustFinding) -> RepositoryMatch {
    let trusted = trusted_repositories(&finding.checks);
    let Some(token) = finding.github.as_ref().and_then(|g| g.repository.clone()) else {
        return RepositoryMatch::Unknown;
    };
    if trusted.is_empty() {
        return RepositoryMatch::Unknown;
    }
    if trusted.iter().any(|(repo, _)| like(repo, &token)) {
        return RepositoryMatch::Trusted;
    }
    let folded = token.to_lowercase();
    if let Some((repo, _)) = trusted
        .iter()
        .find(|(repo, _)| like(&repo.to_lowercase(), &folded))
    {
        return RepositoryMatch::CaseOnly {
            token,
            trusted: repo.clone(),
        };
    }
    let owner = token.split('/').next().unwrap_or_default().to_lowercase();
    if trusted
        .iter()
        .any(|(_, trusted_owner)| like(&trusted_owner.to_lowercase(), &owner))
    {
        RepositoryMatch::SameOwner
    } else {
        RepositoryMatch::OtherOwner
    }
}

fn reject_repository(
    finding: &mut TrustFinding,
    repository: &RepositoryMatch,
    failing: &str,
    subject: &str,
) {
    finding.verdict = Verdict::DoNotAdmit;
    let whose = if *repository == RepositoryMatch::SameOwner {
        "another repository of the same organization"
    } else {
        "a repository of another organization"
    };
    let trusted = trusted_repositories(&finding.checks)
        .iter()
        .map(|(repo, _)| format!("`{repo}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let token_repo = finding
        .github
        .as_ref()
        .and_then(|g| g.repository.as_deref());
    finding.explanation = format!(
        "the token comes from `{}`, {whose} than the trust policy trusts ({trusted}): {failing}. \
         Do not admit it unless that repository is meant to deploy with this role",
        token_repo.unwrap_or(subject),
    );
}

fn case_sentence(token: &str, trusted: &str) -> String {
    format!(
        "The token's repository `{token}` differs from `{trusted}` in the trust policy only in \
         letter case: GitHub owner and repository names are case-insensitive and the `sub` claim \
         carries their current casing, but `StringEquals` and `StringLike` compare \
         case-sensitively, so the statement below writes the repository as the token does"
    )
}

fn subject_sentence(finding: &TrustFinding) -> String {
    let explain_github = match &finding.github {
        Some(github) if github.environment.is_some() => format!(
            "A job that declares `environment: {}` gets the subject \
             `repo:ORG/REPO:environment:NAME` instead of `repo:ORG/REPO:ref:refs/heads/BRANCH`. ",
            github.environment.as_deref().unwrap_or("")
        ),
        Some(github) if github.pull_request => {
            "Pull request workflows get the subject `repo:ORG/REPO:pull_request`. Trusting it \
             lets the workflow of every pull request to the repository assume the role, whatever \
             its branch, so a deploy role should trust it only if that is meant. "
                .to_owned()
        }
        _ => String::new(),
    };
    format!(
        "{explain_github}The narrowest change adds exactly this subject to the failing `sub` \
         condition (statement below)"
    )
}

/// Returns the advice that makes the audience pass: the workflow's input
/// first, because `sts.amazonaws.com` is the audience AWS documents for
/// GitHub tokens, then the trust policy's `aud` condition.
fn audience_advice(check: &ConditionCheck, index: usize, with_subject_edit: bool) -> String {
    let expected = check
        .expected
        .first()
        .map_or("sts.amazonaws.com", String::as_str);
    let actual = check.actual.as_deref().unwrap_or("");
    let lead = if with_subject_edit {
        "The audience must change too: set"
    } else {
        "Set"
    };
    format!(
        "{lead} `audience: {expected}` on the aws-actions/configure-aws-credentials step (the \
         input defaults to `sts.amazonaws.com`), or, if tokens for `{actual}` are meant to assume \
         this role, add `{actual}` to that `aud` condition of trust statement {index} and to the \
         OIDC provider's client ID list"
    )
}

/// Repositories (with their owner) named by the `sub` conditions.
fn trusted_repositories(checks: &[Vec<ConditionCheck>]) -> Vec<(String, String)> {
    let mut repos = Vec::new();
    for check in checks.iter().flatten() {
        if claim_of(check) != Some("sub") || is_negated(&check.operator) {
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

/// A trust statement edited to admit one subject.
struct SubjectEdit {
    statement: Statement,
    /// True when the subject itself was added to a `sub` condition, not
    /// only the casing of its repository corrected.
    adds_subject: bool,
}

/// Edits every `sub` condition of `statement` that refuses `subject`: the
/// repository is first written in the token's casing when `recase` gives
/// it, then the subject is added, escaped for the operator, where the
/// condition still refuses it. Every positive `sub` condition gets the
/// edit, set operators included, because all conditions of a statement must
/// hold.
fn edit_subject(
    statement: &Statement,
    claims: &TokenClaims,
    subject: &str,
    recase: Option<&str>,
    variables: bool,
) -> SubjectEdit {
    let mut edited = statement.clone();
    let issuer = claims.issuer.as_deref().unwrap_or(GITHUB_ISSUER);
    let source = ClaimVariables { claims, issuer };
    let source: Option<&dyn crate::policy::wildcard::VariableSource> = variables.then_some(&source);
    let mut adds_subject = false;
    for (operator, keys) in edited.condition.iter_mut().flatten() {
        if !base_operator(operator).starts_with("String") || is_negated(operator) {
            continue;
        }
        for (key, values) in keys.iter_mut() {
            if claim_name(key, issuer) != Some("sub") {
                continue;
            }
            let mut list: Vec<String> = values
                .values()
                .iter()
                .map(|value| match recase {
                    Some(token) => recase_repository(value, token),
                    None => value.clone(),
                })
                .collect();
            if operator_met(operator, &list, subject, source) != Some(true) {
                // NOTE: without policy variables (a `Version` other than
                // 2012-10-17) a `*` or `?` in the subject cannot be escaped
                // and stays a wildcard in a `StringLike` value.
                let value = if variables {
                    escape_subject(operator, subject)
                } else {
                    subject.to_owned()
                };
                list.push(value);
                adds_subject = true;
            }
            if list != values.values() {
                *values = ValueList::from(list);
            }
        }
    }
    SubjectEdit {
        statement: edited,
        adds_subject,
    }
}

/// Rewrites the owner and repository name of a `repo:OWNER/NAME…` value in
/// the casing of `token` (`OWNER/NAME`) where they differ only in case.
fn recase_repository(value: &str, token: &str) -> String {
    let Some(rest) = value.strip_prefix("repo:") else {
        return value.to_owned();
    };
    let (repository, tail) = match rest.split_once(':') {
        Some((repository, tail)) => (repository, Some(tail)),
        None => (rest, None),
    };
    let recased: Vec<&str> = repository
        .split('/')
        .zip(token.split('/').chain(std::iter::repeat("")))
        .map(|(part, token_part)| {
            if part.eq_ignore_ascii_case(token_part) {
                token_part
            } else {
                part
            }
        })
        .collect();
    match tail {
        Some(tail) => format!("repo:{}:{tail}", recased.join("/")),
        None => format!("repo:{}", recased.join("/")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const PROVIDER: &str =
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
    const AUD_KEY: &str = "token.actions.githubusercontent.com:aud";
    const SUB_KEY: &str = "token.actions.githubusercontent.com:sub";

    /// Builds a refused `AssumeRoleWithWebIdentity` record, shaped as
    /// CloudTrail writes it: the subject in `userName` and `principalId` ending in
    /// `:<aud>:<sub>`.
    fn refused(audience: &str, subject: &str, user_name: bool) -> Record {
        let mut identity = json!({
            "type": "WebIdentityUser",
            "principalId": format!("{PROVIDER}:{audience}:{subject}"),
            "identityProvider": PROVIDER,
        });
        if user_name {
            identity["userName"] = json!(subject);
        }
        Record::from_value(json!({
            "eventID": "e1",
            "eventTime": "2026-11-20T09:00:00Z",
            "eventSource": "sts.amazonaws.com",
            "eventName": "AssumeRoleWithWebIdentity",
            "errorCode": "AccessDenied",
            "errorMessage": "An unknown error occurred",
            "userIdentity": identity,
            "requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/gha-deploy"},
        }))
        .unwrap()
    }

    /// Builds the trust policy of GitHub's OIDC guide: `aud` pinned with
    /// `StringEquals`, `sub` with `sub_operator`.
    fn trust_policy(sub_operator: &str, subjects: &[&str]) -> PolicyDocument {
        serde_json::from_value(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {AUD_KEY: "sts.amazonaws.com"},
                    sub_operator: {SUB_KEY: subjects},
                },
            }],
        }))
        .unwrap()
    }

    fn diagnose_one_token(record: &Record, trust: &PolicyDocument) -> TrustFinding {
        let mut findings = diagnose(&[record], Some(trust));
        assert_eq!(findings.len(), 1);
        findings.remove(0)
    }

    /// Returns the failing checks of `statement` for the token.
    fn still_failing(statement: &Statement, claims: &TokenClaims) -> Vec<ConditionCheck> {
        check_statement(statement, claims, true)
            .into_iter()
            .filter(|check| check.met == Some(false))
            .collect()
    }

    fn condition_values(statement: &Statement, operator: &str, key: &str) -> Vec<String> {
        statement.condition.as_ref().unwrap()[operator][key]
            .values()
            .to_vec()
    }

    #[test]
    fn audience_with_colons_is_kept_whole() {
        let subject = "repo:example-org/web-app:ref:refs/heads/main";
        let claims = claims(&refused("https://github.com/example-org", subject, true));
        assert_eq!(
            claims.audience.as_deref(),
            Some("https://github.com/example-org")
        );
        assert_eq!(claims.subject.as_deref(), Some(subject));
    }

    #[test]
    fn audience_without_user_name_ends_before_repo() {
        let subject = "repo:example-org/web-app:environment:production";
        let claims = claims(&refused("https://github.com/example-org", subject, false));
        assert_eq!(
            claims.audience.as_deref(),
            Some("https://github.com/example-org")
        );
        assert_eq!(claims.subject.as_deref(), Some(subject));
    }

    #[test]
    fn audience_mismatch_is_named_without_sub_edit() {
        let subject = "repo:example-org/web-app:ref:refs/heads/main";
        let trust = trust_policy("StringLike", &[subject]);
        let finding = diagnose_one_token(&refused("sigstore", subject, true), &trust);
        assert_eq!(finding.failed_claims, ["aud"]);
        assert_eq!(finding.verdict, Verdict::Admit);
        assert_eq!(finding.proposed_statement, None);
        assert_eq!(
            finding.explanation,
            "the trust policy refused the token for subject \
             `repo:example-org/web-app:ref:refs/heads/main` (a job on `refs/heads/main` of \
             `example-org/web-app`) because of its audience: `StringEquals` \
             `token.actions.githubusercontent.com:aud` expects `sts.amazonaws.com` but the token \
             has `sigstore`. The subject passes, so it needs no change. Set \
             `audience: sts.amazonaws.com` on the aws-actions/configure-aws-credentials step (the \
             input defaults to `sts.amazonaws.com`), or, if tokens for `sigstore` are meant to \
             assume this role, add `sigstore` to that `aud` condition of trust statement 0 and to \
             the OIDC provider's client ID list"
        );
    }

    #[test]
    fn audience_and_subject_mismatch_edits_only_sub() {
        let trusted = "repo:example-org/web-app:ref:refs/heads/main";
        let subject = "repo:example-org/web-app:environment:production";
        let trust = trust_policy("StringLike", &[trusted]);
        let finding = diagnose_one_token(&refused("sigstore", subject, true), &trust);
        assert_eq!(finding.failed_claims, ["aud", "sub"]);
        assert!(finding
            .explanation
            .contains("`audience: sts.amazonaws.com`"));
        let edited = finding.proposed_statement.as_ref().unwrap();
        assert_eq!(
            condition_values(edited, "StringLike", SUB_KEY),
            [trusted, subject]
        );
        assert_eq!(
            condition_values(edited, "StringEquals", AUD_KEY),
            ["sts.amazonaws.com"]
        );
        let failing = still_failing(edited, &finding.claims);
        assert_eq!(failing.len(), 1, "{failing:?}");
        assert_eq!(failing[0].key, AUD_KEY);
    }

    #[test]
    fn subject_edit_goes_into_every_sub_condition() {
        // The subject is already listed under StringLike but not under
        // StringEquals; both conditions must admit it.
        let subject = "repo:example-org/web-app:environment:production";
        let mut trust = trust_policy("StringLike", &[subject]);
        let conditions = trust.statements[0].condition.as_mut().unwrap();
        conditions.get_mut("StringEquals").unwrap().insert(
            SUB_KEY.to_owned(),
            ValueList::from("repo:example-org/web-app:ref:refs/heads/main"),
        );
        let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
        let edited = finding.proposed_statement.as_ref().unwrap();
        assert_eq!(still_failing(edited, &finding.claims), Vec::new());
        assert_eq!(condition_values(edited, "StringLike", SUB_KEY), [subject]);
    }

    #[test]
    fn owner_case_mismatch_fixes_the_policy_casing() {
        let trust = trust_policy(
            "StringEquals",
            &["repo:example-org/web-app:ref:refs/heads/main"],
        );
        let subject = "repo:Example-Org/web-app:ref:refs/heads/main";
        let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
        assert_eq!(finding.verdict, Verdict::Admit);
        assert_eq!(finding.failed_claims, ["sub"]);
        assert!(
            finding.explanation.contains(
                "`Example-Org/web-app` differs from `example-org/web-app` in the trust policy \
                 only in letter case"
            ),
            "{}",
            finding.explanation
        );
        assert!(!finding.explanation.contains("another organization"));
        let edited = finding.proposed_statement.as_ref().unwrap();
        assert_eq!(condition_values(edited, "StringEquals", SUB_KEY), [subject]);
        assert_eq!(still_failing(edited, &finding.claims), Vec::new());
    }

    #[test]
    fn case_mismatch_with_another_context_adds_the_subject() {
        let trust = trust_policy(
            "StringLike",
            &["repo:example-org/web-app:ref:refs/heads/main"],
        );
        let subject = "repo:Example-Org/Web-App:pull_request";
        let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
        assert_eq!(finding.verdict, Verdict::Admit);
        let edited = finding.proposed_statement.as_ref().unwrap();
        assert_eq!(
            condition_values(edited, "StringLike", SUB_KEY),
            ["repo:Example-Org/Web-App:ref:refs/heads/main", subject]
        );
        assert_eq!(still_failing(edited, &finding.claims), Vec::new());
    }

    #[test]
    fn other_owner_is_not_admitted() {
        let trust = trust_policy("StringLike", &["repo:example-org/web-app:*"]);
        let subject = "repo:evil/web-app:ref:refs/heads/main";
        let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
        assert_eq!(finding.verdict, Verdict::DoNotAdmit);
        assert_eq!(finding.proposed_statement, None);
        assert!(finding
            .explanation
            .contains("a repository of another organization"));
    }

    /// Appends a Deny statement for the provider with one `sub` condition.
    fn with_deny(
        mut trust: PolicyDocument,
        operator: &str,
        key: &str,
        value: &str,
    ) -> PolicyDocument {
        let deny: Statement = serde_json::from_value(json!({
            "Effect": "Deny",
            "Principal": {"Federated": PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {operator: {key: value}},
        }))
        .unwrap();
        trust.statements.push(deny);
        trust
    }

    #[test]
    fn matching_deny_is_the_cause() {
        let trust = with_deny(
            trust_policy("StringLike", &["repo:example-org/*"]),
            "StringLike",
            SUB_KEY,
            "repo:example-org/*:pull_request",
        );
        let subject = "repo:example-org/web-app:pull_request";
        let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
        assert_eq!(finding.denied_by, Some(1));
        assert_eq!(finding.verdict, Verdict::DoNotAdmit);
        assert_eq!(finding.proposed_statement, None);
        assert_eq!(finding.failed_claims, Vec::<String>::new());
        assert_eq!(
            finding.explanation,
            "trust statement 1 explicitly denies subject `repo:example-org/web-app:pull_request` \
             (a pull request workflow of `example-org/web-app`): `StringLike` \
             `token.actions.githubusercontent.com:sub` matches \
             `repo:example-org/*:pull_request`. An explicit Deny overrides every Allow, so no \
             edit of an Allow statement admits this token; change that Deny only if such tokens \
             are meant to assume the role"
        );
    }

    #[test]
    fn deny_beats_a_failing_allow() {
        // The Allow refuses the subject too, but proposing to add it there
        // would not help while the Deny matches.
        let trust = with_deny(
            trust_policy(
                "StringEquals",
                &["repo:example-org/web-app:ref:refs/heads/main"],
            ),
            "ForAnyValue:StringLike",
            "Token.Actions.GitHubUserContent.com:SUB",
            "*:pull_request",
        );
        let subject = "repo:example-org/web-app:pull_request";
        let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
        assert_eq!(finding.denied_by, Some(1));
        assert_eq!(finding.proposed_statement, None);
    }

    #[test]
    fn deny_that_does_not_match_is_ignored() {
        let trust = with_deny(
            trust_policy(
                "StringLike",
                &["repo:example-org/web-app:ref:refs/heads/main"],
            ),
            "StringLike",
            SUB_KEY,
            "repo:example-org/*:pull_request",
        );
        let subject = "repo:example-org/web-app:environment:production";
        let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
        assert_eq!(finding.denied_by, None);
        assert_eq!(finding.verdict, Verdict::Admit);
        assert!(finding.proposed_statement.is_some());
        assert!(
            !finding.explanation.contains("Deny"),
            "{}",
            finding.explanation
        );
    }

    #[test]
    fn deny_on_unshown_claim_is_named_as_possible() {
        let trust = with_deny(
            trust_policy(
                "StringLike",
                &["repo:example-org/web-app:ref:refs/heads/main"],
            ),
            "StringEquals",
            "token.actions.githubusercontent.com:actor",
            "mallory",
        );
        let subject = "repo:example-org/web-app:ref:refs/heads/main";
        let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
        assert_eq!(finding.denied_by, None);
        assert!(
            finding.explanation.ends_with(
                "Trust statement 1 is a Deny whose conditions on \
                 `token.actions.githubusercontent.com:actor` CloudTrail does not show; it is the \
                 cause if the token meets them"
            ),
            "{}",
            finding.explanation
        );
    }

    #[test]
    fn condition_keys_ignore_letter_case() {
        let trust: PolicyDocument = serde_json::from_value(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"Token.Actions.GitHubUserContent.com:Aud": "sts.amazonaws.com"},
                    "StringLike": {
                        "token.actions.githubusercontent.com:SUB": "repo:example-org/web-app:ref:refs/heads/main"
                    },
                },
            }],
        }))
        .unwrap();
        let subject = "repo:example-org/web-app:environment:production";
        let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
        assert_eq!(finding.failed_claims, ["sub"]);
        let edited = finding.proposed_statement.as_ref().unwrap();
        assert_eq!(
            condition_values(
                edited,
                "StringLike",
                "token.actions.githubusercontent.com:SUB"
            ),
            ["repo:example-org/web-app:ref:refs/heads/main", subject]
        );
        assert_eq!(still_failing(edited, &finding.claims), Vec::new());
    }

    #[test]
    fn value_case_rules_stay_with_the_operator() {
        let expected = ["repo:Example-Org/web-app:*".to_owned()];
        let subject = "repo:example-org/web-app:pull_request";
        assert_eq!(
            operator_met("StringLike", &expected, subject, None),
            Some(false)
        );
        let expected = ["repo:Example-Org/web-app:pull_request".to_owned()];
        assert_eq!(
            operator_met("StringEqualsIgnoreCase", &expected, subject, None),
            Some(true)
        );
    }

    #[test]
    fn set_operator_sub_gets_the_subject() {
        let trusted = "repo:example-org/web-app:ref:refs/heads/dev";
        let trust = trust_policy("ForAnyValue:StringLike", &[trusted]);
        let subject = "repo:example-org/web-app:ref:refs/heads/main";
        let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
        let edited = finding.proposed_statement.as_ref().unwrap();
        assert_eq!(
            condition_values(edited, "ForAnyValue:StringLike", SUB_KEY),
            [trusted, subject]
        );
        assert_eq!(still_failing(edited, &finding.claims), Vec::new());
    }

    #[test]
    fn subject_is_escaped_for_the_operator() {
        let subject = "repo:example-org/web-app:ref:refs/heads/${x}";
        for (operator, written) in [
            (
                "StringLike",
                "repo:example-org/web-app:ref:refs/heads/${$}{x}",
            ),
            (
                "StringEquals",
                "repo:example-org/web-app:ref:refs/heads/${$}{x}",
            ),
        ] {
            let trust = trust_policy(operator, &["repo:example-org/web-app:ref:refs/heads/main"]);
            let finding = diagnose_one_token(&refused("sts.amazonaws.com", subject, true), &trust);
            let edited = finding.proposed_statement.as_ref().unwrap();
            let values = condition_values(edited, operator, SUB_KEY);
            assert_eq!(
                values.last().map(String::as_str),
                Some(written),
                "{operator}"
            );
            assert_eq!(
                still_failing(edited, &finding.claims),
                Vec::new(),
                "{operator}"
            );
        }
    }

    #[test]
    fn wildcards_are_escaped_only_in_like_values() {
        let subject = "repo:o/r:environment:a*b?c${d}";
        assert_eq!(
            escape_subject("StringLike", subject),
            "repo:o/r:environment:a${*}b${?}c${$}{d}"
        );
        assert_eq!(
            escape_subject("ForAnyValue:StringLike", subject),
            "repo:o/r:environment:a${*}b${?}c${$}{d}"
        );
        assert_eq!(
            escape_subject("StringEquals", subject),
            "repo:o/r:environment:a*b?c${$}{d}"
        );
    }

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
