//! Every invitation operation on its success path, with the bodies and headers Atlas sends.

use serde_json::{Value, json};

use crate::support::*;

fn groups(path: &str) -> String {
    format!("/api/atlas/v2/groups/{path}")
}

fn orgs(path: &str) -> String {
    format!("/api/atlas/v2/orgs/{path}")
}

#[tokio::test]
async fn project_invitation_lifecycle() {
    let server = TestServer::start().await;
    let owner = server.as_(&PA_OWNER);

    let created = owner
        .post(
            &groups(&format!("{PA}/invites")),
            &json!({"username": "alice@example.com", "roles": ["GROUP_READ_ONLY"]}),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.header("content-type"), Some("application/vnd.atlas.2023-01-01+json;charset=utf-8"));
    assert_eq!(created.header("deprecation"), Some("Wed, 4 Oct 2023 00:00:00 GMT"));
    assert_eq!(created.header("sunset"), Some("Thu, 1 Jul 2027 00:00:00 GMT"));
    let invitation = created.json();
    let id = invitation["id"].as_str().unwrap().to_string();
    assert_eq!(
        invitation,
        json!({
            "createdAt": "2026-08-10T03:03:37Z",
            "expiresAt": "2026-09-09T03:03:37Z",
            "groupId": PA,
            "groupName": "acme-prod",
            "id": id,
            "inviterUsername": "paowner1",
            "roles": ["GROUP_READ_ONLY"],
            "username": "alice@example.com",
        })
    );
    // Compact, keys sorted, no trailing newline: the recorded body's encoding.
    assert_eq!(created.text, invitation.to_string());
    assert!(id.len() == 24 && id.starts_with(&format!("{:08x}", T0)), "ObjectId-shaped with the creation time: {id}");

    let listed = owner.get(&groups(&format!("{PA}/invites"))).await;
    assert_eq!(listed.json(), json!([invitation]));
    let got = owner.get(&groups(&format!("{PA}/invites/{id}"))).await;
    assert_eq!(got.json(), invitation);

    server.clock.advance(3600);
    let patched = owner
        .patch(
            &groups(&format!("{PA}/invites/{id}")),
            &json!({"roles": ["GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY"]}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json()["roles"], json!(["GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY"]));
    assert_eq!(patched.json()["createdAt"], invitation["createdAt"], "PATCH keeps createdAt");
    assert_eq!(patched.json()["expiresAt"], invitation["expiresAt"], "PATCH keeps expiresAt");

    let by_username = owner
        .patch(&groups(&format!("{PA}/invites")), &json!({"username": "alice@example.com", "roles": ["GROUP_OWNER"]}))
        .await;
    assert_eq!(by_username.status, 200, "{}", by_username.text);
    assert_eq!(
        (by_username.json()["id"].as_str(), &by_username.json()["roles"]),
        (Some(id.as_str()), &json!(["GROUP_OWNER"]))
    );

    let deleted = owner.delete(&groups(&format!("{PA}/invites/{id}"))).await;
    assert_eq!((deleted.status, deleted.text.as_str()), (204, ""));
    assert_eq!(deleted.header("content-type"), Some("application/vnd.atlas.2023-01-01+json;charset=utf-8"));
    owner.get(&groups(&format!("{PA}/invites/{id}"))).await.assert_error(404, "INVALID_INVITATION_ID");
    assert_eq!(owner.get(&groups(&format!("{PA}/invites"))).await.json(), json!([]));
}

#[tokio::test]
async fn username_filter_is_exact_and_empty_means_all() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    for user in ["a@example.com", "ab@example.com"] {
        assert_eq!(
            owner
                .post(&groups(&format!("{PA}/invites")), &json!({"username": user, "roles": ["GROUP_OWNER"]}))
                .await
                .status,
            200
        );
    }
    let names = |r: Response| -> Vec<String> {
        r.json().as_array().unwrap().iter().map(|i| i["username"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(
        names(owner.get(&groups(&format!("{PA}/invites?username=a%40example.com"))).await),
        vec!["a@example.com"]
    );
    assert_eq!(names(owner.get(&groups(&format!("{PA}/invites?username=A@Example.com"))).await), vec!["a@example.com"]);
    assert_eq!(names(owner.get(&groups(&format!("{PA}/invites?username="))).await).len(), 2);
    assert!(names(owner.get(&groups(&format!("{PA}/invites?username=nobody@example.com"))).await).is_empty());
    // The org list shows the org invitations the project invitations brought along.
    assert_eq!(
        names(owner.get(&orgs(&format!("{O1}/invites?username=ab%40example.com"))).await),
        vec!["ab@example.com"]
    );
}

#[tokio::test]
async fn inviting_an_outsider_to_a_project_also_invites_them_to_the_org() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let project_invitation = owner
        .post(&groups(&format!("{PA}/invites")), &json!({"username": "new@example.com", "roles": ["GROUP_OWNER"]}))
        .await
        .json();
    let org_invitations = owner.get(&orgs(&format!("{O1}/invites?username=new@example.com"))).await.json();
    let org_invitation = &org_invitations[0];
    assert_eq!(org_invitation["roles"], json!(["ORG_MEMBER"]));
    assert_eq!(org_invitation["inviterUsername"], "acmeownr");
    assert_ne!(org_invitation["id"], project_invitation["id"]);

    // Deleting either leaves the other (Atlas spec, deleteGroupInvite).
    let pid = project_invitation["id"].as_str().unwrap();
    assert_eq!(owner.delete(&groups(&format!("{PA}/invites/{pid}"))).await.status, 204);
    assert_eq!(owner.get(&orgs(&format!("{O1}/invites?username=new@example.com"))).await.json(), org_invitations);

    // A second project invitation finds the org invitation pending and does not duplicate it.
    assert_eq!(
        owner
            .post(&groups(&format!("{PB}/invites")), &json!({"username": "new@example.com", "roles": ["GROUP_OWNER"]}))
            .await
            .status,
        200
    );
    assert_eq!(owner.get(&orgs(&format!("{O1}/invites?username=new@example.com"))).await.json(), org_invitations);

    // Existing org members get no org invitation.
    assert_eq!(
        owner
            .post(&groups(&format!("{PB}/invites")), &json!({"username": MEMBER, "roles": ["GROUP_OWNER"]}))
            .await
            .status,
        200
    );
    assert_eq!(owner.get(&orgs(&format!("{O1}/invites?username={MEMBER}"))).await.json(), json!([]));
}

#[tokio::test]
async fn org_invitation_lifecycle() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let created = owner
        .post(
            &orgs(&format!("{O1}/invites")),
            &json!({
                "username": "bob@example.com",
                "roles": ["ORG_MEMBER"],
                "teamIds": [T1],
                "groupRoleAssignments": [{"groupId": PA, "roles": ["GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY"]}],
            }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.header("deprecation"), Some("Wed, 19 Feb 2025 00:00:00 GMT"));
    let invitation = created.json();
    let id = invitation["id"].as_str().unwrap().to_string();
    assert_eq!(
        invitation,
        json!({
            "createdAt": "2026-08-10T03:03:37Z",
            "expiresAt": "2026-09-09T03:03:37Z",
            "groupRoleAssignments": [
                {"groupId": PA, "groupRole": "GROUP_READ_ONLY"},
                {"groupId": PA, "groupRole": "GROUP_DATA_ACCESS_READ_ONLY"},
            ],
            "id": id,
            "inviterUsername": "acmeownr",
            "orgId": O1,
            "orgName": "Acme",
            "roles": ["ORG_MEMBER"],
            "teamIds": [T1],
            "username": "bob@example.com",
        })
    );
    assert_eq!(owner.get(&orgs(&format!("{O1}/invites/{id}"))).await.json(), invitation);
    assert_eq!(owner.get(&orgs(&format!("{O1}/invites"))).await.json(), json!([invitation]));

    // PATCH replaces what it carries and keeps what it omits.
    let patched = owner.patch(&orgs(&format!("{O1}/invites/{id}")), &json!({"roles": ["ORG_READ_ONLY"]})).await.json();
    assert_eq!((patched["roles"].clone(), patched["teamIds"].clone()), (json!(["ORG_READ_ONLY"]), json!([T1])));
    let cleared = owner
        .patch(
            &orgs(&format!("{O1}/invites/{id}")),
            &json!({"roles": ["ORG_GROUP_CREATOR"], "teamIds": [], "groupRoleAssignments": []}),
        )
        .await
        .json();
    assert_eq!((cleared["teamIds"].clone(), cleared["groupRoleAssignments"].clone()), (json!([]), json!([])));
    let by_username = owner
        .patch(&orgs(&format!("{O1}/invites")), &json!({"username": "bob@example.com", "roles": ["ORG_BILLING_ADMIN"]}))
        .await;
    assert_eq!(by_username.status, 200, "{}", by_username.text);
    assert_eq!(by_username.json()["roles"], json!(["ORG_BILLING_ADMIN"]));
    assert_eq!(by_username.json()["createdAt"], invitation["createdAt"]);

    assert_eq!(owner.delete(&orgs(&format!("{O1}/invites/{id}"))).await.status, 204);
    owner.get(&orgs(&format!("{O1}/invites/{id}"))).await.assert_error(404, "INVALID_INVITATION_ID");
}

#[tokio::test]
async fn org_invitations_without_teams_or_projects_carry_empty_lists() {
    let server = TestServer::start().await;
    let invitation = server
        .as_(&OWNER)
        .post(&orgs(&format!("{O1}/invites")), &json!({"username": "c@example.com", "roles": ["ORG_MEMBER"]}))
        .await
        .json();
    assert_eq!((invitation["teamIds"].clone(), invitation["groupRoleAssignments"].clone()), (json!([]), json!([])));
    assert_eq!(invitation["orgName"], "Acme");
    assert!(invitation.get("links").is_none(), "Atlas sends no links on invitations");
}

#[tokio::test]
async fn supporting_reads_for_official_clients() {
    let server = TestServer::start().await;
    let owner = server.as_(&OWNER);
    let org = owner.get(&format!("/api/atlas/v2/orgs/{O1}")).await;
    assert_eq!(org.status, 200);
    assert_eq!((org.json()["id"].clone(), org.json()["name"].clone()), (json!(O1), json!("Acme")));
    let project = owner.get(&format!("/api/atlas/v2/groups/{PA}")).await.json();
    assert_eq!((project["orgId"].clone(), project["name"].clone()), (json!(O1), json!("acme-prod")));
    let user = owner.get(&format!("/api/atlas/v2/users/byName/{MEMBER}")).await;
    assert_eq!(user.status, 200, "{}", user.text);
    let roles: Vec<Value> = user.json()["roles"].as_array().unwrap().clone();
    assert!(roles.contains(&json!({"orgId": O1, "roleName": "ORG_MEMBER"})));
    assert!(roles.contains(&json!({"groupId": PA, "roleName": "GROUP_READ_ONLY"})));
    owner.get("/api/atlas/v2/users/byName/nobody@example.com").await.assert_error(404, "USERNAME_NOT_FOUND");
    // Members of other orgs are not disclosed.
    server
        .as_(&O2_OWNER)
        .get(&format!("/api/atlas/v2/users/byName/{MEMBER}"))
        .await
        .assert_error(404, "USERNAME_NOT_FOUND");
    owner.get(&format!("/api/atlas/v2/groups/{PC}")).await.assert_error(401, "USER_CANNOT_ACCESS_GROUP");
    owner.get(&format!("/api/atlas/v2/orgs/{O2}")).await.assert_error(401, "USER_UNAUTHORIZED");
}
