//! The Events API over what the invitation, user and team operations record, in the recorded shape.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

const V2023: &str = "application/vnd.atlas.2023-01-01+json";
const V2025: &str = "application/vnd.atlas.2025-02-19+json";

async fn send(client: &Client, version: &str, method: Method, path: &str, body: Option<Value>) -> Response {
    let mut call = Call::new(method, path).accept(Some(version));
    if let Some(body) = body {
        call = call.json(&body);
        call.content_type = Some(version.to_string());
    }
    let response = client.call(call).await;
    assert!(response.status < 300, "{path}: {} {}", response.status, response.text);
    response
}

async fn events(client: &Client, path: &str) -> Value {
    let response = client.get(path).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()
}

fn type_counts(list: &Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for event in list["results"].as_array().unwrap() {
        *counts.entry(event["eventTypeName"].as_str().unwrap().to_string()).or_default() += 1;
    }
    counts
}

/// Invitations, a team's life in a project, an acceptance, role changes and removals.
async fn a_day_of_changes(server: &TestServer) {
    let owner = server.as_(&OWNER);
    let org_invites = format!("/api/atlas/v2/orgs/{O1}/invites");
    let body = json!({"username": "org@example.com", "roles": ["ORG_MEMBER"]});
    let org_invitation = send(&owner, V2023, Method::POST, &org_invites, Some(body)).await.json();
    // Deleting an invitation writes no event (recorded: no ORG_INVITATION_DELETED).
    let id = org_invitation["id"].as_str().unwrap();
    send(&owner, V2023, Method::DELETE, &format!("{org_invites}/{id}"), None).await;
    let body = json!({"username": "joiner@example.com", "roles": ["GROUP_OWNER"]});
    let project_invitation =
        send(&owner, V2023, Method::POST, &format!("/api/atlas/v2/groups/{PA}/invites"), Some(body)).await.json();

    let teams = format!("/api/atlas/v2/orgs/{O1}/teams");
    let team = send(&owner, V2023, Method::POST, &teams, Some(json!({"name": "ops", "usernames": [MEMBER]}))).await;
    let team_id = team.json()["id"].as_str().unwrap().to_string();
    let group_teams = format!("/api/atlas/v2/groups/{PB}/teams");
    let assign = json!([{"teamId": team_id, "roleNames": ["GROUP_READ_ONLY"]}]);
    send(&owner, V2023, Method::POST, &group_teams, Some(assign)).await;
    let roles = json!({"roleNames": ["GROUP_OWNER"]});
    send(&owner, V2023, Method::PATCH, &format!("{group_teams}/{team_id}"), Some(roles)).await;
    send(&owner, V2023, Method::DELETE, &format!("{group_teams}/{team_id}"), None).await;
    send(&owner, V2023, Method::DELETE, &format!("{teams}/{team_id}"), None).await;

    let invitation = server.service.any_invitation(&object_id(project_invitation["id"].as_str().unwrap())).await;
    let token = server.service.link_token(&invitation.unwrap());
    let accept = Call::new(Method::POST, &format!("/api/invitee/invitations/{token}:accept")).accept(None);
    assert_eq!(server.anonymous().call(accept).await.status, 200);

    let users = format!("/api/atlas/v2/orgs/{O1}/users");
    let list = send(&owner, V2025, Method::GET, &format!("{users}?username={MEMBER}"), None).await.json();
    let member = list["results"][0]["id"].as_str().unwrap().to_string();
    send(&owner, V2025, Method::POST, &format!("{users}/{member}:addRole"), Some(json!({"orgRole": "ORG_READ_ONLY"})))
        .await;
    send(&owner, V2025, Method::DELETE, &format!("/api/atlas/v2/groups/{PA}/users/{member}"), None).await;
    send(&owner, V2025, Method::DELETE, &format!("{users}/{member}"), None).await;
}

#[tokio::test]
async fn every_recorded_change_is_an_event_in_the_recorded_shape() {
    let server = TestServer::start().await;
    a_day_of_changes(&server).await;
    let owner = server.as_(&OWNER);
    let org_events = format!("/api/atlas/v2/orgs/{O1}/events");
    let response = owner.get(&org_events).await;
    assert_eq!(response.header("ratelimit-limit"), Some("500"));
    let list = response.json();
    let expected: BTreeMap<String, usize> = [
        ("INVITED_TO_ORG", 2),
        ("INVITED_TO_GROUP", 1),
        ("TEAM_CREATED", 1),
        ("JOINED_TEAM", 1),
        ("TEAM_ADDED_TO_GROUP", 1),
        ("TEAM_ROLES_MODIFIED", 1),
        ("TEAM_REMOVED_FROM_GROUP", 1),
        ("REMOVED_FROM_TEAM", 1),
        ("TEAM_DELETED", 1),
        ("JOINED_ORG", 1),
        ("JOINED_GROUP", 1),
        ("USER_ROLES_CHANGED_AUDIT", 1),
        ("REMOVED_FROM_GROUP", 1),
        ("REMOVED_FROM_ORG", 1),
    ]
    .into_iter()
    .map(|(name, n)| (name.to_string(), n))
    .collect();
    assert_eq!(type_counts(&list), expected);
    assert_eq!(list["totalCount"], 15);
    let self_link =
        format!("{}{org_events}?includeCount=true&includeRaw=false&pageNum=1&itemsPerPage=100", server.base);
    assert_eq!(list["links"], json!([{"href": self_link, "rel": "self"}]));

    let results = list["results"].as_array().unwrap();
    let created: Vec<&str> = results.iter().map(|e| e["created"].as_str().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let removed = results.iter().find(|e| e["eventTypeName"] == "REMOVED_FROM_ORG").unwrap();
    let id = removed["id"].as_str().unwrap();
    assert_eq!(
        removed,
        &json!({
            "apiKeyId": removed["apiKeyId"],
            "created": removed["created"],
            "eventTypeName": "REMOVED_FROM_ORG",
            "id": id,
            "isGlobalAdmin": false,
            "links": [{"href": format!("{}/api/atlas/v2/groups/null/events/{id}", server.base), "rel": "self"}],
            "orgId": O1,
            "publicKey": OWNER.public,
            "remoteAddress": "127.0.0.1",
            "targetUsername": MEMBER,
        })
    );
    assert_eq!(removed["apiKeyId"].as_str().map(str::len), Some(24));
    // The invitee acted on their own acceptance.
    let joined = results.iter().find(|e| e["eventTypeName"] == "JOINED_ORG").unwrap();
    assert_eq!((joined["username"].clone(), joined.get("publicKey")), (json!("joiner@example.com"), None));

    let one = owner.get(&format!("{org_events}/{id}")).await;
    assert_eq!((one.status, &one.json()), (200, removed));

    // A project's list shows its own events, without orgId.
    let project = events(&owner, &format!("/api/atlas/v2/groups/{PB}/events")).await;
    assert_eq!(
        type_counts(&project),
        [("TEAM_ADDED_TO_GROUP", 1), ("TEAM_REMOVED_FROM_GROUP", 1), ("TEAM_ROLES_MODIFIED", 1)]
            .into_iter()
            .map(|(name, n)| (name.to_string(), n))
            .collect()
    );
    let item = &project["results"][0];
    assert_eq!((item.get("orgId"), item["groupId"].clone()), (None, json!(PB)));
    let link = format!("{}/api/atlas/v2/groups/{PB}/events/{}", server.base, item["id"].as_str().unwrap());
    assert_eq!(item["links"][0]["href"], json!(link));
}

#[tokio::test]
async fn event_lists_filter_by_type_and_date_and_page() {
    let server = TestServer::start().await;
    a_day_of_changes(&server).await;
    let owner = server.as_(&OWNER);
    let org_events = format!("/api/atlas/v2/orgs/{O1}/events");
    let teams = events(&owner, &format!("{org_events}?eventType=TEAM_CREATED&eventType=TEAM_DELETED")).await;
    assert_eq!(type_counts(&teams).into_keys().collect::<Vec<_>>(), ["TEAM_CREATED", "TEAM_DELETED"]);
    assert_eq!(events(&owner, &format!("{org_events}?eventType=CLUSTER_CREATED")).await["totalCount"], 0);

    server.clock.advance(3600);
    let later = server.as_(&OWNER);
    let body = json!({"username": "late@example.com", "roles": ["ORG_MEMBER"]});
    send(&later, V2023, Method::POST, &format!("/api/atlas/v2/orgs/{O1}/invites"), Some(body)).await;
    let since = "2026-08-10T03:30:00Z";
    let recent = events(&owner, &format!("{org_events}?minDate={since}")).await;
    assert_eq!(recent["totalCount"], 1);
    assert_eq!(recent["results"][0]["targetUsername"], "late@example.com");
    let self_link = &recent["links"][0]["href"];
    assert_eq!(
        self_link,
        &json!(format!(
            "{}{org_events}?includeCount=true&includeRaw=false&minDate=2026-08-10T03%3A30%3A00Z&pageNum=1&itemsPerPage=100",
            server.base
        ))
    );
    let before = events(&owner, &format!("{org_events}?maxDate={since}")).await;
    assert_eq!(before["totalCount"], 15);

    let page = events(&owner, &format!("{org_events}?itemsPerPage=5&pageNum=2&includeCount=false")).await;
    assert_eq!(page["results"].as_array().unwrap().len(), 5);
    assert_eq!(page["totalCount"], 0, "recorded: totalCount 0 when not counted");
    let rels: Vec<&str> = page["links"].as_array().unwrap().iter().map(|l| l["rel"].as_str().unwrap()).collect();
    assert_eq!(rels, ["previous", "self", "next"]);
}

#[tokio::test]
async fn events_are_read_by_their_org_and_project_only() {
    let server = TestServer::start().await;
    a_day_of_changes(&server).await;
    let owner = server.as_(&OWNER);
    let list = events(&owner, &format!("/api/atlas/v2/orgs/{O1}/events?eventType=INVITED_TO_ORG")).await;
    let org_event = list["results"][0]["id"].as_str().unwrap().to_string();
    let project = events(&owner, &format!("/api/atlas/v2/groups/{PB}/events")).await;
    let project_event = project["results"][0]["id"].as_str().unwrap().to_string();

    // Organization Member reads the org's; Project Read Only the project's.
    assert_eq!(server.as_(&O1_MEMBER).get(&format!("/api/atlas/v2/orgs/{O1}/events/{org_event}")).await.status, 200);
    let reader = server.as_(&PA_READER);
    assert_eq!(reader.get(&format!("/api/atlas/v2/groups/{PA}/events")).await.status, 200);
    reader.get(&format!("/api/atlas/v2/groups/{PB}/events")).await.assert_error(401, "USER_CANNOT_ACCESS_GROUP");
    let foreign = server.as_(&O2_OWNER);
    foreign.get(&format!("/api/atlas/v2/orgs/{O1}/events")).await.assert_error(401, "USER_UNAUTHORIZED");
    // An org event is not the project's, and a project's event is not another project's.
    let not_here = owner.get(&format!("/api/atlas/v2/groups/{PB}/events/{org_event}")).await;
    not_here.assert_error(404, "EVENT_NOT_FOUND");
    owner.get(&format!("/api/atlas/v2/groups/{PA}/events/{project_event}")).await.assert_error(404, "EVENT_NOT_FOUND");
    assert_eq!(owner.get(&format!("/api/atlas/v2/orgs/{O1}/events/{project_event}")).await.status, 200);
    owner.get(&format!("/api/atlas/v2/orgs/{O1}/events/nope")).await.assert_error(404, "INVALID_EVENT_ID");
    let bad_date = owner.get(&format!("/api/atlas/v2/orgs/{O1}/events?minDate=yesterday")).await;
    bad_date.assert_error(400, "INVALID_QUERY_PARAMETER");
}
