//! Opt-in refresh of the catalog from AWS's programmatic service reference.
//!
//! AWS publishes the Service Authorization Reference as JSON: an index
//! (`[{"service": "s3", "url": ".../v1/s3/s3.json"}, …]`) and one document
//! per service with its actions, resource types and condition keys. A
//! refresh fetches them all, overlays them on the embedded catalog (keeping
//! the embedded `required` flags and dependent actions, which AWS's JSON
//! lacks) and writes the result, gzipped, to the user's cache directory,
//! where [`super::Catalog::active`] finds it. Nothing is fetched unless the
//! user runs `trailgrant catalog refresh`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ActionDef, ActionResource, Catalog, CatalogError, ResourceTypeDef, ServiceReference};
use crate::clock::Clock;

/// AWS's service reference host, the default base URL.
pub const DEFAULT_URL: &str = "https://servicereference.us-east-1.amazonaws.com/";

/// The environment variable that overrides the base URL.
pub const URL_ENV: &str = "TRAILGRANT_SERVICE_REFERENCE_URL";

/// The largest response body accepted (the biggest service file is a few
/// hundred kilobytes).
const MAX_BODY: usize = 32 << 20;

/// Errors of a refresh.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The base URL is not an HTTP(S) URL.
    #[error("`{0}` is not an http or https URL")]
    Url(String),
    /// The HTTPS client could not be set up.
    #[error("failed to set up the HTTPS client")]
    Tls(#[source] std::io::Error),
    /// A request failed.
    #[error("failed to fetch `{url}`")]
    Fetch {
        /// The URL.
        url: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A response was not the expected JSON.
    #[error("unexpected content at `{url}`")]
    Content {
        /// The URL.
        url: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The index listed no service.
    #[error("the index at `{0}` lists no service")]
    EmptyIndex(String),
    /// The embedded catalog could not be read.
    #[error("failed to read the embedded catalog")]
    Embedded(#[source] CatalogError),
    /// The result could not be written.
    #[error("failed to write `{}`", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The written file does not load back.
    #[error("the refreshed catalog does not load")]
    Verify(#[source] CatalogError),
    /// No cache directory is known for this user.
    #[error("no cache directory is known; set TRAILGRANT_CACHE_DIR")]
    NoCacheDir,
}

/// How to refresh.
#[derive(Debug, Clone)]
pub struct RefreshOptions {
    /// Base URL of the service reference; the index is fetched from it.
    pub url: String,
    /// Path of the refreshed catalog to write.
    pub destination: PathBuf,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Time allowed for one request.
    pub timeout: Duration,
}

impl RefreshOptions {
    /// Returns options for `url` writing to the cache file.
    pub fn new(url: &str) -> Result<RefreshOptions, RefreshError> {
        Ok(RefreshOptions {
            url: url.to_owned(),
            destination: cache_file().ok_or(RefreshError::NoCacheDir)?,
            concurrency: 8,
            timeout: Duration::from_secs(30),
        })
    }
}

/// The outcome of a refresh.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefreshReport {
    /// The file written.
    pub path: PathBuf,
    /// Services the index listed and that were fetched.
    pub services_fetched: usize,
    /// Services new to the catalog.
    pub services_added: Vec<String>,
    /// Actions now in the catalog.
    pub actions: usize,
    /// Actions new to the catalog (`prefix:Name`).
    pub actions_added: Vec<String>,
    /// Actions AWS no longer lists (`prefix:Name`).
    pub actions_removed: Vec<String>,
    /// Services that could not be fetched, with the error; their embedded
    /// data is kept.
    pub failed: Vec<(String, String)>,
}

/// Returns the file a refresh writes and [`super::Catalog::active`] reads:
/// `$TRAILGRANT_CACHE_DIR/service-reference.json.gz`, else the user's cache
/// directory (`~/.cache/trailgrant/` on Linux).
pub fn cache_file() -> Option<PathBuf> {
    let dir = match std::env::var_os("TRAILGRANT_CACHE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => dirs::cache_dir()?.join("trailgrant"),
    };
    Some(dir.join("service-reference.json.gz"))
}

/// One entry of AWS's index.
#[derive(Debug, Deserialize)]
struct IndexEntry {
    service: String,
    url: String,
}

/// One service document of AWS's service reference.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AwsService {
    name: String,
    #[serde(default)]
    actions: Vec<AwsAction>,
    #[serde(default)]
    resources: Vec<AwsResource>,
    #[serde(default)]
    condition_keys: Vec<AwsConditionKey>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AwsAction {
    name: String,
    #[serde(default)]
    action_condition_keys: Vec<String>,
    #[serde(default)]
    annotations: Option<AwsAnnotations>,
    #[serde(default)]
    resources: Vec<AwsName>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AwsAnnotations {
    #[serde(default)]
    properties: AwsProperties,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AwsProperties {
    #[serde(default)]
    is_list: bool,
    #[serde(default)]
    is_permission_management: bool,
    #[serde(default)]
    is_tagging_only: bool,
    #[serde(default)]
    is_write: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AwsName {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AwsResource {
    name: String,
    #[serde(default, rename = "ARNFormats")]
    arn_formats: Vec<String>,
    #[serde(default)]
    condition_keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AwsConditionKey {
    name: String,
    #[serde(default)]
    types: Vec<String>,
}

impl AwsProperties {
    /// The flags can be true together; the most specific wins, as the
    /// Service Authorization Reference tables show one level per action.
    fn access_level(&self) -> &'static str {
        if self.is_permission_management {
            "Permissions management"
        } else if self.is_tagging_only {
            "Tagging"
        } else if self.is_write {
            "Write"
        } else if self.is_list {
            "List"
        } else {
            "Read"
        }
    }
}

/// Fetches AWS's service reference, overlays it on the embedded catalog and
/// writes the result to `options.destination`.
pub fn refresh(options: &RefreshOptions, clock: &dyn Clock) -> Result<RefreshReport, RefreshError> {
    let base = options.url.trim();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(RefreshError::Url(base.to_owned()));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RefreshError::Tls)?;
    let fetched = runtime.block_on(fetch_all(base, options))?;
    let text = super::embedded_reference_text().map_err(RefreshError::Embedded)?;
    let mut reference: ServiceReference = serde_json::from_slice(&text).map_err(|source| {
        RefreshError::Embedded(CatalogError::Invalid {
            origin: "embedded catalog".to_owned(),
            source,
        })
    })?;
    let mut report = overlay(&mut reference, fetched.services);
    report.failed = fetched.failed;
    report.services_fetched = fetched.fetched;
    report.path = options.destination.clone();
    reference.generated_at = Some(
        clock
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    let refresh_source = json!({
        "url": base,
        "services": report.services_fetched,
        "failed": report.failed.len(),
    });
    if let Value::Object(sources) = &mut reference.sources {
        sources.insert("refresh".to_owned(), refresh_source);
    }
    write_gzip(&options.destination, &reference)?;
    let written = Catalog::load(&options.destination).map_err(RefreshError::Verify)?;
    report.actions = written.action_count();
    Ok(report)
}

struct Fetched {
    services: Vec<AwsService>,
    fetched: usize,
    failed: Vec<(String, String)>,
}

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>;

fn client() -> Result<HttpsClient, RefreshError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| RefreshError::Tls(std::io::Error::other(error)))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

async fn fetch_all(base: &str, options: &RefreshOptions) -> Result<Fetched, RefreshError> {
    let client = client()?;
    let index_url = base.to_owned();
    let body = get(&client, &index_url, options.timeout).await?;
    let index: Vec<IndexEntry> =
        serde_json::from_slice(&body).map_err(|source| RefreshError::Content {
            url: index_url.clone(),
            source,
        })?;
    if index.is_empty() {
        return Err(RefreshError::EmptyIndex(index_url));
    }
    let limit = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for entry in index {
        let (client, limit) = (client.clone(), Arc::clone(&limit));
        let url = resolve_url(base, &entry.url);
        let timeout = options.timeout;
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let result = match get(&client, &url, timeout).await {
                Ok(body) => serde_json::from_slice::<AwsService>(&body).map_err(|source| {
                    RefreshError::Content {
                        url: url.clone(),
                        source,
                    }
                }),
                Err(error) => Err(error),
            };
            (entry.service, result)
        });
    }
    let mut fetched = Fetched {
        services: Vec::new(),
        fetched: 0,
        failed: Vec::new(),
    };
    while let Some(joined) = tasks.join_next().await {
        let Ok((service, result)) = joined else {
            continue;
        };
        match result {
            Ok(document) => {
                fetched.fetched += 1;
                fetched.services.push(document);
            }
            Err(error) => {
                let text = super::error_chain(&error);
                tracing::warn!(%service, error = %text, "keeping the embedded data of a service");
                fetched.failed.push((service, text));
            }
        }
    }
    fetched.failed.sort();
    Ok(fetched)
}

/// Joins an index entry's URL to the base when it is relative.
fn resolve_url(base: &str, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        return url.to_owned();
    }
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        url.trim_start_matches('/')
    )
}

async fn get(client: &HttpsClient, url: &str, timeout: Duration) -> Result<Bytes, RefreshError> {
    let fail = |source: Box<dyn std::error::Error + Send + Sync>| RefreshError::Fetch {
        url: url.to_owned(),
        source,
    };
    let uri: hyper::Uri = url.parse().map_err(|error| fail(Box::new(error)))?;
    let request = async {
        let response = client
            .get(uri)
            .await
            .map_err(|error| fail(Box::new(error)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!("HTTP status {status}").into()));
        }
        let body = Limited::new(response.into_body(), MAX_BODY);
        body.collect()
            .await
            .map(|collected| collected.to_bytes())
            .map_err(fail)
    };
    tokio::time::timeout(timeout, request)
        .await
        .map_err(|_| fail(format!("no answer within {} s", timeout.as_secs()).into()))?
}

/// Replaces each fetched service's actions, resource types and condition
/// keys with AWS's, keeping the embedded `required` flags, row condition
/// keys and dependent actions where the action and resource type still
/// exist.
fn overlay(reference: &mut ServiceReference, fetched: Vec<AwsService>) -> RefreshReport {
    let mut report = RefreshReport {
        path: PathBuf::new(),
        services_fetched: 0,
        services_added: Vec::new(),
        actions: 0,
        actions_added: Vec::new(),
        actions_removed: Vec::new(),
        failed: Vec::new(),
    };
    for document in fetched {
        let prefix = document.name.to_ascii_lowercase();
        if !reference.services.contains_key(&prefix) {
            report.services_added.push(prefix.clone());
        }
        let service = reference.services.entry(prefix.clone()).or_default();
        let mut old: HashMap<String, ActionDef> = std::mem::take(&mut service.actions);
        for action in document.actions {
            let previous = old.remove(&action.name);
            if previous.is_none() {
                report
                    .actions_added
                    .push(format!("{prefix}:{}", action.name));
            }
            let def = merge_action(&action, previous.as_ref());
            service.actions.insert(action.name, def);
        }
        report
            .actions_removed
            .extend(old.into_keys().map(|name| format!("{prefix}:{name}")));
        service.resource_types = document
            .resources
            .into_iter()
            .map(|resource| {
                let def = ResourceTypeDef {
                    arns: resource.arn_formats,
                    conditions: resource.condition_keys,
                };
                (resource.name, def)
            })
            .collect();
        service.condition_keys = document
            .condition_keys
            .into_iter()
            .map(|key| {
                (
                    key.name,
                    key.types
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| "String".to_owned()),
                )
            })
            .collect();
    }
    report.services_added.sort();
    report.actions_added.sort();
    report.actions_removed.sort();
    report
}

fn merge_action(action: &AwsAction, previous: Option<&ActionDef>) -> ActionDef {
    let old_row = |name: &str| {
        previous.and_then(|def| def.resources.iter().find(|row| row.resource_type == name))
    };
    let properties = action.annotations.as_ref().map(|a| &a.properties);
    ActionDef {
        access: properties
            .map_or("Read", AwsProperties::access_level)
            .to_owned(),
        resources: action
            .resources
            .iter()
            .map(|resource| ActionResource {
                resource_type: resource.name.clone(),
                required: old_row(&resource.name).is_some_and(|row| row.required),
                conditions: old_row(&resource.name)
                    .map(|row| row.conditions.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        conditions: action.action_condition_keys.clone(),
        deps: previous.map(|def| def.deps.clone()).unwrap_or_default(),
    }
}

fn write_gzip(path: &Path, reference: &ServiceReference) -> Result<(), RefreshError> {
    let fail = |source| RefreshError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    // Services in a stable order, so two refreshes of the same data give the
    // same file.
    let ordered: BTreeMap<&String, &super::Service> = reference.services.iter().collect();
    let document = json!({
        "format": reference.format,
        "generated_at": reference.generated_at,
        "sources": reference.sources,
        "services": ordered,
    });
    let text = serde_json::to_vec(&document).map_err(|error| fail(std::io::Error::other(error)))?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    let mut encoder = flate2::write::GzEncoder::new(&mut file, flate2::Compression::best());
    encoder.write_all(&text).map_err(fail)?;
    encoder.finish().map_err(fail)?;
    file.persist(path).map_err(|error| fail(error.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::clock::FixedClock;

    /// Serves a tiny service reference on a loopback port: `ecr` with one
    /// action changed, one added and the rest gone, a new service, and a
    /// service whose document is missing.
    fn serve() -> (Arc<tiny_http::Server>, String) {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let base = format!("http://{}", server.server_addr().to_ip().unwrap());
        let index = json!([
            {"service": "ecr", "url": format!("{base}/v1/ecr/ecr.json")},
            {"service": "newsvc", "url": "/v1/newsvc/newsvc.json"},
            {"service": "gone", "url": format!("{base}/v1/gone/gone.json")},
        ]);
        let ecr = json!({
            "Name": "ecr",
            "Actions": [
                {"Name": "PutImage", "Resources": [{"Name": "repository"}],
                 "Annotations": {"Properties": {"IsWrite": true, "IsList": false,
                                                "IsPermissionManagement": false, "IsTaggingOnly": false}}},
                {"Name": "PutImageV9", "Resources": [{"Name": "repository"}],
                 "ActionConditionKeys": ["ecr:Tier"],
                 "Annotations": {"Properties": {"IsWrite": true, "IsTaggingOnly": true}}},
                {"Name": "GetAuthorizationToken"}
            ],
            "Resources": [{"Name": "repository",
                           "ARNFormats": ["arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}"]}],
            "ConditionKeys": [{"Name": "ecr:Tier", "Types": ["String"]}]
        });
        let newsvc = json!({"Name": "newsvc", "Actions": [{"Name": "DoThing"}]});
        let handler = Arc::clone(&server);
        std::thread::spawn(move || {
            for request in handler.incoming_requests() {
                let body = match request.url() {
                    "/" => Some(index.to_string()),
                    "/v1/ecr/ecr.json" => Some(ecr.to_string()),
                    "/v1/newsvc/newsvc.json" => Some(newsvc.to_string()),
                    _ => None,
                };
                let response = match body {
                    Some(body) => tiny_http::Response::from_string(body),
                    None => tiny_http::Response::from_string("missing").with_status_code(404),
                };
                let _ = request.respond(response);
            }
        });
        (server, format!("{base}/"))
    }

    #[test]
    fn refresh_overlays_the_fetched_services_and_keeps_the_rest() {
        let (server, url) = serve();
        let dir = tempfile::tempdir().unwrap();
        let options = RefreshOptions {
            url,
            destination: dir.path().join("cache/service-reference.json.gz"),
            concurrency: 2,
            timeout: Duration::from_secs(10),
        };
        let clock = FixedClock(Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap());
        let report = refresh(&options, &clock).unwrap();
        server.unblock();
        assert_eq!(report.services_fetched, 2);
        assert_eq!(report.services_added, ["newsvc"]);
        assert_eq!(report.actions_added, ["ecr:PutImageV9", "newsvc:DoThing"]);
        assert!(report
            .actions_removed
            .contains(&"ecr:BatchGetImage".to_owned()));
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].0, "gone");
        assert!(
            report.failed[0].1.contains("HTTP status 404"),
            "{:?}",
            report.failed
        );

        let catalog = Catalog::load(&options.destination).unwrap();
        assert_eq!(catalog.generated_at(), Some("2026-12-05T08:00:00Z"));
        let put = catalog.action("ecr:PutImage").unwrap();
        assert!(
            put.def.resources[0].required,
            "the embedded required flag is kept"
        );
        let added = catalog.action("ecr:PutImageV9").unwrap();
        assert_eq!(added.access_level(), "Tagging");
        assert_eq!(added.def.conditions, ["ecr:Tier"]);
        assert!(catalog.action("ecr:BatchGetImage").is_none());
        assert!(catalog.action("newsvc:DoThing").is_some());
        assert!(
            catalog.action("s3:GetObject").is_some(),
            "services not fetched stay"
        );
        assert_eq!(report.actions, catalog.action_count());
    }

    #[test]
    fn refresh_rejects_other_schemes_and_reports_an_unreachable_index() {
        let dir = tempfile::tempdir().unwrap();
        let mut options = RefreshOptions {
            url: "ftp://example.invalid/".to_owned(),
            destination: dir.path().join("x.json.gz"),
            concurrency: 1,
            timeout: Duration::from_secs(5),
        };
        let clock = FixedClock(Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap());
        let error = refresh(&options, &clock).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`ftp://example.invalid/` is not an http or https URL"
        );
        // A loopback port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        options.url = format!("http://127.0.0.1:{port}/");
        let error = refresh(&options, &clock).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("failed to fetch `http://127.0.0.1:{port}/`")
        );
        assert!(!options.destination.exists());
    }
}
