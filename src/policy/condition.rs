//! The `Condition` element: condition operators and how one statement's
//! condition block is decided against a request context.
//!
//! The rules follow the IAM User Guide pages "IAM JSON policy elements:
//! Condition operators" and "Single-valued vs. multivalued context keys".
//! Every operator and every key in a block must hold, and several values
//! for one key are alternatives. Negated operators (`StringNotEquals`,
//! `ArnNotLike`, `NotIpAddress` …) hold when no value matches. A key
//! missing from the request makes a condition false, except that negated
//! operators, `…IfExists` and `ForAllValues:` then hold and `Null` tests
//! for exactly that.
//!
//! A key that the request may carry but whose value is not known makes the
//! condition undetermined rather than false, so that a caller never reads
//! an unknown as an allow.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use ipnet::IpNet;

use super::eval::{KeyState, MatchResult, Request};
use super::model::ConditionBlock;
use super::wildcard::{substitute_text, Glob, Syntax, Unresolved, UnresolvedReason};

/// `ForAllValues:` or `ForAnyValue:`, the set qualifiers for multivalued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    /// Every request value must match (and no value at all matches).
    ForAllValues,
    /// At least one request value must match.
    ForAnyValue,
}

/// A condition operator without its qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(missing_docs, reason = "the variants are the IAM operator names")]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const BASE_OPERATORS: [(&str, BaseOperator); 27] = [
    ("StringEquals", BaseOperator::StringEquals),
    ("StringNotEquals", BaseOperator::StringNotEquals),
    (
        "StringEqualsIgnoreCase",
        BaseOperator::StringEqualsIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        BaseOperator::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", BaseOperator::StringLike),
    ("StringNotLike", BaseOperator::StringNotLike),
    ("NumericEquals", BaseOperator::NumericEquals),
    ("NumericNotEquals", BaseOperator::NumericNotEquals),
    ("NumericLessThan", BaseOperator::NumericLessThan),
    ("NumericLessThanEquals", BaseOperator::NumericLessThanEquals),
    ("NumericGreaterThan", BaseOperator::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        BaseOperator::NumericGreaterThanEquals,
    ),
    ("DateEquals", BaseOperator::DateEquals),
    ("DateNotEquals", BaseOperator::DateNotEquals),
    ("DateLessThan", BaseOperator::DateLessThan),
    ("DateLessThanEquals", BaseOperator::DateLessThanEquals),
    ("DateGreaterThan", BaseOperator::DateGreaterThan),
    ("DateGreaterThanEquals", BaseOperator::DateGreaterThanEquals),
    ("Bool", BaseOperator::Bool),
    ("BinaryEquals", BaseOperator::BinaryEquals),
    ("IpAddress", BaseOperator::IpAddress),
    ("NotIpAddress", BaseOperator::NotIpAddress),
    ("ArnEquals", BaseOperator::ArnEquals),
    ("ArnLike", BaseOperator::ArnLike),
    ("ArnNotEquals", BaseOperator::ArnNotEquals),
    ("ArnNotLike", BaseOperator::ArnNotLike),
    ("Null", BaseOperator::Null),
];

impl BaseOperator {
    /// Returns the operator's name as IAM spells it.
    pub fn name(self) -> &'static str {
        BASE_OPERATORS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("", |(name, _)| name)
    }

    /// Returns true for the operators that hold when no value matches.
    pub fn is_negated(self) -> bool {
        self.positive() != self
    }

    /// Returns the operator whose result this one negates, or itself.
    fn positive(self) -> BaseOperator {
        use BaseOperator as Op;
        match self {
            Op::StringNotEquals => Op::StringEquals,
            Op::StringNotEqualsIgnoreCase => Op::StringEqualsIgnoreCase,
            Op::StringNotLike => Op::StringLike,
            Op::NumericNotEquals => Op::NumericEquals,
            Op::DateNotEquals => Op::DateEquals,
            Op::NotIpAddress => Op::IpAddress,
            Op::ArnNotEquals => Op::ArnEquals,
            Op::ArnNotLike => Op::ArnLike,
            other => other,
        }
    }
}

/// A parsed condition operator such as `ForAnyValue:StringLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    /// The set qualifier, if any.
    pub qualifier: Option<SetQualifier>,
    /// The comparison.
    pub base: BaseOperator,
    /// True for the `…IfExists` form.
    pub if_exists: bool,
}

/// A condition operator name that IAM does not define.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown condition operator `{name}`")]
pub struct UnknownOperatorError {
    name: String,
}

impl FromStr for Operator {
    type Err = UnknownOperatorError;

    // NOTE: operator names are matched in any letter case. Whether IAM
    // accepts other spellings than its own is not checked here.
    fn from_str(name: &str) -> Result<Operator, UnknownOperatorError> {
        let unknown = || UnknownOperatorError {
            name: name.to_owned(),
        };
        let lower = name.to_ascii_lowercase();
        let (qualifier, rest) = if let Some(rest) = lower.strip_prefix("forallvalues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = lower.strip_prefix("foranyvalue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, lower.as_str())
        };
        let (if_exists, rest) = match rest.strip_suffix("ifexists") {
            Some(stripped) => (true, stripped),
            None => (false, rest),
        };
        let base = BASE_OPERATORS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(rest))
            .map(|(_, op)| *op)
            .ok_or_else(unknown)?;
        if base == BaseOperator::Null && if_exists {
            return Err(unknown());
        }
        Ok(Operator {
            qualifier,
            base,
            if_exists,
        })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// The result of deciding a condition block, with the keys it depended on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionOutcome {
    /// The block's result.
    pub result: MatchResult,
    /// Keys whose unknown value left the result undetermined (empty unless
    /// the result is [`MatchResult::Undetermined`]).
    pub undetermined_keys: Vec<String>,
    /// Keys the request did not carry, read as absent because `Null` or
    /// `…IfExists` define that case.
    pub assumed_absent_keys: Vec<String>,
    /// Values that could not be read (a number that is not a number …);
    /// each makes its comparison false.
    pub problems: Vec<String>,
}

/// Decides a statement's condition block against `request`.
pub fn evaluate_block(block: &ConditionBlock, request: &Request) -> ConditionOutcome {
    let mut outcome = ConditionOutcome {
        result: MatchResult::Match,
        undetermined_keys: Vec::new(),
        assumed_absent_keys: Vec::new(),
        problems: Vec::new(),
    };
    let mut undetermined = Vec::new();
    for (operator_name, keys) in block {
        let operator = match operator_name.parse::<Operator>() {
            Ok(operator) => operator,
            Err(err) => {
                outcome.problems.push(err.to_string());
                undetermined.extend(keys.keys().cloned());
                outcome.result = outcome.result.and(MatchResult::Undetermined);
                continue;
            }
        };
        for (key, values) in keys {
            let mut check = Check {
                request,
                outcome: &mut outcome,
                undetermined: &mut undetermined,
            };
            let result = check.key(operator, key, values.values());
            outcome.result = outcome.result.and(result);
        }
    }
    if outcome.result == MatchResult::Undetermined {
        dedup_keys(&mut undetermined);
        outcome.undetermined_keys = undetermined;
    }
    dedup_keys(&mut outcome.assumed_absent_keys);
    outcome
}

fn dedup_keys(keys: &mut Vec<String>) {
    keys.sort_by_key(|key| key.to_lowercase());
    keys.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
}

/// The result of comparing one request value with one policy value.
enum Comparison {
    Equal(bool),
    /// A value could not be read; the comparison counts as failed.
    Invalid,
    /// A policy variable's value is not known.
    Unknown(String),
}

struct Check<'a, 'b> {
    request: &'a Request,
    outcome: &'b mut ConditionOutcome,
    undetermined: &'b mut Vec<String>,
}

impl Check<'_, '_> {
    fn key(&mut self, operator: Operator, key: &str, policy_values: &[String]) -> MatchResult {
        let values = match self.request.key_state(key) {
            KeyState::Present(values) => values,
            KeyState::Absent => return missing_key_result(operator, policy_values),
            KeyState::Unknown if operator.base == BaseOperator::Null || operator.if_exists => {
                self.outcome.assumed_absent_keys.push(key.to_owned());
                return missing_key_result(operator, policy_values);
            }
            KeyState::Unknown => {
                self.undetermined.push(key.to_owned());
                return MatchResult::Undetermined;
            }
        };
        if operator.base == BaseOperator::Null {
            return MatchResult::from(
                policy_values
                    .iter()
                    .any(|v| v.eq_ignore_ascii_case("false")),
            );
        }
        match (operator.qualifier, values) {
            (Some(SetQualifier::ForAllValues), _) => MatchResult::all(
                values
                    .iter()
                    .map(|value| self.one_value(operator, key, value, policy_values)),
            ),
            (Some(SetQualifier::ForAnyValue), _) => MatchResult::any(
                values
                    .iter()
                    .map(|value| self.one_value(operator, key, value, policy_values)),
            ),
            (None, [value]) => self.one_value(operator, key, value, policy_values),
            (None, _) => {
                self.outcome.problems.push(format!(
                    "`{key}` has {} values in the request; `{operator}` needs \
                     `ForAllValues:` or `ForAnyValue:` to compare them",
                    values.len()
                ));
                MatchResult::NoMatch
            }
        }
    }

    /// Decides one request value against all the policy values: a positive
    /// operator needs one equal value, a negated one needs none.
    fn one_value(
        &mut self,
        operator: Operator,
        key: &str,
        value: &str,
        policy_values: &[String],
    ) -> MatchResult {
        let positive = operator.base.positive();
        let mut unknown = None;
        let mut invalid = false;
        for policy_value in policy_values {
            match compare(positive, value, policy_value, self.request) {
                Comparison::Equal(true) => return MatchResult::from(!operator.base.is_negated()),
                Comparison::Equal(false) => {}
                Comparison::Invalid => {
                    invalid = true;
                    self.outcome.problems.push(format!(
                        "`{operator}` cannot compare `{key}` value `{value}` with `{policy_value}`"
                    ));
                }
                Comparison::Unknown(variable) => unknown = Some(variable),
            }
        }
        if let Some(variable) = unknown {
            self.undetermined.push(variable);
            return MatchResult::Undetermined;
        }
        // An unreadable value never satisfies a negated operator either.
        MatchResult::from(operator.base.is_negated() && !invalid)
    }
}

/// Decides a condition on a key the request does not carry.
fn missing_key_result(operator: Operator, policy_values: &[String]) -> MatchResult {
    if operator.base == BaseOperator::Null {
        return MatchResult::from(policy_values.iter().any(|v| v.eq_ignore_ascii_case("true")));
    }
    if operator.if_exists {
        return MatchResult::Match;
    }
    match operator.qualifier {
        Some(SetQualifier::ForAllValues) => MatchResult::Match,
        Some(SetQualifier::ForAnyValue) => MatchResult::NoMatch,
        None => MatchResult::from(operator.base.is_negated()),
    }
}

/// Compares a request value with a policy value under a positive operator.
fn compare(base: BaseOperator, value: &str, policy_value: &str, request: &Request) -> Comparison {
    use BaseOperator as Op;
    match base {
        Op::StringEquals => match substitute_text(policy_value, request) {
            Ok(text) => Comparison::Equal(text == value),
            Err(unresolved) => unresolved_comparison(unresolved),
        },
        Op::StringEqualsIgnoreCase => match substitute_text(policy_value, request) {
            Ok(text) => Comparison::Equal(text.to_lowercase() == value.to_lowercase()),
            Err(unresolved) => unresolved_comparison(unresolved),
        },
        Op::StringLike => match Glob::compile(policy_value, Syntax::Like, request) {
            Ok(glob) => Comparison::Equal(glob.is_match(value)),
            Err(unresolved) => unresolved_comparison(unresolved),
        },
        Op::ArnEquals | Op::ArnLike => compare_arn(value, policy_value, request),
        Op::Bool => compare_bool(value, policy_value, request),
        Op::BinaryEquals => Comparison::Equal(value == policy_value),
        Op::IpAddress => compare_ip(value, policy_value),
        Op::NumericEquals
        | Op::NumericLessThan
        | Op::NumericLessThanEquals
        | Op::NumericGreaterThan
        | Op::NumericGreaterThanEquals => compare_parsed(base, value, policy_value, parse_number),
        Op::DateEquals
        | Op::DateLessThan
        | Op::DateLessThanEquals
        | Op::DateGreaterThan
        | Op::DateGreaterThanEquals => compare_parsed(base, value, policy_value, parse_date),
        // Negated operators are decided through their positive form, and
        // `Null` never reaches a value comparison.
        _ => Comparison::Invalid,
    }
}

fn unresolved_comparison(unresolved: Unresolved) -> Comparison {
    match unresolved.reason {
        UnresolvedReason::Unknown => Comparison::Unknown(unresolved.key),
        UnresolvedReason::Absent | UnresolvedReason::MultiValued => Comparison::Invalid,
    }
}

/// `ArnLike` and `ArnEquals` compare the six colon-separated ARN parts one
/// by one; the last part keeps any further colons.
fn compare_arn(value: &str, policy_value: &str, request: &Request) -> Comparison {
    let policy_parts: Vec<&str> = policy_value.splitn(6, ':').collect();
    let value_parts: Vec<&str> = value.splitn(6, ':').collect();
    if policy_parts.len() != 6 || value_parts.len() != 6 {
        return Comparison::Invalid;
    }
    let mut equal = true;
    for (pattern, part) in policy_parts.iter().zip(&value_parts) {
        match Glob::compile(pattern, Syntax::Like, request) {
            Ok(glob) => equal = equal && glob.is_match(part),
            Err(unresolved) => return unresolved_comparison(unresolved),
        }
    }
    Comparison::Equal(equal)
}

fn compare_bool(value: &str, policy_value: &str, request: &Request) -> Comparison {
    let resolved = match substitute_text(policy_value, request) {
        Ok(text) => text,
        Err(unresolved) => return unresolved_comparison(unresolved),
    };
    match (parse_bool(&resolved), parse_bool(value)) {
        (Some(expected), Some(actual)) => Comparison::Equal(expected == actual),
        _ => Comparison::Invalid,
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn compare_ip(value: &str, policy_value: &str) -> Comparison {
    let network = policy_value
        .parse::<IpNet>()
        .ok()
        .or_else(|| policy_value.parse::<IpAddr>().ok().map(IpNet::from));
    match (network, value.parse::<IpAddr>()) {
        (Some(network), Ok(address)) => Comparison::Equal(network.contains(&address)),
        _ => Comparison::Invalid,
    }
}

fn compare_parsed(
    base: BaseOperator,
    value: &str,
    policy_value: &str,
    parse: fn(&str) -> Option<f64>,
) -> Comparison {
    let (Some(actual), Some(expected)) = (parse(value), parse(policy_value)) else {
        return Comparison::Invalid;
    };
    use BaseOperator as Op;
    let equal = match base {
        Op::NumericEquals | Op::DateEquals => actual == expected,
        Op::NumericLessThan | Op::DateLessThan => actual < expected,
        Op::NumericLessThanEquals | Op::DateLessThanEquals => actual <= expected,
        Op::NumericGreaterThan | Op::DateGreaterThan => actual > expected,
        Op::NumericGreaterThanEquals | Op::DateGreaterThanEquals => actual >= expected,
        _ => return Comparison::Invalid,
    };
    Comparison::Equal(equal)
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite())
}

/// Reads a date as seconds since the Unix epoch. An integer is already
/// epoch seconds (`aws:EpochTime`). Other text is ISO 8601, with or without
/// a time and a zone, and UTC when no zone is given.
fn parse_date(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(seconds as f64);
    }
    let millis = if let Ok(date_time) = DateTime::parse_from_rfc3339(text) {
        date_time.timestamp_millis()
    } else if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        naive.and_utc().timestamp_millis()
    } else {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis()
    };
    Some(millis as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names_parse() {
        let op: Operator = "ForAnyValue:StringLikeIfExists".parse().unwrap();
        assert_eq!(op.qualifier, Some(SetQualifier::ForAnyValue));
        assert_eq!(op.base, BaseOperator::StringLike);
        assert!(op.if_exists);
        assert_eq!(op.to_string(), "ForAnyValue:StringLikeIfExists");
        let op: Operator = "NotIpAddress".parse().unwrap();
        assert_eq!(op.base, BaseOperator::NotIpAddress);
        assert!(op.base.is_negated());
        assert!(!op.if_exists);
    }

    #[test]
    fn unknown_operators_are_rejected() {
        let err = "StringEqual".parse::<Operator>().unwrap_err();
        assert_eq!(err.to_string(), "unknown condition operator `StringEqual`");
        assert!("NullIfExists".parse::<Operator>().is_err());
        assert!("ForSomeValues:StringEquals".parse::<Operator>().is_err());
    }

    #[test]
    fn dates_read_epoch_and_iso() {
        assert_eq!(parse_date("0"), Some(0.0));
        assert_eq!(parse_date("1970-01-01T00:01:00Z"), Some(60.0));
        assert_eq!(parse_date("1970-01-02"), Some(86_400.0));
        assert_eq!(parse_date("1970-01-01T00:00:01"), Some(1.0));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn ip_ranges_and_single_addresses() {
        assert!(matches!(
            compare_ip("203.0.113.7", "203.0.113.0/24"),
            Comparison::Equal(true)
        ));
        assert!(matches!(
            compare_ip("203.0.114.7", "203.0.113.0/24"),
            Comparison::Equal(false)
        ));
        assert!(matches!(
            compare_ip("203.0.113.7", "203.0.113.7"),
            Comparison::Equal(true)
        ));
        assert!(matches!(
            compare_ip("2001:db8::1", "2001:db8::/32"),
            Comparison::Equal(true)
        ));
        assert!(matches!(
            compare_ip("2001:db8::1", "203.0.113.0/24"),
            Comparison::Equal(false)
        ));
        assert!(matches!(
            compare_ip("not-an-ip", "203.0.113.0/24"),
            Comparison::Invalid
        ));
    }
}
