//! Query result rows into records, shared by the Athena and CloudTrail Lake
//! sources.
//!
//! Both engines return rows of named string values. Each page is written as
//! a CloudTrail Lake `GetQueryResults` document and read by
//! [`crate::source::scan_bytes`], so rows become records exactly as a saved
//! Lake result file does, and the prefilter and role filter apply as for
//! files. The [`ROLE_RECORDS_COLUMN`] is taken out first.

use std::fmt;

use serde_json::{Map, Value};

use super::errors::AwsError;
use super::query::ROLE_RECORDS_COLUMN;
use crate::learn::LearnOptions;
use crate::record::Record;
use crate::source::{self, ScanReport};

/// The records a query returned.
#[derive(Debug, Clone, Default)]
pub struct QueryOutcome {
    /// The role's records in the window that the pipeline needs: every
    /// denial, the successes that followed a denial of the same call, and
    /// possibly one other record.
    pub records: Vec<Record>,
    /// The number of the role's records in the window, denied or not;
    /// `None` when no row arrived.
    pub role_records: Option<usize>,
    /// Rows that could not be read.
    pub scan: ScanReport,
    /// The query's id.
    pub query_id: String,
    /// The bytes the engine scanned, when it reports them.
    pub bytes_scanned: Option<u64>,
}

/// A query that could not be run to the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// An API call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The engine ran the query and reported a failure.
    #[error(transparent)]
    Failed(#[from] QueryFailure),
}

/// A query the engine failed, cancelled or timed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryFailure {
    engine: &'static str,
    query_id: String,
    state: String,
    reason: Option<String>,
}

impl QueryFailure {
    /// Creates the failure of query `query_id`, which ended in `state`.
    pub(crate) fn new(
        engine: &'static str,
        query_id: String,
        state: String,
        reason: Option<String>,
    ) -> QueryFailure {
        QueryFailure {
            engine,
            query_id,
            state,
            reason,
        }
    }
}

impl fmt::Display for QueryFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} query `{}` ended in state {}",
            self.engine, self.query_id, self.state
        )?;
        if let Some(reason) = &self.reason {
            write!(
                f,
                ": {}",
                reason.split_whitespace().collect::<Vec<_>>().join(" ")
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for QueryFailure {}

/// Collects the records of result pages.
#[derive(Debug)]
pub(crate) struct RowReader<'a> {
    name: String,
    options: &'a LearnOptions,
    outcome: QueryOutcome,
}

impl<'a> RowReader<'a> {
    /// Creates a reader for the results of query `query_id`; `name` names
    /// the source in problem messages.
    pub fn new(name: String, query_id: String, options: &'a LearnOptions) -> RowReader<'a> {
        RowReader {
            name,
            options,
            outcome: QueryOutcome {
                query_id,
                ..QueryOutcome::default()
            },
        }
    }

    /// Reads one page of rows, each a list of `(column, value)` pairs.
    pub fn page<I, R>(&mut self, rows: I)
    where
        I: IntoIterator<Item = R>,
        R: IntoIterator<Item = (String, Option<String>)>,
    {
        let mut lake_rows = Vec::new();
        for row in rows {
            let mut columns = Vec::new();
            for (column, value) in row {
                if column.eq_ignore_ascii_case(ROLE_RECORDS_COLUMN) {
                    let count = value.as_deref().and_then(|text| text.trim().parse().ok());
                    if self.outcome.role_records.is_none() {
                        self.outcome.role_records = count;
                    }
                    continue;
                }
                let mut cell = Map::new();
                cell.insert(column, value.map_or(Value::Null, Value::String));
                columns.push(Value::Object(cell));
            }
            lake_rows.push(Value::Array(columns));
        }
        let mut document = Map::new();
        document.insert("QueryResultRows".to_owned(), Value::Array(lake_rows));
        let bytes = Value::Object(document).to_string().into_bytes();
        let options = self.options;
        let records = &mut self.outcome.records;
        let report = source::scan_bytes(&self.name, &bytes, &options.prefilter(), |record, _| {
            if options.accepts(&record) {
                records.push(record);
            }
        });
        self.outcome.scan.merge(report);
    }

    /// Records the bytes the engine scanned.
    pub fn set_bytes_scanned(&mut self, bytes: Option<u64>) {
        self.outcome.bytes_scanned = bytes;
    }

    /// Returns what was read.
    pub fn finish(self) -> QueryOutcome {
        self.outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::Window;
    use crate::record::RoleSelector;

    fn options() -> LearnOptions {
        LearnOptions {
            role: RoleSelector::parse("arn:aws:iam::111122223333:role/gha-deploy").unwrap(),
            window: Window::default(),
            trust_policy: None,
            current: None,
            anticipate: Default::default(),
            hints: Default::default(),
        }
    }

    fn cell(column: &str, value: &str) -> (String, Option<String>) {
        (column.to_owned(), Some(value.to_owned()))
    }

    #[test]
    fn rows_become_records_and_count() {
        let options = options();
        let mut reader = RowReader::new("athena".into(), "q-1".into(), &options);
        reader.page([
            vec![
                cell("eventTime", "2026-11-20T09:00:07Z"),
                cell("eventName", "GetAuthorizationToken"),
                cell(
                    "userIdentity.sessionContext.sessionIssuer.arn",
                    "arn:aws:iam::111122223333:role/gha-deploy",
                ),
                ("errorCode".to_owned(), None),
                cell("role_records", "7"),
            ],
            vec![
                cell("eventName", "PutImage"),
                cell(
                    "userIdentity.sessionContext.sessionIssuer.arn",
                    "arn:aws:iam::111122223333:role/other",
                ),
                cell("role_records", "7"),
            ],
        ]);
        let outcome = reader.finish();
        assert_eq!(outcome.role_records, Some(7));
        assert_eq!(outcome.records.len(), 1);
        assert_eq!(outcome.records[0].name(), "GetAuthorizationToken");
        assert_eq!(outcome.records[0].error_code, None);
        assert_eq!(outcome.scan.records, 2);
        assert!(outcome.scan.problems.is_empty());
    }

    #[test]
    fn failure_names_query_and_reason() {
        let failure = QueryFailure::new(
            "Athena",
            "q-9".into(),
            "FAILED".into(),
            Some("TABLE_NOT_FOUND: line 3:8:\n Table 'x' does not exist".into()),
        );
        assert_eq!(
            failure.to_string(),
            "Athena query `q-9` ended in state FAILED: TABLE_NOT_FOUND: line 3:8: Table 'x' \
             does not exist"
        );
    }
}
