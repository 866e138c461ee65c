//! The command line: `serve` runs the API; `admin` manages the same store.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::auth::digest::Algorithm;
use crate::clock::{SharedClock, SystemClock};
use crate::domain::ratelimit::Quota;
use crate::domain::{ApiKey, Grants, ObjectId, ServiceAccount, User};
use crate::http::{Limits, render};
use crate::service::{IssuedKey, Service};
use crate::store::Store;
use crate::{ServerOptions, fixtures, state};

#[derive(Parser)]
#[command(name = "atlas-invites", version, about = "MongoDB Cloud invitation API server, wire-compatible with Atlas")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the API server.
    Serve(ServeArgs),
    /// Manage organizations, projects, teams, users, API keys and invitations in the store.
    Admin(AdminArgs),
}

#[derive(Args)]
pub struct StoreArgs {
    /// Where the data lives: sqlite://PATH (created if missing) or postgres://USER:PASSWORD@HOST:PORT/DATABASE.
    #[arg(long, global = true, env = "ATLAS_INVITES_DATABASE_URL", default_value = "sqlite://atlas-invites.db")]
    pub database_url: String,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the chosen address is printed).
    #[arg(long, env = "ATLAS_INVITES_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    /// A YAML fixture file applied at start (see README); applying it again changes nothing.
    #[arg(long, env = "ATLAS_INVITES_FIXTURES")]
    pub fixtures: Option<PathBuf>,
    /// The algorithm the digest challenge offers. Atlas offers MD5; SHA-256-signed requests are accepted
    /// either way.
    #[arg(long, env = "ATLAS_INVITES_DIGEST_ALGORITHM", value_enum, default_value_t = ChallengeAlgorithm::Md5)]
    pub digest_algorithm: ChallengeAlgorithm,
    /// Token bucket of each project's invitation endpoints: CAPACITY/REFILL_PER_MINUTE (Atlas: 1200/500).
    #[arg(long, env = "ATLAS_INVITES_PROJECT_RATE_LIMIT", default_value = "1200/500")]
    pub project_rate_limit: Quota,
    /// Token bucket of each org's invitation endpoints: CAPACITY/REFILL_PER_MINUTE (Atlas: 500/250).
    #[arg(long, env = "ATLAS_INVITES_ORG_RATE_LIMIT", default_value = "500/250")]
    pub org_rate_limit: Quota,
    /// Token bucket of each project's MongoDB Cloud users endpoints (Atlas: 1200/500).
    #[arg(long, env = "ATLAS_INVITES_PROJECT_USERS_RATE_LIMIT", default_value = "1200/500")]
    pub project_users_rate_limit: Quota,
    /// Token bucket of each org's MongoDB Cloud users endpoints (Atlas: 500/250).
    #[arg(long, env = "ATLAS_INVITES_ORG_USERS_RATE_LIMIT", default_value = "500/250")]
    pub org_users_rate_limit: Quota,
    /// Token bucket of each credential's calls to `/users` (Atlas: 2500/2000).
    #[arg(long, env = "ATLAS_INVITES_USERS_RATE_LIMIT", default_value = "2500/2000")]
    pub users_rate_limit: Quota,
    /// Token bucket of each org's and each project's teams endpoints (Atlas: 1200).
    #[arg(long, env = "ATLAS_INVITES_TEAMS_RATE_LIMIT", default_value = "1200/500")]
    pub teams_rate_limit: Quota,
    /// Token bucket of each org's events endpoints (Atlas: 500).
    #[arg(long, env = "ATLAS_INVITES_ORG_EVENTS_RATE_LIMIT", default_value = "500/250")]
    pub org_events_rate_limit: Quota,
    /// Token bucket of each project's events endpoints (Atlas: 300).
    #[arg(long, env = "ATLAS_INVITES_PROJECT_EVENTS_RATE_LIMIT", default_value = "300/150")]
    pub project_events_rate_limit: Quota,
    /// Failed authentications allowed per client address and minute.
    #[arg(long, env = "ATLAS_INVITES_FAILED_AUTH_PER_MINUTE", default_value_t = 60)]
    pub failed_auth_per_minute: u32,
    /// Refuse more than N invitations a minute from one client address, as Atlas does with 10
    /// (INVITATIONS_RATE_LIMITED_IP); off unless given.
    #[arg(long, env = "ATLAS_INVITES_INVITATIONS_PER_ADDRESS_PER_MINUTE", value_parser = clap::value_parser!(u32).range(1..))]
    pub invitations_per_address_per_minute: Option<u32>,
    /// A proxy (address or CIDR) whose X-Forwarded-For header names the client; repeatable. Without one the
    /// header is ignored.
    #[arg(long = "trusted-proxy", env = "ATLAS_INVITES_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Answer a project or organization the credential may not see exactly as a missing one (404), so ids of
    /// other tenants cannot be told from unused ones. Off by default: Atlas answers 401.
    #[arg(long, env = "ATLAS_INVITES_STRICT_TENANCY")]
    pub strict_tenancy: bool,
}

fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    crate::domain::access::parse_access_list_entry(text)
        .ok_or_else(|| format!("{text:?} is not an IP address or CIDR block"))
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ChallengeAlgorithm {
    #[value(name = "MD5")]
    Md5,
    #[value(name = "SHA-256")]
    Sha256,
}

#[derive(Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print results as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create (or rename) an organization.
    CreateOrg {
        /// The organization's name.
        #[arg(long)]
        name: String,
        /// Its id (24 hex digits); new if not given. An existing id is renamed.
        #[arg(long)]
        id: Option<ObjectId>,
        /// Require every credential of the org to have an API access list.
        #[arg(long)]
        require_access_list: Option<bool>,
    },
    /// Create (or rename) a project in an organization.
    CreateProject {
        /// The organization the project belongs to.
        #[arg(long)]
        org: ObjectId,
        /// The project's name.
        #[arg(long)]
        name: String,
        /// Its id (24 hex digits); new if not given. An existing id is renamed.
        #[arg(long)]
        id: Option<ObjectId>,
    },
    /// Create (or rename) a team in an organization.
    CreateTeam {
        /// The organization the team belongs to.
        #[arg(long)]
        org: ObjectId,
        /// The team's name, unique in the organization.
        #[arg(long)]
        name: String,
        /// Its id (24 hex digits); new if not given. An existing id is renamed.
        #[arg(long)]
        id: Option<ObjectId>,
    },
    /// Create or update a member; its memberships become exactly the ones given.
    CreateUser {
        /// The member's username, an email address.
        #[arg(long)]
        username: String,
        /// ORG_ID=ROLE, repeatable.
        #[arg(long = "org-role", value_parser = parse_scoped_role)]
        org_roles: Vec<(ObjectId, String)>,
        /// PROJECT_ID=ROLE, repeatable.
        #[arg(long = "project-role", value_parser = parse_scoped_role)]
        project_roles: Vec<(ObjectId, String)>,
        /// TEAM_ID, repeatable.
        #[arg(long = "team")]
        teams: Vec<ObjectId>,
    },
    /// Create an API key (the private key is printed once and never stored).
    CreateApiKey {
        #[command(flatten)]
        grants: GrantArgs,
        /// The public key (8 lowercase characters); random if not given.
        #[arg(long)]
        public_key: Option<String>,
        /// The private key (a UUID); random if not given.
        #[arg(long)]
        private_key: Option<String>,
    },
    /// Create a service account (the secret is printed once and never stored).
    CreateServiceAccount {
        #[command(flatten)]
        grants: GrantArgs,
        /// The client id (mdb_sa_id_ and 24 hex digits); random if not given.
        #[arg(long)]
        client_id: Option<String>,
        /// The client secret; random if not given.
        #[arg(long)]
        client_secret: Option<String>,
    },
    /// Delete a service account; its tokens stop working at once. An unknown client id is an error.
    DeleteServiceAccount {
        /// The account's client id.
        client_id: String,
    },
    /// List what the store holds.
    List {
        #[arg(value_enum)]
        what: Listing,
    },
    /// Accept a pending invitation on the invitee's behalf: they join with its roles and it is gone.
    AcceptInvitation {
        /// The invitation's id.
        id: ObjectId,
    },
    /// Decline a pending invitation on the invitee's behalf: an org invitation's user becomes
    /// INVITATION_REJECTED; a project invitation is gone.
    DeclineInvitation {
        /// The invitation's id.
        id: ObjectId,
    },
    /// Apply a fixture file.
    ApplyFixtures {
        /// The YAML fixture file (see README).
        file: PathBuf,
    },
}

/// What a new credential (API key or service account) is given.
#[derive(Args)]
pub struct GrantArgs {
    /// The organization the credential belongs to.
    #[arg(long)]
    org: ObjectId,
    /// Organization role, repeatable.
    #[arg(long = "org-role", required = true)]
    org_roles: Vec<String>,
    /// PROJECT_ID=ROLE, repeatable.
    #[arg(long = "project-role", value_parser = parse_scoped_role)]
    project_roles: Vec<(ObjectId, String)>,
    /// An address or CIDR block the credential may call from; repeatable.
    #[arg(long = "access-list")]
    access_list: Vec<String>,
    /// What the credential is for.
    #[arg(long, default_value = "")]
    description: String,
}

impl GrantArgs {
    fn split(self) -> (ObjectId, Grants, String) {
        let grants = Grants {
            org_roles: self.org_roles,
            project_roles: group(self.project_roles),
            access_list: self.access_list,
        };
        (self.org, grants, self.description)
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Listing {
    Orgs,
    Projects,
    Teams,
    Users,
    ApiKeys,
    ServiceAccounts,
    Invitations,
}

fn parse_scoped_role(text: &str) -> Result<(ObjectId, String), String> {
    let (scope, role) = text.split_once('=').ok_or_else(|| format!("expected ID=ROLE, got {text:?}"))?;
    Ok((scope.parse()?, role.to_string()))
}

fn group(pairs: Vec<(ObjectId, String)>) -> BTreeMap<ObjectId, Vec<String>> {
    let mut grouped: BTreeMap<ObjectId, Vec<String>> = BTreeMap::new();
    for (scope, role) in pairs {
        grouped.entry(scope).or_default().push(role);
    }
    grouped
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Admin(args) => admin(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let clock: SharedClock = Arc::new(SystemClock);
    let _serving = crate::store::claim_serving(&args.store.database_url)?;
    // The address first: a start that cannot listen leaves no new database behind.
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let store = Arc::new(Store::open(&args.store.database_url).await?);
    let options = ServerOptions {
        challenge_algorithm: match args.digest_algorithm {
            ChallengeAlgorithm::Md5 => Algorithm::Md5,
            ChallengeAlgorithm::Sha256 => Algorithm::Sha256,
        },
        limits: Limits {
            project_invitations: args.project_rate_limit,
            org_invitations: args.org_rate_limit,
            project_users: args.project_users_rate_limit,
            org_users: args.org_users_rate_limit,
            users: args.users_rate_limit,
            teams: args.teams_rate_limit,
            org_events: args.org_events_rate_limit,
            project_events: args.project_events_rate_limit,
            failed_auth_per_minute: args.failed_auth_per_minute,
            invitations_per_address_per_minute: args.invitations_per_address_per_minute,
        },
        trusted_proxies: args.trusted_proxies,
        strict_tenancy: args.strict_tenancy,
    };
    let app = crate::build(store, clock, options).await?;
    let address = listener.local_addr()?;
    if let Some(path) = &args.fixtures {
        let applied = fixtures::apply_file(&app.service, path).await?;
        println!("applied {}: {applied}", path.display());
    } else if let Some((org, project, key)) = app.service.bootstrap_if_empty().await? {
        print_bootstrap(&address, &org.id, &project.id, &key);
    } else {
        let keys = app.service.api_keys().await?.len();
        let orgs = app.service.orgs().await?;
        // The command as this very binary, with the store's first org, so it can be pasted as it is.
        let binary = std::env::current_exe().map_or_else(|_| "atlas-invites".into(), |p| p.display().to_string());
        let org = orgs.first().map_or_else(|| "ORG_ID".to_string(), |org| org.id.to_string());
        println!(
            "Using the existing store ({keys} API keys; private keys are shown only when created). New key:\n  \
             {binary} admin --database-url '{}' create-api-key --org {org} --org-role ORG_OWNER",
            crate::store::redact_password(&args.store.database_url)
        );
    }
    println!("listening on http://{address}");
    crate::serve(listener, app.router, shutdown_signal()).await?;
    Ok(())
}

fn print_bootstrap(address: &SocketAddr, org_id: &ObjectId, project_id: &ObjectId, key: &IssuedKey) {
    let public = &key.record.public_key;
    let private = &key.private_key;
    println!("The store was empty: created an organization, a project and an Organization Owner API key.");
    println!("  org id:      {org_id}");
    println!("  project id:  {project_id}");
    println!("  public key:  {public}");
    println!("  private key: {private}   (shown once; only its digest hash is stored)");
    println!("Try:");
    println!(
        "  curl --user '{public}:{private}' --digest --header 'Accept: application/vnd.atlas.2023-01-01+json' \\\n    --header 'Content-Type: application/json' -X POST 'http://{address}/api/atlas/v2/groups/{project_id}/invites?pretty=true' \\\n    -d '{{\"username\":\"someone@example.com\",\"roles\":[\"GROUP_READ_ONLY\"]}}'"
    );
    println!(
        "  curl --user '{public}:{private}' --digest --header 'Accept: application/vnd.atlas.2023-01-01+json' \\\n    'http://{address}/api/atlas/v2/groups/{project_id}/invites?pretty=true'"
    );
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

async fn admin(args: AdminArgs) -> anyhow::Result<()> {
    let clock: SharedClock = Arc::new(SystemClock);
    let store = Arc::new(Store::open(&args.store.database_url).await?);
    let state = state::for_store(&store);
    let service = Service::new(store, state, clock, Algorithm::Md5).await?;
    let output: Value = match args.command {
        AdminCommand::CreateOrg { name, id, require_access_list } => {
            render::org(&service.put_org(id, &name, require_access_list).await?)
        }
        AdminCommand::CreateProject { org, name, id } => render::project(&service.put_project(&org, id, &name).await?),
        AdminCommand::CreateTeam { org, name, id } => {
            let team = service.put_team(&org, id, &name).await?;
            json!({ "id": team.id, "name": team.name, "orgId": team.org_id })
        }
        AdminCommand::CreateUser { username, org_roles, project_roles, teams } => {
            let user = service.put_user(&username, group(org_roles), group(project_roles), teams).await?;
            user_json(&user)
        }
        AdminCommand::CreateApiKey { grants, public_key, private_key } => {
            let (org, grants, description) = grants.split();
            let key = service.put_api_key(&org, grants, public_key, private_key, &description).await?;
            let mut value = api_key_json(&key.record);
            value["privateKey"] = json!(key.private_key);
            value
        }
        AdminCommand::CreateServiceAccount { grants, client_id, client_secret } => {
            let (org, grants, description) = grants.split();
            let (account, secret) =
                service.put_service_account(&org, grants, client_id, client_secret, &description).await?;
            let mut value = service_account_json(&account);
            value["clientSecret"] = json!(secret);
            value
        }
        AdminCommand::DeleteServiceAccount { client_id } => {
            if !service.delete_service_account(&client_id).await? {
                anyhow::bail!("there is no service account with client id {client_id:?}");
            }
            json!({ "clientId": client_id, "deleted": true })
        }
        AdminCommand::List { what } => list(&service, what).await?,
        AdminCommand::AcceptInvitation { id } => {
            let accepted = service.accept_invitation(&id).await?;
            json!({ "accepted": accepted.id, "kind": accepted.kind.as_str(), "username": accepted.username })
        }
        AdminCommand::DeclineInvitation { id } => {
            let declined = service.decline_invitation(&id).await?;
            json!({ "declined": declined.id, "kind": declined.kind.as_str(), "username": declined.username })
        }
        AdminCommand::ApplyFixtures { file } => {
            let applied = fixtures::apply_file(&service, &file).await?;
            json!({
                "orgs": applied.orgs, "projects": applied.projects, "teams": applied.teams,
                "users": applied.users, "apiKeys": applied.api_keys, "serviceAccounts": applied.service_accounts,
            })
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&output)?);
    } else {
        print_human(&output);
    }
    Ok(())
}

async fn list(service: &Service, what: Listing) -> anyhow::Result<Value> {
    Ok(match what {
        Listing::Orgs => Value::Array(service.orgs().await?.iter().map(render::org).collect()),
        Listing::Projects => Value::Array(service.projects(None).await?.iter().map(render::project).collect()),
        Listing::Teams => Value::Array(
            service
                .teams(None)
                .await?
                .iter()
                .map(|t| json!({ "id": t.id, "name": t.name, "orgId": t.org_id }))
                .collect(),
        ),
        Listing::Users => Value::Array(service.users().await?.iter().map(user_json).collect()),
        Listing::ApiKeys => Value::Array(service.api_keys().await?.iter().map(api_key_json).collect()),
        Listing::ServiceAccounts => {
            Value::Array(service.service_accounts().await?.iter().map(service_account_json).collect())
        }
        Listing::Invitations => Value::Array(
            service
                .all_invitations()
                .await?
                .iter()
                .map(|listed| {
                    let token = service.link_token(&listed.invitation);
                    match &listed.project {
                        Some(project) => json!({
                            "kind": "PROJECT",
                            "invitation": render::project_invitation(&listed.invitation, project),
                            "linkToken": token,
                        }),
                        None => json!({
                            "kind": "ORG",
                            "invitation": render::org_invitation(&listed.invitation, &listed.org, true),
                            "linkToken": token,
                        }),
                    }
                })
                .collect(),
        ),
    })
}

fn user_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "orgRoles": user.org_roles,
        "projectRoles": user.project_roles,
        "teamIds": user.team_ids,
    })
}

fn api_key_json(key: &ApiKey) -> Value {
    json!({
        "id": key.id,
        "publicKey": key.public_key,
        "orgId": key.org_id,
        "orgRoles": key.grants.org_roles,
        "projectRoles": key.grants.project_roles,
        "accessList": key.grants.access_list,
        "description": key.description,
    })
}

fn service_account_json(account: &ServiceAccount) -> Value {
    json!({
        "clientId": account.client_id,
        "orgId": account.org_id,
        "orgRoles": account.grants.org_roles,
        "projectRoles": account.grants.project_roles,
        "accessList": account.grants.access_list,
        "description": account.description,
    })
}

/// One line per entity (or per field for a single result), for people at a terminal.
fn print_human(output: &Value) {
    match output {
        Value::Array(items) if items.is_empty() => println!("(none)"),
        Value::Array(items) => items.iter().for_each(|item| println!("{item}")),
        Value::Object(fields) => fields.iter().for_each(|(k, v)| println!("{k}: {v}")),
        other => println!("{other}"),
    }
}
