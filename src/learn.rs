//! The main job: from the records of one role, the findings (one per
//! distinct denial, with its cause and remedy) and the minimal statements
//! that would have allowed the denials the role's own policies can fix.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::anticipate::{self, AnticipateMode, Anticipated, DeployHints, NotAnticipated};
use crate::catalog::Catalog;
use crate::denial::{self, Cause, Denial};
use crate::diff::{self, PolicyDiff, RequirementState, RequirementStatus};
use crate::policy::parse::PolicySet;
use crate::policy::{PolicyDocument, Statement};
use crate::proposal;
use crate::record::{Record, RoleSelector};
use crate::requirement::{self, Requirement};
use crate::sanitize::terminal_safe;
use crate::source::Prefilter;
use crate::trust::{self, TrustFinding};

/// The time window on `eventTime`; open ends are unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Earliest `eventTime` kept (inclusive).
    pub start: Option<DateTime<Utc>>,
    /// Latest `eventTime` kept (inclusive).
    pub end: Option<DateTime<Utc>>,
}

impl Window {
    /// Returns true when the record's time is inside the window. Records
    /// without a readable time are kept only when the window is open.
    pub fn contains(&self, record: &Record) -> bool {
        match record.event_time {
            Some(time) => {
                self.start.is_none_or(|start| time >= start)
                    && self.end.is_none_or(|end| time <= end)
            }
            None => self.start.is_none() && self.end.is_none(),
        }
    }
}

/// The options of one `learn` run.
#[derive(Debug, Clone)]
pub struct LearnOptions {
    /// The role.
    pub role: RoleSelector,
    /// The time window.
    pub window: Window,
    /// The role's trust policy, for diagnosing refused web identity tokens.
    pub trust_policy: Option<PolicyDocument>,
    /// The role's current policies, to diff against.
    pub current: Option<PolicySet>,
    /// The handling of the permissions the rest of a recognised deploy flow
    /// will need.
    pub anticipate: AnticipateMode,
    /// The flows and resources the deploy's workflow files name
    /// (`--workflow`); empty without them.
    pub hints: DeployHints,
}

impl LearnOptions {
    /// Returns the byte prefilter for the role: a record of the role names
    /// the role in `sessionIssuer.arn` or `requestParameters.roleArn`, so it
    /// contains `role/NAME` (or `role/PATH/NAME`). IAM role names are unique
    /// regardless of case, so the search ignores it, as the role match does.
    pub fn prefilter(&self) -> Prefilter {
        let needle = match &self.role {
            RoleSelector::Arn { name, path, .. } => format!("role{path}{name}"),
            RoleSelector::Name(name) => name.clone(),
        };
        Prefilter::any_of([needle.into_bytes()]).ignoring_case()
    }

    /// Returns true when the record belongs to the role and the window.
    pub fn accepts(&self, record: &Record) -> bool {
        self.role.matches(record) && self.window.contains(record)
    }
}

/// The outcome of one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The role's policies lack it; the proposal adds it.
    Missing,
    /// The current policy already allows it, so the denial came from
    /// elsewhere.
    AlreadyAllowed,
    /// The current policy allows it only under conditions the event cannot
    /// show.
    Undetermined,
    /// No statement on the role can fix it; see the remedy.
    NotFixableOnRole,
    /// Another finding explains it (a KMS denial behind an S3 one).
    Explained,
    /// The call needs no permission.
    NoPermissionNeeded,
    /// No IAM action could be determined.
    UnknownAction,
}

/// One distinct denial of the role, with every event that repeated it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `eventID` of the first occurrence.
    pub event_id: Option<String>,
    /// `eventID`s of all occurrences, in time order.
    pub event_ids: Vec<String>,
    /// How many events showed this denial.
    pub occurrences: usize,
    /// `eventTime` of the first occurrence.
    pub event_time: Option<DateTime<Utc>>,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// `awsRegion`.
    pub region: String,
    /// The account that received the call.
    pub account: Option<String>,
    /// `errorCode`.
    pub error_code: String,
    /// `errorMessage`.
    pub error_message: Option<String>,
    /// The first denied action (all are in `requirements`).
    pub action: Option<String>,
    /// The first resource.
    pub resource: Option<String>,
    /// Every permission the call needs.
    pub requirements: Vec<Requirement>,
    /// The cause.
    pub cause: Cause,
    /// True when AWS did not state the cause and it was inferred.
    pub cause_inferred: bool,
    /// True for an explicit deny.
    pub explicit_deny: bool,
    /// The ARN of the denying policy, when the message gives it.
    pub policy_arn: Option<String>,
    /// What became of it.
    pub status: Status,
    /// What to do, in one paragraph.
    pub remedy: String,
    /// A statement for the policy that must change when it is not the
    /// role's (a repository policy, a boundary …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy_statement: Option<Statement>,
    /// `event_id` of the finding that explains this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explained_by: Option<String>,
    /// Caveats about this finding.
    pub warnings: Vec<String>,
    /// Facts worth knowing about this finding, such as an action without
    /// resource-level permissions.
    pub notes: Vec<String>,
    /// The request context the event shows (lower-case keys).
    pub request_context: BTreeMap<String, Vec<String>>,
    /// Each requirement against the current policies, when given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requirement_status: Vec<RequirementStatus>,
    #[serde(skip)]
    pub(crate) record: Record,
}

/// The outcome of `learn`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The IAM policy document of the statements to add to the role.
    pub policy: PolicyDocument,
    /// One finding per distinct denial, in time order.
    pub findings: Vec<Finding>,
    /// Records of the role that were read (denied or not).
    pub records_of_role: usize,
    /// The comparison with the current policies, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<PolicyDiff>,
    /// Refused web identity tokens, with the trust-policy condition that
    /// failed and the narrowest change.
    pub trust: Vec<TrustFinding>,
    /// Report-level warnings.
    pub warnings: Vec<String>,
    /// Permissions the rest of a recognised deploy flow will need.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub anticipated: Vec<Anticipated>,
    /// Permissions of recognised flows that are not anticipated, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_anticipated: Vec<NotAnticipated>,
}

impl Report {
    /// Returns true when the report proposes a statement, an edit of the
    /// current policies, a trust policy change or a remedy outside the
    /// role. Denials that need nothing (allowed since, no permission needed,
    /// explained by another finding) do not count.
    pub fn proposes_change(&self) -> bool {
        !self.policy.statements.is_empty()
            || self
                .diff
                .as_ref()
                .is_some_and(|diff| !diff.edits.is_empty())
            || !self.trust.is_empty()
            || self.findings.iter().any(Finding::needs_change)
    }
}

impl Finding {
    /// Returns true when the remedy requests a change somewhere: a statement
    /// on the role, another policy, or a check of what the event cannot show.
    pub fn needs_change(&self) -> bool {
        match self.status {
            Status::Missing
            | Status::Undetermined
            | Status::NotFixableOnRole
            | Status::UnknownAction => true,
            // With the cause inferred, the policy that denied the call is
            // still to be found. With the cause stated, the role was granted
            // the permission after the call.
            Status::AlreadyAllowed => self.cause_inferred,
            Status::Explained | Status::NoPermissionNeeded => false,
        }
    }
}

/// Runs the pipeline over the records of the role.
pub fn learn(mut records: Vec<Record>, catalog: &Catalog, options: &LearnOptions) -> Report {
    records.retain(|record| options.accepts(record));
    records.sort_by(|a, b| {
        (a.event_time, a.event_id.as_deref()).cmp(&(b.event_time, b.event_id.as_deref()))
    });
    let duplicates = drop_duplicate_events(&mut records);
    for record in &records {
        tracing::trace!(?record, "record of the role");
    }
    let denials: Vec<Denial> = records.iter().filter_map(denial::classify).collect();
    for denial in &denials {
        let record = &denial.record;
        tracing::debug!(
            event_id = %terminal_safe(record.event_id.as_deref().unwrap_or("-")),
            request_id = %terminal_safe(record.request_id.as_deref().unwrap_or("-")),
            event = %terminal_safe(record.name()),
            code = %terminal_safe(&denial.code),
            cause = denial.cause.as_str(),
            "denied call"
        );
    }
    let mut findings: Vec<Finding> = Vec::new();
    for denial in &denials {
        let finding = finding_for(denial, catalog);
        merge_or_push(&mut findings, finding);
    }
    explain_forward_access(&mut findings);
    let mut warnings = Vec::new();
    let acl_rejected = records
        .iter()
        .filter(|record| record.error_code.as_deref() == Some("AccessControlListNotSupported"))
        .count();
    if acl_rejected > 0 {
        // Not an authorization failure, so no finding, but the deploy failed
        // on it and no permission fixes it.
        warnings.push(format!(
            "{acl_rejected} call(s) set an ACL on a bucket whose Object Ownership setting disables \
             ACLs (`AccessControlListNotSupported`); no permission fixes that: drop the ACL \
             (`--acl`) from the upload, or have the bucket's owner enable ACLs"
        ));
    }
    if duplicates > 0 {
        warnings.push(format!(
            "{duplicates} record(s) of the role were read more than once (same `eventID`, as when \
             inputs overlap); each event counts once"
        ));
    }
    if let RoleSelector::Name(name) = &options.role {
        let accounts: std::collections::BTreeSet<_> =
            findings.iter().filter_map(|f| f.account.clone()).collect();
        if accounts.len() > 1 {
            warnings.push(format!(
                "the role name `{name}` matched roles in {} accounts ({}); give the role ARN to \
                 study one",
                accounts.len(),
                accounts.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    match &options.current {
        Some(current) => judge_findings(&mut findings, &records, current),
        None => note_later_successes(&mut findings, &records),
    }
    let needed: Vec<Requirement> = findings
        .iter()
        .filter(|finding| finding.status == Status::Missing)
        .flat_map(missing_requirements)
        .collect();
    let mut statements = proposal::build_statements(&needed);
    let anticipation = anticipate::run(options, &findings, &records, catalog, &mut statements);
    let diff = options.current.as_ref().map(|current| {
        // Anticipated statements the user asked to include go into the
        // edit too, after the observed ones, as their own statements.
        let included = match options.anticipate {
            AnticipateMode::Include => anticipate::statements(&anticipation.anticipated),
            _ => Vec::new(),
        };
        plan_edit(&findings, current, included)
    });
    if let Some(diff) = &diff {
        warnings.extend(diff::managed_policy_warnings(diff));
    }
    let policy = proposal::document(statements);
    let refused: Vec<&Record> = denials
        .iter()
        .map(|denial| &denial.record)
        .filter(|record| record.is_web_identity_assume())
        .collect();
    let trust_policy = options.trust_policy.as_ref().or_else(|| {
        options
            .current
            .as_ref()
            .and_then(|set| set.trust())
            .map(|named| &named.document)
    });
    let trust = trust::diagnose(&refused, trust_policy);
    Report {
        policy,
        findings,
        records_of_role: records.len(),
        diff,
        trust,
        warnings,
        anticipated: anticipation.anticipated,
        not_anticipated: anticipation.not_anticipated,
    }
}

/// Keeps the first record of each `eventID` and returns how many were
/// dropped. CloudTrail gives every event one `eventID`, which stays the same
/// across an organization trail, an account trail and LookupEvents, so
/// overlapping inputs hold the same event twice. Records without an
/// `eventID` are all kept.
fn drop_duplicate_events(records: &mut Vec<Record>) -> usize {
    let before = records.len();
    let mut seen = std::collections::HashSet::new();
    records.retain(|record| match record.event_id.as_deref() {
        Some(id) => seen.insert(id.to_owned()),
        None => true,
    });
    before - records.len()
}

/// Returns the requirements of a finding the current policies lack (all of
/// them when no current policy was given).
fn missing_requirements(finding: &Finding) -> Vec<Requirement> {
    if finding.requirement_status.is_empty() {
        return finding.requirements.clone();
    }
    finding
        .requirements
        .iter()
        .zip(&finding.requirement_status)
        .filter(|(_, status)| status.state == RequirementState::Missing)
        .map(|(requirement, _)| requirement.clone())
        .collect()
}

/// Judges every finding's requirements against the current policies and
/// updates the statuses.
fn judge_findings(findings: &mut [Finding], records: &[Record], current: &PolicySet) {
    for finding in findings.iter_mut() {
        finding.requirement_status = finding
            .requirements
            .iter()
            .map(|requirement| diff::judge(requirement, &finding.request_context, current))
            .collect();
        if finding.status == Status::Missing {
            // The policies given now decide the status; the hint to pass
            // them is spent.
            finding
                .warnings
                .retain(|warning| !warning.starts_with(INFERRED_CAUSE_HINT));
            restate(finding, records, current);
        } else if finding.cause == Cause::IdentityPolicy && finding.explicit_deny {
            // The message names an identity policy as the denier, and the
            // policies given show which statement it is.
            let named = deny_statements(finding);
            if !named.is_empty() {
                finding.remedy = format!(
                    "a Deny statement of the role's policies matches ({named}); an Allow cannot \
                     override it: narrow or remove that Deny"
                );
            }
        }
    }
}

/// Plans the smallest edit of the current documents for the missing
/// requirements, then appends `extra` statements.
fn plan_edit(findings: &[Finding], current: &PolicySet, extra: Vec<Statement>) -> PolicyDiff {
    let missing: Vec<Requirement> = findings
        .iter()
        .filter(|finding| finding.status == Status::Missing)
        .flat_map(missing_requirements)
        .collect();
    let flagged: Vec<Requirement> = findings
        .iter()
        .filter(|finding| matches!(finding.status, Status::Missing | Status::Undetermined))
        .flat_map(missing_requirements)
        .collect();
    let mut planned = diff::plan(&missing, &flagged, current);
    diff::append_statements(&mut planned, extra);
    planned
}

/// Sets the status and remedy of a finding the proposal would fix, from
/// what the current policies say about its requirements.
fn restate(finding: &mut Finding, records: &[Record], current: &PolicySet) {
    let states: Vec<RequirementState> =
        finding.requirement_status.iter().map(|s| s.state).collect();
    if states.contains(&RequirementState::ExplicitlyDenied) {
        finding.status = Status::NotFixableOnRole;
        finding.remedy = format!(
            "a Deny statement of the role's policies matches ({}); an Allow cannot override it: \
             narrow or remove that Deny",
            deciders(finding, RequirementState::ExplicitlyDenied)
        );
    } else if !states.is_empty()
        && states.iter().all(|s| *s == RequirementState::Allowed)
        && finding
            .requirement_status
            .iter()
            .any(|status| status.boundary_allows == Some(false))
    {
        blame_boundary(finding, current);
    } else if !states.is_empty() && states.iter().all(|s| *s == RequirementState::Allowed) {
        finding.status = Status::AlreadyAllowed;
        let allowed_by = deciders(finding, RequirementState::Allowed);
        finding.remedy = already_allowed_remedy(finding, records, current, &allowed_by);
    } else if states.contains(&RequirementState::Undetermined)
        && !states.contains(&RequirementState::Missing)
    {
        finding.status = Status::Undetermined;
        let keys: Vec<String> = finding
            .requirement_status
            .iter()
            .flat_map(|status| status.undetermined_keys.iter().map(|k| format!("`{k}`")))
            .collect();
        finding.remedy = format!(
            "the current policy allows this only under conditions on {} that the event does not \
             show ({}); check those values for this call",
            keys.join(", "),
            deciders(finding, RequirementState::Undetermined)
        );
    }
    let gaps: Vec<String> = finding
        .requirement_status
        .iter()
        .filter(|status| {
            status.boundary_allows == Some(false) && status.state != RequirementState::Allowed
        })
        .map(|status| {
            format!(
                "the permissions boundary does not allow `{}` on `{}` either; add it to the \
                 boundary policy too",
                status.action, status.resource
            )
        })
        .collect();
    finding.warnings.extend(gaps);
}

/// Marks the permissions boundary as the cause when the role's policies
/// allow the call but the boundary does not, whatever the message left
/// unsaid, because no statement on the role can help.
fn blame_boundary(finding: &mut Finding, current: &PolicySet) {
    let allowed_by = deciders(finding, RequirementState::Allowed);
    let boundary = current.boundary().map_or_else(
        || "the permissions boundary".to_owned(),
        |b| format!("`{}`", b.name),
    );
    let gaps: Vec<String> = finding
        .requirement_status
        .iter()
        .filter(|status| status.boundary_allows == Some(false))
        .map(|status| format!("`{}` on `{}`", status.action, status.resource))
        .collect();
    finding.status = Status::NotFixableOnRole;
    finding.cause = Cause::PermissionsBoundary;
    finding.remedy = format!(
        "the role's policies allow this ({allowed_by}), but its permissions boundary {boundary} \
         does not allow {}; add that to the boundary policy, or have the boundary changed by \
         whoever owns it: an Allow on the role cannot help",
        gaps.join(", ")
    );
}

/// Returns a record of the same call, with the same request parameters,
/// that succeeded after the finding's first denial.
fn later_success<'r>(finding: &Finding, records: &'r [Record]) -> Option<&'r Record> {
    records.iter().find(|record| {
        record.error_code.is_none()
            && record.source() == finding.event_source
            && record.name() == finding.event_name
            && record.event_time > finding.event_time
            && record.request_parameters == finding.record.request_parameters
    })
}

/// Warns on each missing finding whose call later succeeded that the role
/// may have been granted the permission since. Used when no current policy
/// is given to decide it.
fn note_later_successes(findings: &mut [Finding], records: &[Record]) {
    for finding in findings.iter_mut() {
        if finding.status != Status::Missing {
            continue;
        }
        let Some(time) = later_success(finding, records).and_then(|record| record.event_time)
        else {
            continue;
        };
        finding.warnings.push(format!(
            "the same call succeeded at {}, after this denial: the role may have been granted \
             it since (pass --policy to check)",
            time.format("%Y-%m-%dT%H:%M:%SZ")
        ));
    }
}

/// Names the Deny statements that match the requirements, including those
/// whose condition the event cannot show (a resource tag), because the
/// message already reported that a Deny matched.
fn deny_statements(finding: &Finding) -> String {
    let mut named: Vec<String> = Vec::new();
    let statements = finding
        .requirement_status
        .iter()
        .flat_map(|status| status.decided_by.iter())
        .filter(|statement| statement.effect == crate::policy::Effect::Deny);
    for statement in statements {
        let name = statement_name(statement);
        if !named.contains(&name) {
            named.push(name);
        }
    }
    named.join(", ")
}

/// Names the statements that decided the requirements in `state`.
fn deciders(finding: &Finding, state: RequirementState) -> String {
    finding
        .requirement_status
        .iter()
        .filter(|status| status.state == state)
        .flat_map(|status| status.decided_by.iter())
        .map(statement_name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Names a statement by its `Sid`, or by its position when it has none.
fn statement_name(statement: &crate::policy::eval::StatementRef) -> String {
    match &statement.sid {
        Some(sid) => format!("`{sid}` in `{}`", statement.policy_name),
        None => format!(
            "statement {} in `{}`",
            statement.statement_index, statement.policy_name
        ),
    }
}

fn already_allowed_remedy(
    finding: &Finding,
    records: &[Record],
    current: &PolicySet,
    deciders: &str,
) -> String {
    if !finding.cause_inferred {
        let since = later_success(finding, records)
            .and_then(|record| record.event_time)
            .map(|time| {
                format!(
                    "; the same call succeeded at {}",
                    time.format("%Y-%m-%dT%H:%M:%SZ")
                )
            })
            .unwrap_or_default();
        return format!(
            "the current policy already allows this ({deciders}), so it was granted after this \
             call{since}; nothing to add"
        );
    }
    let mut causes = vec![
        "the resource's own policy (bucket, key, repository … policy)".to_owned(),
        "a service control or resource control policy of the organization".to_owned(),
    ];
    if current.boundary().is_none() {
        causes.push("a permissions boundary on the role".to_owned());
    }
    causes.push("a session policy passed when the role was assumed".to_owned());
    if let Some(vpce) = finding.record.vpc_endpoint_id.as_deref() {
        causes.push(format!("the policy of VPC endpoint `{vpce}`"));
    }
    if finding.event_source.starts_with("s3.") {
        causes.push(
            "the KMS key of an encrypted object (look for a KMS denial at the same time)"
                .to_owned(),
        );
    }
    format!(
        "the current policy already allows this ({deciders}), and AWS did not say which policy \
         denied it; the denial came from elsewhere: {}",
        causes.join("; ")
    )
}

fn finding_for(denial: &Denial, catalog: &Catalog) -> Finding {
    let record = &denial.record;
    let derived = requirement::derive(denial, catalog);
    let mut warnings = derived.warnings.clone();
    let status = if record.is_web_identity_assume() || denial.cause == Cause::TrustPolicy {
        Status::NotFixableOnRole
    } else if derived.no_permission {
        Status::NoPermissionNeeded
    } else if let Some(reason) = &derived.unknown {
        warnings.push(reason.clone());
        Status::UnknownAction
    } else if !requirement::roles_of_other_accounts(&derived.requirements, record).is_empty() {
        Status::NotFixableOnRole
    } else if denial.cause == Cause::IdentityPolicy && !denial.explicit {
        Status::Missing
    } else {
        Status::NotFixableOnRole
    };
    if denial.cause_inferred && status == Status::Missing {
        warnings.push(format!(
            "{INFERRED_CAUSE_HINT}; a missing allow in the role's identity policies is the usual \
             cause (pass --policy to check)"
        ));
    }
    if let Some(owner) = other_resource_owner(record).filter(|_| denial.cause_inferred) {
        warnings.push(format!(
            "the resource belongs to account `{owner}`, not the role's: across accounts the \
             resource's own policy (bucket, key, repository … policy) must allow the role too, \
             as well as the role's identity policy"
        ));
    }
    // Role chaining needs the assumed role's trust policy too. A web
    // identity or SAML call is decided by the trust policy alone, which
    // the trust finding diagnoses.
    if derived
        .requirements
        .iter()
        .any(|r| r.action == "sts:AssumeRole")
    {
        warnings.push(
            "the role being assumed must also trust this role in its trust policy; an identity \
             statement alone is not enough"
                .to_owned(),
        );
    }
    // Session tags and a source identity are authorized by the assumed
    // role's trust policy as well as by the caller's identity policy.
    for action in ["sts:TagSession", "sts:SetSourceIdentity"] {
        if derived.requirements.iter().any(|r| r.action == action) {
            warnings.push(format!(
                "the trust policy of the role being assumed must also allow `{action}` for this \
                 role; an identity statement alone is not enough"
            ));
        }
    }
    let notes = no_resource_type_notes(&derived.requirements);
    let first = derived.requirements.first();
    let mut finding = Finding {
        event_id: record.event_id.clone(),
        event_ids: record.event_id.iter().cloned().collect(),
        occurrences: 1,
        event_time: record.event_time,
        event_source: record.source().to_owned(),
        event_name: record.name().to_owned(),
        region: record.region().to_owned(),
        account: record.account().map(str::to_owned),
        error_code: denial.code.clone(),
        error_message: record.error_message.clone(),
        action: first
            .map(|r| r.action.clone())
            .or_else(|| denial.message.action.clone()),
        resource: first
            .map(|r| r.resource.clone())
            .or_else(|| denial.message.resource.clone()),
        requirements: derived.requirements,
        cause: denial.cause,
        cause_inferred: denial.cause_inferred,
        explicit_deny: denial.explicit,
        policy_arn: denial.message.policy_arn.clone(),
        status,
        remedy: String::new(),
        remedy_statement: None,
        explained_by: None,
        warnings,
        notes,
        request_context: derived.context.clone(),
        requirement_status: Vec::new(),
        record: record.clone(),
    };
    crate::remedy::fill(&mut finding, denial);
    finding
}

fn no_resource_type_notes(requirements: &[Requirement]) -> Vec<String> {
    requirements
        .iter()
        .filter(|r| r.resource_source == requirement::ResourceSource::NoResourceType)
        .map(|r| {
            format!(
                "`{}` has no resource-level permissions, so its statement needs \
                 `\"Resource\": \"*\"`",
                r.action
            )
        })
        .collect()
}

/// The start of the warning on a denial whose message names no policy.
const INFERRED_CAUSE_HINT: &str = "AWS did not say which policy denied the call";

/// Returns the account of a resource the record names in `resources[]`
/// when it is not the caller's account.
fn other_resource_owner(record: &Record) -> Option<&str> {
    let caller = record.user_identity.account_id.as_deref().or(record
        .user_identity
        .session_context
        .session_issuer
        .account_id
        .as_deref())?;
    record
        .resources
        .iter()
        .filter_map(|resource| resource.account_id.as_deref())
        .find(|owner| crate::catalog::is_account(owner) && *owner != caller)
}

/// Folds a finding into an earlier identical one (a retried call). Calls
/// whose condition context differs (another `s3:prefix`, another
/// `iam:PassedToService`) stay apart: a current policy may allow one and
/// not the other.
fn merge_or_push(findings: &mut Vec<Finding>, finding: Finding) {
    let same = findings.iter_mut().find(|earlier| {
        earlier.event_source == finding.event_source
            && earlier.event_name == finding.event_name
            && earlier.cause == finding.cause
            && earlier.explicit_deny == finding.explicit_deny
            && earlier.status == finding.status
            && earlier.requirements == finding.requirements
            && earlier.action == finding.action
            && earlier.resource == finding.resource
            && earlier.account == finding.account
            && earlier.region == finding.region
            && same_context(&earlier.request_context, &finding.request_context)
            && trust_subject(earlier) == trust_subject(&finding)
    });
    match same {
        Some(earlier) => {
            earlier.occurrences += 1;
            earlier.event_ids.extend(finding.event_ids);
        }
        None => findings.push(finding),
    }
}

/// Compares condition contexts without `aws:SourceIp`: hosted GitHub
/// runners call from a different address on every run, and a retried call
/// is still the same call.
fn same_context(a: &BTreeMap<String, Vec<String>>, b: &BTreeMap<String, Vec<String>>) -> bool {
    let stable = |context: &BTreeMap<String, Vec<String>>| {
        context
            .iter()
            .filter(|(key, _)| key.as_str() != "aws:sourceip")
            .map(|(key, values)| (key.clone(), values.clone()))
            .collect::<Vec<_>>()
    };
    stable(a) == stable(b)
}

fn trust_subject(finding: &Finding) -> Option<&str> {
    finding.record.user_identity.user_name.as_deref()
}

/// Marks a bare S3 (or other service) denial as explained by a KMS denial
/// the service made with the caller's identity at the same moment: S3 hides
/// the KMS failure behind `Access Denied`, while the KMS event names the key
/// and the action.
fn explain_forward_access(findings: &mut [Finding]) {
    let kms: Vec<ForwardedKmsDenial> = findings
        .iter()
        .filter(|f| {
            f.event_source.starts_with("kms.") && f.record.user_identity.invoked_by.is_some()
        })
        .map(|f| ForwardedKmsDenial {
            event_id: f.event_id.clone(),
            time: f.event_time,
            invoked_by: f
                .record
                .user_identity
                .invoked_by
                .clone()
                .unwrap_or_default(),
            s3_arn: f
                .record
                .request_parameters
                .as_ref()
                .and_then(|p| p.get("encryptionContext"))
                .and_then(|c| c.get("aws:s3:arn"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            region: f.region.clone(),
        })
        .collect();
    for finding in findings.iter_mut() {
        if !finding.cause_inferred || finding.event_source.starts_with("kms.") {
            continue;
        }
        let Some(kms_denial) = kms.iter().find(|kms_denial| kms_denial.explains(finding)) else {
            continue;
        };
        finding.status = Status::Explained;
        finding
            .warnings
            .retain(|warning| !warning.starts_with("AWS did not say"));
        finding.explained_by = kms_denial.event_id.clone();
        finding.remedy =
            format!(
            "explained by the KMS denial {}: {} used the caller's identity to call KMS and hid \
             the KMS failure behind `{}`; grant the KMS permission of that finding. The key \
             policy must also let IAM policies grant access (the default key policy does)",
            kms_denial.event_id.as_deref().unwrap_or("at the same time"),
            finding.event_source,
            finding.error_message.as_deref().unwrap_or(&finding.error_code),
        );
    }
}

/// A KMS denial recorded for a call another service made with the caller's
/// identity (`userIdentity.invokedBy`).
struct ForwardedKmsDenial {
    event_id: Option<String>,
    time: Option<DateTime<Utc>>,
    invoked_by: String,
    /// The S3 object of the encryption context, or its bucket when the
    /// bucket uses an S3 Bucket Key, for S3 calls.
    s3_arn: Option<String>,
    region: String,
}

impl ForwardedKmsDenial {
    /// Returns true when this KMS denial is what failed `finding`: the same
    /// service, region and object (or its bucket), within five seconds.
    fn explains(&self, finding: &Finding) -> bool {
        let close = match (self.time, finding.event_time) {
            (Some(a), Some(b)) => (a - b).num_seconds().abs() <= 5,
            _ => false,
        };
        let same_object = match &self.s3_arn {
            Some(arn) => {
                finding.requirements.is_empty()
                    || finding.requirements.iter().any(|r| {
                        // With an S3 Bucket Key the encryption context
                        // is the bucket's ARN, not the object's.
                        r.resource == *arn
                            || arn.starts_with(&format!("{}/", r.resource))
                            || r.resource.starts_with(&format!("{arn}/"))
                    })
            }
            None => true,
        };
        close
            && self.invoked_by == finding.event_source
            && same_object
            && self.region == finding.region
    }
}

/// Counts findings by status, for summaries.
pub fn status_counts(findings: &[Finding]) -> BTreeMap<Status, usize> {
    let mut counts = BTreeMap::new();
    for finding in findings {
        *counts.entry(finding.status).or_insert(0) += 1;
    }
    counts
}
