//! `trailgrant catalog`: look up an action, show how an event resolves to
//! actions and resources, or refresh the catalog from AWS.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use serde_json::{json, Value};
use trailgrant::catalog::refresh::{self, RefreshOptions};
use trailgrant::catalog::{ActionRef, ArnContext, Catalog, EventKey, Resolution};
use trailgrant::clock::SystemClock;
use trailgrant::record::Record;

use super::Exit;

/// Flags of `catalog`.
#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  trailgrant catalog ecr:PutImage\n  trailgrant catalog \
                  --event-source s3.amazonaws.com --event-name HeadObject \\\n    \
                  --request-parameters '{\"bucketName\":\"b\",\"key\":\"k\"}'\n  trailgrant \
                  catalog refresh"
)]
pub struct CatalogArgs {
    #[command(subcommand)]
    command: Option<CatalogCommand>,

    /// The action to look up, such as `ecr:PutImage` (case-insensitive).
    #[arg(value_name = "ACTION", conflicts_with = "event_source")]
    action: Option<String>,

    /// The event's `eventSource`, such as `s3.amazonaws.com`.
    #[arg(long, value_name = "HOST", requires = "event_name")]
    event_source: Option<String>,

    /// The event's `eventName`, such as `ListObjectsV2`.
    #[arg(long, value_name = "NAME", requires = "event_source")]
    event_name: Option<String>,

    /// The event's `requestParameters` as JSON, used by conditional rows and
    /// to build resource ARNs.
    #[arg(long, value_name = "JSON", requires = "event_source")]
    request_parameters: Option<String>,

    /// The region to put in built ARNs (`awsRegion`).
    #[arg(long, value_name = "REGION", requires = "event_source")]
    region: Option<String>,

    /// The account to put in built ARNs (`recipientAccountId`).
    #[arg(long, value_name = "ACCOUNT", requires = "event_source")]
    account: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

#[derive(Debug, clap::Subcommand)]
enum CatalogCommand {
    /// Fetch AWS's current service reference, overlay it on the embedded
    /// catalog and save it in the cache directory, where every later run
    /// uses it. Nothing is fetched unless you run this.
    Refresh(RefreshArgs),
}

#[derive(Debug, clap::Args)]
struct RefreshArgs {
    /// Base URL of the service reference (its index).
    #[arg(long, value_name = "URL", env = refresh::URL_ENV, default_value = refresh::DEFAULT_URL)]
    url: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Output {
    Text,
    Json,
}

/// Runs `catalog`.
pub fn run(args: CatalogArgs, catalog: Option<&Path>) -> anyhow::Result<Exit> {
    if let Some(CatalogCommand::Refresh(refresh)) = args.command {
        return run_refresh(&refresh);
    }
    let catalog = super::load_catalog(catalog)?;
    let mut out = std::io::stdout().lock();
    match (&args.action, &args.event_source, &args.event_name) {
        (Some(action), _, _) => show_action(catalog, action, args.output, &mut out)?,
        (None, Some(source), Some(name)) => show_event(catalog, &args, source, name, &mut out)?,
        _ => bail!("give an action (`trailgrant catalog ecr:PutImage`) or `--event-source` and `--event-name`"),
    }
    Ok(Exit::NoDenials)
}

fn show_action(
    catalog: &Catalog,
    name: &str,
    output: Output,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let Some(action) = catalog.action(name) else {
        bail!("`{name}` is not in the catalog ({})", catalog.origin());
    };
    let document = action_json(&action);
    match output {
        Output::Json => writeln!(out, "{}", serde_json::to_string_pretty(&document)?)?,
        Output::Text => write_action_text(&action, out)?,
    }
    Ok(())
}

fn action_json(action: &ActionRef<'_>) -> Value {
    let resource_types: Vec<Value> = action
        .def
        .resources
        .iter()
        .map(|row| {
            let def = action.service.resource_types.get(&row.resource_type);
            json!({
                "type": row.resource_type,
                "required": row.required,
                "arns": def.map(|def| def.templates().collect::<Vec<_>>()).unwrap_or_default(),
                "condition_keys": row.conditions,
            })
        })
        .collect();
    json!({
        "action": action.full_name(),
        "service": action.service.name,
        "access_level": action.access_level(),
        "resource_level_permissions": action.has_resource_types(),
        "resource_types": resource_types,
        "condition_keys": action.condition_keys(),
        "dependent_actions": action.dependent_actions(),
    })
}

fn write_action_text(action: &ActionRef<'_>, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "{} ({})", action.full_name(), action.service.name)?;
    writeln!(out, "  access level: {}", action.access_level())?;
    if action.has_resource_types() {
        writeln!(out, "  resource types:")?;
        for row in &action.def.resources {
            let required = if row.required { "required" } else { "optional" };
            writeln!(out, "    {} ({required})", row.resource_type)?;
            let def = action.service.resource_types.get(&row.resource_type);
            for arn in def.into_iter().flat_map(|def| def.templates()) {
                writeln!(out, "      {arn}")?;
            }
        }
    } else {
        writeln!(
            out,
            "  resource types: none; the action only accepts \"Resource\": \"*\""
        )?;
    }
    let keys = action.condition_keys();
    writeln!(out, "  condition keys: {}", list_or_none(&keys))?;
    let deps: Vec<&str> = action
        .dependent_actions()
        .iter()
        .map(String::as_str)
        .collect();
    writeln!(out, "  dependent actions: {}", list_or_none(&deps))
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn show_event(
    catalog: &Catalog,
    args: &CatalogArgs,
    source: &str,
    name: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let params: Option<Value> = args
        .request_parameters
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .context("`--request-parameters` is not JSON")?;
    if let Some(params) = params.as_ref().filter(|params| !params.is_object()) {
        let kind = match params {
            Value::Array(_) => "an array",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            _ => "null",
        };
        if !params.is_null() {
            bail!(
                "`--request-parameters` is {kind}; give a JSON object such as \
                 '{{\"repositoryName\": \"app\"}}', as CloudTrail records them"
            );
        }
    }
    let record = synthetic_record(
        source,
        name,
        params,
        args.region.as_deref(),
        args.account.as_deref(),
    )?;
    let resolution = catalog.resolve(EventKey::from_record(&record), None);
    let document = resolution_json(catalog, &record, &resolution);
    match args.output {
        Output::Json => writeln!(out, "{}", serde_json::to_string_pretty(&document)?)?,
        Output::Text => write_resolution_text(&document, out)?,
    }
    Ok(())
}

/// Builds a record from the flags alone; the partition is `aws`.
fn synthetic_record(
    source: &str,
    name: &str,
    params: Option<Value>,
    region: Option<&str>,
    account: Option<&str>,
) -> anyhow::Result<Record> {
    let caller =
        account.map(|account| format!("arn:aws:sts::{account}:assumed-role/caller/session"));
    let record = json!({
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "recipientAccountId": account,
        "requestParameters": params,
        "userIdentity": {"arn": caller.unwrap_or_else(|| "arn:aws:sts::*:assumed-role/caller/session".to_owned())},
    });
    Ok(Record::from_value(record)?)
}

fn resolution_json(catalog: &Catalog, record: &Record, resolution: &Resolution) -> Value {
    let base = json!({"event_source": record.source(), "event_name": record.name()});
    let mut document = base.as_object().cloned().unwrap_or_default();
    document.insert("rule".to_owned(), json!(resolution.rule()));
    match resolution {
        Resolution::Actions {
            actions,
            may_also_need,
            note,
            ..
        } => {
            let actions: Vec<Value> = actions
                .iter()
                .map(|resolved| {
                    let resources = catalog
                        .action(&resolved.action)
                        .map(|action| catalog.build_resources(&action, ArnContext::new(record)))
                        .unwrap_or_default();
                    json!({"action": resolved.action, "when": resolved.when, "resources": resources})
                })
                .collect();
            document.insert("actions".to_owned(), json!(actions));
            document.insert("may_also_need".to_owned(), json!(may_also_need));
            document.insert("note".to_owned(), json!(note));
        }
        Resolution::NoPermission { note } => {
            document.insert("actions".to_owned(), json!([]));
            document.insert("note".to_owned(), json!(note));
        }
        Resolution::Unknown { reason } => {
            document.insert("actions".to_owned(), json!([]));
            document.insert("unknown".to_owned(), json!(reason));
        }
    }
    let downstream = catalog.forward_access(record.source(), record.name());
    if !downstream.is_empty() {
        // Without `--region` the condition keeps a visible stand-in rather
        // than an empty label (`s3..amazonaws.com`).
        let region = Some(record.region())
            .filter(|region| !region.is_empty())
            .unwrap_or("REGION");
        let forward: Vec<Value> = downstream
            .iter()
            .map(|down| json!({"action": down.action, "condition": down.condition_for_region(region)}))
            .collect();
        document.insert("forward_access".to_owned(), json!(forward));
    }
    Value::Object(document)
}

fn write_resolution_text(document: &Value, out: &mut impl Write) -> std::io::Result<()> {
    let text = |key: &str| document.get(key).and_then(Value::as_str);
    writeln!(
        out,
        "{} {}",
        text("event_source").unwrap_or(""),
        text("event_name").unwrap_or("")
    )?;
    writeln!(out, "  rule: {}", text("rule").unwrap_or("none (unknown)"))?;
    if let Some(reason) = text("unknown") {
        writeln!(out, "  unknown: {reason}")?;
        let name = text("event_name").unwrap_or("");
        if name.starts_with(|c: char| c.is_ascii_lowercase()) {
            writeln!(
                out,
                "  hint: event names are case-sensitive as CloudTrail writes them, such as \
                 `HeadObject`"
            )?;
        }
    }
    for action in document
        .get("actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = action.get("action").and_then(Value::as_str).unwrap_or("");
        match action.get("when").and_then(Value::as_str) {
            Some(when) => writeln!(out, "  action: {name} (because {when})")?,
            None => writeln!(out, "  action: {name}")?,
        }
        for resource in action
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let field = |key: &str| resource.get(key).and_then(Value::as_str);
            writeln!(out, "    resource: {}", field("arn").unwrap_or(""))?;
            if let Some(warning) = field("warning") {
                writeln!(out, "      warning: {warning}")?;
            }
            if let Some(note) = field("note") {
                writeln!(out, "      note: {note}")?;
            }
        }
    }
    let extras: Vec<&str> = document
        .get("may_also_need")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|extra| extra.get("action").and_then(Value::as_str))
        .collect();
    if !extras.is_empty() {
        writeln!(out, "  may also need: {}", extras.join(", "))?;
    }
    for down in document
        .get("forward_access")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = down.get("action").and_then(Value::as_str).unwrap_or("");
        let condition = down
            .get("condition")
            .map(Value::to_string)
            .unwrap_or_default();
        writeln!(out, "  forward access: {name} {condition}")?;
    }
    if let Some(note) = text("note") {
        writeln!(out, "  note: {note}")?;
    }
    Ok(())
}

fn run_refresh(args: &RefreshArgs) -> anyhow::Result<Exit> {
    let options = RefreshOptions::new(&args.url)?;
    eprintln!(
        "trailgrant: fetching the service reference from {}",
        args.url
    );
    let report = refresh::refresh(&options, &SystemClock)?;
    let mut out = std::io::stdout().lock();
    match args.output {
        Output::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        Output::Text => {
            writeln!(out, "wrote {}", report.path.display())?;
            writeln!(
                out,
                "{} services fetched, {} actions in the catalog ({} new, {} no longer listed)",
                report.services_fetched,
                report.actions,
                report.actions_added.len(),
                report.actions_removed.len()
            )?;
            for (service, error) in &report.failed {
                writeln!(out, "kept the embedded data of `{service}`: {error}")?;
            }
        }
    }
    Ok(Exit::NoDenials)
}
