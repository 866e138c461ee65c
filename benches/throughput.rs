//! Throughput of the invitation API: one server on SQLite, and — when a PostgreSQL URL is given — one and two
//! server instances on one PostgreSQL database. Prints figures; asserts nothing about speed.
//!
//!   cargo bench --bench throughput                                  # SQLite only
//!   scripts/with-postgres.sh cargo bench --bench throughput         # SQLite and PostgreSQL
//!
//! Environment: BENCH_SECONDS (default 5), BENCH_CONCURRENCY (default 16). Load is a mix of one create per
//! four reads of the created username, over 64 projects, sent with a service account's bearer token (one round trip per request, as the SDK's OAuth
//! client does), from the same process on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use atlas_invites::clock::{SharedClock, SystemClock};
use atlas_invites::domain::ratelimit::Quota;
use atlas_invites::http::Limits;
use atlas_invites::store::Store;
use atlas_invites::{ServerOptions, fixtures};
use serde_json::json;

/// Orgs and projects the load is spread over, so no project or org reaches Atlas's 500 pending invitations
/// (each invitee is new to the org, so each project invitation brings an org invitation).
const ORGS: usize = 16;
const PROJECTS_PER_ORG: usize = 4;

fn org_of(n: usize) -> usize {
    (n / PROJECTS_PER_ORG) % ORGS
}

fn project_id(n: usize) -> String {
    format!("6f0000000000000000{:06x}", 0xa000 + n % (ORGS * PROJECTS_PER_ORG))
}

fn fixture() -> String {
    let mut text = String::from("orgs:\n");
    for org in 0..ORGS {
        let projects: Vec<String> = (0..PROJECTS_PER_ORG)
            .map(|p| org * PROJECTS_PER_ORG + p)
            .map(|n| format!("{{ id: {}, name: bench-{n} }}", project_id(n)))
            .collect();
        text += &format!(
            "  - {{ id: 6f0000000000000000{org:06x}, name: bench-{org}, projects: [{}] }}\n",
            projects.join(", ")
        );
    }
    text += "serviceAccounts:\n";
    for org in 0..ORGS {
        text += &format!(
            "  - {{ clientId: mdb_sa_id_bench{org}, clientSecret: mdb_sa_sk_bench-secret-0123456789, \
             org: 6f0000000000000000{org:06x}, orgRoles: [ORG_OWNER] }}\n"
        );
    }
    text
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Starts a server instance on `database_url`, returning its base URL.
async fn start(database_url: &str) -> String {
    let clock: SharedClock = Arc::new(SystemClock);
    let store = Arc::new(Store::open(database_url).await.expect("store opens"));
    let unlimited = Quota { capacity: u32::MAX / 2, refill_per_minute: u32::MAX / 2 };
    let options = ServerOptions {
        limits: Limits {
            project_invitations: unlimited,
            org_invitations: unlimited,
            project_users: unlimited,
            org_users: unlimited,
            users: unlimited,
            ..Limits::default()
        },
        ..ServerOptions::default()
    };
    let app = atlas_invites::build(store, clock, options).await.expect("app");
    fixtures::apply(&app.service, &fixtures::parse(&fixture()).unwrap()).await.expect("fixture applies");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(atlas_invites::serve(listener, app.router, std::future::pending()));
    base
}

/// A token of the service account owning `org`.
async fn token(http: &reqwest::Client, base: &str, org: usize) -> String {
    let response = http
        .post(format!("{base}/api/oauth/token"))
        .basic_auth(format!("mdb_sa_id_bench{org}"), Some("mdb_sa_sk_bench-secret-0123456789"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    body["access_token"].as_str().expect("a token").to_string()
}

struct Figures {
    requests: usize,
    writes: usize,
    errors: usize,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

/// Drives `bases` (round robin per worker) for the configured time.
async fn drive(bases: &[String], label: &str) -> Figures {
    let seconds = env_number("BENCH_SECONDS", 5);
    let concurrency = env_number("BENCH_CONCURRENCY", 16) as usize;
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for org in 0..ORGS {
        tokens.push(token(&http, &bases[0], org).await);
    }
    let tokens = Arc::new(tokens);
    let counter = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let base = bases[worker % bases.len()].clone();
        let (http, tokens, counter, label) = (http.clone(), tokens.clone(), counter.clone(), label.to_string());
        workers.push(tokio::spawn(async move {
            let mut figures =
                Figures { requests: 0, writes: 0, errors: 0, latencies: Vec::new(), elapsed: Duration::ZERO };
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                // Each create and the four reads after it go to one project.
                let list = format!("{base}/api/atlas/v2/groups/{}/invites", project_id(n / 5));
                let token = &tokens[org_of(n / 5)];
                let sent = Instant::now();
                let request = if n % 5 == 0 {
                    figures.writes += 1;
                    http.post(&list).header("content-type", "application/json").body(
                        json!({"username": format!("{label}-{n}@bench.test"), "roles": ["GROUP_READ_ONLY"]})
                            .to_string(),
                    )
                } else {
                    http.get(format!("{list}?username={label}-{}@bench.test", n - n % 5))
                };
                let response =
                    request.bearer_auth(token).header("accept", "application/vnd.atlas.2023-01-01+json").send().await;
                match response {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    Ok(r) => {
                        figures.errors += 1;
                        if figures.errors == 1 {
                            eprintln!("{label}: {} {}", r.status(), r.text().await.unwrap_or_default());
                        }
                    }
                    Err(e) => {
                        figures.errors += 1;
                        if figures.errors == 1 {
                            eprintln!("{label}: {e}");
                        }
                    }
                }
                figures.latencies.push(sent.elapsed());
                figures.requests += 1;
            }
            figures
        }));
    }
    let mut total = Figures { requests: 0, writes: 0, errors: 0, latencies: Vec::new(), elapsed: Duration::ZERO };
    for worker in workers {
        let figures = worker.await.unwrap();
        total.requests += figures.requests;
        total.writes += figures.writes;
        total.errors += figures.errors;
        total.latencies.extend(figures.latencies);
    }
    total.elapsed = started.elapsed();
    total
}

fn report(label: &str, figures: &mut Figures) {
    figures.latencies.sort();
    let at = |q: f64| {
        figures.latencies.get(((figures.latencies.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default()
    };
    let seconds = figures.elapsed.as_secs_f64();
    println!(
        "| {label} | {:.0} | {:.0} | {:.1} | {:.1} | {} |",
        figures.requests as f64 / seconds,
        figures.writes as f64 / seconds,
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        figures.errors
    );
}

/// A fresh database on the PostgreSQL server `url` points at.
async fn fresh_postgres_database(url: &str) -> String {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(url).await.expect("PostgreSQL reachable");
    let name = format!("bench_{}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&mut admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
    let (prefix, _) = url.rsplit_once('/').expect("a database in the URL");
    format!("{prefix}/{name}")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "concurrency {}, {} s per scenario, 1 create : 4 reads, bearer auth",
        env_number("BENCH_CONCURRENCY", 16),
        env_number("BENCH_SECONDS", 5)
    );
    println!("| scenario | requests/s | creates/s | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|---|");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = start(&format!("sqlite://{}", dir.path().join("bench.db").display())).await;
    report("SQLite, 1 server", &mut drive(&[sqlite], "sqlite").await);
    match std::env::var("ATLAS_INVITES_TEST_POSTGRES_URL") {
        Ok(url) => {
            let database = fresh_postgres_database(&url).await;
            let first = start(&database).await;
            report("PostgreSQL, 1 server", &mut drive(std::slice::from_ref(&first), "pg1").await);
            let second = start(&database).await;
            report("PostgreSQL, 2 servers", &mut drive(&[first, second], "pg2").await);
        }
        Err(_) => println!("(no ATLAS_INVITES_TEST_POSTGRES_URL: run under scripts/with-postgres.sh for PostgreSQL)"),
    }
}
