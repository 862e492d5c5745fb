//! ARN templates of the Service Authorization Reference
//! (`arn:${Partition}:ecs:${Region}:${Account}:service/${ClusterName}/${ServiceName}`):
//! parsing, matching a concrete ARN against one, and filling one in.

/// One piece of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part<'t> {
    /// Literal text.
    Lit(&'t str),
    /// A `${Name}` placeholder.
    Var(&'t str),
}

/// A parsed ARN template.
#[derive(Debug, Clone)]
pub(crate) struct Template<'t> {
    pub(crate) text: &'t str,
    pub(crate) parts: Vec<Part<'t>>,
}

/// Placeholders whose value may hold a `:` (S3 object keys may).
const COLON_ALLOWED: &[&str] = &["ObjectName"];

impl<'t> Template<'t> {
    /// Splits a template into literals and placeholders.
    pub(crate) fn parse(text: &'t str) -> Template<'t> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest.get(start..).and_then(|tail| tail.find('}')) else {
                break;
            };
            if start > 0 {
                parts.extend(rest.get(..start).map(Part::Lit));
            }
            parts.extend(rest.get(start + 2..start + len).map(Part::Var));
            rest = rest.get(start + len + 1..).unwrap_or("");
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest));
        }
        Template { text, parts }
    }

    /// Returns the placeholder names in order.
    pub(crate) fn vars(&self) -> impl Iterator<Item = &'t str> + '_ {
        self.parts.iter().filter_map(|part| match part {
            Part::Var(name) => Some(*name),
            Part::Lit(_) => None,
        })
    }

    /// Returns true when the template has the placeholder.
    pub(crate) fn has_var(&self, name: &str) -> bool {
        self.vars().any(|var| var == name)
    }

    /// Matches a concrete ARN, returning each placeholder's value. A
    /// placeholder matches at least one character and never a `:` (except
    /// an S3 object key at the end); one followed by more text takes the
    /// shortest value that lets the rest match, the last takes the rest.
    pub(crate) fn captures<'a>(&self, arn: &'a str) -> Option<Vec<(&'t str, &'a str)>> {
        let mut captures = Vec::new();
        match_parts(&self.parts, arn, &mut captures).then_some(captures)
    }

    /// Returns true when `arn` is an instance of the template.
    pub(crate) fn matches(&self, arn: &str) -> bool {
        self.captures(arn).is_some()
    }
}

fn match_parts<'t, 'a>(
    parts: &[Part<'t>],
    text: &'a str,
    captures: &mut Vec<(&'t str, &'a str)>,
) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return text.is_empty();
    };
    match first {
        Part::Lit(literal) => text
            .strip_prefix(literal)
            .is_some_and(|tail| match_parts(rest, tail, captures)),
        Part::Var(name) if rest.is_empty() => {
            let ok = is_valid_value(name, text, true);
            if ok {
                captures.push((name, text));
            }
            ok
        }
        Part::Var(name) => {
            for (end, _) in text
                .char_indices()
                .skip(1)
                .chain(std::iter::once((text.len(), ' ')))
            {
                let (Some(value), Some(tail)) = (text.get(..end), text.get(end..)) else {
                    continue;
                };
                if !is_valid_value(name, value, false) {
                    // Longer values only add characters; a `:` stays.
                    if value.contains(':') {
                        return false;
                    }
                    continue;
                }
                captures.push((name, value));
                if match_parts(rest, tail, captures) {
                    return true;
                }
                captures.pop();
            }
            false
        }
    }
}

fn is_valid_value(name: &str, value: &str, last: bool) -> bool {
    if value.is_empty() {
        return false;
    }
    if value.contains(':') && !(last && COLON_ALLOWED.contains(&name)) {
        return false;
    }
    // Bucket names cannot hold `/`; without this `bucket/key` would match
    // the bucket template.
    !(name == "BucketName" && value.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches_templates() {
        let template = Template::parse(
            "arn:${Partition}:ecs:${Region}:${Account}:service/${ClusterName}/${ServiceName}",
        );
        assert_eq!(
            template.vars().collect::<Vec<_>>(),
            [
                "Partition",
                "Region",
                "Account",
                "ClusterName",
                "ServiceName"
            ]
        );
        assert_eq!(
            template.captures("arn:aws:ecs:eu-west-1:111122223333:service/prod/web"),
            Some(vec![
                ("Partition", "aws"),
                ("Region", "eu-west-1"),
                ("Account", "111122223333"),
                ("ClusterName", "prod"),
                ("ServiceName", "web"),
            ])
        );
        assert!(!template.matches("arn:aws:ecs:eu-west-1:111122223333:cluster/prod"));
    }

    #[test]
    fn buckets_and_objects_do_not_overlap() {
        let bucket = Template::parse("arn:${Partition}:s3:::${BucketName}");
        let object = Template::parse("arn:${Partition}:s3:::${BucketName}/${ObjectName}");
        assert!(bucket.matches("arn:aws:s3:::b"));
        assert!(!bucket.matches("arn:aws:s3:::b/k"));
        assert!(!object.matches("arn:aws:s3:::b"));
        assert_eq!(
            object
                .captures("arn:aws:s3:::b/dir/a:b.txt")
                .unwrap()
                .last(),
            Some(&("ObjectName", "dir/a:b.txt"))
        );
    }

    #[test]
    fn log_group_names_with_slashes_match() {
        let stream = Template::parse(
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
        );
        let captures = stream
            .captures("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f:log-stream:2024/x")
            .unwrap();
        assert_eq!(captures[3], ("LogGroupName", "/aws/lambda/f"));
        assert_eq!(captures[4], ("LogStreamName", "2024/x"));
    }
}
