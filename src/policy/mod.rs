//! IAM policy model, parsing of the shapes users have policies in, and
//! identity-based policy evaluation.
//!
//! [`model`] is the document as IAM defines it; [`parse`] accepts plain
//! documents and AWS CLI outputs; [`eval`] decides a request against a set of
//! documents and says which statements decided it, with [`condition`]
//! deciding `Condition` blocks; [`wildcard`] holds IAM's `*`/`?` matching,
//! policy variables and the `${*}` `${?}` `${$}` escapes.

pub mod condition;
pub mod eval;
pub mod model;
pub mod parse;
pub mod wildcard;

pub use eval::{
    allows, evaluate, evaluate_documents, match_statement, Completeness, Decision, Evaluation,
    MatchResult, Request, StatementMatch, StatementRef,
};
pub use model::{ConditionBlock, Effect, PolicyDocument, Statement, ValueList};
pub use parse::{
    parse_document_text, parse_file, parse_text, NamedPolicy, ParseError, ParseOptions, PolicyKind,
    PolicySet,
};
