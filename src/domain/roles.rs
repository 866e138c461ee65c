//! Role names an invitation may grant, per API surface.

/// The roles one API surface knows. Atlas's lists come from the Atlas Admin API spec (the 2025-06 enums, plus
/// ORG_STREAM_PROCESSING_ADMIN from the 2026 spec); see shared/docs/atlas-behavior.md §2.
#[derive(Debug, Clone, Copy)]
pub struct RoleCatalog {
    pub project_roles: &'static [&'static str],
    pub org_roles: &'static [&'static str],
}

impl RoleCatalog {
    pub const ATLAS: RoleCatalog = RoleCatalog {
        project_roles: &[
            "GROUP_BACKUP_MANAGER",
            "GROUP_CLUSTER_MANAGER",
            "GROUP_DATA_ACCESS_ADMIN",
            "GROUP_DATA_ACCESS_READ_ONLY",
            "GROUP_DATA_ACCESS_READ_WRITE",
            "GROUP_DATABASE_ACCESS_ADMIN",
            "GROUP_OBSERVABILITY_VIEWER",
            "GROUP_OWNER",
            "GROUP_READ_ONLY",
            "GROUP_SEARCH_INDEX_EDITOR",
            "GROUP_STREAM_PROCESSING_OWNER",
        ],
        org_roles: &[
            "ORG_OWNER",
            "ORG_MEMBER",
            "ORG_GROUP_CREATOR",
            "ORG_BILLING_ADMIN",
            "ORG_BILLING_READ_ONLY",
            "ORG_READ_ONLY",
            "ORG_STREAM_PROCESSING_ADMIN",
        ],
    };

    pub fn is_project_role(&self, role: &str) -> bool {
        self.project_roles.contains(&role)
    }

    pub fn is_org_role(&self, role: &str) -> bool {
        self.org_roles.contains(&role)
    }
}

pub const ORG_OWNER: &str = "ORG_OWNER";
pub const ORG_MEMBER: &str = "ORG_MEMBER";
pub const ORG_READ_ONLY: &str = "ORG_READ_ONLY";
pub const GROUP_OWNER: &str = "GROUP_OWNER";
