//! What to do about a finding, by cause. Only an implicit deny in the role's
//! identity policies is fixed by adding a statement to the role; every other
//! cause names the policy that must change and, where one can be derived,
//! the statement to put there.

use serde_json::json;

use crate::denial::{Cause, Denial};
use crate::learn::{Finding, Status};
use crate::policy::{Effect, Statement, ValueList};

/// Fills `remedy` (and `remedy_statement` where one applies) on a finding.
pub fn fill(finding: &mut Finding, denial: &Denial) {
    let what = describe(finding);
    let policy = denial
        .message
        .policy_arn
        .as_deref()
        .map(|arn| format!(" (`{arn}`)"))
        .unwrap_or_default();
    let foreign_roles =
        crate::requirement::roles_of_other_accounts(&finding.requirements, &denial.record);
    finding.remedy = match finding.status {
        Status::NotFixableOnRole if !foreign_roles.is_empty() => format!(
            "`{}` passes {}, a role of another account; IAM lets a principal pass only roles of \
             its own account to a service, so no policy change allows this. Use a role in the \
             caller's account (create one with the same trust and permissions)",
            finding.event_name,
            foreign_roles
                .iter()
                .map(|role| format!("`{role}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Status::NoPermissionNeeded => format!(
            "`{}` needs no IAM permission, so this denial is not about the role's policies",
            finding.event_name
        ),
        Status::UnknownAction => format!(
            "no IAM action is known for `{}` `{}`; check the service's Service Authorization \
             Reference page",
            finding.event_source, finding.event_name
        ),
        _ => match (finding.cause, finding.explicit_deny) {
            (Cause::IdentityPolicy, false) => {
                format!("add {what} to the role's identity policy (statement below)")
            }
            (Cause::IdentityPolicy, true) => format!(
                "a Deny statement in one of the role's identity policies{policy} matches {what}; \
                 an Allow cannot override it: narrow or remove that Deny"
            ),
            (Cause::Scp, explicit) => {
                scp_remedy(&what, &policy, explicit, "service control policy")
            }
            (Cause::Rcp, explicit) => {
                scp_remedy(&what, &policy, explicit, "resource control policy")
            }
            (Cause::PermissionsBoundary, explicit) => {
                finding.remedy_statement = (!explicit).then(|| allow_statement(finding));
                if explicit {
                    format!(
                        "the role's permissions boundary{policy} denies {what}; narrow the Deny \
                         in the boundary policy"
                    )
                } else {
                    format!(
                        "the role's permissions boundary{policy} does not allow {what}; add the \
                         statement below to the boundary policy as well — the role's identity \
                         policy alone cannot grant more than its boundary"
                    )
                }
            }
            (Cause::SessionPolicy, _) => format!(
                "the session policy passed when the role was assumed (`inline-session-policy` or \
                 `managed-session-policies` of configure-aws-credentials, `--policy` of \
                 assume-role) does not allow {what}; widen that session policy or stop passing \
                 one"
            ),
            (Cause::ResourcePolicy, explicit) => {
                finding.remedy_statement = (!explicit).then(|| resource_policy_statement(finding));
                if explicit {
                    format!(
                        "the resource's own policy{policy} denies {what}; narrow that Deny in \
                         the resource policy"
                    )
                } else {
                    format!(
                        "the resource's own policy (bucket, key, repository, secret … policy) \
                         does not allow {what}; add the statement below to it. Across accounts \
                         both the resource policy and the role's identity policy must allow the \
                         call"
                    )
                }
            }
            (Cause::VpcEndpointPolicy, _) => {
                let via = if denial.message.via_scp {
                    " (reached through a service control policy)"
                } else {
                    ""
                };
                let endpoint = denial
                    .record
                    .vpc_endpoint_id
                    .as_deref()
                    .map(|id| format!(" `{id}`"))
                    .unwrap_or_default();
                format!(
                    "the policy of the VPC endpoint{endpoint} the call went through{via} does not \
                     allow {what}; add it to the endpoint policy, or make the call outside the \
                     endpoint"
                )
            }
            (Cause::TrustPolicy, _)
                if crate::denial::is_rejected_web_identity_token(&denial.record) =>
            {
                "STS rejected the web identity token before reading the role's trust policy (the \
                 OIDC provider's audience or configuration); see the trust finding for the fix"
                    .to_owned()
            }
            (Cause::TrustPolicy, _) if denial.record.is_web_identity_assume() => {
                "the role's trust policy did not admit the web identity token; see the trust \
                 finding for the condition that failed and the narrowest change"
                    .to_owned()
            }
            (Cause::TrustPolicy, _) if finding.event_source.starts_with("eks-auth.") => {
                "EKS could not assume the role associated with the pod identity: that role's \
                 trust policy must allow the service principal `pods.eks.amazonaws.com` the \
                 actions `sts:AssumeRole` and `sts:TagSession` (EKS Pod Identity), and its \
                 conditions must match the session tags EKS sends"
                    .to_owned()
            }
            (Cause::TrustPolicy, _) => format!(
                "the trust policy of the role being assumed does not admit this role for {what}; \
                 add this role's ARN as a principal in that role's trust policy"
            ),
            (Cause::Unknown, true) => format!(
                "an explicit Deny{policy} matches {what} in one of: the role's identity \
                 policies, its permissions boundary, a service control policy, the resource's \
                 policy or a session policy; an Allow cannot override it"
            ),
            (Cause::Unknown, false) => format!(
                "AWS did not say which policy denied {what}; check the role's policies, its \
                 permissions boundary, the organization's SCPs and the resource's policy"
            ),
        },
    };
}

fn scp_remedy(what: &str, policy: &str, explicit: bool, kind: &str) -> String {
    if explicit {
        format!(
            "an explicit Deny in a {kind}{policy} blocks {what}; no statement on the role can \
             override it. The organization's administrators must change the {kind}, or the \
             workflow must use a region or resource it allows"
        )
    } else {
        format!(
            "no {kind} on the account's path in the organization allows {what}; the \
             organization's administrators must allow it there — a statement on the role \
             cannot"
        )
    }
}

/// Resources named per action in a remedy; the rest are counted.
const RESOURCES_NAMED: usize = 3;

/// Names what the finding needs: each action with its resources, or the
/// action and resource of the message when no requirement was derived.
fn describe(finding: &Finding) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for requirement in &finding.requirements {
        let resource = requirement.resource.as_str();
        match groups
            .iter_mut()
            .find(|(action, _)| *action == requirement.action)
        {
            Some((_, resources)) if !resources.contains(&resource) => resources.push(resource),
            Some(_) => {}
            None => groups.push((requirement.action.as_str(), vec![resource])),
        }
    }
    if !groups.is_empty() {
        return groups
            .iter()
            .map(|(action, resources)| format!("`{action}` on {}", list_resources(resources)))
            .collect::<Vec<_>>()
            .join("; ");
    }
    match (&finding.action, &finding.resource) {
        (Some(action), Some(resource)) => format!("`{action}` on `{resource}`"),
        (Some(action), None) => format!("`{action}`"),
        _ => format!("`{}` `{}`", finding.event_source, finding.event_name),
    }
}

/// Returns the resources in backticks as `a`, `a and b` or `a, b, c and 2
/// more`, naming at most [`RESOURCES_NAMED`].
fn list_resources(resources: &[&str]) -> String {
    let named: Vec<String> = resources
        .iter()
        .take(RESOURCES_NAMED)
        .map(|resource| format!("`{resource}`"))
        .collect();
    let more = resources.len().saturating_sub(RESOURCES_NAMED);
    if more > 0 {
        return format!("{} and {more} more", named.join(", "));
    }
    match named.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, first)) => format!("{} and {last}", first.join(", ")),
        None => String::new(),
    }
}

fn allow_statement(finding: &Finding) -> Statement {
    let actions = finding
        .requirements
        .iter()
        .map(|r| r.action.clone())
        .collect::<Vec<_>>();
    let resources = finding
        .requirements
        .iter()
        .map(|r| r.resource.clone())
        .collect::<Vec<_>>();
    let mut actions = if actions.is_empty() {
        finding.action.iter().cloned().collect()
    } else {
        actions
    };
    actions.sort();
    actions.dedup();
    let mut resources = if resources.is_empty() {
        finding.resource.iter().cloned().collect()
    } else {
        resources
    };
    resources.sort();
    resources.dedup();
    Statement::allow(actions, resources)
}

/// A statement for the resource's policy granting the role what it was
/// denied. Repository, key and queue policies name the role as principal.
fn resource_policy_statement(finding: &Finding) -> Statement {
    let mut statement = allow_statement(finding);
    statement.effect = Effect::Allow;
    let principal = finding
        .record
        .user_identity
        .session_context
        .session_issuer
        .arn
        .clone()
        .or_else(|| finding.record.user_identity.arn.clone());
    statement.principal = principal.map(|arn| json!({ "AWS": arn }));
    // ECR repository policies have no Resource element; the policy is
    // attached to the repository itself.
    if finding.event_source.starts_with("ecr.") {
        statement.resource = None;
    }
    // KMS key policies use "*" for the key they are attached to.
    if finding.event_source.starts_with("kms.")
        || finding
            .action
            .as_deref()
            .is_some_and(|a| a.starts_with("kms:"))
    {
        statement.resource = Some(ValueList::from("*"));
    }
    statement.sid = Some("AllowTrailgrantRole".to_owned());
    statement
}
