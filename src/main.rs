use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ATLAS_INVITES_LOG")
                .unwrap_or_else(|_| "atlas_invites=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match atlas_invites::cli::run(atlas_invites::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("atlas-invites: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
