package conformance

// Error paths. Each is checked the way SDK users check errors: the HTTP status,
// admin.AsError(err).GetError() and admin.IsErrorCode(err, code).

import (
	"context"
	"net/http"
	"testing"

	"go.mongodb.org/atlas-sdk/v20250312020/admin"
)

// projectOp is one of the six project-invitation operations, ready to call.
type projectOp struct {
	name string
	call func(ctx context.Context) (*http.Response, error)
}

// projectInviteOps returns all six project-invitation operations on groupID:
// create (for a fresh username), update by username (existingUser), and
// get / update / delete of invitationID.
func projectInviteOps(t *testing.T, c *admin.APIClient, groupID, invitationID, existingUser string) []projectOp {
	api := c.ProjectsApi
	fresh := newUsername(t)
	return []projectOp{
		{"ListGroupInvites", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := api.ListGroupInvites(ctx, groupID).Execute()
			return resp, err
		}},
		{"CreateGroupInvite", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := api.CreateGroupInvite(ctx, groupID, &admin.GroupInvitationRequest{
				Username: ptr(fresh), Roles: &[]string{"GROUP_READ_ONLY"},
			}).Execute()
			return resp, err
		}},
		{"GetGroupInvite", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := api.GetGroupInvite(ctx, groupID, invitationID).Execute()
			return resp, err
		}},
		{"UpdateGroupInvites", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := api.UpdateGroupInvites(ctx, groupID, &admin.GroupInvitationRequest{
				Username: ptr(existingUser), Roles: &[]string{"GROUP_OWNER"},
			}).Execute()
			return resp, err
		}},
		{"UpdateInviteById", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := api.UpdateInviteById(ctx, groupID, invitationID, &admin.GroupInvitationUpdateRequest{
				Roles: &[]string{"GROUP_OWNER"},
			}).Execute()
			return resp, err
		}},
		{"DeleteGroupInvite", func(ctx context.Context) (*http.Response, error) {
			return api.DeleteGroupInvite(ctx, groupID, invitationID).Execute()
		}},
	}
}

// createProjectInvite makes a fixture invitation with the owner key.
func createProjectInvite(t *testing.T, groupID, username string, roles ...string) *admin.GroupInvitation {
	t.Helper()
	inv, resp, err := newClient(t, ownerKey).ProjectsApi.CreateGroupInvite(t.Context(), groupID, &admin.GroupInvitationRequest{
		Username: ptr(username), Roles: ptr(roles),
	}).Execute()
	requireStatus(t, "setup: CreateGroupInvite", resp, err, http.StatusOK)
	if inv.GetId() == "" {
		t.Fatalf("setup: CreateGroupInvite returned no id: %s", asJSON(inv))
	}
	return inv
}

// assertProjectInviteUnchanged re-reads an invitation with the owner key.
func assertProjectInviteUnchanged(t *testing.T, op string, groupID, groupName string, inv *admin.GroupInvitation) {
	t.Helper()
	got, resp, err := newClient(t, ownerKey).ProjectsApi.GetGroupInvite(t.Context(), groupID, inv.GetId()).Execute()
	requireStatus(t, op, resp, err, http.StatusOK)
	checkGroupInvitation(t, op, got, wantGroupInvite{
		id: inv.GetId(), groupID: groupID, groupName: groupName, username: inv.GetUsername(),
		roles: inv.GetRoles(), created: inv.CreatedAt, expires: inv.ExpiresAt,
	})
}

// assertNoProjectInviteFor checks with the owner key that username has no invitation in groupID.
func assertNoProjectInviteFor(t *testing.T, op, groupID, username string) {
	t.Helper()
	list, resp, err := newClient(t, ownerKey).ProjectsApi.ListGroupInvites(t.Context(), groupID).Username(username).Execute()
	requireStatus(t, op, resp, err, http.StatusOK)
	if len(list) != 0 {
		t.Errorf("%s: a failed request left invitations for %q behind: %s", op, username, asJSON(list))
	}
}

func TestErrorUnknownInvitationID(t *testing.T) {
	c := newClient(t, ownerKey)
	user := newUsername(t)
	createProjectInvite(t, prodGroupID, user, "GROUP_READ_ONLY") // the project is not empty

	for _, op := range projectInviteOps(t, c, prodGroupID, unknownInvitationID, "") {
		switch op.name {
		case "GetGroupInvite", "UpdateInviteById", "DeleteGroupInvite":
			resp, err := op.call(t.Context())
			expectAPIError(t, op.name+"(unknown invitation id)", resp, err, http.StatusNotFound, "INVALID_INVITATION_ID")
		}
	}

	orgs := c.OrganizationsApi
	_, resp, err := orgs.GetOrgInvite(t.Context(), acmeOrgID, unknownInvitationID).Execute()
	expectAPIError(t, "GetOrgInvite(unknown invitation id)", resp, err, http.StatusNotFound, "INVALID_INVITATION_ID")
	_, resp, err = orgs.UpdateOrgInviteById(t.Context(), acmeOrgID, unknownInvitationID, &admin.OrganizationInvitationUpdateRequest{
		Roles: &[]string{"ORG_READ_ONLY"},
	}).Execute()
	expectAPIError(t, "UpdateOrgInviteById(unknown invitation id)", resp, err, http.StatusNotFound, "INVALID_INVITATION_ID")
	resp, err = orgs.DeleteOrgInvite(t.Context(), acmeOrgID, unknownInvitationID).Execute()
	expectAPIError(t, "DeleteOrgInvite(unknown invitation id)", resp, err, http.StatusNotFound, "INVALID_INVITATION_ID")
}

// An invitation of project acme-dev must not be reachable under acme-prod.
func TestErrorInvitationOfAnotherProject(t *testing.T) {
	c := newClient(t, ownerKey)
	devInvite := createProjectInvite(t, devGroupID, newUsername(t), "GROUP_READ_ONLY")

	for _, op := range projectInviteOps(t, c, prodGroupID, devInvite.GetId(), "") {
		switch op.name {
		case "GetGroupInvite", "UpdateInviteById", "DeleteGroupInvite":
			resp, err := op.call(t.Context())
			expectAPIError(t, op.name+"(acme-prod, invitation of acme-dev)", resp, err, http.StatusNotFound, "INVALID_INVITATION_ID")
		}
	}
	assertProjectInviteUnchanged(t, "GetGroupInvite(acme-dev) afterwards", devGroupID, devGroupName, devInvite)
}

func TestErrorWrongPrivateKey(t *testing.T) {
	c := newClient(t, apiKey{ownerKey.public, "00000000-0000-4000-8000-000000000000"})
	user := newUsername(t)

	_, resp, err := c.ProjectsApi.ListGroupInvites(t.Context(), prodGroupID).Execute()
	expectAPIError(t, "ListGroupInvites with a wrong private key", resp, err, http.StatusUnauthorized, "UNEXPECTED_ERROR")

	_, resp, err = c.OrganizationsApi.ListOrgInvites(t.Context(), acmeOrgID).Execute()
	expectAPIError(t, "ListOrgInvites with a wrong private key", resp, err, http.StatusUnauthorized, "UNEXPECTED_ERROR")

	_, resp, err = c.ProjectsApi.CreateGroupInvite(t.Context(), prodGroupID, &admin.GroupInvitationRequest{
		Username: ptr(user), Roles: &[]string{"GROUP_READ_ONLY"},
	}).Execute()
	expectAPIError(t, "CreateGroupInvite with a wrong private key", resp, err, http.StatusUnauthorized, "UNEXPECTED_ERROR")
	assertNoProjectInviteFor(t, "ListGroupInvites.Username after the rejected create", prodGroupID, user)
}

// Key acmeread has GROUP_READ_ONLY on acme-prod: not enough for any invitation operation.
func TestErrorReadOnlyKey(t *testing.T) {
	user := newUsername(t)
	inv := createProjectInvite(t, prodGroupID, user, "GROUP_READ_ONLY")

	ops := projectInviteOps(t, newClient(t, readKey), prodGroupID, inv.GetId(), user)
	for _, op := range ops {
		resp, err := op.call(t.Context())
		expectAPIError(t, op.name+" as acmeread (GROUP_READ_ONLY)", resp, err, http.StatusUnauthorized, "USER_UNAUTHORIZED")
	}
	assertProjectInviteUnchanged(t, "GetGroupInvite after the rejected calls", prodGroupID, prodGroupName, inv)
}

// Key otherown belongs to another organization.
func TestErrorKeyOfAnotherOrg(t *testing.T) {
	user := newUsername(t)
	inv := createProjectInvite(t, prodGroupID, user, "GROUP_READ_ONLY")

	for _, op := range projectInviteOps(t, newClient(t, otherKey), prodGroupID, inv.GetId(), user) {
		resp, err := op.call(t.Context())
		expectAPIError(t, op.name+" as otherown (other org)", resp, err, http.StatusUnauthorized, "USER_CANNOT_ACCESS_GROUP")
	}
	assertProjectInviteUnchanged(t, "GetGroupInvite after the rejected calls", prodGroupID, prodGroupName, inv)
}

func TestErrorUnknownProject(t *testing.T) {
	user := newUsername(t)
	inv := createProjectInvite(t, prodGroupID, user, "GROUP_READ_ONLY")

	for _, op := range projectInviteOps(t, newClient(t, ownerKey), unknownGroupID, inv.GetId(), user) {
		resp, err := op.call(t.Context())
		expectAPIError(t, op.name+"(unknown project "+unknownGroupID+")", resp, err, http.StatusNotFound, "GROUP_NOT_FOUND")
	}
	assertProjectInviteUnchanged(t, "GetGroupInvite(acme-prod) afterwards", prodGroupID, prodGroupName, inv)
}

func TestErrorDuplicatePendingInvite(t *testing.T) {
	c := newClient(t, ownerKey)

	t.Run("project", func(t *testing.T) {
		user := newUsername(t)
		first := createProjectInvite(t, prodGroupID, user, "GROUP_READ_ONLY")
		_, resp, err := c.ProjectsApi.CreateGroupInvite(t.Context(), prodGroupID, &admin.GroupInvitationRequest{
			Username: ptr(user), Roles: &[]string{"GROUP_CLUSTER_MANAGER"},
		}).Execute()
		expectAPIError(t, "second CreateGroupInvite for the same pending username", resp, err, http.StatusConflict, "USER_ALREADY_INVITED")
		assertProjectInviteUnchanged(t, "GetGroupInvite of the first invitation", prodGroupID, prodGroupName, first)
	})

	t.Run("org", func(t *testing.T) {
		user := newUsername(t)
		first, resp, err := c.OrganizationsApi.CreateOrgInvite(t.Context(), acmeOrgID, &admin.OrganizationInvitationRequest{
			Username: ptr(user), Roles: &[]string{"ORG_MEMBER"},
		}).Execute()
		requireStatus(t, "setup: CreateOrgInvite", resp, err, http.StatusOK)

		_, resp, err = c.OrganizationsApi.CreateOrgInvite(t.Context(), acmeOrgID, &admin.OrganizationInvitationRequest{
			Username: ptr(user), Roles: &[]string{"ORG_READ_ONLY"},
		}).Execute()
		expectAPIError(t, "second CreateOrgInvite for the same pending username", resp, err, http.StatusConflict, "USER_ALREADY_INVITED")

		got, resp, err := c.OrganizationsApi.GetOrgInvite(t.Context(), acmeOrgID, first.GetId()).Execute()
		requireStatus(t, "GetOrgInvite of the first invitation", resp, err, http.StatusOK)
		checkOrgInvitation(t, "GetOrgInvite of the first invitation", got, wantOrgInvite{
			id: first.GetId(), username: user, roles: []string{"ORG_MEMBER"}, teamIDs: []string{}, groupRoles: []string{},
			created: first.CreatedAt, expires: first.ExpiresAt,
		})
	})
}

func TestErrorRoleOfTheWrongScope(t *testing.T) {
	c := newClient(t, ownerKey)

	t.Run("project role on an org invite", func(t *testing.T) {
		user := newUsername(t)
		_, resp, err := c.OrganizationsApi.CreateOrgInvite(t.Context(), acmeOrgID, &admin.OrganizationInvitationRequest{
			Username: ptr(user), Roles: &[]string{"GROUP_OWNER"},
		}).Execute()
		expectAPIError(t, "CreateOrgInvite with role GROUP_OWNER", resp, err, http.StatusBadRequest, "INVALID_ROLE_FOR_ORG")

		list, resp, err := c.OrganizationsApi.ListOrgInvites(t.Context(), acmeOrgID).Username(user).Execute()
		requireStatus(t, "ListOrgInvites.Username after the rejected create", resp, err, http.StatusOK)
		if len(list) != 0 {
			t.Errorf("the rejected CreateOrgInvite left invitations behind: %s", asJSON(list))
		}
	})

	t.Run("org role on a project invite", func(t *testing.T) {
		user := newUsername(t)
		_, resp, err := c.ProjectsApi.CreateGroupInvite(t.Context(), prodGroupID, &admin.GroupInvitationRequest{
			Username: ptr(user), Roles: &[]string{"ORG_OWNER"},
		}).Execute()
		expectAPIError(t, "CreateGroupInvite with role ORG_OWNER", resp, err, http.StatusBadRequest, "INVALID_ROLE_FOR_GROUP")
		assertNoProjectInviteFor(t, "ListGroupInvites.Username after the rejected create", prodGroupID, user)

		list, resp, err := c.OrganizationsApi.ListOrgInvites(t.Context(), acmeOrgID).Username(user).Execute()
		requireStatus(t, "ListOrgInvites.Username after the rejected create", resp, err, http.StatusOK)
		if len(list) != 0 {
			t.Errorf("the rejected CreateGroupInvite left an org invitation behind: %s", asJSON(list))
		}
	})
}
