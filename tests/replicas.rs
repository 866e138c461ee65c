//! Two server instances on one PostgreSQL database behave as one server: run under scripts/with-postgres.sh
//! (scripts/test.sh does). Without ATLAS_INVITES_TEST_POSTGRES_URL these tests fail rather than pass unseen.

#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use atlas_invites::ServerOptions;
use atlas_invites::domain::ratelimit::Quota;
use atlas_invites::http::Limits;
use reqwest::Method;
use serde_json::json;
use support::*;

async fn two_replicas(options: ServerOptions) -> (TestServer, TestServer) {
    assert!(postgres_url().is_some(), "replica tests need PostgreSQL: run them under scripts/with-postgres.sh");
    let a = TestServer::start_with(options).await;
    let b = a.replica().await;
    (a, b)
}

fn pa_invites() -> String {
    format!("/api/atlas/v2/groups/{PA}/invites")
}

#[tokio::test]
async fn replicas_see_each_others_writes_at_once() {
    let (a, b) = two_replicas(ServerOptions::default()).await;
    let created =
        a.as_(&OWNER).post(&pa_invites(), &json!({"username": "r@example.com", "roles": ["GROUP_OWNER"]})).await.json();
    let id = created["id"].as_str().unwrap();
    assert_eq!(b.as_(&OWNER).get(&format!("{}/{id}", pa_invites())).await.json(), created);
    assert_eq!(b.as_(&OWNER).delete(&format!("{}/{id}", pa_invites())).await.status, 204);
    a.as_(&OWNER).get(&format!("{}/{id}", pa_invites())).await.assert_error(404, "INVALID_INVITATION_ID");
}

#[tokio::test]
async fn a_nonce_from_one_replica_works_on_the_other_once() {
    let (a, b) = two_replicas(ServerOptions::default()).await;
    let call = Call::new(Method::GET, &pa_invites());
    let challenge = a.anonymous().send(&call, None).await;
    let authorization = answer_challenge(&challenge, OWNER.public, OWNER.private, &call);
    assert_eq!(b.anonymous().send(&call, Some(&authorization)).await.status, 200);
    let replay = a.anonymous().send(&call, Some(&authorization)).await;
    assert_eq!(replay.status, 401, "the replay is refused by the other replica too");
}

#[tokio::test]
async fn a_token_revoked_on_one_replica_is_refused_by_the_other() {
    let (a, b) = two_replicas(ServerOptions::default()).await;
    let token = a.token(&SA_PA).await;
    assert_eq!(b.with_token(&token).get(&pa_invites()).await.status, 200, "minted on A, accepted by B");
    let revoked = reqwest::Client::new()
        .post(format!("{}/api/oauth/revoke", a.base))
        .basic_auth(form_encode(SA_PA.id), Some(form_encode(SA_PA.secret)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(b.with_token(&token).get(&pa_invites()).await.status, 401);
}

#[tokio::test]
async fn replicas_share_rate_limit_buckets() {
    let quota = Quota { capacity: 10, refill_per_minute: 5 };
    let options = ServerOptions {
        limits: Limits { project_invitations: quota, org_invitations: quota, ..Limits::default() },
        ..ServerOptions::default()
    };
    let (a, b) = two_replicas(options).await;
    let mut allowed = 0;
    for i in 0..20 {
        let server = if i % 2 == 0 { &a } else { &b };
        if server.as_(&OWNER).get(&pa_invites()).await.status == 200 {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 10, "one bucket of 10 for the project, whichever replica answers");
}

#[tokio::test]
async fn concurrent_creates_across_replicas_make_one_invitation() {
    let (a, b) = two_replicas(ServerOptions::default()).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let client = if i % 2 == 0 { a.as_(&OWNER) } else { b.as_(&OWNER) };
        tasks.push(tokio::spawn(async move {
            client.post(&pa_invites(), &json!({"username": "race@example.com", "roles": ["GROUP_OWNER"]})).await.status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [vec![200], vec![409; 15]].concat());
}
