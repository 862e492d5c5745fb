//! Opt-in refresh of the catalog from AWS's programmatic service reference.

use std::path::PathBuf;

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
