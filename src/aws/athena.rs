//! Amazon Athena as a source: one query over a CloudTrail table returns the
//! role's relevant events (see [`super::query::athena_sql`]), and its rows
//! become records.
//!
//! The calls are `StartQueryExecution`, `GetQueryExecution` until the query
//! leaves the `QUEUED` and `RUNNING` states, and `GetQueryResults` page by
//! page. Athena writes the full result to the output location as well; the
//! workgroup's location applies when `--output-location` is not given.

use std::time::Duration;

use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration, Row};
use aws_sdk_athena::Client;
use aws_types::SdkConfig;

use super::errors::{translate, AwsError};
use super::results::{QueryError, QueryFailure, QueryOutcome, RowReader};
use super::spinner::{self, Spinner};
use crate::learn::LearnOptions;

/// Rows per `GetQueryResults` page: the most Athena returns.
const PAGE_SIZE: i32 = 1000;

/// The first pause between two `GetQueryExecution` calls; it grows to
/// [`MAX_POLL_INTERVAL`].
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The maximum pause between two `GetQueryExecution` calls.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// The query and the Athena settings to run it with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AthenaRequest {
    /// The SQL.
    pub sql: String,
    /// The database of unqualified table names.
    pub database: Option<String>,
    /// The workgroup; Athena uses `primary` when unset.
    pub workgroup: Option<String>,
    /// The S3 location (`s3://…`) Athena writes the results to; the
    /// workgroup's setting applies when unset.
    pub output_location: Option<String>,
}

/// Runs the query and returns the role's records from its rows.
pub async fn query_athena(
    config: &SdkConfig,
    request: &AthenaRequest,
    options: &LearnOptions,
) -> Result<QueryOutcome, QueryError> {
    let client = Client::new(config);
    let region = config.region().map(ToString::to_string);
    let region = region.as_deref();
    let spinner = Spinner::on_stderr();
    spinner.set("Athena: starting the query".to_owned());
    let result = async {
        let id = start(&client, request, region).await?;
        tracing::debug!(query_id = %id, "Athena query started");
        let scanned = wait(&client, &id, region, &spinner).await?;
        let mut reader = RowReader::new(format!("athena:{id}"), id.clone(), options);
        reader.set_bytes_scanned(scanned);
        read_results(&client, &id, region, &mut reader, &spinner).await?;
        Ok(reader.finish())
    }
    .await;
    spinner.finish();
    result
}

async fn start(
    client: &Client,
    request: &AthenaRequest,
    region: Option<&str>,
) -> Result<String, AwsError> {
    let mut call = client.start_query_execution().query_string(&request.sql);
    if let Some(database) = &request.database {
        call = call
            .query_execution_context(QueryExecutionContext::builder().database(database).build());
    }
    if let Some(workgroup) = &request.workgroup {
        call = call.work_group(workgroup);
    }
    if let Some(location) = &request.output_location {
        call = call.result_configuration(
            ResultConfiguration::builder()
                .output_location(location)
                .build(),
        );
    }
    let output = call
        .send()
        .await
        .map_err(|error| translate(&error, "athena:StartQueryExecution", region))?;
    output
        .query_execution_id()
        .map(str::to_owned)
        .ok_or_else(|| {
            AwsError::invalid_response(
                "athena:StartQueryExecution",
                "Athena returned no query execution id".to_owned(),
            )
        })
}

/// Polls until the query ends; returns the bytes it scanned.
async fn wait(
    client: &Client,
    id: &str,
    region: Option<&str>,
    spinner: &Spinner,
) -> Result<Option<u64>, QueryError> {
    let mut interval = FIRST_POLL_INTERVAL;
    loop {
        let output = client
            .get_query_execution()
            .query_execution_id(id)
            .send()
            .await
            .map_err(|error| translate(&error, "athena:GetQueryExecution", region))?;
        let execution = output.query_execution();
        let status = execution.and_then(|execution| execution.status());
        let scanned = execution
            .and_then(|execution| execution.statistics())
            .and_then(|statistics| statistics.data_scanned_in_bytes())
            .and_then(|bytes| u64::try_from(bytes).ok());
        let state = status.and_then(|status| status.state());
        match state {
            Some(QueryExecutionState::Succeeded) => return Ok(scanned),
            Some(QueryExecutionState::Queued | QueryExecutionState::Running) | None => {}
            Some(other) => {
                let reason = status.and_then(|status| {
                    status
                        .athena_error()
                        .and_then(|error| error.error_message())
                        .or(status.state_change_reason())
                        .map(str::to_owned)
                });
                let failure =
                    QueryFailure::new("Athena", id.to_owned(), other.as_str().to_owned(), reason);
                return Err(failure.into());
            }
        }
        let state = state.map_or("SUBMITTED", QueryExecutionState::as_str);
        let scanned = scanned.map(spinner::bytes).unwrap_or_default();
        spinner.set(format!("Athena query {state}, {scanned} scanned"));
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(MAX_POLL_INTERVAL);
    }
}

async fn read_results(
    client: &Client,
    id: &str,
    region: Option<&str>,
    reader: &mut RowReader<'_>,
    spinner: &Spinner,
) -> Result<(), AwsError> {
    let mut pages = client
        .get_query_results()
        .query_execution_id(id)
        .max_results(PAGE_SIZE)
        .into_paginator()
        .send();
    let mut first = true;
    let mut rows_read = 0usize;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| translate(&error, "athena:GetQueryResults", region))?;
        let Some(result_set) = page.result_set() else {
            continue;
        };
        let columns: Vec<String> = result_set
            .result_set_metadata()
            .map(|metadata| {
                metadata
                    .column_info()
                    .iter()
                    .map(|column| column.label().unwrap_or(column.name()).to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let mut rows = result_set.rows();
        // The first row of a SELECT's first page repeats the column names.
        if first && rows.first().is_some_and(|row| is_header(row, &columns)) {
            rows = rows.get(1..).unwrap_or_default();
        }
        first = false;
        rows_read += rows.len();
        reader.page(rows.iter().map(|row| cells(row, &columns)));
        spinner.set(format!("Athena: {rows_read} rows read"));
    }
    Ok(())
}

fn is_header(row: &Row, columns: &[String]) -> bool {
    let values: Vec<Option<&str>> = row
        .data()
        .iter()
        .map(|datum| datum.var_char_value())
        .collect();
    !columns.is_empty()
        && values.len() == columns.len()
        && values
            .iter()
            .zip(columns)
            .all(|(value, column)| value.is_some_and(|value| value.eq_ignore_ascii_case(column)))
}

fn cells(row: &Row, columns: &[String]) -> Vec<(String, Option<String>)> {
    columns
        .iter()
        .zip(row.data())
        .map(|(column, datum)| (column.clone(), datum.var_char_value().map(str::to_owned)))
        .collect()
}
