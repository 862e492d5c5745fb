//! IAM wildcard matching and policy variables, shared by `Action`,
//! `Resource` and the `StringLike`/`ArnLike` condition operators.
//!
//! `*` matches any run of characters, `/` included, and `?` matches one
//! character. In a `Resource` ARN a `*` stays inside its colon-separated
//! segment unless it is the last character of that segment (IAM User Guide,
//! "IAM JSON policy elements: Resource"). The sixth segment, the resource
//! part, may contain colons of its own, and a `*` there matches them.
//!
//! `${key}` is replaced by the request's value of `key`, and
//! `${key, 'default'}` falls back to `default` when the key is missing.
//! `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`. Text that
//! comes from a variable or an escape is always literal.

/// The value a request supplies for a policy variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The request carries this single value.
    Value(&'a str),
    /// The request is known not to carry the key.
    Absent,
    /// The request may carry the key, but its value is not known here.
    Unknown,
    /// The key has several values, which IAM does not substitute.
    MultiValued,
}

/// A source of policy-variable values, usually the request context.
pub trait VariableSource {
    /// Returns the value of the context key `key` (any letter case).
    fn lookup(&self, key: &str) -> Lookup<'_>;
}

/// A variable source for text that must not contain variables, such as
/// `Action` values: every key is absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVariables;

impl VariableSource for NoVariables {
    fn lookup(&self, _key: &str) -> Lookup<'_> {
        Lookup::Absent
    }
}

/// A policy variable that could not be replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The context key named in the variable, as the policy wrote it.
    pub key: String,
    /// The reason it could not be replaced.
    pub reason: UnresolvedReason,
}

/// The reason a policy variable could not be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnresolvedReason {
    /// The request does not carry the key, and the variable has no default.
    Absent,
    /// The key's value is not known, so the outcome is undetermined.
    Unknown,
    /// The key has several values.
    MultiValued,
}

/// The wildcard rules a pattern is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `*` and `?` are wildcards; `*` crosses every character.
    Like,
    /// `*` and `?` are wildcards; a `*` inside an ARN segment does not
    /// cross a colon.
    Arn,
    /// Every character is literal (`StringEquals`).
    Literal,
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    AnyRun { crosses_colon: bool },
    AnyChar,
}

/// A pattern with its policy variables replaced, ready to match text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    tokens: Vec<Token>,
}

/// One piece of pattern text before wildcard rules are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Literal(char),
    Star,
    Question,
}

impl Glob {
    /// Compiles `pattern`, replacing policy variables from `variables`.
    ///
    /// # Errors
    ///
    /// Returns the first variable that has no value and no default.
    pub fn compile(
        pattern: &str,
        syntax: Syntax,
        variables: &dyn VariableSource,
    ) -> Result<Glob, Unresolved> {
        let pieces = substitute(pattern, variables)?;
        Ok(Glob {
            tokens: tokens_for(&pieces, syntax),
        })
    }

    /// Compiles a pattern that contains no policy variables, such as an
    /// `Action` value. A `${…}` in it is kept as literal text.
    pub fn literal_variables(pattern: &str, syntax: Syntax) -> Glob {
        let pieces: Vec<Piece> = pattern.chars().map(raw_piece).collect();
        Glob {
            tokens: tokens_for(&pieces, syntax),
        }
    }

    /// Returns true when the pattern matches all of `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        // reachable[i] is true when the tokens so far can consume text[..i].
        let mut reachable = vec![false; text.len() + 1];
        if let Some(first) = reachable.first_mut() {
            *first = true;
        }
        for token in &self.tokens {
            reachable = step(&reachable, &text, *token);
            if !reachable.contains(&true) {
                return false;
            }
        }
        reachable.last().copied().unwrap_or(false)
    }

    /// Returns true when the pattern has no wildcard.
    pub fn is_literal(&self) -> bool {
        self.tokens
            .iter()
            .all(|token| matches!(token, Token::Char(_)))
    }
}

fn step(reachable: &[bool], text: &[char], token: Token) -> Vec<bool> {
    let mut next = vec![false; reachable.len()];
    match token {
        Token::Char(expected) => {
            for (index, character) in text.iter().enumerate() {
                if reachable.get(index) == Some(&true) && *character == expected {
                    set(&mut next, index + 1);
                }
            }
        }
        Token::AnyChar => {
            for index in 0..text.len() {
                if reachable.get(index) == Some(&true) {
                    set(&mut next, index + 1);
                }
            }
        }
        Token::AnyRun { crosses_colon } => {
            let mut open = false;
            for index in 0..reachable.len() {
                open = open || reachable.get(index) == Some(&true);
                if open {
                    set(&mut next, index);
                }
                if !crosses_colon && text.get(index) == Some(&':') {
                    open = false;
                }
            }
        }
    }
    next
}

fn set(flags: &mut [bool], index: usize) {
    if let Some(flag) = flags.get_mut(index) {
        *flag = true;
    }
}

fn raw_piece(character: char) -> Piece {
    match character {
        '*' => Piece::Star,
        '?' => Piece::Question,
        other => Piece::Literal(other),
    }
}

/// Replaces policy variables and escapes, keeping `*` and `?` of the
/// policy text as wildcards and everything substituted as literal.
fn substitute(pattern: &str, variables: &dyn VariableSource) -> Result<Vec<Piece>, Unresolved> {
    let mut pieces = Vec::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        let (before, from_dollar) = rest.split_at(start);
        pieces.extend(before.chars().map(raw_piece));
        let Some(end) = from_dollar.find('}') else {
            // An unterminated `${` is plain text.
            pieces.extend(from_dollar.chars().map(raw_piece));
            return Ok(pieces);
        };
        let inner = from_dollar.get(2..end).unwrap_or_default();
        pieces.extend(
            resolve_variable(inner, variables)?
                .chars()
                .map(Piece::Literal),
        );
        rest = from_dollar.get(end + 1..).unwrap_or_default();
    }
    pieces.extend(rest.chars().map(raw_piece));
    Ok(pieces)
}

fn resolve_variable(inner: &str, variables: &dyn VariableSource) -> Result<String, Unresolved> {
    if matches!(inner, "*" | "?" | "$") {
        return Ok(inner.to_owned());
    }
    let (key, default) = split_default(inner);
    let unresolved = |reason| Unresolved {
        key: key.to_owned(),
        reason,
    };
    match (variables.lookup(key), default) {
        (Lookup::Value(value), _) => Ok(value.to_owned()),
        (Lookup::Absent | Lookup::MultiValued, Some(default)) => Ok(default.to_owned()),
        (Lookup::Absent, None) => Err(unresolved(UnresolvedReason::Absent)),
        (Lookup::MultiValued, None) => Err(unresolved(UnresolvedReason::MultiValued)),
        (Lookup::Unknown, _) => Err(unresolved(UnresolvedReason::Unknown)),
    }
}

/// Splits `key, 'default'` into the key and the default value.
fn split_default(inner: &str) -> (&str, Option<&str>) {
    if let Some((key, default)) = inner.split_once(',') {
        let default = default.trim();
        if let Some(quoted) = default
            .strip_prefix('\'')
            .and_then(|d| d.strip_suffix('\''))
        {
            return (key.trim(), Some(quoted));
        }
    }
    (inner.trim(), None)
}

/// Replaces the policy variables and escapes in `text` and returns the
/// result with `*` and `?` left as written, as `StringEquals` reads it.
///
/// # Errors
///
/// Returns the first variable that has no value and no default.
pub fn substitute_text(text: &str, variables: &dyn VariableSource) -> Result<String, Unresolved> {
    let pieces = substitute(text, variables)?;
    Ok(pieces
        .iter()
        .map(|piece| match piece {
            Piece::Literal(character) => *character,
            Piece::Star => '*',
            Piece::Question => '?',
        })
        .collect())
}

/// Returns the names of the context keys that the policy variables in
/// `text` refer to, without the `${*}` `${?}` `${$}` escapes.
pub fn variable_keys(text: &str) -> Vec<&str> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let from_dollar = rest.get(start..).unwrap_or_default();
        let Some(end) = from_dollar.find('}') else {
            break;
        };
        let inner = from_dollar.get(2..end).unwrap_or_default();
        if !matches!(inner, "*" | "?" | "$") {
            keys.push(split_default(inner).0);
        }
        rest = from_dollar.get(end + 1..).unwrap_or_default();
    }
    keys
}

fn tokens_for(pieces: &[Piece], syntax: Syntax) -> Vec<Token> {
    let is_arn = syntax == Syntax::Arn && starts_with_arn(pieces);
    let mut colons = 0_usize;
    let mut tokens = Vec::with_capacity(pieces.len());
    for (index, piece) in pieces.iter().enumerate() {
        let token = match (piece, syntax) {
            (Piece::Literal(character), _) => Token::Char(*character),
            (Piece::Star, Syntax::Literal) => Token::Char('*'),
            (Piece::Question, Syntax::Literal) => Token::Char('?'),
            (Piece::Question, _) => Token::AnyChar,
            (Piece::Star, _) => {
                // The first five colons close the segments arn, partition,
                // service, region and account; after them comes the resource.
                let segment_ends =
                    matches!(pieces.get(index + 1), None | Some(Piece::Literal(':')));
                Token::AnyRun {
                    crosses_colon: !is_arn || colons >= 5 || segment_ends,
                }
            }
        };
        if *piece == Piece::Literal(':') {
            colons += 1;
        }
        tokens.push(token);
    }
    tokens
}

fn starts_with_arn(pieces: &[Piece]) -> bool {
    let prefix = [
        Piece::Literal('a'),
        Piece::Literal('r'),
        Piece::Literal('n'),
        Piece::Literal(':'),
    ];
    pieces.starts_with(&prefix)
}

/// Matches `value` against a `StringLike` pattern: `*` matches any run of
/// characters and `?` one. Case-sensitive, and `${…}` is plain text.
pub fn like(pattern: &str, value: &str) -> bool {
    Glob::literal_variables(pattern, Syntax::Like).is_match(value)
}

/// Returns true when the `Action` pattern matches `action`, ignoring
/// letter case as IAM does for action names.
pub fn matches_action(pattern: &str, action: &str) -> bool {
    Glob::literal_variables(&pattern.to_lowercase(), Syntax::Like).is_match(&action.to_lowercase())
}

/// Matches a `Resource` pattern against a resource ARN, case-sensitively.
///
/// # Errors
///
/// Returns the policy variable that could not be replaced.
pub fn matches_resource(
    pattern: &str,
    resource: &str,
    variables: &dyn VariableSource,
) -> Result<bool, Unresolved> {
    if pattern == "*" {
        return Ok(true);
    }
    Ok(Glob::compile(pattern, Syntax::Arn, variables)?.is_match(resource))
}

/// Writes `text` so that IAM reads every `*`, `?` and `$` in it literally.
pub fn escape_literal(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '*' => escaped.push_str("${*}"),
            '?' => escaped.push_str("${?}"),
            '$' => escaped.push_str("${$}"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Letter case rule for [`is_subset_pattern`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Letter case matters (resources, ARNs).
    Sensitive,
    /// Letter case does not matter (actions).
    Insensitive,
}

/// Returns true when every string that `narrow` matches is also matched by
/// `wide`, both read with `syntax`.
///
/// The check is sound but not complete: a `true` is always right, and a
/// pattern containing a policy variable is only covered by an identical
/// pattern or by a bare `*`.
pub fn is_subset_pattern(narrow: &str, wide: &str, syntax: Syntax, case: Case) -> bool {
    if wide == "*" && syntax != Syntax::Literal {
        return true;
    }
    let fold = |text: &str| match case {
        Case::Sensitive => text.to_owned(),
        Case::Insensitive => text.to_lowercase(),
    };
    let (narrow, wide) = (fold(narrow), fold(wide));
    if narrow == wide {
        return true;
    }
    if !variable_keys(&narrow).is_empty() || !variable_keys(&wide).is_empty() {
        return false;
    }
    let Ok(narrow) = Glob::compile(&narrow, syntax, &NoVariables) else {
        return false;
    };
    let Ok(wide) = Glob::compile(&wide, syntax, &NoVariables) else {
        return false;
    };
    covers(&wide.tokens, &narrow.tokens)
}

/// Decides whether the token string `wide` matches every expansion of
/// `narrow`, treating each token of `narrow` as a symbol.
fn covers(wide: &[Token], narrow: &[Token]) -> bool {
    // reachable[j]: wide's tokens so far can consume narrow[..j].
    let mut reachable = vec![false; narrow.len() + 1];
    set(&mut reachable, 0);
    for wide_token in wide {
        let mut next = vec![false; reachable.len()];
        match *wide_token {
            Token::AnyRun { crosses_colon } => {
                let mut open = false;
                for index in 0..reachable.len() {
                    open = open || reachable.get(index) == Some(&true);
                    if open {
                        set(&mut next, index);
                    }
                    let consumable = narrow.get(index).is_some_and(|token| {
                        crosses_colon || star_can_absorb_without_colon(*token)
                    });
                    if !consumable {
                        open = false;
                    }
                }
            }
            single => {
                for (index, narrow_token) in narrow.iter().enumerate() {
                    if reachable.get(index) == Some(&true) && covers_one(single, *narrow_token) {
                        set(&mut next, index + 1);
                    }
                }
            }
        }
        reachable = next;
    }
    reachable.last().copied().unwrap_or(false)
}

fn star_can_absorb_without_colon(token: Token) -> bool {
    match token {
        Token::Char(character) => character != ':',
        Token::AnyRun { crosses_colon } => !crosses_colon,
        // `?` may stand for a colon, which this star cannot consume.
        Token::AnyChar => false,
    }
}

fn covers_one(wide: Token, narrow: Token) -> bool {
    match (wide, narrow) {
        (Token::Char(a), Token::Char(b)) => a == b,
        (Token::AnyChar, Token::Char(_) | Token::AnyChar) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    struct Vars(BTreeMap<&'static str, Lookup<'static>>);

    impl VariableSource for Vars {
        fn lookup(&self, key: &str) -> Lookup<'_> {
            self.0
                .get(key.to_lowercase().as_str())
                .copied()
                .unwrap_or(Lookup::Absent)
        }
    }

    fn resource(pattern: &str, arn: &str) -> bool {
        matches_resource(pattern, arn, &NoVariables).unwrap()
    }

    #[test]
    fn star_spans_slashes() {
        assert!(resource(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b/c.txt"
        ));
        assert!(resource(
            "arn:aws:s3:::bucket/*/c.txt",
            "arn:aws:s3:::bucket/a/b/c.txt"
        ));
        assert!(!resource("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket"));
    }

    #[test]
    fn question_mark_is_one_character() {
        assert!(resource("arn:aws:s3:::b?cket", "arn:aws:s3:::bucket"));
        assert!(!resource("arn:aws:s3:::b?cket", "arn:aws:s3:::bcket"));
        assert!(!resource("arn:aws:s3:::b?cket", "arn:aws:s3:::buucket"));
    }

    #[test]
    fn resources_are_case_sensitive() {
        assert!(!resource(
            "arn:aws:iam::123456789012:user/Bob",
            "arn:aws:iam::123456789012:user/bob"
        ));
        assert!(!resource(
            "arn:aws:s3:::Bucket/*",
            "arn:aws:s3:::bucket/key"
        ));
    }

    #[test]
    fn actions_ignore_case() {
        assert!(matches_action("s3:get*", "s3:GetObject"));
        assert!(matches_action("S3:GetObject", "s3:getobject"));
        assert!(matches_action("*", "ec2:RunInstances"));
        assert!(!matches_action("s3:Get*", "s3:PutObject"));
        assert!(matches_action("ec2:Describe?pcs", "ec2:DescribeVpcs"));
    }

    #[test]
    fn star_inside_arn_segment_stays_in_segment() {
        // `us-*-1` is not at the end of the region segment, so it cannot
        // swallow the colon that ends it.
        assert!(resource(
            "arn:aws:ssm:us-*-1:111:parameter/a",
            "arn:aws:ssm:us-east-1:111:parameter/a"
        ));
        assert!(!resource(
            "arn:aws:ssm:us-*1:111:parameter/a",
            "arn:aws:ssm:us-east:1:111:parameter/a"
        ));
        // A star ending a segment may expand past the colon.
        assert!(resource(
            "arn:aws:ssm:*:111:parameter/a",
            "arn:aws:ssm:us-east-1:111:parameter/a"
        ));
        assert!(resource(
            "arn:aws:*",
            "arn:aws:ssm:us-east-1:111:parameter/a"
        ));
    }

    #[test]
    fn resource_part_star_crosses_colons() {
        assert!(resource(
            "arn:aws:logs:us-east-1:111:log-group:/app/*",
            "arn:aws:logs:us-east-1:111:log-group:/app/web:log-stream:x"
        ));
    }

    #[test]
    fn escapes_are_literal() {
        assert!(resource(
            "arn:aws:s3:::bucket/${*}",
            "arn:aws:s3:::bucket/*"
        ));
        assert!(!resource(
            "arn:aws:s3:::bucket/${*}",
            "arn:aws:s3:::bucket/key"
        ));
        assert!(resource(
            "arn:aws:s3:::bucket/a${?}",
            "arn:aws:s3:::bucket/a?"
        ));
        assert!(!resource(
            "arn:aws:s3:::bucket/a${?}",
            "arn:aws:s3:::bucket/ab"
        ));
        assert!(resource(
            "arn:aws:s3:::bucket/${$}HOME",
            "arn:aws:s3:::bucket/$HOME"
        ));
    }

    #[test]
    fn variables_are_replaced_literally() {
        let vars = Vars(BTreeMap::from([("aws:username", Lookup::Value("a*b"))]));
        let pattern = "arn:aws:s3:::home/${aws:username}/*";
        assert_eq!(
            matches_resource(pattern, "arn:aws:s3:::home/a*b/x", &vars),
            Ok(true)
        );
        assert_eq!(
            matches_resource(pattern, "arn:aws:s3:::home/aXb/x", &vars),
            Ok(false)
        );
        let upper = "arn:aws:s3:::home/${AWS:UserName}/*";
        assert_eq!(
            matches_resource(upper, "arn:aws:s3:::home/a*b/x", &vars),
            Ok(true)
        );
    }

    #[test]
    fn missing_variable_uses_default_or_fails() {
        let vars = Vars(BTreeMap::from([("aws:principaltag/team", Lookup::Unknown)]));
        let with_default = "arn:aws:s3:::b/${aws:username, 'shared'}/*";
        assert_eq!(
            matches_resource(with_default, "arn:aws:s3:::b/shared/x", &vars),
            Ok(true)
        );
        let err = matches_resource("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/x", &vars);
        assert_eq!(
            err,
            Err(Unresolved {
                key: "aws:username".into(),
                reason: UnresolvedReason::Absent
            })
        );
        let err = matches_resource("arn:aws:s3:::${aws:PrincipalTag/team}", "x", &vars);
        assert_eq!(err.unwrap_err().reason, UnresolvedReason::Unknown);
    }

    #[test]
    fn unterminated_variable_is_text() {
        assert!(resource("arn:aws:s3:::b/${oops", "arn:aws:s3:::b/${oops"));
    }

    #[test]
    fn like_matches_plain_patterns() {
        assert!(like("repo:org/app:*", "repo:org/app:ref:refs/heads/main"));
        assert!(like("repo:org/ap?:*", "repo:org/api:environment:prod"));
        assert!(!like(
            "repo:org/app:*",
            "repo:other/app:ref:refs/heads/main"
        ));
        assert!(like("a*b*c", "abc"));
        assert!(!like("abc", "ABC"));
    }

    #[test]
    fn literal_syntax_ignores_wildcards() {
        let glob = Glob::compile("a*b", Syntax::Literal, &NoVariables).unwrap();
        assert!(glob.is_match("a*b"));
        assert!(!glob.is_match("axxb"));
    }

    #[test]
    fn variable_keys_skip_escapes() {
        assert_eq!(
            variable_keys("${aws:username}/${*}/${aws:PrincipalTag/team, 'x'}"),
            vec!["aws:username", "aws:PrincipalTag/team"]
        );
    }

    #[test]
    fn escape_literal_round_trips() {
        let escaped = escape_literal("a*b?c$d");
        assert_eq!(escaped, "a${*}b${?}c${$}d");
        assert!(resource(
            &format!("arn:aws:s3:::{escaped}"),
            "arn:aws:s3:::a*b?c$d"
        ));
    }

    #[test]
    fn subset_patterns() {
        let arn = |narrow, wide| is_subset_pattern(narrow, wide, Syntax::Arn, Case::Sensitive);
        assert!(arn("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/*"));
        assert!(arn("arn:aws:s3:::b/a?c", "arn:aws:s3:::b/a*"));
        assert!(arn("arn:aws:s3:::b/x", "*"));
        assert!(!arn("arn:aws:s3:::b/*", "arn:aws:s3:::b/logs/*"));
        assert!(!arn("arn:aws:s3:::b/*", "arn:aws:s3:::b/?"));
        assert!(arn(
            "arn:aws:s3:::b/${aws:username}",
            "arn:aws:s3:::b/${aws:username}"
        ));
        assert!(!arn("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/*"));
        let action =
            |narrow, wide| is_subset_pattern(narrow, wide, Syntax::Like, Case::Insensitive);
        assert!(action("s3:GetObject", "s3:get*"));
        assert!(action("s3:Get*", "S3:*"));
        assert!(!action("s3:*", "s3:Get*"));
    }
}
