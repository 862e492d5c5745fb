//! `trailgrant learn`.

use std::path::Path;

use super::Exit;

/// Flags of `learn`.
#[derive(Debug, clap::Args)]
pub struct LearnArgs {}

/// Runs `learn`.
pub fn run(args: LearnArgs, catalog: Option<&Path>) -> anyhow::Result<Exit> {
    let _ = (args, catalog);
    Ok(Exit::NoDenials)
}
