//! `trailgrant catalog`.

use std::path::Path;

use super::Exit;

/// Flags of `catalog`.
#[derive(Debug, clap::Args)]
pub struct CatalogArgs {}

/// Runs `catalog`.
pub fn run(args: CatalogArgs, catalog: Option<&Path>) -> anyhow::Result<Exit> {
    let _ = (args, catalog);
    Ok(Exit::NoDenials)
}
