//! `veche`: the command line. Everything else is in the library.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use veche::config::{LogFormat, Settings, SettingsArgs};

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
    /// Deliver the email outbox on its own (for deployments that run `serve` with
    /// VECHE_WORKER=off). Serves /healthz, /readyz and /metrics on the listen address.
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

fn load(args: &SettingsArgs, demo: bool) -> Result<Settings, ExitCode> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    Settings::load(args, demo, &env).map_err(|e| {
        eprintln!("veche: {e}");
        ExitCode::from(2)
    })
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
    match command {
        Command::Serve { demo, settings } => {
            let settings = match load(&settings, demo) {
                Ok(s) => s,
                Err(code) => return code,
            };
            init_logging(&settings);
            let store = match &settings.store {
                veche::config::StoreSettings::Mongo { .. } => "MongoDB".to_string(),
                veche::config::StoreSettings::Sqlite { dir, .. } => {
                    format!("embedded SQLite in {}", dir.display())
                }
            };
            let app = match veche::build(settings.clone()).await {
                Ok(app) => app,
                Err(e) => {
                    eprintln!("veche: cannot start: {e:#}");
                    return ExitCode::FAILURE;
                }
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
        Command::Worker { settings } => {
            let settings = match load(&settings, false) {
                Ok(s) => s,
                Err(code) => return code,
            };
            init_logging(&settings);
            let token = tokio_util::sync::CancellationToken::new();
            let stop = token.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                tracing::info!("stopping the worker after its current round");
                stop.cancel();
            });
            match veche::run_worker(settings, token).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("veche: worker: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Admin { task, settings } => {
            let settings = match load(&settings, false) {
                Ok(s) => s,
                Err(code) => return code,
            };
            init_logging(&settings);
            let result = match task {
                AdminTask::CreateAdmin { email, name } => {
                    veche::admin::create_admin(&settings, &email, &name).await
                }
                AdminTask::ImportDistricts { file, replace } => {
                    veche::admin::import_districts(&settings, &file, replace).await
                }
            };
            match result {
                Ok(message) => {
                    println!("{message}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("veche: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
