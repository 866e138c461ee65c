package conformance

// The invitation operations again, through a service account: the SDK's
// UseOAuthAuth (OAuth 2.0 client credentials) with the base URL set first, so
// that the SDK derives the token URL from it. The operation checks are the
// ones the digest tests use.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/atlas-sdk/v20250312020/admin"
	"go.mongodb.org/atlas-sdk/v20250312020/auth"
	"go.mongodb.org/atlas-sdk/v20250312020/auth/clientcredentials"
)

const (
	tokenPath          = "/api/oauth/token"
	revokePath         = "/api/oauth/revoke"
	wantTokenExpiresIn = 3600
)

func TestServiceAccountOAuth(t *testing.T) {
	owner, rec := newOAuthPrincipal(t, ownerSA)

	// The 12 operations with the Organization Owner service account. Every
	// decoded model is checked as in the digest run; inviterUsername must be
	// the client id.
	t.Run("ProjectInvitationLifecycle", func(t *testing.T) { projectInvitationLifecycle(t, owner) })
	t.Run("OrgInvitationLifecycle", func(t *testing.T) { orgInvitationLifecycle(t, owner) })

	// A service account with GROUP_OWNER on acme-prod only.
	t.Run("GroupOwnerOfOneProject", func(t *testing.T) {
		limited, limitedRec := newOAuthPrincipal(t, prodOwnerSA)

		t.Run("acme-prod allowed", func(t *testing.T) { projectInvitationLifecycle(t, limited) })

		t.Run("acme-dev refused", func(t *testing.T) {
			user := newUsername(t)
			inv := createProjectInvite(t, devGroupID, user, "GROUP_READ_ONLY")
			for _, op := range projectInviteOps(t, limited.client, devGroupID, inv.GetId(), user) {
				resp, err := op.call(t.Context())
				expectAPIError(t, op.name+" on acme-dev as "+prodOwnerSA.clientID+" (GROUP_OWNER of acme-prod only)",
					resp, err, http.StatusUnauthorized, "USER_CANNOT_ACCESS_GROUP")
			}
			assertProjectInviteUnchanged(t, "GetGroupInvite(acme-dev) after the rejected calls", devGroupID, devGroupName, inv)
		})

		limitedRec.checkOneToken(t, prodOwnerSA.clientID)
	})

	// Revoke the owner's token through the SDK's clientcredentials config; the
	// SDK client keeps using it (it never refreshes on 401) and is refused.
	t.Run("RevokeToken", func(t *testing.T) {
		ctx := t.Context()
		tok := rec.issuedToken()
		if tok == nil {
			t.Fatalf("no access token was issued to %s, nothing to revoke\n%s", ownerSA.clientID, rec.dump())
		}

		_, resp, err := owner.client.ProjectsApi.ListGroupInvites(ctx, prodGroupID).Execute()
		requireStatus(t, "ListGroupInvites right before the revocation", resp, err, http.StatusOK)

		cfg := clientcredentials.NewConfig(ownerSA.clientID, ownerSA.clientSecret)
		cfg.RevokeURL = baseURL + revokePath
		if err := cfg.RevokeToken(rec.ctx, tok); err != nil {
			t.Fatalf("clientcredentials.Config.RevokeToken(RevokeURL=%s): %v\n%s", cfg.RevokeURL, err, rec.dump())
		}
		if n := rec.count(revokePath); n != 1 {
			t.Fatalf("RevokeToken returned no error, but %d POST %s requests were seen, want exactly 1\n%s",
				n, revokePath, rec.dump())
		}

		_, resp, err = owner.client.ProjectsApi.ListGroupInvites(ctx, prodGroupID).Execute()
		expectAPIError(t, "ListGroupInvites with the revoked token", resp, err, http.StatusUnauthorized, "")
		rec.checkLastBearer(t, "ListGroupInvites with the revoked token", tok.AccessToken)

		user := newUsername(t)
		_, resp, err = owner.client.ProjectsApi.CreateGroupInvite(ctx, prodGroupID, &admin.GroupInvitationRequest{
			Username: ptr(user), Roles: &[]string{"GROUP_READ_ONLY"},
		}).Execute()
		expectAPIError(t, "CreateGroupInvite with the revoked token", resp, err, http.StatusUnauthorized, "")
		rec.checkLastBearer(t, "CreateGroupInvite with the revoked token", tok.AccessToken)
		assertNoProjectInviteFor(t, "ListGroupInvites.Username after the rejected create", prodGroupID, user)
	})

	// One POST /api/oauth/token for the whole run above, revocation included.
	rec.checkOneToken(t, ownerSA.clientID)
}

// newOAuthPrincipal builds an SDK client the way the SDK documents for service
// accounts, UseBaseURL then UseOAuthAuth, with one difference: the context
// carries, under the key the SDK's OAuth code reads (auth.HTTPClient), an HTTP
// client whose transport records what the SDK sends. Token requests and the
// API requests with their bearer token both go through it.
func newOAuthPrincipal(t *testing.T, sa serviceAccount) (principal, *oauthRecorder) {
	t.Helper()
	rec := &oauthRecorder{sa: sa, base: http.DefaultTransport, bearers: map[string]int{}}
	rec.ctx = context.WithValue(t.Context(), auth.HTTPClient, &http.Client{Transport: rec})
	mods := []admin.ClientModifier{admin.UseBaseURL(baseURL), admin.UseOAuthAuth(rec.ctx, sa.clientID, sa.clientSecret)}
	if os.Getenv("ATLAS_SDK_DEBUG") != "" {
		mods = append(mods, admin.UseDebug(true))
	}
	c, err := admin.NewClient(mods...)
	if err != nil {
		t.Fatalf("admin.NewClient(UseBaseURL, UseOAuthAuth): %v", err)
	}
	return principal{client: c, inviter: sa.clientID}, rec
}

// oauthRecorder is a RoundTripper that counts and checks the requests the SDK
// sends for one service account, and keeps the access token it was issued.
type oauthRecorder struct {
	sa   serviceAccount
	base http.RoundTripper
	ctx  context.Context // carries the *http.Client wrapping the recorder

	mu       sync.Mutex
	requests map[string]int // per path, for the OAuth endpoints
	issued   []*auth.Token  // tokens the token endpoint answered, in order
	bearers  map[string]int // access tokens sent as "Authorization: Bearer" on API calls
	last     string         // bearer token of the latest API call
	log      []string       // every request and its outcome, for failure messages
	problems []string       // malformed OAuth requests or responses, API calls without a bearer token
}

func (r *oauthRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	path := req.URL.Path
	var found []string
	switch path {
	case tokenPath:
		found = r.checkClientRequest(req, url.Values{"grant_type": {"client_credentials"}})
	case revokePath:
		found = r.checkClientRequest(req, nil)
	}
	bearer, hasBearer := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")

	resp, err := r.base.RoundTrip(req)

	r.mu.Lock()
	defer r.mu.Unlock()
	outcome := "transport error: " + fmt.Sprint(err)
	if err == nil {
		outcome = resp.Status
	}
	r.log = append(r.log, fmt.Sprintf("%s %s -> %s", req.Method, req.URL.RequestURI(), outcome))
	switch path {
	case tokenPath, revokePath:
		if r.requests == nil {
			r.requests = map[string]int{}
		}
		r.requests[path]++
		if path == tokenPath && err == nil {
			found = append(found, r.readTokenResponse(resp)...)
		}
	default:
		if !hasBearer || bearer == "" {
			found = append(found, fmt.Sprintf("%s %s was sent without a bearer token", req.Method, req.URL.RequestURI()))
		} else {
			r.bearers[bearer]++
			r.last = bearer
		}
	}
	r.problems = append(r.problems, found...)
	return resp, err
}

// checkClientRequest checks a request to the token or revoke endpoint: POST to
// the URL derived from the base URL, HTTP Basic client authentication with the
// form-encoded client id and secret, a form body (exactly wantForm if set).
func (r *oauthRecorder) checkClientRequest(req *http.Request, wantForm url.Values) []string {
	var p problems
	op := req.Method + " " + req.URL.String()
	if req.Method != http.MethodPost {
		p.addf("%s: method %s, want POST", op, req.Method)
	}
	if want := baseURL + req.URL.Path; req.URL.String() != want {
		p.addf("%s: want %s, derived from the base URL", op, want)
	}
	user, pass, ok := req.BasicAuth()
	if !ok || user != url.QueryEscape(r.sa.clientID) || pass != url.QueryEscape(r.sa.clientSecret) {
		p.addf("%s: Authorization %q is not HTTP Basic with the client id and secret", op, req.Header.Get("Authorization"))
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		p.addf("%s: Content-Type %q, want application/x-www-form-urlencoded", op, ct)
	}
	if req.GetBody == nil {
		p.addf("%s: the request body cannot be re-read (no GetBody)", op)
		return p
	}
	body, err := req.GetBody()
	if err != nil {
		p.addf("%s: GetBody: %v", op, err)
		return p
	}
	raw, _ := io.ReadAll(body)
	form, err := url.ParseQuery(string(raw))
	switch {
	case err != nil:
		p.addf("%s: body %q is not a form: %v", op, raw, err)
	case wantForm != nil && form.Encode() != wantForm.Encode():
		p.addf("%s: body %q, want %q", op, raw, wantForm.Encode())
	case req.URL.Path == revokePath && (form.Get("token") == "" || form.Get("token_type_hint") != "access_token"):
		p.addf("%s: body %q, want token=<access token>&token_type_hint=access_token", op, raw)
	}
	return p
}

// readTokenResponse keeps the issued token and checks the answer's shape:
// 200 with {"access_token":<JWT>,"expires_in":3600,"token_type":"Bearer"}.
// It puts the body back for the SDK.
func (r *oauthRecorder) readTokenResponse(resp *http.Response) []string {
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	var p problems
	answer := fmt.Sprintf("POST %s answered %s, Content-Type %q, body %s", tokenPath, resp.Status, resp.Header.Get("Content-Type"), raw)
	if err != nil {
		p.addf("%s: reading the body: %v", answer, err)
		return p
	}
	if resp.StatusCode != http.StatusOK {
		p.addf("%s: want 200", answer)
		return p
	}
	var body struct {
		AccessToken *string  `json:"access_token"`
		ExpiresIn   *float64 `json:"expires_in"`
		TokenType   *string  `json:"token_type"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		p.addf("%s: not a JSON object: %v", answer, err)
		return p
	}
	if body.AccessToken == nil || len(strings.Split(*body.AccessToken, ".")) != 3 {
		p.addf("%s: access_token is not a JWT (three dot-separated parts)", answer)
	}
	if body.ExpiresIn == nil || *body.ExpiresIn != wantTokenExpiresIn {
		p.addf("%s: expires_in is not %d", answer, wantTokenExpiresIn)
	}
	if body.TokenType == nil || *body.TokenType != "Bearer" {
		p.addf("%s: token_type is not \"Bearer\"", answer)
	}
	if body.AccessToken != nil && *body.AccessToken != "" {
		tok := &auth.Token{AccessToken: *body.AccessToken, TokenType: "Bearer"}
		if body.ExpiresIn != nil {
			tok.Expiry = time.Now().Add(time.Duration(*body.ExpiresIn) * time.Second)
		}
		r.issued = append(r.issued, tok)
	}
	return p
}

func (r *oauthRecorder) count(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests[path]
}

// issuedToken is the first access token the token endpoint answered, or nil.
func (r *oauthRecorder) issuedToken() *auth.Token {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.issued) == 0 {
		return nil
	}
	tok := *r.issued[0]
	return &tok
}

// checkOneToken: exactly one POST /api/oauth/token, well formed and answered
// well, and every API call carried the token it issued.
func (r *oauthRecorder) checkOneToken(t *testing.T, clientID string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var p []string
	if n := r.requests[tokenPath]; n != 1 {
		p = append(p, fmt.Sprintf("the SDK sent POST %s %d times, want exactly once: it must fetch one token and reuse it", tokenPath, n))
	}
	p = append(p, r.problems...)
	if len(r.issued) > 0 {
		for bearer, n := range r.bearers {
			if bearer != r.issued[0].AccessToken {
				p = append(p, fmt.Sprintf("%d API calls carried a bearer token other than the one issued", n))
			}
		}
	}
	if len(r.bearers) == 0 {
		p = append(p, "no API call carried a bearer token")
	}
	if len(p) > 0 {
		t.Errorf("service account %s:\n    - %s\n%s", clientID, strings.Join(p, "\n    - "), r.dumpLocked())
	}
}

func (r *oauthRecorder) checkLastBearer(t *testing.T, op, want string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last != want {
		t.Errorf("%s: the request did not carry the revoked token\n%s", op, r.dumpLocked())
	}
}

func (r *oauthRecorder) dump() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dumpLocked()
}

func (r *oauthRecorder) dumpLocked() string {
	log := r.log
	var b strings.Builder
	if len(log) > 120 {
		fmt.Fprintf(&b, "    (%d earlier requests left out)\n", len(log)-120)
		log = log[len(log)-120:]
	}
	b.WriteString("    requests seen by the recording transport:\n")
	for _, line := range log {
		b.WriteString("      " + line + "\n")
	}
	return b.String()
}
