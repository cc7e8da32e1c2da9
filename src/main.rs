//! The `bantin` binary: serve (the default), migrate, demo, openapi.

use std::process::ExitCode;

use actix_web::{web, HttpServer};
use clap::{Parser, Subcommand};

use bantin::app::{self, AppSettings, AppState};
use bantin::config::{Config, DatabaseUrl};
use bantin::db::Db;

/// bantin: the news and working-meeting records of Vietnamese party committees, as a JSON API.
///
/// Settings come from BANTIN_* environment variables (see the README).
#[derive(Parser)]
#[command(name = "bantin", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the API (the default).
    Serve {
        /// Do not fill a new embedded database with the demo data.
        #[arg(long)]
        no_demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the demo dataset built from the source articles (loading it twice changes nothing).
    Demo,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write the whole dataset to FILE as JSON lines (`-` for standard output).
    Export { file: std::path::PathBuf },
    /// Read a dataset written by `export` into an empty database: all of it, or nothing.
    Import { file: std::path::PathBuf },
    /// Print the OpenAPI document.
    Openapi {
        /// Write it to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input (at least 12 characters).
    Create {
        #[arg(long)]
        username: String,
        /// admin, editor or viewer.
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
    },
}

fn main() -> ExitCode {
    bantin::allocator::limit_arenas();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve { no_demo: false });
    if let Command::Openapi { output } = command {
        return print_openapi(output);
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return fail(format!("bad setting {e}")),
    };
    bantin::telemetry::init(&config.log_filter, config.log_format);
    if config.jwt_secret_generated {
        tracing::warn!(
            "BANTIN_JWT_SECRET is not set: using a generated secret kept beside the embedded database; set it for production"
        );
    }
    let result = match command {
        Command::Serve { no_demo } => serve(config, no_demo),
        Command::Migrate => open_and_migrate(&config).map(|_| ()),
        Command::Demo => demo(&config),
        Command::User { command } => user(&config, command),
        Command::Export { file } => export(&config, &file),
        Command::Import { file } => import(&config, &file),
        Command::Openapi { .. } => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(message),
    }
}

fn fail(message: String) -> ExitCode {
    eprintln!("bantin: {message}");
    ExitCode::FAILURE
}

fn print_openapi(output: Option<std::path::PathBuf>) -> ExitCode {
    let text = bantin::openapi::to_pretty_json(&app::openapi_spec());
    match output {
        Some(path) => match std::fs::write(&path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(format!("cannot write {}: {e}", path.display())),
        },
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
    }
}

/// The database of a one-off command: one connection, so that no pooled connection races the
/// command's own (a long import holds SQLite's write lock for its whole transaction).
fn open_and_migrate(config: &Config) -> Result<Db, String> {
    open_and_migrate_with(config, 1)
}

fn open_and_migrate_with(config: &Config, pool_size: u32) -> Result<Db, String> {
    let db = Db::open(&config.database_url, pool_size, config.db_timeout)
        .map_err(|e| format!("{e} (BANTIN_DATABASE_URL={:?})", config.database_url))?;
    let mut conn = db
        .pool()
        .get()
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let ran = bantin::startup::migrate(&mut conn)
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    if ran > 0 {
        tracing::info!(migrations = ran, "database migrated");
    }
    Ok(db)
}

fn demo(config: &Config) -> Result<(), String> {
    let db = open_and_migrate(config)?;
    let mut conn = db.pool().get().map_err(|e| e.to_string())?;
    let loaded = bantin::demo::load(&mut conn)?;
    println!(
        "demo data: {} records created ({} organizations, {} people, {} meetings, {} attendees, {} directives, {} targets, {} articles)",
        loaded.total(),
        loaded.organizations,
        loaded.people,
        loaded.meetings,
        loaded.attendees,
        loaded.directives,
        loaded.targets,
        loaded.articles
    );
    Ok(())
}

fn user(config: &Config, command: UserCommand) -> Result<(), String> {
    let UserCommand::Create {
        username,
        role,
        display_name,
    } = command;
    use bantin::auth::{password, Role};
    bantin::users::model::check_username(&username).map_err(|m| format!("--username {m}"))?;
    let role = Role::parse(&role)
        .ok_or_else(|| format!("--role must be admin, editor or viewer, not `{role}`"))?;
    let secret = read_password()?;
    password::check_strength(&secret).map_err(|m| format!("the password {m}"))?;
    let hash = password::hash(&secret)?;
    let db = open_and_migrate(config)?;
    let mut conn = db.pool().get().map_err(|e| e.to_string())?;
    let created = bantin::db::transaction(&mut conn, |conn| {
        let display_name = display_name.clone();
        bantin::users::model::create(conn, username.clone(), display_name, hash.clone(), role)
    })
    .map_err(|e| match e {
        bantin::error::ApiError::Conflict(m) => m,
        other => format!("cannot create the user: {other}"),
    })?;
    println!(
        "created user {} ({}) with id {}",
        created.username,
        created.role.as_str(),
        created.id
    );
    Ok(())
}

/// The password from standard input: typed without echo on a terminal, else the first line.
fn read_password() -> Result<String, String> {
    use std::io::{BufRead, IsTerminal};
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")
            .map_err(|e| format!("cannot read the password: {e}"))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        line
    };
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn progress_bar(len: Option<u64>, template: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = match len {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

fn export(config: &Config, file: &std::path::Path) -> Result<(), String> {
    use std::io::Write;
    let db = open_and_migrate(config)?;
    let mut conn = db.pool().get().map_err(|e| e.to_string())?;
    let to_stdout = file.as_os_str() == "-";
    let mut out: Box<dyn Write> = if to_stdout {
        Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
    } else {
        Box::new(std::io::BufWriter::new(
            std::fs::File::create(file)
                .map_err(|e| format!("cannot create {}: {e}", file.display()))?,
        ))
    };
    let bar = progress_bar(None, "{spinner} {msg}");
    let started = std::time::Instant::now();
    let counts = bantin::sync::dataset::export(&mut conn, &mut out, |table, n| {
        bar.set_message(format!("{table}: {n}"))
    })?;
    out.flush().map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    let total: usize = counts.values().sum();
    if !to_stdout {
        println!(
            "exported {total} records in {:.1} s to {}",
            started.elapsed().as_secs_f64(),
            file.display()
        );
    }
    Ok(())
}

fn import(config: &Config, file: &std::path::Path) -> Result<(), String> {
    let db = open_and_migrate(config)?;
    let mut conn = db.pool().get().map_err(|e| e.to_string())?;
    let f =
        std::fs::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let len = f.metadata().map(|m| m.len()).ok();
    let mut input = std::io::BufReader::new(f);
    let bar = progress_bar(len, "{bar:40} {bytes}/{total_bytes} {eta}");
    let started = std::time::Instant::now();
    let counts = bantin::sync::dataset::import(
        &mut conn,
        &mut input,
        bantin::startup::search_docs,
        |read| bar.set_position(read),
    )
    .map_err(|e| format!("{}: {e}; nothing was imported", file.display()))?;
    bar.finish_and_clear();
    let total: usize = counts.values().sum();
    println!(
        "imported {total} records in {:.1} s from {}",
        started.elapsed().as_secs_f64(),
        file.display()
    );
    Ok(())
}

fn serve(config: Config, no_demo: bool) -> Result<(), String> {
    let is_new_embedded = match &config.database_url {
        DatabaseUrl::Sqlite(path) => !path.exists(),
        DatabaseUrl::Postgres(_) => false,
    };
    let db = open_and_migrate_with(&config, config.pool_size)?;
    if is_new_embedded && !no_demo {
        let mut conn = db.pool().get().map_err(|e| e.to_string())?;
        let loaded = bantin::demo::load(&mut conn)?;
        tracing::info!(
            records = loaded.total(),
            "new embedded database filled with the demo data"
        );
    }
    let media = bantin::media::store::open(&config.media_store, &db)
        .map_err(|e| format!("BANTIN_MEDIA_STORE: {e}"))?;
    tracing::info!(store = ?config.media_store, "media store");
    let state = web::Data::new(AppState::new(db, &config).with_media(media));
    let settings = AppSettings::from(&config);
    let bind = config.bind;
    let workers = config.workers;
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        if state.webhooks.worker {
            bantin::sync::webhooks::worker::spawn(state.clone());
        }
        bantin::articles::scheduler::spawn(state.clone());
        let server = HttpServer::new(move || app::build(state.clone(), &settings))
            .workers(workers)
            .shutdown_timeout(30)
            .bind(bind)
            .map_err(|e| format!("cannot listen on {bind} (BANTIN_BIND): {e}"))?;
        let url = format!("http://{bind}");
        println!(
            "bantin serving on {url}/api/v1  —  docs: {url}/docs/  —  spec: {url}/openapi.json"
        );
        server
            .run()
            .await
            .map_err(|e| format!("server stopped: {e}"))
    })
}
