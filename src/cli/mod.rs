//! Command-line flags and dispatch to one module per subcommand.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod athena_ddl;
mod aws_args;
mod catalog;
mod exit;
mod learn;
mod learn_live;
mod org_source;
mod output;
mod runs;
mod self_policy;

pub use exit::Exit;

/// Learn the minimal IAM statements a role was missing from its CloudTrail
/// denials.
#[derive(Debug, Parser)]
#[command(name = "trailgrant", version, about, long_about = None, after_help = exit::HELP)]
pub struct Cli {
    /// Log trailgrant's internals to stderr (`-v` debug, `-vv` trace). Logs
    /// name events and requests by id and never show credentials.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Use this service reference file (JSON or gzipped JSON) instead of the
    /// embedded catalog.
    #[arg(long, global = true, value_name = "PATH", env = "TRAILGRANT_CATALOG")]
    pub catalog: Option<std::path::PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read CloudTrail events and print the minimal statements that would
    /// have allowed the role's denied calls.
    Learn(Box<learn::LearnArgs>),
    /// Look up an action or show how an event resolves to actions.
    Catalog(catalog::CatalogArgs),
    /// List a role's recent GitHub Actions runs (one STS session each) from
    /// CloudTrail, with the denials found for each.
    Runs(runs::RunsArgs),
    /// Print the read-only IAM policy trailgrant needs for the chosen
    /// source and options.
    SelfPolicy(self_policy::SelfPolicyArgs),
    /// Print the `CREATE EXTERNAL TABLE` statement of an Athena table over
    /// a trail bucket, with partition projection, for `learn --athena`.
    AthenaDdl(athena_ddl::AthenaDdlArgs),
}

/// Parses the command line, runs it and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                Exit::Error
            } else {
                Exit::NoDenials
            };
            let _ = error.print();
            return code.into();
        }
    };
    init_logging(cli.verbose);
    let result = match cli.command {
        Command::Learn(args) => learn::run(*args, cli.catalog.as_deref()),
        Command::Catalog(args) => catalog::run(args, cli.catalog.as_deref()),
        Command::Runs(args) => runs::run(args),
        Command::SelfPolicy(args) => self_policy::run(args),
        Command::AthenaDdl(args) => athena_ddl::run(&args),
    };
    match result {
        Ok(exit) => exit.into(),
        // A reader that stops early (`| head`) closes the pipe; like other
        // command-line tools, stop quietly instead of reporting a failure.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            exit::report_error(&error);
            Exit::Error.into()
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Returns the catalog to use: the file given with `--catalog`, else the one
/// `trailgrant catalog refresh` wrote, else the embedded one.
pub fn load_catalog(
    path: Option<&std::path::Path>,
) -> anyhow::Result<&'static trailgrant::catalog::Catalog> {
    use anyhow::Context;
    if let Some(path) = path {
        let catalog = trailgrant::catalog::Catalog::load(path)
            .with_context(|| format!("failed to load the catalog `{}`", path.display()))?;
        trailgrant::catalog::Catalog::install(catalog);
    }
    Ok(trailgrant::catalog::Catalog::active()?)
}

fn init_logging(verbose: u8) {
    // `-v` and `-vv` raise only trailgrant's own logs, which name events by
    // their ids. The AWS SDK's trace output holds whole responses, and a
    // LookupEvents response carries the session tokens CloudTrail recorded
    // for AssumeRole calls, so its crates stay at `warn` unless
    // `TRAILGRANT_LOG` asks for them by name.
    let level = match verbose {
        0 => "warn",
        1 => "warn,trailgrant=debug",
        _ => "warn,trailgrant=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TRAILGRANT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Colour only on a terminal: a log file or a CI capture gets plain text.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}
