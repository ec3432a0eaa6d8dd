//! `veche`: the command line. Everything else is in the library.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use veche::bench::Seeding;
use veche::config::{LogFormat, Settings, SettingsArgs};
use veche::polls_cli::Report;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "veche",
    version,
    about = "Veche: polls, ideas and problem reports for a city"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default command).
    Serve {
        /// Seed one account of each role with random passwords (printed at start) and demo content.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Deliver the email outbox and process uploaded photos on its own (for deployments that
    /// run `serve` with VECHE_WORKER=off). Serves /healthz, /readyz and /metrics on the listen
    /// address.
    Worker {
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        task: AdminTask,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Ideas: seeding for the load script.
    Ideas {
        #[command(subcommand)]
        task: IdeasTask,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Reports: seeding for the load script.
    Reports {
        #[command(subcommand)]
        task: ReportsTask,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Polls: recount, seal, export, and checks of receipts and exports. Exits 1 when a check
    /// finds something wrong.
    Polls {
        #[command(subcommand)]
        task: PollsTask,
        #[command(flatten)]
        settings: SettingsArgs,
    },
}

impl Command {
    /// Its settings' flags, and whether it asks for the demo.
    fn settings(&self) -> (&SettingsArgs, bool) {
        match self {
            Command::Serve { demo, settings } => (settings, *demo),
            Command::Worker { settings }
            | Command::Admin { settings, .. }
            | Command::Ideas { settings, .. }
            | Command::Reports { settings, .. }
            | Command::Polls { settings, .. } => (settings, false),
        }
    }
}

#[derive(Subcommand)]
enum PollsTask {
    /// Recompute a poll's counts from its ballots and report the drift (exit 1 when drift is
    /// found and not fixed).
    Recount {
        poll: String,
        /// Correct the counters.
        #[arg(long)]
        fix: bool,
    },
    /// Seal a closed poll now: its final counts and the Merkle root over every receipt.
    Seal { poll: String },
    /// Write a sealed poll's public ballot export (never an account).
    Export {
        poll: String,
        /// The form of the file.
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a receipt: the ballot's answers hash to it, and its proof leads to the published
    /// root (exit 1 otherwise).
    VerifyReceipt { poll: String, receipt: String },
    /// Check a ballot export (JSON or CSV): every receipt, the Merkle root and every count
    /// against what was published (exit 1 on any difference).
    VerifyExport {
        file: PathBuf,
        /// The published seal (`GET /api/v1/polls/{id}/seal`) to compare with, for a check
        /// without access to the store.
        #[arg(long)]
        published: Option<PathBuf>,
    },
    /// Seed residents with API tokens and an open poll for `scripts/bench-polls`.
    #[command(hide = true)]
    BenchSeed {
        #[command(flatten)]
        seeding: Seeding,
        /// Ballots of made-up residents already in the poll.
        #[arg(long, default_value_t = 0)]
        ballots: usize,
    },
}

/// The forms of a ballot export.
#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Json,
    Csv,
}

#[derive(Subcommand)]
enum IdeasTask {
    /// Seed a project of many ideas, residents with API tokens and a moderator for
    /// `scripts/bench-ideas`.
    #[command(hide = true)]
    BenchSeed {
        #[arg(long, default_value_t = 50_000)]
        ideas: usize,
        #[command(flatten)]
        seeding: Seeding,
    },
}

#[derive(Subcommand)]
enum ReportsTask {
    /// Seed many reports (the demo's categories and organisations), residents with API
    /// tokens and an official per organisation for `scripts/bench-reports`.
    #[command(hide = true)]
    BenchSeed {
        #[arg(long, default_value_t = 1_000_000)]
        reports: usize,
        #[command(flatten)]
        seeding: Seeding,
    },
}

#[derive(Subcommand)]
enum AdminTask {
    /// Create the first admin (a random password is printed), or make an existing account an admin.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Администратор")]
        name: String,
    },
    /// Load a city's districts and okrugs from a JSON list or a GeoJSON file.
    ImportDistricts {
        file: PathBuf,
        /// Also remove the districts and okrugs that are not in the file.
        #[arg(long)]
        replace: bool,
    },
}

fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log_filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match settings.log_format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        LogFormat::Text => builder.init(),
    }
}

/// Reports a command's error with its causes; exit code 1.
fn failure(e: anyhow::Error) -> ExitCode {
    eprintln!("veche: {e:#}");
    ExitCode::FAILURE
}

/// Loads the settings and starts logging as they say; exit code 2 for bad settings.
fn load(args: &SettingsArgs, demo: bool) -> Result<Settings, ExitCode> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let settings = Settings::load(args, demo, &env).map_err(|e| {
        eprintln!("veche: {e}");
        ExitCode::from(2)
    })?;
    init_logging(&settings);
    Ok(settings)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {},
                    _ = term.recv() => {},
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve {
        demo: false,
        settings: SettingsArgs::default(),
    });
    let (args, demo) = command.settings();
    let settings = match load(args, demo) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match command {
        Command::Serve { .. } => serve(settings).await,
        Command::Worker { .. } => work(settings).await,
        Command::Polls { task, .. } => report(polls_task(task, &settings).await),
        Command::Ideas { task, .. } => report(ideas_task(task, &settings).await),
        Command::Reports { task, .. } => report(reports_task(task, &settings).await),
        Command::Admin { task, .. } => report(admin_task(task, &settings).await),
    }
}

/// `veche serve`: the web server until Ctrl+C or SIGTERM.
async fn serve(settings: Settings) -> ExitCode {
    let store = match &settings.store {
        veche::config::StoreSettings::Mongo { .. } => "MongoDB".to_string(),
        veche::config::StoreSettings::Sqlite { dir, .. } => {
            format!("embedded SQLite in {}", dir.display())
        }
    };
    let app = match veche::build(settings.clone()).await {
        Ok(app) => app,
        Err(e) => return failure(e.context("cannot start")),
    };
    tracing::info!(addr = %app.addr, store, "Veche is running");
    if !app.demo_accounts.is_empty() {
        println!("\nDemo accounts (passwords are new at every start):");
        for account in &app.demo_accounts {
            println!(
                "  {:<10} {:<32} {}",
                account.role.as_str(),
                account.email,
                account.password
            );
        }
    }
    println!(
        "\nVeche is running at http://{}/ (store: {store}). Press Ctrl+C to stop.",
        app.addr
    );
    if settings.smtp.host.is_none() {
        println!(
            "No SMTP server is set (VECHE_SMTP_HOST): emails are written to {}\n",
            settings.mail.dir.display()
        );
    } else {
        println!();
    }
    let token = app.shutdown_token();
    shutdown_signal().await;
    tracing::info!("stopping");
    token.cancel();
    app.wait().await;
    ExitCode::SUCCESS
}

/// `veche worker`: the email outbox's delivery and the photos' processing until Ctrl+C or
/// SIGTERM.
async fn work(settings: Settings) -> ExitCode {
    let token = tokio_util::sync::CancellationToken::new();
    let stop = token.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping the worker after its current round");
        stop.cancel();
    });
    match veche::run_worker(settings, token).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failure(e.context("worker")),
    }
}

async fn polls_task(task: PollsTask, settings: &Settings) -> anyhow::Result<Report> {
    use veche::polls_cli;
    match task {
        PollsTask::Recount { poll, fix } => polls_cli::recount(settings, &poll, fix).await,
        PollsTask::Seal { poll } => polls_cli::seal(settings, &poll).await,
        PollsTask::Export { poll, format, out } => {
            let format = match format {
                ExportFormat::Json => veche_polls::export::Format::Json,
                ExportFormat::Csv => veche_polls::export::Format::Csv,
            };
            polls_cli::export_ballots(settings, &poll, format, out.as_deref()).await
        }
        PollsTask::VerifyReceipt { poll, receipt } => {
            polls_cli::verify_receipt(settings, &poll, &receipt).await
        }
        PollsTask::VerifyExport { file, published } => {
            polls_cli::verify_export(Some(settings), &file, published.as_deref()).await
        }
        PollsTask::BenchSeed { seeding, ballots } => {
            polls_cli::bench_seed(settings, &seeding, ballots).await
        }
    }
}

async fn ideas_task(task: IdeasTask, settings: &Settings) -> anyhow::Result<Report> {
    match task {
        IdeasTask::BenchSeed { ideas, seeding } => {
            veche::ideas_cli::bench_seed(settings, &seeding, ideas).await
        }
    }
}

async fn reports_task(task: ReportsTask, settings: &Settings) -> anyhow::Result<Report> {
    match task {
        ReportsTask::BenchSeed { reports, seeding } => {
            veche::reports_cli::bench_seed(settings, &seeding, reports).await
        }
    }
}

async fn admin_task(task: AdminTask, settings: &Settings) -> anyhow::Result<Report> {
    let text = match task {
        AdminTask::CreateAdmin { email, name } => {
            veche::admin::create_admin(settings, &email, &name).await
        }
        AdminTask::ImportDistricts { file, replace } => {
            veche::admin::import_districts(settings, &file, replace).await
        }
    }?;
    Ok(Report { text, ok: true })
}

/// Prints a task's report: exit code 1 for a report of something wrong, the error's for an
/// error.
fn report(result: anyhow::Result<Report>) -> ExitCode {
    match result {
        Ok(report) => {
            if !report.text.is_empty() {
                println!("{}", report.text);
            }
            if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => failure(e),
    }
}
