//! Who may do what. Atlas requires Organization Owner for the org invitation operations and Project Owner for
//! the project ones (`x-rolesRequirements` in the Atlas spec); an org owner manages every project of its org.
//! Credentials belong to exactly one organization, and Atlas answers calls outside it with 401
//! (https://www.mongodb.com/docs/atlas/api/api-authentication/).

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::domain::model::{ApiKeyRecord, Project, ServiceAccount};
use crate::domain::roles::{ORG_OWNER, ORG_READ_ONLY, RoleCatalog};
use crate::error::ApiError;

/// The authenticated caller: an API key or a service account, with the roles it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// What Atlas records as `inviterUsername`: the API key's public key, or the service account's client id.
    pub name: String,
    pub org_id: String,
    pub org_roles: Vec<String>,
    pub project_roles: BTreeMap<String, Vec<String>>,
    /// Networks the credential may call from; empty means anywhere.
    pub access_list: Vec<IpNet>,
}

impl From<&ApiKeyRecord> for Principal {
    fn from(key: &ApiKeyRecord) -> Self {
        Principal {
            name: key.public_key.clone(),
            org_id: key.org_id.clone(),
            org_roles: key.org_roles.clone(),
            project_roles: key.project_roles.clone(),
            access_list: parse_access_list(&key.access_list),
        }
    }
}

impl From<&ServiceAccount> for Principal {
    fn from(account: &ServiceAccount) -> Self {
        Principal {
            name: account.client_id.clone(),
            org_id: account.org_id.clone(),
            org_roles: account.org_roles.clone(),
            project_roles: account.project_roles.clone(),
            access_list: parse_access_list(&account.access_list),
        }
    }
}

/// Entries were validated when stored; one that no longer parses becomes `::/128`, which matches no client, so
/// it narrows the list rather than emptying it (an empty list would allow every address).
fn parse_access_list(entries: &[String]) -> Vec<IpNet> {
    entries
        .iter()
        .map(|entry| parse_access_list_entry(entry).unwrap_or_else(|| IpNet::from(IpAddr::from([0u8; 16]))))
        .collect()
}

/// Parses an access-list entry: a CIDR block or a single address (as Atlas accepts both).
pub fn parse_access_list_entry(entry: &str) -> Option<IpNet> {
    entry.parse::<IpNet>().ok().or_else(|| entry.parse::<IpAddr>().ok().map(IpNet::from))
}

impl Principal {
    /// API access lists (https://www.mongodb.com/docs/atlas/configure-api-access/): a credential with a list
    /// may call only from its networks; when the org requires lists, one without any may not call at all.
    pub fn authorize_network(&self, client: IpAddr, org_requires_access_list: bool) -> Result<(), ApiError> {
        let client = canonical(client);
        if self.access_list.is_empty() {
            return if org_requires_access_list { Err(ApiError::org_requires_access_list(client)) } else { Ok(()) };
        }
        if self.access_list.iter().any(|net| net.contains(&client)) {
            Ok(())
        } else {
            Err(ApiError::ip_address_not_on_access_list(client))
        }
    }

    fn has_org_role(&self, role: &str) -> bool {
        self.org_roles.iter().any(|r| r == role)
    }

    fn roles_in(&self, project_id: &str) -> &[String] {
        self.project_roles.get(project_id).map(Vec::as_slice).unwrap_or_default()
    }

    /// Whether the caller can see the project at all: its org's owners and read-only members, or anyone holding
    /// a role in it.
    fn can_see_project(&self, project: &Project) -> bool {
        project.org_id == self.org_id
            && (self.has_org_role(ORG_OWNER)
                || self.has_org_role(ORG_READ_ONLY)
                || !self.roles_in(&project.id).is_empty())
    }

    /// Project invitations: Organization Owner of the project's org, or a managing role of the surface's catalog
    /// in the project (Project Owner in Atlas; also Project User Admin in Cloud Manager).
    pub fn authorize_project_invitations(&self, project: &Project, catalog: &RoleCatalog) -> Result<(), ApiError> {
        if !self.can_see_project(project) {
            return Err(ApiError::user_cannot_access_group());
        }
        let manager = self.has_org_role(ORG_OWNER)
            || self.roles_in(&project.id).iter().any(|r| catalog.project_invitation_managers.contains(&r.as_str()));
        if manager { Ok(()) } else { Err(ApiError::user_unauthorized()) }
    }

    /// Organization invitations: Organization Owner of that org.
    pub fn authorize_org_invitations(&self, org_id: &str) -> Result<(), ApiError> {
        if self.org_id == org_id && self.has_org_role(ORG_OWNER) { Ok(()) } else { Err(ApiError::user_unauthorized()) }
    }

    /// Reading the project itself (GET /groups/{id}).
    pub fn authorize_project_read(&self, project: &Project) -> Result<(), ApiError> {
        if self.can_see_project(project) { Ok(()) } else { Err(ApiError::user_cannot_access_group()) }
    }

    /// Reading the organization itself (GET /orgs/{id}): any credential of that org.
    pub fn authorize_org_read(&self, org_id: &str) -> Result<(), ApiError> {
        if self.org_id == org_id { Ok(()) } else { Err(ApiError::user_unauthorized()) }
    }
}

/// IPv4 clients reached over an IPv6 socket are matched as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(address),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "6f0000000000000000000001";
    const OTHER_ORG: &str = "6f0000000000000000000002";

    fn project(id: &str, org: &str) -> Project {
        Project { id: id.into(), org_id: org.into(), name: "p".into(), created_at: 0 }
    }

    fn key(org: &str, org_roles: &[&str], project_roles: &[(&str, &[&str])]) -> Principal {
        Principal {
            name: "k".into(),
            org_id: org.into(),
            org_roles: org_roles.iter().map(|r| r.to_string()).collect(),
            project_roles: project_roles
                .iter()
                .map(|(p, roles)| (p.to_string(), roles.iter().map(|r| r.to_string()).collect()))
                .collect(),
            access_list: vec![],
        }
    }

    fn code(result: Result<(), ApiError>) -> &'static str {
        result.err().map(|e| e.error_code).unwrap_or("OK")
    }

    #[test]
    fn project_invitation_matrix() {
        let pa = project("6f00000000000000000000a1", ORG);
        let pc = project("6f00000000000000000000c1", OTHER_ORG);
        let cases: Vec<(Principal, &Project, &str)> = vec![
            (key(ORG, &["ORG_OWNER"], &[]), &pa, "OK"),
            (key(ORG, &["ORG_MEMBER"], &[(&pa.id, &["GROUP_OWNER"])]), &pa, "OK"),
            (key(ORG, &["ORG_MEMBER"], &[(&pa.id, &["GROUP_READ_ONLY"])]), &pa, "USER_UNAUTHORIZED"),
            (key(ORG, &["ORG_READ_ONLY"], &[]), &pa, "USER_UNAUTHORIZED"),
            (key(ORG, &["ORG_MEMBER"], &[]), &pa, "USER_CANNOT_ACCESS_GROUP"),
            (
                key(ORG, &["ORG_MEMBER"], &[("6f00000000000000000000a2", &["GROUP_OWNER"])]),
                &pa,
                "USER_CANNOT_ACCESS_GROUP",
            ),
            (key(ORG, &["ORG_OWNER"], &[]), &pc, "USER_CANNOT_ACCESS_GROUP"),
            // A project role naming another org's project grants nothing there.
            (key(ORG, &["ORG_MEMBER"], &[(&pc.id, &["GROUP_OWNER"])]), &pc, "USER_CANNOT_ACCESS_GROUP"),
        ];
        for (principal, project, expected) in cases {
            assert_eq!(
                code(principal.authorize_project_invitations(project, &RoleCatalog::ATLAS)),
                expected,
                "{principal:?} on {project:?}"
            );
        }
    }

    #[test]
    fn org_invitation_matrix() {
        assert_eq!(code(key(ORG, &["ORG_OWNER"], &[]).authorize_org_invitations(ORG)), "OK");
        assert_eq!(code(key(ORG, &["ORG_MEMBER"], &[]).authorize_org_invitations(ORG)), "USER_UNAUTHORIZED");
        assert_eq!(code(key(ORG, &["ORG_READ_ONLY"], &[]).authorize_org_invitations(ORG)), "USER_UNAUTHORIZED");
        assert_eq!(code(key(OTHER_ORG, &["ORG_OWNER"], &[]).authorize_org_invitations(ORG)), "USER_UNAUTHORIZED");
        let group_owner = key(ORG, &["ORG_MEMBER"], &[("6f00000000000000000000a1", &["GROUP_OWNER"])]);
        assert_eq!(code(group_owner.authorize_org_invitations(ORG)), "USER_UNAUTHORIZED");
    }

    #[test]
    fn access_lists_limit_where_a_credential_may_call_from() {
        let mut principal = key(ORG, &["ORG_OWNER"], &[]);
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert_eq!(code(principal.authorize_network(loopback, false)), "OK");
        assert_eq!(code(principal.authorize_network(loopback, true)), "ORG_REQUIRES_ACCESS_LIST");
        principal.access_list = vec![parse_access_list_entry("127.0.0.2").unwrap()];
        assert_eq!(code(principal.authorize_network(other, true)), "OK");
        assert_eq!(code(principal.authorize_network("::ffff:127.0.0.2".parse().unwrap(), false)), "OK");
        assert_eq!(code(principal.authorize_network(loopback, false)), "IP_ADDRESS_NOT_ON_ACCESS_LIST");
        principal.access_list = vec![parse_access_list_entry("10.0.0.0/8").unwrap()];
        assert_eq!(code(principal.authorize_network("10.1.2.3".parse().unwrap(), false)), "OK");
        assert!(parse_access_list_entry("10.0.0.0/33").is_none() && parse_access_list_entry("nope").is_none());
    }

    #[test]
    fn cloud_manager_project_user_admins_manage_invitations_there_only() {
        let pa = project("6f00000000000000000000a1", ORG);
        let user_admin = key(ORG, &["ORG_MEMBER"], &[(&pa.id, &["GROUP_USER_ADMIN"])]);
        assert_eq!(code(user_admin.authorize_project_invitations(&pa, &RoleCatalog::CLOUD_MANAGER)), "OK");
        assert_eq!(code(user_admin.authorize_project_invitations(&pa, &RoleCatalog::ATLAS)), "USER_UNAUTHORIZED");
    }
}
