//! IAM's size quotas on identity policies, and the split of a proposal into
//! several documents that each fit one.
//!
//! IAM counts a policy's characters without whitespace: all inline policies
//! of a role together may take 10,240, one customer managed policy 6,144
//! ("IAM and AWS STS quotas", IAM User Guide). A role has 10 managed policy
//! slots by default, 20 with a quota increase.

use crate::policy::{PolicyDocument, Statement, ValueList};

use super::{PolicyType, RenderOptions};

/// Characters all inline policies of one role may take together.
pub const INLINE_ROLE_TOTAL: usize = 10_240;

/// Characters one customer managed policy may take.
pub const MANAGED_POLICY: usize = 6_144;

/// Managed policies IAM attaches to one role before a quota increase.
pub const MANAGED_PER_ROLE: usize = 10;

/// Returns the size IAM counts for `document`: the characters of its
/// compact JSON text, whitespace excluded.
pub fn policy_size(document: &PolicyDocument) -> usize {
    non_whitespace_chars(&serde_json::to_string(document).unwrap_or_default())
}

/// Returns the characters `statement` adds to a document, whitespace
/// excluded, not counting the comma between statements.
pub fn statement_size(statement: &Statement) -> usize {
    non_whitespace_chars(&serde_json::to_string(statement).unwrap_or_default())
}

fn non_whitespace_chars(text: &str) -> usize {
    text.chars().filter(|ch| !ch.is_whitespace()).count()
}

/// Returns the per-document limit of `kind`, the default of
/// `--split-policies`.
pub fn document_limit(kind: PolicyType) -> usize {
    match kind {
        PolicyType::Inline => INLINE_ROLE_TOTAL,
        PolicyType::Managed => MANAGED_POLICY,
    }
}

/// Splits the statements of `policy` into documents of at most `limit`
/// characters each (whitespace excluded). A statement too large for a
/// document of its own is first cut into statements with the same effect,
/// actions and conditions over parts of its `Resource` list, which together
/// allow exactly what it allowed. Each statement then goes into the first
/// document it fits in, so the documents keep the statements' order and the
/// result is the same for the same input. A statement that still does not
/// fit gets a document of its own, which [`warnings`] then reports.
pub fn split(policy: &PolicyDocument, limit: usize) -> Vec<PolicyDocument> {
    let empty = PolicyDocument {
        statements: Vec::new(),
        ..policy.clone()
    };
    let mut documents: Vec<(PolicyDocument, usize)> = Vec::new();
    for statement in policy
        .statements
        .iter()
        .flat_map(|s| pieces(s, &empty, limit))
    {
        let added = statement_size(&statement);
        // A statement after the first also adds the comma that separates it.
        let fitting = documents
            .iter_mut()
            .find(|(_, size)| *size + 1 + added <= limit);
        match fitting {
            Some((document, size)) => {
                document.statements.push(statement);
                *size += 1 + added;
            }
            None => {
                let mut document = empty.clone();
                document.statements.push(statement);
                let size = policy_size(&document);
                documents.push((document, size));
            }
        }
    }
    if documents.is_empty() {
        return vec![policy.clone()];
    }
    documents
        .into_iter()
        .map(|(document, _)| document)
        .collect()
}

/// Returns `statement` cut into statements over consecutive parts of its
/// `Resource` list, each small enough for a document of its own, with
/// `Part1`, `Part2` … appended to the `Sid`. A statement that fits, or has
/// one resource, or uses `NotResource`, comes back whole.
fn pieces(statement: &Statement, empty: &PolicyDocument, limit: usize) -> Vec<Statement> {
    let alone = |candidate: &Statement| {
        let mut document = empty.clone();
        document.statements.push(candidate.clone());
        policy_size(&document)
    };
    let resources = match &statement.resource {
        Some(list) if list.values().len() > 1 && alone(statement) > limit => list.values(),
        _ => return vec![statement.clone()],
    };
    let with_resources = |values: &[String]| Statement {
        resource: Some(ValueList::from(values.to_vec())),
        ..statement.clone()
    };
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for resource in resources {
        current.push(resource.clone());
        if current.len() > 1 && alone(&with_resources(&current)) > limit {
            current.pop();
            parts.push(std::mem::replace(&mut current, vec![resource.clone()]));
        }
    }
    parts.push(current);
    parts
        .iter()
        .enumerate()
        .map(|(index, values)| Statement {
            sid: statement
                .sid
                .as_ref()
                .map(|sid| format!("{sid}Part{}", index + 1)),
            ..with_resources(values)
        })
        .collect()
}

/// Returns a warning for each IAM size quota the documents would exceed as
/// `options.policy_type` policies. Inline sizes are compared with the
/// role's whole quota, so the role's existing inline policies make the real
/// margin smaller than these warnings assume.
pub fn warnings(documents: &[PolicyDocument], options: &RenderOptions) -> Vec<String> {
    let sizes: Vec<usize> = documents
        .iter()
        .filter(|document| !document.statements.is_empty())
        .map(policy_size)
        .collect();
    match options.policy_type {
        PolicyType::Inline => inline_warnings(&sizes),
        PolicyType::Managed => managed_warnings(documents, &sizes, options),
    }
}

fn inline_warnings(sizes: &[usize]) -> Vec<String> {
    let total: usize = sizes.iter().sum();
    if total <= INLINE_ROLE_TOTAL {
        return Vec::new();
    }
    let subject = if sizes.len() > 1 {
        "the proposed inline policies take"
    } else {
        "the proposed inline policy takes"
    };
    vec![format!(
        "{subject} {total} characters without whitespace, over the {INLINE_ROLE_TOTAL} IAM allows \
         for all inline policies of a role together; attach them as managed policies instead \
         (`--policy-type managed --split-policies`)"
    )]
}

fn managed_warnings(
    documents: &[PolicyDocument],
    sizes: &[usize],
    options: &RenderOptions,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for (number, (document, size)) in documents.iter().zip(sizes).enumerate() {
        if *size <= MANAGED_POLICY {
            continue;
        }
        let subject = if sizes.len() > 1 {
            format!("managed policy {}", number + 1)
        } else {
            "the managed policy".to_owned()
        };
        let advice = match (options.is_split(), document.statements.as_slice()) {
            (true, [only]) => format!(
                "its one statement `{}` cannot be split further; narrow its actions or resources",
                only.sid.as_deref().unwrap_or("(no Sid)")
            ),
            (true, _) => {
                format!("split at {MANAGED_POLICY} characters or less (`--split-policies`)")
            }
            (false, _) => {
                "spread the statements over several policies with `--split-policies`".to_owned()
            }
        };
        warnings.push(format!(
            "{subject} takes {size} characters without whitespace, over the {MANAGED_POLICY} IAM \
             allows for one managed policy; {advice}"
        ));
    }
    if sizes.len() > MANAGED_PER_ROLE {
        warnings.push(format!(
            "the statements need {} managed policies, more than the {MANAGED_PER_ROLE} IAM \
             attaches to a role by default (a quota increase allows up to 20)",
            sizes.len()
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sid: &str, resources: usize) -> Statement {
        let resources = (0..resources)
            .map(|index| format!("arn:aws:s3:::bucket-{sid}/object-{index:05}"))
            .collect();
        let mut statement = Statement::allow(vec!["s3:GetObject".to_owned()], resources);
        statement.sid = Some(sid.to_owned());
        statement
    }

    fn document(statements: Vec<Statement>) -> PolicyDocument {
        PolicyDocument::with_statements(statements)
    }

    #[test]
    fn size_ignores_whitespace() {
        let mut policy = document(vec![statement("A", 1)]);
        let compact = serde_json::to_string(&policy).unwrap();
        assert_eq!(policy_size(&policy), compact.len());
        policy.statements[0].sid = Some("With Space".to_owned());
        assert_eq!(
            policy_size(&policy),
            serde_json::to_string(&policy).unwrap().len() - 1
        );
    }

    #[test]
    fn split_fills_documents_up_to_the_limit() {
        let statements: Vec<Statement> = ["A", "B", "C", "D"]
            .iter()
            .map(|sid| statement(sid, 40))
            .collect();
        let policy = document(statements.clone());
        let documents = split(&policy, MANAGED_POLICY);
        assert!(policy_size(&policy) > MANAGED_POLICY);
        for piece in &documents {
            assert!(
                policy_size(piece) <= MANAGED_POLICY,
                "{}",
                policy_size(piece)
            );
        }
        let rejoined: Vec<Statement> = documents
            .iter()
            .flat_map(|d| d.statements.clone())
            .collect();
        assert_eq!(rejoined, statements);
        // The first document is full: the next statement would not fit.
        let mut one_more = documents[0].clone();
        one_more
            .statements
            .push(statements[documents[0].statements.len()].clone());
        assert!(policy_size(&one_more) > MANAGED_POLICY);
    }

    #[test]
    fn split_counts_exactly() {
        let policy = document(vec![statement("A", 1), statement("B", 1)]);
        let whole = policy_size(&policy);
        assert_eq!(split(&policy, whole).len(), 1);
        assert_eq!(split(&policy, whole - 1).len(), 2);
    }

    #[test]
    fn split_of_nothing_is_the_empty_policy() {
        let policy = document(Vec::new());
        assert_eq!(split(&policy, 100), vec![policy]);
    }

    #[test]
    fn inline_total_over_quota_warns() {
        let policy = document((0..8).map(|i| statement(&format!("S{i}"), 40)).collect());
        let options = RenderOptions::default();
        let warnings = warnings(std::slice::from_ref(&policy), &options);
        assert_eq!(warnings.len(), 1);
        let size = policy_size(&policy);
        assert_eq!(
            warnings[0],
            format!(
                "the proposed inline policy takes {size} characters without whitespace, over the \
                 10240 IAM allows for all inline policies of a role together; attach them as \
                 managed policies instead (`--policy-type managed --split-policies`)"
            )
        );
    }

    #[test]
    fn managed_fits_after_split() {
        let policy = document((0..6).map(|i| statement(&format!("S{i}"), 40)).collect());
        let unsplit = RenderOptions {
            policy_type: PolicyType::Managed,
            split_at: None,
        };
        assert_eq!(warnings(std::slice::from_ref(&policy), &unsplit).len(), 1);
        let split_options = RenderOptions {
            policy_type: PolicyType::Managed,
            split_at: Some(MANAGED_POLICY),
        };
        assert_eq!(
            warnings(&split_options.documents(&policy), &split_options),
            Vec::<String>::new()
        );
    }

    #[test]
    fn long_resource_lists_are_cut_into_parts() {
        let policy = document(vec![statement("Objects", 200)]);
        let documents = split(&policy, MANAGED_POLICY);
        assert!(documents.len() > 1);
        let mut resources = Vec::new();
        for (index, piece) in documents.iter().enumerate() {
            assert!(policy_size(piece) <= MANAGED_POLICY);
            assert_eq!(piece.statements.len(), 1);
            let part = &piece.statements[0];
            assert_eq!(
                part.sid.as_deref(),
                Some(format!("ObjectsPart{}", index + 1).as_str())
            );
            assert_eq!(part.actions(), ["s3:GetObject"]);
            resources.extend(part.resources().to_vec());
        }
        assert_eq!(resources, policy.statements[0].resources());
    }

    #[test]
    fn oversized_statement_is_named() {
        let actions = (0..400)
            .map(|index| format!("s3:GetObjectNumber{index:04}"))
            .collect();
        let mut huge = Statement::allow(actions, vec!["*".to_owned()]);
        huge.sid = Some("Huge".to_owned());
        let policy = document(vec![huge]);
        let options = RenderOptions {
            policy_type: PolicyType::Managed,
            split_at: Some(MANAGED_POLICY),
        };
        let warnings = warnings(&options.documents(&policy), &options);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].ends_with(
            "its one statement `Huge` cannot be split further; narrow its actions or resources"
        ));
    }
}
