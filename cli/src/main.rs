//! `noktvrn`: the local runner. Runs whole batches on the embedded backend
//! and offline providers, and inspects what they produced. It calls the same
//! stage functions as the Lambdas; only the wiring differs.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use noktvrn_cli::cli::{BatchCommand, Cli, Command};
use noktvrn_cli::commands;
use noktvrn_pipeline::runner::CancelFlag;

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,noktvrn=info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// First SIGINT/SIGTERM: finish the current stage, mark the run failed,
/// stop. A second one exits at once (the next batch recovers).
fn install_signal_handlers(cancel: CancelFlag) {
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        loop {
            #[cfg(unix)]
            let got = match term.as_mut() {
                Some(t) => {
                    tokio::select! { r = tokio::signal::ctrl_c() => r.is_ok(), s = t.recv() => s.is_some() }
                }
                None => tokio::signal::ctrl_c().await.is_ok(),
            };
            #[cfg(not(unix))]
            let got = tokio::signal::ctrl_c().await.is_ok();
            if !got {
                return;
            }
            if cancel.is_cancelled() {
                eprintln!("\ninterrupted again: exiting now");
                std::process::exit(130);
            }
            eprintln!("\ninterrupting: stopping after the current stage (press again to exit now)");
            cancel.cancel();
        }
    });
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = commands::Ctx {
        data_dir: cli.data_dir.clone(),
        json: cli.json,
    };
    let ok = match &cli.command {
        Command::Batch(BatchCommand::Run(args)) => {
            let cancel = CancelFlag::default();
            install_signal_handlers(cancel.clone());
            let finished = commands::batch_run(&ctx, args, cancel).await?;
            if !finished {
                return Ok(ExitCode::from(130));
            }
            true
        }
        Command::Artist(c) => {
            commands::artist(&ctx, c).await?;
            true
        }
        Command::Runs(c) => {
            commands::runs(&ctx, c).await?;
            true
        }
        Command::Releases(c) => commands::releases(&ctx, c).await?,
        Command::Upload => commands::upload(&ctx).await?,
        Command::Lifecycle => {
            commands::lifecycle(&ctx).await?;
            true
        }
        Command::Analyze(args) => commands::analyze(&ctx, args)?,
    };
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
