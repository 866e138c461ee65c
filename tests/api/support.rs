//! The test harness: a real server on a random loopback port over a fresh store, a manual clock, and an HTTP
//! Digest client that shares no code with the server (the `digest_auth` crate answers the challenges).
//!
//! The store is a new SQLite file, or, when `ATLAS_INVITES_TEST_POSTGRES_URL` names a PostgreSQL server (see
//! scripts/with-postgres.sh), a new database on that server.

use std::sync::Arc;

use atlas_invites::clock::{Clock, ManualClock, SharedClock};
use atlas_invites::domain::{InvitationKind, ObjectId};
use atlas_invites::service::Service;
use atlas_invites::store::{EventScope, Store};
use atlas_invites::{ServerOptions, fixtures};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use tokio::sync::oneshot;

/// 2026-08-10T03:03:37Z, the moment of the recorded Atlas org invitation.
pub const T0: i64 = 1_786_331_017;

pub const O1: &str = "6f0000000000000000000001";
pub const O2: &str = "6f0000000000000000000002";
pub const PA: &str = "6f00000000000000000000a1";
pub const PB: &str = "6f00000000000000000000a2";
pub const PC: &str = "6f00000000000000000000b1";
pub const T1: &str = "6f00000000000000000000c1";
pub const T2: &str = "6f00000000000000000000c2";
pub const MEMBER: &str = "member@acme.test";

pub struct Key {
    pub public: &'static str,
    pub private: &'static str,
}

/// Organization Owner of O1.
pub const OWNER: Key = Key { public: "acmeownr", private: "1f3e0b52-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };
/// Project Owner of PA only (Organization Member of O1).
pub const PA_OWNER: Key = Key { public: "paowner1", private: "2a2a2a2a-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };
/// Project Owner of PB only.
pub const PB_OWNER: Key = Key { public: "pbowner1", private: "3b3b3b3b-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };
/// Read Only in PA.
pub const PA_READER: Key = Key { public: "pareader", private: "4c4c4c4c-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };
/// Organization Member of O1 without project roles.
pub const O1_MEMBER: Key = Key { public: "o1member", private: "5d5d5d5d-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };
/// Organization Read Only of O1.
pub const O1_READER: Key = Key { public: "o1reader", private: "6e6e6e6e-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };
/// Organization Owner of O2.
pub const O2_OWNER: Key = Key { public: "o2owner1", private: "7f7f7f7f-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };

pub const FIXTURE: &str = r#"
orgs:
  - id: 6f0000000000000000000003
    name: Listed
    apiAccessListRequired: true
    projects: [{ id: 6f00000000000000000000d1, name: listed-prod }]
  - id: 6f0000000000000000000001
    name: Acme
    projects: [{ id: 6f00000000000000000000a1, name: acme-prod }, { id: 6f00000000000000000000a2, name: acme-dev }]
    teams: [{ id: 6f00000000000000000000c1, name: platform }]
  - id: 6f0000000000000000000002
    name: Other
    projects: [{ id: 6f00000000000000000000b1, name: other-prod }]
    teams: [{ id: 6f00000000000000000000c2, name: other-team }]
users:
  - username: member@acme.test
    orgRoles: { 6f0000000000000000000001: [ORG_MEMBER] }
    projectRoles: { 6f00000000000000000000a1: [GROUP_READ_ONLY] }
apiKeys:
  - { publicKey: acmeownr, privateKey: 1f3e0b52-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000001, orgRoles: [ORG_OWNER] }
  - { publicKey: paowner1, privateKey: 2a2a2a2a-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000001, orgRoles: [ORG_MEMBER],
      projectRoles: { 6f00000000000000000000a1: [GROUP_OWNER] } }
  - { publicKey: pbowner1, privateKey: 3b3b3b3b-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000001, orgRoles: [ORG_MEMBER],
      projectRoles: { 6f00000000000000000000a2: [GROUP_OWNER] } }
  - { publicKey: pareader, privateKey: 4c4c4c4c-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000001, orgRoles: [ORG_MEMBER],
      projectRoles: { 6f00000000000000000000a1: [GROUP_READ_ONLY] } }
  - { publicKey: o1member, privateKey: 5d5d5d5d-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000001, orgRoles: [ORG_MEMBER] }
  - { publicKey: o1reader, privateKey: 6e6e6e6e-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000001, orgRoles: [ORG_READ_ONLY] }
  - { publicKey: o2owner1, privateKey: 7f7f7f7f-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000002, orgRoles: [ORG_OWNER] }
  - { publicKey: listedpa, privateKey: 8a8a8a8a-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000001, orgRoles: [ORG_MEMBER],
      projectRoles: { 6f00000000000000000000a1: [GROUP_OWNER] }, accessList: [127.0.0.2/32] }
  - { publicKey: pauadmin, privateKey: 1d1d1d1d-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000001, orgRoles: [ORG_MEMBER],
      projectRoles: { 6f00000000000000000000a1: [GROUP_USER_ADMIN] } }
  - { publicKey: o3owner1, privateKey: 9b9b9b9b-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000003, orgRoles: [ORG_OWNER] }
  - { publicKey: o3listed, privateKey: 0c0c0c0c-3c4e-4f5e-9a7b-0c1d2e3f4a5b, org: 6f0000000000000000000003, orgRoles: [ORG_OWNER],
      accessList: [127.0.0.1] }
serviceAccounts:
  - { clientId: mdb_sa_id_6f00000000000000000000e1, clientSecret: mdb_sa_sk_pa-owner-secret-with/odd=chars?,
      org: 6f0000000000000000000001, orgRoles: [ORG_MEMBER], projectRoles: { 6f00000000000000000000a1: [GROUP_OWNER] } }
  - { clientId: mdb_sa_id_6f00000000000000000000e2, clientSecret: mdb_sa_sk_pb-owner-secret-0123456789,
      org: 6f0000000000000000000001, orgRoles: [ORG_MEMBER], projectRoles: { 6f00000000000000000000a2: [GROUP_OWNER] } }
  - { clientId: mdb_sa_id_6f00000000000000000000e3, clientSecret: mdb_sa_sk_listed-secret-0123456789,
      org: 6f0000000000000000000001, orgRoles: [ORG_OWNER], accessList: [127.0.0.2/32] }
"#;

/// Cloud Manager's Project User Admin of PA.
pub const PA_USER_ADMIN: Key = Key { public: "pauadmin", private: "1d1d1d1d-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };

/// An org whose credentials must have API access lists.
pub const O3: &str = "6f0000000000000000000003";
/// Project Owner of PA, callable only from 127.0.0.2.
pub const LISTED_PA_OWNER: Key = Key { public: "listedpa", private: "8a8a8a8a-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };
/// Organization Owner of O3, without an access list.
pub const O3_OWNER: Key = Key { public: "o3owner1", private: "9b9b9b9b-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };
/// Organization Owner of O3, listed for 127.0.0.1.
pub const O3_LISTED: Key = Key { public: "o3listed", private: "0c0c0c0c-3c4e-4f5e-9a7b-0c1d2e3f4a5b" };

/// A service account's credentials.
pub struct Account {
    pub id: &'static str,
    pub secret: &'static str,
}

/// Project Owner of PA.
pub const SA_PA: Account =
    Account { id: "mdb_sa_id_6f00000000000000000000e1", secret: "mdb_sa_sk_pa-owner-secret-with/odd=chars?" };
/// Project Owner of PB.
pub const SA_PB: Account =
    Account { id: "mdb_sa_id_6f00000000000000000000e2", secret: "mdb_sa_sk_pb-owner-secret-0123456789" };
/// Organization Owner of O1, usable only from 127.0.0.2.
pub const SA_LISTED: Account =
    Account { id: "mdb_sa_id_6f00000000000000000000e3", secret: "mdb_sa_sk_listed-secret-0123456789" };

pub const V2: &str = "application/vnd.atlas.2023-01-01+json";

pub struct TestServer {
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub store: Arc<Store>,
    pub service: Arc<Service>,
    pub database_url: String,
    options: ServerOptions,
    dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(ServerOptions::default()).await
    }

    pub async fn start_with(options: ServerOptions) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = fresh_database_url(&dir, "store.db").await;
        let clock = ManualClock::new(T0);
        let server = Self::launch(dir, database_url, clock, options).await;
        let fixture = fixtures::parse(FIXTURE).expect("fixture parses");
        fixtures::apply(&server.service, &fixture).await.expect("fixture applies");
        server
    }

    async fn launch(
        dir: tempfile::TempDir,
        database_url: String,
        clock: Arc<ManualClock>,
        options: ServerOptions,
    ) -> TestServer {
        let store = Arc::new(Store::open(&database_url).await.expect("store opens"));
        let shared_clock: SharedClock = clock.clone();
        let app = atlas_invites::build(store.clone(), shared_clock, options.clone()).await.expect("app builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let service = app.service;
        let task = tokio::spawn(atlas_invites::serve(listener, app.router, async move {
            let _ = rx.await;
        }));
        TestServer { base, clock, store, service, database_url, options, dir, shutdown: Some(tx), task: Some(task) }
    }

    /// Another server instance on the same database and clock, as a second replica (tests/replicas.rs).
    #[allow(dead_code)]
    pub async fn replica(&self) -> TestServer {
        Self::launch(tempfile::tempdir().unwrap(), self.database_url.clone(), self.clock.clone(), self.options.clone())
            .await
    }

    /// Stops the server and starts a new one on the same database, as a process restart would.
    pub async fn restart(mut self) -> TestServer {
        self.stop().await;
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        let url = self.database_url.clone();
        Self::launch(dir, url, self.clock.clone(), self.options.clone()).await
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server stopped cleanly");
        }
    }

    pub fn as_(&self, key: &Key) -> Client {
        self.client(Credentials::Digest(key.public.to_string(), key.private.to_string()), None)
    }

    /// Signs as `key` from another loopback address (for API access lists).
    pub fn as_from(&self, key: &Key, address: &str) -> Client {
        self.client(Credentials::Digest(key.public.to_string(), key.private.to_string()), Some(address))
    }

    pub fn with_token(&self, token: &str) -> Client {
        self.client(Credentials::Bearer(token.to_string()), None)
    }

    pub fn with_token_from(&self, token: &str, address: &str) -> Client {
        self.client(Credentials::Bearer(token.to_string()), Some(address))
    }

    pub fn anonymous(&self) -> Client {
        self.client(Credentials::None, None)
    }

    fn client(&self, credentials: Credentials, local_address: Option<&str>) -> Client {
        let mut builder = reqwest::Client::builder();
        if let Some(address) = local_address {
            builder = builder.local_address(address.parse::<std::net::IpAddr>().expect("an IP address"));
        }
        Client { base: self.base.clone(), http: builder.build().expect("HTTP client"), credentials }
    }

    /// `POST /api/oauth/token` for a service account: (status, JSON body).
    pub async fn token_response(&self, account: &Account) -> (u16, Value) {
        self.token_response_from(account, None).await
    }

    pub async fn token_response_from(&self, account: &Account, address: Option<&str>) -> (u16, Value) {
        let mut builder = reqwest::Client::builder();
        if let Some(address) = address {
            builder = builder.local_address(address.parse::<std::net::IpAddr>().unwrap());
        }
        let response = builder
            .build()
            .unwrap()
            .post(format!("{}/api/oauth/token", self.base))
            .basic_auth(form_encode(account.id), Some(form_encode(account.secret)))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .expect("token request sent");
        let status = response.status().as_u16();
        (status, serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null))
    }

    /// A fresh access token for `account`.
    pub async fn token(&self, account: &Account) -> String {
        let (status, body) = self.token_response(account).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().expect("access_token").to_string()
    }

    /// Every invitation, team, membership and event the store holds, for asserting that a refused request changed nothing.
    pub async fn snapshot(&self) -> String {
        let now = self.clock.now();
        let mut db = self.store.read().await.unwrap();
        let mut lines = Vec::new();
        for org in db.orgs().await.unwrap() {
            lines.push(format!("{org:?}"));
            let invitations = db.invitations(InvitationKind::Org, &org.id, None, now).await.unwrap();
            lines.extend(invitations.iter().map(|i| format!("{i:?}")));
            lines.extend(db.teams(Some(&org.id)).await.unwrap().iter().map(|t| format!("{t:?}")));
            let all = atlas_invites::domain::events::EventQuery::default();
            let (events, _) = db.events(EventScope::Org(org.id), &all, 0, 1_000_000).await.unwrap();
            lines.extend(events.iter().map(|e| format!("{e:?}")));
            for project in db.projects(Some(&org.id)).await.unwrap() {
                lines.push(format!("{project:?}"));
                lines.extend(db.project_teams(&project.id).await.unwrap().iter().map(|t| format!("{t:?}")));
                let invitations = db.invitations(InvitationKind::Project, &project.id, None, now).await.unwrap();
                lines.extend(invitations.iter().map(|i| format!("{i:?}")));
            }
        }
        lines.extend(db.users().await.unwrap().iter().map(|u| format!("{u:?}")));
        lines.join("\n")
    }
}

/// An id of the fixture, typed.
pub fn object_id(text: &str) -> ObjectId {
    ObjectId::parse(text).expect("an id")
}

/// The PostgreSQL server the tests run against instead of SQLite, if any.
pub const POSTGRES_URL_VAR: &str = "ATLAS_INVITES_TEST_POSTGRES_URL";

pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR).ok().filter(|url| !url.is_empty())
}

/// A URL for an empty store: a new database on the test PostgreSQL server if there is one, else the SQLite
/// file `name` in `dir`.
pub async fn fresh_database_url(dir: &tempfile::TempDir, name: &str) -> String {
    match postgres_url() {
        Some(url) => create_postgres_database(&url).await,
        None => format!("sqlite://{}", dir.path().join(name).display()),
    }
}

/// Creates `t_<random hex>` on the server `server_url` names and returns that URL with the new database in it.
async fn create_postgres_database(server_url: &str) -> String {
    use sqlx::Connection;
    let mut tail = [0u8; 8];
    getrandom::fill(&mut tail).expect("random bytes");
    let name = format!("t_{}", hex::encode(tail));
    let mut conn = sqlx::PgConnection::connect(server_url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR}: cannot connect: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE");
    conn.close().await.ok();
    let mut url = reqwest::Url::parse(server_url).expect("a postgres:// URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn error_code(&self) -> String {
        self.json()["errorCode"].as_str().unwrap_or_default().to_string()
    }

    /// Asserts an Atlas error: status, errorCode, the body's fields and headers.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.error_code().as_str()), (status, code), "body: {}", self.text);
        let body = self.json();
        assert_eq!(body["error"], status, "{}", self.text);
        assert!(
            body["detail"].is_string() && body["reason"].is_string() && body["parameters"].is_array(),
            "{}",
            self.text
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
        assert_eq!(self.header("x-error-code"), Some(code));
    }
}

/// RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding (as the Go oauth2 client does).
pub fn form_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

enum Credentials {
    None,
    Digest(String, String),
    Bearer(String),
}

pub struct Client {
    base: String,
    http: reqwest::Client,
    credentials: Credentials,
}

/// A request under construction: method, path (with query), headers, body.
pub struct Call {
    pub method: Method,
    pub path: String,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
}

impl Call {
    pub fn new(method: Method, path: &str) -> Call {
        Call { method, path: path.to_string(), accept: Some(V2.to_string()), content_type: None, body: None }
    }
    pub fn json(mut self, body: &Value) -> Call {
        self.content_type = Some(V2.to_string());
        self.body = Some(body.to_string().into_bytes());
        self
    }
    pub fn raw(mut self, content_type: Option<&str>, body: &[u8]) -> Call {
        self.content_type = content_type.map(str::to_string);
        self.body = Some(body.to_vec());
        self
    }
    pub fn accept(mut self, accept: Option<&str>) -> Call {
        self.accept = accept.map(str::to_string);
        self
    }
}

impl Client {
    pub async fn get(&self, path: &str) -> Response {
        self.call(Call::new(Method::GET, path)).await
    }
    pub async fn delete(&self, path: &str) -> Response {
        self.call(Call::new(Method::DELETE, path)).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.call(Call::new(Method::POST, path).json(body)).await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.call(Call::new(Method::PATCH, path).json(body)).await
    }

    /// Sends like the official Go clients: with a bearer token; or, for digest, an unauthenticated leg, then the
    /// answer to its challenge, with the body on both legs.
    pub async fn call(&self, call: Call) -> Response {
        let (user, password) = match &self.credentials {
            Credentials::None => return self.send(&call, None).await,
            Credentials::Bearer(token) => return self.send(&call, Some(&format!("Bearer {token}"))).await,
            Credentials::Digest(user, password) => (user, password),
        };
        let first = self.send(&call, None).await;
        if first.status != 401 {
            return first;
        }
        let authorization = answer_challenge(&first, user, password, &call);
        self.send(&call, Some(&authorization)).await
    }

    pub async fn send(&self, call: &Call, authorization: Option<&str>) -> Response {
        let mut request = self.http.request(call.method.clone(), format!("{}{}", self.base, call.path));
        if let Some(accept) = &call.accept {
            request = request.header("accept", accept);
        }
        if let Some(content_type) = &call.content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(body) = &call.body {
            request = request.body(body.clone());
        }
        if let Some(authorization) = authorization {
            request = request.header("authorization", HeaderValue::from_str(authorization).unwrap());
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        Response { status, headers, text }
    }
}

/// The Authorization header `digest_auth` computes for a 401's challenge.
pub fn answer_challenge(challenge: &Response, user: &str, password: &str, call: &Call) -> String {
    let header = challenge.header("www-authenticate").expect("a digest challenge");
    let mut prompt = digest_auth::parse(header).expect("challenge parses");
    let method = digest_auth::HttpMethod::from(call.method.as_str());
    let context = digest_auth::AuthContext::new_with_method(user, password, &call.path, call.body.as_deref(), method);
    prompt.respond(&context).expect("digest answer").to_header_string()
}
