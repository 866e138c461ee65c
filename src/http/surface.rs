//! The API surfaces that show the same invitations: Atlas Administration API v2, the legacy Atlas v1.0 paths
//! and the Cloud Manager public API v1.0 (docs/atlas-behavior.md §1). One set of handlers serves all
//! three; what differs on the wire is decided here.

use axum::http::StatusCode;

use crate::domain::RoleCatalog;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/api/atlas/v2`: versioned media types, Deprecation/Sunset headers.
    AtlasV2,
    /// `/api/atlas/v1.0`: the unversioned legacy paths, equivalent to v2's 2023-01-01 resource.
    AtlasV1,
    /// `/api/public/v1.0`: Cloud Manager's public API, with its own roles.
    CloudManager,
}

impl Surface {
    pub const ALL: [Surface; 3] = [Surface::AtlasV2, Surface::AtlasV1, Surface::CloudManager];

    pub fn prefix(self) -> &'static str {
        match self {
            Surface::AtlasV2 => "/api/atlas/v2",
            Surface::AtlasV1 => "/api/atlas/v1.0",
            Surface::CloudManager => "/api/public/v1.0",
        }
    }

    pub fn of_path(path: &str) -> Option<Surface> {
        Self::ALL.into_iter().find(|surface| path.starts_with(&format!("{}/", surface.prefix())))
    }

    pub fn catalog(self) -> &'static RoleCatalog {
        match self {
            Surface::AtlasV2 | Surface::AtlasV1 => &RoleCatalog::ATLAS,
            Surface::CloudManager => &RoleCatalog::CLOUD_MANAGER,
        }
    }

    /// Atlas answers create with 200 (recorded, and v1.0 is the same resource version); Cloud Manager's
    /// documentation shows 201 Created.
    pub fn created(self) -> StatusCode {
        match self {
            Surface::AtlasV2 | Surface::AtlasV1 => StatusCode::OK,
            Surface::CloudManager => StatusCode::CREATED,
        }
    }

    /// Only v2 has `groupRoleAssignments`; the v1.0 and Cloud Manager org invitation has none.
    pub fn has_group_role_assignments(self) -> bool {
        self == Surface::AtlasV2
    }
}
