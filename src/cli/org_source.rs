//! The sources of `learn`: local files, a trail's S3 bucket, an Athena
//! table or a CloudTrail Lake event data store. Flags become an
//! [`OrgPlan`]; [`collect`] reads the chosen source into records for the
//! pipeline.

use std::path::PathBuf;

use anyhow::bail;
use chrono::{DateTime, Utc};

use trailgrant::anticipate::flows::FlowSet;
use trailgrant::anticipate::AnticipateMode;
use trailgrant::aws::athena::{query_athena, AthenaRequest};
use trailgrant::aws::lake::{query_lake, EventDataStore};
use trailgrant::aws::query::{
    athena_sql, is_account_id, is_org_id, lake_sql, AthenaTable, PartitionColumns, Scope,
    TrailLocation,
};
use trailgrant::aws::results::QueryOutcome;
use trailgrant::aws::s3::{read_trail_bucket, BucketRequest};
use trailgrant::aws::{load_config, search_regions, AwsOptions, SdkConfig};
use trailgrant::learn::{LearnOptions, Window};
use trailgrant::record::{Record, RoleSelector};
use trailgrant::source::ScanReport;

use super::aws_args::{runtime, AwsArgs};

/// Flags of the organization-scale sources.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Organization-scale sources")]
pub struct OrgArgs {
    /// Query this Athena table over the trail's bucket (`[DATABASE.]TABLE`)
    /// instead of reading files; `trailgrant athena-ddl` prints a table to
    /// create.
    #[arg(long, value_name = "TABLE", conflicts_with_all = ["events", "lake"])]
    pub athena: Option<String>,

    /// The Athena database of the table.
    #[arg(long, value_name = "NAME", requires = "athena")]
    pub database: Option<String>,

    /// The Athena workgroup (Athena's default is `primary`).
    #[arg(long, value_name = "NAME", requires = "athena")]
    pub workgroup: Option<String>,

    /// The S3 location (`s3://BUCKET/PREFIX/`) for Athena's query results,
    /// when the workgroup sets none.
    #[arg(long, value_name = "S3_URL", requires = "athena")]
    pub output_location: Option<String>,

    /// The table's partition columns as `KEY=COLUMN` pairs (keys `account`,
    /// `region`, `date` holding `yyyy/MM/dd`), or `none`. The default is the
    /// table `athena-ddl` prints.
    #[arg(
        long,
        value_name = "LIST",
        requires = "athena",
        default_value = "account=account,region=region,date=timestamp"
    )]
    pub athena_partitions: String,

    /// Query this CloudTrail Lake event data store (ARN or id) instead of
    /// reading files.
    #[arg(long, value_name = "EVENT_DATA_STORE", conflicts_with = "events")]
    pub lake: Option<String>,

    /// Read the trail folders, partitions or `recipientAccountId` of this
    /// account (repeatable); defaults to the role's account.
    #[arg(long = "account", value_name = "ACCOUNT")]
    pub accounts: Vec<String>,

    /// The organization id (`o-…`) in an organization trail's S3 keys.
    #[arg(long, value_name = "ORG_ID")]
    pub org_id: Option<String>,

    /// Print the SQL that `--athena` or `--lake` would run, and stop.
    #[arg(long)]
    pub explain: bool,
}

/// The remote source of the records.
#[derive(Debug, Clone)]
enum Remote {
    /// Local files only.
    None,
    /// One or more trail buckets.
    Buckets(Vec<BucketRequest>),
    /// An Athena query.
    Athena(AthenaRequest),
    /// A CloudTrail Lake query.
    Lake(EventDataStore, String),
}

/// The validated source of one `learn` run.
#[derive(Debug, Clone)]
pub struct OrgPlan {
    files: Vec<PathBuf>,
    remote: Remote,
    aws: AwsOptions,
    explain: bool,
}

impl OrgPlan {
    /// Validates the source flags. `now` ends a window without `--end`.
    pub fn new(
        org: &OrgArgs,
        aws: &AwsArgs,
        events: &[PathBuf],
        role: &RoleSelector,
        window: Window,
        anticipate: AnticipateMode,
        now: DateTime<Utc>,
    ) -> anyhow::Result<OrgPlan> {
        let aws = aws.options();
        let (urls, files): (Vec<&PathBuf>, Vec<&PathBuf>) = events
            .iter()
            .partition(|path| path.to_string_lossy().starts_with("s3://"));
        let is_remote = !urls.is_empty() || org.athena.is_some() || org.lake.is_some();
        if org.explain && org.athena.is_none() && org.lake.is_none() {
            bail!("`--explain` prints the query of `--athena` or `--lake`; give one of them");
        }
        if let Some(org_id) = org.org_id.as_deref().filter(|id| !is_org_id(id)) {
            bail!("`{org_id}` is not an organization id (`o-` and 10 to 32 letters or digits)");
        }
        if let Some(account) = org.accounts.iter().find(|a| !is_account_id(a)) {
            bail!("`{account}` is not a 12-digit account id");
        }
        let mut plan = OrgPlan {
            files: files.into_iter().cloned().collect(),
            remote: Remote::None,
            aws,
            explain: org.explain,
        };
        if !is_remote {
            return Ok(plan);
        }
        let Some(start) = window.start else {
            bail!(
                "reading a trail bucket, Athena or CloudTrail Lake needs a time window: give \
                 `--since` or `--start`"
            );
        };
        let scope = Scope {
            role: role.clone(),
            start,
            end: window.end.unwrap_or(now),
            accounts: accounts(&org.accounts, role, None),
            regions: regions(&plan.aws),
            flow_calls: flow_calls(anticipate),
        };
        plan.remote = if let Some(table) = &org.athena {
            let partitions =
                PartitionColumns::parse(&org.athena_partitions).map_err(anyhow::Error::msg)?;
            let table = AthenaTable::parse(table, org.database.as_deref(), partitions)
                .map_err(anyhow::Error::msg)?;
            Remote::Athena(AthenaRequest {
                sql: athena_sql(&table, &scope),
                database: table.database.clone(),
                workgroup: org.workgroup.clone(),
                output_location: org.output_location.clone(),
            })
        } else if let Some(store) = &org.lake {
            let store = EventDataStore::parse(store).map_err(anyhow::Error::msg)?;
            let sql = lake_sql(&store.id, &scope);
            Remote::Lake(store, sql)
        } else {
            let mut requests = Vec::new();
            for url in urls {
                let url = url.to_string_lossy();
                let (location, account) = TrailLocation::parse(&url, org.org_id.as_deref())
                    .map_err(anyhow::Error::msg)?;
                let mut scope = scope.clone();
                scope.accounts = accounts(&org.accounts, role, account);
                requests.push(BucketRequest { location, scope });
            }
            Remote::Buckets(requests)
        };
        Ok(plan)
    }

    /// Returns the local files and directories of `--events`.
    pub fn local_files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Returns the SQL to print for `--explain`, or `None` when the run
    /// goes on.
    pub fn explanation(&self) -> Option<&str> {
        match (&self.remote, self.explain) {
            (Remote::Athena(request), true) => Some(&request.sql),
            (Remote::Lake(_, sql), true) => Some(sql),
            _ => None,
        }
    }
}

/// Returns the accounts to read: `--account`s and the account in the S3
/// URL, else the role's account; empty means every account.
fn accounts(given: &[String], role: &RoleSelector, from_url: Option<String>) -> Vec<String> {
    let mut accounts: Vec<String> = given.iter().cloned().chain(from_url).collect();
    if accounts.is_empty() {
        accounts.extend(role.account().map(str::to_owned));
    }
    accounts.sort();
    accounts.dedup();
    accounts
}

/// Returns the calls of the deploy flows that anticipation reads, unless it
/// is off.
fn flow_calls(anticipate: AnticipateMode) -> Vec<(String, String)> {
    if anticipate == AnticipateMode::None {
        return Vec::new();
    }
    let Ok(flows) = FlowSet::embedded() else {
        return Vec::new();
    };
    let mut calls: Vec<(String, String)> = flows
        .flows
        .iter()
        .flat_map(|flow| &flow.steps)
        .map(|step| (step.event_source.clone(), step.event_name.clone()))
        .collect();
    calls.sort();
    calls.dedup();
    calls
}

/// Returns the regions to read: those of `--region` (with the global-service
/// region) or `--all-regions`; empty, meaning every region, without them.
fn regions(aws: &AwsOptions) -> Vec<String> {
    if aws.regions.is_empty() && !aws.all_regions {
        return Vec::new();
    }
    search_regions(&SdkConfig::builder().build(), aws)
}

/// The records of a run and what could not be read.
#[derive(Debug, Default)]
pub struct Collected {
    /// The role's records.
    pub records: Vec<Record>,
    /// Counts and unreadable input.
    pub scan: ScanReport,
    /// The number of the role's records in the window when a query
    /// returned only the relevant ones.
    pub role_records: Option<usize>,
}

/// Reads the planned remote source; local files are left to the caller.
pub fn collect(plan: &OrgPlan, options: &LearnOptions) -> anyhow::Result<Collected> {
    let mut collected = Collected::default();
    if matches!(plan.remote, Remote::None) {
        return Ok(collected);
    }
    runtime()?.block_on(async {
        let config = load_config(&plan.aws).await;
        match &plan.remote {
            Remote::None => {}
            Remote::Buckets(requests) => {
                for request in requests {
                    let outcome = read_trail_bucket(&config, request, options).await?;
                    tracing::debug!(
                        prefixes = outcome.listed_prefixes.len(),
                        skipped = outcome.skipped_objects,
                        "read the trail bucket"
                    );
                    collected.records.extend(outcome.records);
                    collected.scan.merge(outcome.scan);
                }
            }
            Remote::Athena(request) => {
                let outcome = query_athena(&config, request, options).await?;
                add_query(&mut collected, outcome, "Athena");
            }
            Remote::Lake(store, sql) => {
                let outcome = query_lake(&config, store, sql, options).await?;
                add_query(&mut collected, outcome, "CloudTrail Lake");
            }
        }
        anyhow::Ok(())
    })?;
    Ok(collected)
}

fn add_query(collected: &mut Collected, outcome: QueryOutcome, engine: &str) {
    if let Some(bytes) = outcome.bytes_scanned {
        eprintln!(
            "trailgrant: {engine} query `{}` scanned {bytes} bytes",
            outcome.query_id
        );
    }
    collected.records.extend(outcome.records);
    collected.scan.merge(outcome.scan);
    collected.role_records = outcome.role_records.or(Some(0));
}
