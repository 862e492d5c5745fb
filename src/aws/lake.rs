//! CloudTrail Lake as a source, for its existing customers: one query over
//! an event data store returns the role's relevant events (see
//! [`super::query::lake_sql`]), and its rows become records.
//!
//! The calls are `StartQuery`, `DescribeQuery` until the query leaves the
//! `QUEUED` and `RUNNING` states, and `GetQueryResults` page by page. Lake
//! keeps `requestParameters`, `responseElements` and `additionalEventData`
//! as maps of strings, so a nested request parameter arrives as its JSON
//! text and a number or boolean as a string, as in saved Lake result files.

use std::time::Duration;

use aws_config::Region;
use aws_sdk_cloudtrail::types::QueryStatus;
use aws_sdk_cloudtrail::Client;
use aws_types::SdkConfig;

use super::errors::{translate, AwsError};
use super::results::{QueryError, QueryFailure, QueryOutcome, RowReader};
use super::spinner::{self, Spinner};
use crate::learn::LearnOptions;

/// The first pause between two `DescribeQuery` calls; it grows to
/// [`MAX_POLL_INTERVAL`].
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The maximum pause between two `DescribeQuery` calls.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// An event data store, given by ARN or id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDataStore {
    /// The id, the last part of the ARN, which a query names in `FROM`.
    pub id: String,
    /// The region, when given by ARN.
    pub region: Option<String>,
}

impl EventDataStore {
    /// Parses `arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID` or `ID`.
    pub fn parse(text: &str) -> Result<EventDataStore, String> {
        let (id, region) = match text.split_once(":eventdatastore/") {
            Some((head, id)) => {
                let region = head.split(':').nth(3).filter(|region| !region.is_empty());
                (id, region.map(str::to_owned))
            }
            None => (text, None),
        };
        let valid = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(format!(
                "`{text}` is not an event data store ARN or id \
                 (`arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID`)"
            ));
        }
        Ok(EventDataStore {
            id: id.to_owned(),
            region,
        })
    }
}

/// Runs `sql` on the event data store and returns the role's records from
/// its rows.
pub async fn query_lake(
    config: &SdkConfig,
    store: &EventDataStore,
    sql: &str,
    options: &LearnOptions,
) -> Result<QueryOutcome, QueryError> {
    let mut builder = aws_sdk_cloudtrail::config::Builder::from(config);
    if let Some(region) = &store.region {
        builder = builder.region(Region::new(region.clone()));
    }
    let client = Client::from_conf(builder.build());
    let region = store
        .region
        .clone()
        .or_else(|| config.region().map(ToString::to_string));
    let region = region.as_deref();
    let spinner = Spinner::on_stderr();
    spinner.set("CloudTrail Lake: starting the query".to_owned());
    let result = async {
        let id = start(&client, sql, region).await?;
        tracing::debug!(query_id = %id, "CloudTrail Lake query started");
        let scanned = wait(&client, &id, region, &spinner).await?;
        let mut reader = RowReader::new(format!("lake:{id}"), id.clone(), options);
        reader.set_bytes_scanned(scanned);
        read_results(&client, &id, region, &mut reader, &spinner).await?;
        Ok(reader.finish())
    }
    .await;
    spinner.finish();
    result
}

async fn start(client: &Client, sql: &str, region: Option<&str>) -> Result<String, AwsError> {
    let output = client
        .start_query()
        .query_statement(sql)
        .send()
        .await
        .map_err(|error| translate(&error, "cloudtrail:StartQuery", region))?;
    output.query_id().map(str::to_owned).ok_or_else(|| {
        AwsError::invalid_response(
            "cloudtrail:StartQuery",
            "CloudTrail Lake returned no query id".to_owned(),
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
            .describe_query()
            .query_id(id)
            .send()
            .await
            .map_err(|error| translate(&error, "cloudtrail:DescribeQuery", region))?;
        let scanned = output
            .query_statistics()
            .and_then(|statistics| statistics.bytes_scanned())
            .and_then(|bytes| u64::try_from(bytes).ok());
        match output.query_status() {
            Some(QueryStatus::Finished) => return Ok(scanned),
            Some(QueryStatus::Queued | QueryStatus::Running) | None => {}
            Some(other) => {
                let failure = QueryFailure::new(
                    "CloudTrail Lake",
                    id.to_owned(),
                    other.as_str().to_owned(),
                    output.error_message().map(str::to_owned),
                );
                return Err(failure.into());
            }
        }
        let state = output
            .query_status()
            .map_or("SUBMITTED", QueryStatus::as_str);
        let scanned = scanned.map(spinner::bytes).unwrap_or_default();
        spinner.set(format!("CloudTrail Lake query {state}, {scanned} scanned"));
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
        .query_id(id)
        .into_paginator()
        .send();
    let mut rows_read = 0usize;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| translate(&error, "cloudtrail:GetQueryResults", region))?;
        let rows = page.query_result_rows();
        rows_read += rows.len();
        // Each row is a list of single-column maps; a null value arrives as
        // an empty map.
        reader.page(rows.iter().map(|row| {
            row.iter()
                .flat_map(|cell| cell.iter())
                .map(|(column, value)| (column.clone(), Some(value.clone())))
                .collect::<Vec<_>>()
        }));
        spinner.set(format!("CloudTrail Lake: {rows_read} rows read"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_from_arn_or_id() {
        let store = EventDataStore::parse(
            "arn:aws:cloudtrail:eu-west-1:111122223333:eventdatastore/EXAMPLE-f852-4e8f",
        )
        .unwrap();
        assert_eq!(store.id, "EXAMPLE-f852-4e8f");
        assert_eq!(store.region.as_deref(), Some("eu-west-1"));
        let bare = EventDataStore::parse("EXAMPLE-f852-4e8f").unwrap();
        assert_eq!(bare.region, None);
        let error = EventDataStore::parse("x; DROP").unwrap_err();
        assert!(
            error.starts_with("`x; DROP` is not an event data store"),
            "{error}"
        );
    }
}
