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
/// document of its own is first cut into statements over parts of its
/// `Resource` list, then over parts of its `Action` list, each keeping the
/// effect and conditions, so that together they allow exactly what it
/// allowed. Each statement then goes into the first document it fits in,
/// so the documents keep the statements' order and the result is the same
/// for the same input. A statement that still does not fit gets a document
/// of its own, which [`warnings`] then reports.
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

/// The list of a statement that [`pieces`] may cut. `NotResource` and
/// `NotAction` are never cut, because parts of them would allow more.
#[derive(Debug, Clone, Copy)]
enum CutList {
    Resource,
    Action,
}

/// Returns `statement` cut into statements that each fit a document of
/// their own where the `Resource` list, then the `Action` list, allows,
/// with `Part1`, `Part2` … appended to the `Sid` when it was cut. A
/// statement that fits, or has one action and one resource, or uses
/// `NotResource` and `NotAction`, comes back whole.
fn pieces(statement: &Statement, empty: &PolicyDocument, limit: usize) -> Vec<Statement> {
    let alone = |candidate: &Statement| {
        let mut document = empty.clone();
        document.statements.push(candidate.clone());
        policy_size(&document)
    };
    if alone(statement) <= limit {
        return vec![statement.clone()];
    }
    let mut parts = Vec::new();
    for part in cut(statement, CutList::Resource, &alone, limit) {
        if alone(&part) > limit {
            parts.extend(cut(&part, CutList::Action, &alone, limit));
        } else {
            parts.push(part);
        }
    }
    if parts.len() < 2 {
        return parts;
    }
    for (index, part) in parts.iter_mut().enumerate() {
        part.sid = statement
            .sid
            .as_ref()
            .map(|sid| format!("{sid}Part{}", index + 1));
    }
    parts
}

/// Cuts `statement` over consecutive parts of one of its lists, each part
/// as long as still fits `limit` alone (or one value long).
fn cut(
    statement: &Statement,
    list: CutList,
    alone: &dyn Fn(&Statement) -> usize,
    limit: usize,
) -> Vec<Statement> {
    let values = match list {
        CutList::Resource => statement.resource.as_ref(),
        CutList::Action => statement.action.as_ref(),
    };
    let values = match values {
        Some(values) if values.values().len() > 1 => values.values(),
        _ => return vec![statement.clone()],
    };
    let with_values = |values: &[String]| {
        let mut part = statement.clone();
        let list_values = Some(ValueList::from(values.to_vec()));
        match list {
            CutList::Resource => part.resource = list_values,
            CutList::Action => part.action = list_values,
        }
        part
    };
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for value in values {
        current.push(value.clone());
        if current.len() > 1 && alone(&with_values(&current)) > limit {
            current.pop();
            parts.push(std::mem::replace(&mut current, vec![value.clone()]));
        }
    }
    parts.push(current);
    parts.iter().map(|values| with_values(values)).collect()
}

/// Returns a warning for each IAM size quota the documents would exceed as
/// `options.policy_type` policies. Inline sizes are compared with the
/// role's whole quota, so the role's existing inline policies make the real
/// margin smaller than these warnings assume.
///
/// With a split, documents over the split limit come first, in one
/// warning naming their statements.
pub fn warnings(documents: &[PolicyDocument], options: &RenderOptions) -> Vec<String> {
    let sizes: Vec<usize> = documents
        .iter()
        .filter(|document| !document.statements.is_empty())
        .map(policy_size)
        .collect();
    let mut warnings: Vec<String> = options
        .split_at
        .and_then(|limit| split_limit_warning(documents, &sizes, limit, options.policy_type))
        .into_iter()
        .collect();
    warnings.extend(match options.policy_type {
        PolicyType::Inline => inline_warnings(&sizes),
        PolicyType::Managed => managed_warnings(documents, &sizes, options),
    });
    warnings
}

/// Statements named in the split limit warning before the rest are
/// counted.
const OVERSIZED_NAMED: usize = 3;

/// Returns the warning for the documents over `limit`. [`split`] leaves a
/// document over the limit only when it contains one statement that cannot be
/// cut further: one action on one resource, or a `NotAction` or
/// `NotResource` list, or conditions alone too long.
fn split_limit_warning(
    documents: &[PolicyDocument],
    sizes: &[usize],
    limit: usize,
    kind: PolicyType,
) -> Option<String> {
    let oversized: Vec<String> = documents
        .iter()
        .zip(sizes)
        .enumerate()
        .filter(|(_, (_, size))| **size > limit)
        .map(|(number, (document, size))| {
            let name = match document.statements.as_slice() {
                [only] => only.sid.as_deref().map_or_else(
                    || format!("the statement of policy {}", number + 1),
                    |sid| format!("`{sid}`"),
                ),
                _ => format!("policy {}", number + 1),
            };
            format!("{name} ({size} characters)")
        })
        .collect();
    let more = oversized.len().saturating_sub(OVERSIZED_NAMED);
    let mut named = oversized
        .iter()
        .take(OVERSIZED_NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        named.push_str(&format!(" and {more} more"));
    }
    // A limit under IAM's own quota can be raised up to that quota.
    let raise = if limit < document_limit(kind) {
        "raise the limit or "
    } else {
        ""
    };
    match oversized.len() {
        0 => None,
        1 => Some(format!(
            "statement {named} cannot be cut to fit the `--split-policies` limit of {limit} \
             characters without whitespace, so its policy exceeds it; {raise}narrow the statement"
        )),
        count => Some(format!(
            "{count} statements cannot be cut to fit the `--split-policies` limit of {limit} \
             characters without whitespace, so their policies exceed it: {named}; {raise}narrow \
             those statements"
        )),
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
        let over_split_limit = options.split_at.is_some_and(|limit| *size > limit);
        if *size <= MANAGED_POLICY || (over_split_limit && document.statements.len() == 1) {
            continue;
        }
        let subject = if sizes.len() > 1 {
            format!("managed policy {}", number + 1)
        } else {
            "the managed policy".to_owned()
        };
        let advice = if options.is_split() {
            format!("split at {MANAGED_POLICY} characters or less (`--split-policies`)")
        } else {
            "spread the statements over several policies with `--split-policies`".to_owned()
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
        let resource = format!("arn:aws:s3:::bucket/{}", "k".repeat(7_000));
        let mut huge = Statement::allow(vec!["s3:GetObject".to_owned()], vec![resource]);
        huge.sid = Some("Huge".to_owned());
        let policy = document(vec![huge]);
        let options = RenderOptions {
            policy_type: PolicyType::Managed,
            split_at: Some(MANAGED_POLICY),
        };
        let documents = options.documents(&policy);
        assert_eq!(documents.len(), 1);
        let size = policy_size(&documents[0]);
        let warnings = warnings(&documents, &options);
        assert_eq!(
            warnings,
            [format!(
                "statement `Huge` ({size} characters) cannot be cut to fit the `--split-policies` \
                 limit of 6144 characters without whitespace, so its policy exceeds it; narrow \
                 the statement"
            )]
        );
    }

    #[test]
    fn long_action_lists_are_cut_into_parts() {
        let actions: Vec<String> = (0..400)
            .map(|index| format!("s3:GetObjectNumber{index:04}"))
            .collect();
        let mut wide = Statement::allow(actions.clone(), vec!["*".to_owned()]);
        wide.sid = Some("Wide".to_owned());
        let policy = document(vec![wide]);
        let documents = split(&policy, MANAGED_POLICY);
        assert!(documents.len() > 1);
        let mut rejoined = Vec::new();
        for (index, piece) in documents.iter().enumerate() {
            assert!(policy_size(piece) <= MANAGED_POLICY);
            assert_eq!(piece.statements.len(), 1);
            let part = &piece.statements[0];
            assert_eq!(
                part.sid.as_deref(),
                Some(format!("WidePart{}", index + 1).as_str())
            );
            assert_eq!(part.resources(), ["*"]);
            rejoined.extend(part.actions().to_vec());
        }
        assert_eq!(rejoined, actions);
    }

    #[test]
    fn resources_then_actions_are_cut() {
        let actions: Vec<String> = (0..6)
            .map(|index| format!("s3:GetObjectNumber{index}"))
            .collect();
        let resources = vec!["arn:aws:s3:::a/*".to_owned(), "arn:aws:s3:::b/*".to_owned()];
        let mut statement = Statement::allow(actions.clone(), resources.clone());
        statement.sid = Some("Both".to_owned());
        let limit = 150;
        let documents = split(&document(vec![statement]), limit);
        let mut pairs = Vec::new();
        for piece in &documents {
            assert!(policy_size(piece) <= limit, "{}", policy_size(piece));
            for part in &piece.statements {
                for resource in part.resources() {
                    for action in part.actions() {
                        pairs.push((resource.clone(), action.clone()));
                    }
                }
            }
        }
        let expected: Vec<(String, String)> = resources
            .iter()
            .flat_map(|r| actions.iter().map(move |a| (r.clone(), a.clone())))
            .collect();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn split_limit_overrun_is_warned() {
        let policy = document(vec![statement("Objects", 5)]);
        let options = RenderOptions {
            policy_type: PolicyType::Managed,
            split_at: Some(100),
        };
        let documents = options.documents(&policy);
        assert_eq!(documents.len(), 5);
        let sizes: Vec<usize> = documents.iter().map(policy_size).collect();
        assert!(sizes.iter().all(|size| *size > 100), "{sizes:?}");
        assert_eq!(
            warnings(&documents, &options),
            [format!(
                "5 statements cannot be cut to fit the `--split-policies` limit of 100 characters \
                 without whitespace, so their policies exceed it: `ObjectsPart1` ({} characters), \
                 `ObjectsPart2` ({} characters), `ObjectsPart3` ({} characters) and 2 more; raise \
                 the limit or narrow those statements",
                sizes[0], sizes[1], sizes[2]
            )]
        );
    }
}
