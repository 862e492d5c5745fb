//! The role's current policies, read from IAM: inline policies, attached
//! managed policies (their default version), the permissions boundary and
//! the trust policy.
//!
//! IAM returns policy documents URL-encoded (RFC 3986), and the SDK passes
//! that text through unchanged; mocks such as moto return some documents as
//! plain JSON. Both are read by [`crate::policy::parse_document_text`],
//! which also checks each document's grammar.

use aws_sdk_iam::Client;
use aws_types::SdkConfig;

use super::config::iam_region;
use super::errors::{translate, AwsError};
use crate::policy::{parse_document_text, NamedPolicy, PolicyDocument, PolicyKind, PolicySet};

/// The IAM actions [`read_role`] calls, in the order it calls them.
pub const READ_ROLE_ACTIONS: &[&str] = &[
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
];

/// A role's policies as IAM stores them.
#[derive(Debug, Clone, PartialEq)]
pub struct RolePolicies {
    /// The role's ARN.
    pub role_arn: String,
    /// Inline policies by name, sorted by name.
    pub inline: Vec<(String, PolicyDocument)>,
    /// Attached managed policies (default version) by ARN, sorted by ARN.
    pub managed: Vec<(String, PolicyDocument)>,
    /// The permissions boundary's ARN and default version, if one is set.
    pub boundary: Option<(String, PolicyDocument)>,
    /// The trust policy (`AssumeRolePolicyDocument`).
    pub trust: Option<PolicyDocument>,
}

impl RolePolicies {
    /// Converts the policies into the set the evaluator and the diff read,
    /// with `iam` as their source.
    pub fn into_policy_set(self) -> PolicySet {
        let role_name = self.role_arn.rsplit('/').next().map(str::to_owned);
        let named = |name: String, kind, arn: Option<String>, document| NamedPolicy {
            name,
            kind,
            source: "iam".to_owned(),
            arn,
            shape: crate::policy::parse::InputShape::Iam,
            document,
        };
        let policy_name = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_owned();
        let mut policies = Vec::new();
        for (name, document) in self.inline {
            policies.push(named(name, PolicyKind::Inline, None, document));
        }
        for (arn, document) in self.managed {
            let name = policy_name(&arn);
            policies.push(named(name, PolicyKind::Managed, Some(arn), document));
        }
        if let Some((arn, document)) = self.boundary {
            let name = policy_name(&arn);
            policies.push(named(name, PolicyKind::Boundary, Some(arn), document));
        }
        if let Some(document) = self.trust {
            let name = format!("{}-trust", role_name.as_deref().unwrap_or("role"));
            policies.push(named(name, PolicyKind::Trust, None, document));
        }
        PolicySet {
            role_name,
            role_arn: Some(self.role_arn),
            policies,
            unresolved: Vec::new(),
        }
    }
}

/// Reads every policy of the role named `role` (a name, or a role ARN whose
/// last path segment is used).
pub async fn read_role(config: &SdkConfig, role: &str) -> Result<RolePolicies, AwsError> {
    let name = role.rsplit('/').next().unwrap_or(role);
    let client = iam_client(config);
    let got = client
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|error| translate(&error, "iam:GetRole", None))?;
    let Some(found) = got.role() else {
        return Err(AwsError::not_found(
            "iam:GetRole",
            format!("role `{name}` not found"),
        ));
    };
    let trust = match found.assume_role_policy_document() {
        Some(text) => {
            let what = format!("trust policy of role `{name}`");
            Some(parse(text, PolicyKind::Trust, "iam:GetRole", &what)?)
        }
        None => None,
    };
    let boundary = match found
        .permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn())
    {
        Some(arn) => {
            let document = default_version(&client, arn, PolicyKind::Boundary).await?;
            Some((arn.to_owned(), document))
        }
        None => None,
    };
    Ok(RolePolicies {
        role_arn: found.arn().to_owned(),
        inline: inline_policies(&client, name).await?,
        managed: managed_policies(&client, name).await?,
        boundary,
        trust,
    })
}

fn iam_client(config: &SdkConfig) -> Client {
    let config = aws_sdk_iam::config::Builder::from(config)
        .region(iam_region(config))
        .build();
    Client::from_conf(config)
}

async fn inline_policies(
    client: &Client,
    role: &str,
) -> Result<Vec<(String, PolicyDocument)>, AwsError> {
    let names = client
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|error| translate(&error, "iam:ListRolePolicies", None))?;
    let mut policies = Vec::with_capacity(names.len());
    for name in names {
        let got = client
            .get_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send()
            .await
            .map_err(|error| translate(&error, "iam:GetRolePolicy", None))?;
        let what = format!("inline policy `{name}` of role `{role}`");
        let text = got.policy_document();
        let document = parse(text, PolicyKind::Inline, "iam:GetRolePolicy", &what)?;
        policies.push((name, document));
    }
    policies.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(policies)
}

async fn managed_policies(
    client: &Client,
    role: &str,
) -> Result<Vec<(String, PolicyDocument)>, AwsError> {
    let attached = client
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|error| translate(&error, "iam:ListAttachedRolePolicies", None))?;
    let mut policies = Vec::with_capacity(attached.len());
    for arn in attached.iter().filter_map(|policy| policy.policy_arn()) {
        let document = default_version(client, arn, PolicyKind::Managed).await?;
        policies.push((arn.to_owned(), document));
    }
    policies.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(policies)
}

/// Reads the default version of the managed policy `arn`.
async fn default_version(
    client: &Client,
    arn: &str,
    kind: PolicyKind,
) -> Result<PolicyDocument, AwsError> {
    let policy = client
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|error| translate(&error, "iam:GetPolicy", None))?;
    let Some(version) = policy
        .policy()
        .and_then(|policy| policy.default_version_id())
    else {
        let message = format!("managed policy `{arn}` has no default version");
        return Err(AwsError::invalid_response("iam:GetPolicy", message));
    };
    let got = client
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|error| translate(&error, "iam:GetPolicyVersion", None))?;
    let what = format!("version `{version}` of managed policy `{arn}`");
    let Some(text) = got.policy_version().and_then(|version| version.document()) else {
        return Err(AwsError::invalid_response(
            "iam:GetPolicyVersion",
            format!("{what} is empty"),
        ));
    };
    parse(text, kind, "iam:GetPolicyVersion", &what)
}

fn parse(
    text: &str,
    kind: PolicyKind,
    action: &'static str,
    what: &str,
) -> Result<PolicyDocument, AwsError> {
    parse_document_text(text, kind, "iam", what).map_err(|error| {
        AwsError::invalid_response(action, format!("the {what} is not a valid policy: {error}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/100%"}]}"#;
    const ENCODED: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Ab%2F100%25%22%7D%5D%7D";

    fn inline(text: &str) -> Result<PolicyDocument, AwsError> {
        parse(
            text,
            PolicyKind::Inline,
            "iam:GetRolePolicy",
            "inline policy `x` of role `r`",
        )
    }

    #[test]
    fn encoded_and_plain_documents_parse_alike() {
        let from_encoded = inline(ENCODED).unwrap();
        let from_plain = inline(PLAIN).unwrap();
        assert_eq!(from_encoded, from_plain);
        assert_eq!(
            from_plain.statements[0].resources(),
            ["arn:aws:s3:::b/100%"]
        );
    }

    #[test]
    fn invalid_document_names_the_policy() {
        let message = inline("%7Bnot json").unwrap_err().to_string();
        assert!(
            message.starts_with("the inline policy `x` of role `r` is not a valid policy:"),
            "{message}"
        );
    }

    #[test]
    fn policies_convert_to_a_policy_set() {
        let document = inline(PLAIN).unwrap();
        let policies = RolePolicies {
            role_arn: "arn:aws:iam::111122223333:role/ci/gha".to_owned(),
            inline: vec![("inline".to_owned(), document.clone())],
            managed: vec![(
                "arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned(),
                document.clone(),
            )],
            boundary: Some((
                "arn:aws:iam::111122223333:policy/edge".to_owned(),
                document.clone(),
            )),
            trust: Some(document),
        };
        let set = policies.into_policy_set();
        assert_eq!(set.role_name.as_deref(), Some("gha"));
        let names: Vec<(&str, PolicyKind)> = set
            .policies
            .iter()
            .map(|p| (p.name.as_str(), p.kind))
            .collect();
        assert_eq!(
            names,
            [
                ("inline", PolicyKind::Inline),
                ("ReadOnlyAccess", PolicyKind::Managed),
                ("edge", PolicyKind::Boundary),
                ("gha-trust", PolicyKind::Trust),
            ]
        );
        assert_eq!(set.identity().count(), 2);
        assert!(set.policies.iter().all(|p| p.source == "iam"));
    }
}
