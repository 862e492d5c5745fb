//! IAM policy model, parsing of the shapes users have policies in, and
//! identity-based policy evaluation.
//!
//! [`model`] is the document as IAM defines it; [`parse`] accepts plain
//! documents and AWS CLI outputs; [`eval`] decides a request against a set of
//! documents and says which statements decided it; [`wildcard`] holds IAM's
//! `*`/`?` matching and the `${*}` `${?}` `${$}` escapes.

pub mod eval;
pub mod model;
pub mod parse;
pub mod wildcard;

pub use model::{ConditionBlock, Effect, PolicyDocument, Statement, ValueList};
