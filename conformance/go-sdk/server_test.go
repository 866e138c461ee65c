package conformance

// Test harness: starts one atlas-invites server for the whole package, builds
// SDK clients for the fixture API keys and provides the assertion helpers the
// tests share.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/atlas-sdk/v20250312020/admin"
)

// Fixture data; must match testdata/fixtures.yaml.
const (
	acmeOrgID      = "6f0000000000000000000001"
	acmeOrgName    = "Acme"
	prodGroupID    = "6f00000000000000000000a1"
	prodGroupName  = "acme-prod"
	devGroupID     = "6f00000000000000000000a2"
	devGroupName   = "acme-dev"
	platformTeamID = "6f00000000000000000000c1"
	otherOrgID     = "6f0000000000000000000002"
	otherTeamID    = "6f00000000000000000000c2" // team of the other org

	unknownGroupID      = "6f00000000000000000000ff" // valid hex, no such project
	unknownInvitationID = "0123456789abcdef01234567" // valid hex, no such invitation
	unknownUserID       = "6f00000000000000000000fe" // valid hex, no such user
	unknownTeamID       = "6f00000000000000000000fd" // valid hex, no such team

	// Existing members of Acme (users in fixtures.yaml); the server assigns their ids.
	ownerUsername   = "owner@acme.test"         // ORG_OWNER, GROUP_OWNER on acme-prod
	auditorUsername = "auditor@acme.test"       // ORG_READ_ONLY
	digestMember    = "digest-member@acme.test" // ORG_MEMBER, GROUP_READ_ONLY on acme-prod; changed by TestCloudUsersLifecycle
	oauthMember     = "oauth-member@acme.test"  // the same, for TestCloudUsersServiceAccountOAuth
	digestTeamsUser = "digest-teams@acme.test"  // ORG_MEMBER, GROUP_READ_ONLY on acme-prod; put on teams by TestTeamsLifecycle
	oauthTeamsUser  = "oauth-teams@acme.test"   // the same, for TestTeamsServiceAccountOAuth
)

type apiKey struct{ public, private string }

var (
	ownerKey = apiKey{"acmeownr", "1f3e0b52-3c4e-4f5e-9a7b-0c1d2e3f4a5b"} // ORG_OWNER of Acme
	readKey  = apiKey{"acmeread", "2a4c6e80-1b3d-4f5a-8c7e-9d0f1a2b3c4d"} // ORG_MEMBER + GROUP_READ_ONLY on acme-prod
	otherKey = apiKey{"otherown", "3b5d7f91-2c4e-4a6b-9d8f-0e1a2b3c4d5e"} // ORG_OWNER of the other org
)

type serviceAccount struct{ clientID, clientSecret string }

var (
	// ORG_OWNER of Acme.
	ownerSA = serviceAccount{"mdb_sa_id_6f00000000000000000000e1", "mdb_sa_sk_4d7a1c9e0b3f5a8c2e6d1f4b7a0c3e9d"}
	// ORG_MEMBER of Acme with GROUP_OWNER on acme-prod only.
	prodOwnerSA = serviceAccount{"mdb_sa_id_6f00000000000000000000e2", "mdb_sa_sk_8b2e5f1a4c7d0e3b6a9f2c5e8d1b4a7f"}
)

const (
	wantContentType       = "application/vnd.atlas.2023-01-01+json;charset=utf-8"
	wantGroupDeprecation  = "Wed, 4 Oct 2023 00:00:00 GMT"
	wantOrgDeprecation    = "Wed, 19 Feb 2025 00:00:00 GMT"
	wantSunset            = "Thu, 1 Jul 2027 00:00:00 GMT"
	invitationLifetime    = 30 * 24 * time.Hour
	serverStartupDeadline = 60 * time.Second
)

var (
	baseURL   string    // http://127.0.0.1:<port> of the server under test
	suiteTime time.Time // when the suite started, for timestamp sanity checks
	idPattern = regexp.MustCompile(`^[a-f0-9]{24}$`)
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bin := os.Getenv("ATLAS_INVITES_BIN")
	if bin == "" {
		fmt.Fprintln(os.Stderr, "FATAL: ATLAS_INVITES_BIN is not set. It must be the path of the atlas-invites "+
			"server binary, e.g. ATLAS_INVITES_BIN=$PWD/target/debug/atlas-invites (or use conformance/go-sdk/run.sh).")
		return 2
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() {
		fmt.Fprintf(os.Stderr, "FATAL: ATLAS_INVITES_BIN=%q is not a server binary: %v\n", bin, statProblem(st, err))
		return 2
	}

	suiteTime = time.Now()
	srv, err := startServer(bin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FATAL: could not start the server under test: %v\n", err)
		return 2
	}
	baseURL = srv.url
	fmt.Fprintf(os.Stderr, "conformance: server under test at %s (%s)\n", srv.url, bin)

	code := m.Run()
	srv.stop(code != 0)
	return code
}

func statProblem(st os.FileInfo, err error) string {
	if err != nil {
		return err.Error()
	}
	if st.IsDir() {
		return "it is a directory"
	}
	return "unusable"
}

// ---------------------------------------------------------------------------
// Server process

var listeningLine = regexp.MustCompile(`listening on (http://127\.0\.0\.1:[0-9]+)`)

type server struct {
	cmd  *exec.Cmd
	url  string
	dir  string
	out  *serverLog
	done chan struct{} // closed once the process has exited and its output is drained
	err  error         // exit status, valid after done is closed
}

func startServer(bin string) (*server, error) {
	fixtures, err := filepath.Abs(filepath.Join("testdata", "fixtures.yaml"))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "atlas-invites-go-sdk-")
	if err != nil {
		return nil, err
	}
	dbURL := "sqlite://" + filepath.Join(dir, "db.sqlite")
	cmd := exec.Command(bin, "serve",
		"--listen", "127.0.0.1:0",
		"--database-url", dbURL,
		"--fixtures", fixtures)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}

	s := &server{cmd: cmd, dir: dir, out: &serverLog{}, done: make(chan struct{})}
	urls := make(chan string, 1)
	var drained sync.WaitGroup
	drained.Add(2)
	go func() { defer drained.Done(); s.out.drain("stdout", stdout, urls) }()
	go func() { defer drained.Done(); s.out.drain("stderr", stderr, nil) }()
	go func() {
		drained.Wait()
		s.err = cmd.Wait()
		close(s.done)
	}()

	cmdline := fmt.Sprintf("%s serve --listen 127.0.0.1:0 --database-url %s --fixtures %s", bin, dbURL, fixtures)
	select {
	case u := <-urls:
		s.url = u
		return s, nil
	case <-s.done:
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s\nexited (%v) before printing \"listening on http://127.0.0.1:<port>\"; its output:\n%s",
			cmdline, s.err, s.out.tail(200))
	case <-time.After(serverStartupDeadline):
		s.stop(false)
		return nil, fmt.Errorf("%s\nprinted no \"listening on http://127.0.0.1:<port>\" line within %s; its output:\n%s",
			cmdline, serverStartupDeadline, s.out.tail(200))
	}
}

// stop sends SIGTERM, waits for the process to exit (SIGKILL after 10 s) and
// removes the temporary database. With dumpLog it prints the server's output.
func (s *server) stop(dumpLog bool) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		fmt.Fprintln(os.Stderr, "conformance: server ignored SIGTERM for 10s; killing it")
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	if dumpLog {
		fmt.Fprintf(os.Stderr, "---- atlas-invites output (last 300 lines) ----\n%s---- end of server output ----\n", s.out.tail(300))
	}
	os.RemoveAll(s.dir)
}

// serverLog keeps the last lines the server printed on stdout and stderr.
type serverLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *serverLog) drain(stream string, r io.Reader, urls chan<- string) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			line = strings.TrimRight(line, "\r\n")
			l.mu.Lock()
			l.lines = append(l.lines, stream+": "+line)
			if len(l.lines) > 5000 {
				l.lines = slices.Clone(l.lines[len(l.lines)-3000:])
			}
			l.mu.Unlock()
			if urls != nil {
				if m := listeningLine.FindStringSubmatch(line); m != nil {
					select {
					case urls <- m[1]:
					default:
					}
				}
			}
		}
		if err != nil {
			return
		}
	}
}

func (l *serverLog) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := l.lines
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 {
		return "(no output)\n"
	}
	return strings.Join(lines, "\n") + "\n"
}

// ---------------------------------------------------------------------------
// SDK clients and test data

// principal is an SDK client plus the inviterUsername the server must record
// for invitations it creates: the API public key or the service account's
// client id. The operation checks take one, so the digest and the OAuth runs
// share them.
type principal struct {
	client  *admin.APIClient
	inviter string
}

func digestPrincipal(t *testing.T, key apiKey) principal {
	return principal{client: newClient(t, key), inviter: key.public}
}

// newClient builds an SDK client exactly as an Atlas user would, pointed at the
// server under test. ATLAS_SDK_DEBUG=1 makes the SDK log every request/response.
func newClient(t *testing.T, key apiKey) *admin.APIClient {
	t.Helper()
	mods := []admin.ClientModifier{admin.UseBaseURL(baseURL), admin.UseDigestAuth(key.public, key.private)}
	if os.Getenv("ATLAS_SDK_DEBUG") != "" {
		mods = append(mods, admin.UseDebug(true))
	}
	c, err := admin.NewClient(mods...)
	if err != nil {
		t.Fatalf("admin.NewClient: %v", err)
	}
	return c
}

var userSeq atomic.Int64

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// newUsername returns an e-mail address no other test uses, so tests do not
// depend on each other's invitations.
func newUsername(t *testing.T) string {
	slug := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(slug) > 40 {
		slug = strings.Trim(slug[:40], "-")
	}
	return fmt.Sprintf("%s-%d@invitee.test", slug, userSeq.Add(1))
}

func ptr[T any](v T) *T { return &v }

// ---------------------------------------------------------------------------
// Assertions

// requireStatus fails the test now if the call returned an error, and reports
// (without stopping) a success status other than want.
func requireStatus(t *testing.T, op string, resp *http.Response, err error, want int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: want HTTP %d, got an error\n%s", op, want, describe(resp, err))
	}
	if resp == nil {
		t.Fatalf("%s: the SDK returned no *http.Response", op)
	}
	if resp.StatusCode != want {
		t.Errorf("%s: HTTP status %d, want %d\n%s", op, resp.StatusCode, want, describe(resp, nil))
	}
}

// expectAPIError checks that a call failed with the given HTTP status and Atlas
// errorCode, the way SDK users test it: admin.AsError / admin.IsErrorCode.
// wantCode "" accepts any errorCode, but the body must still decode as an
// Atlas error with "error": wantStatus.
func expectAPIError(t *testing.T, op string, resp *http.Response, err error, wantStatus int, wantCode string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: want HTTP %d %s, but the call succeeded\n%s", op, wantStatus, wantCode, describe(resp, nil))
		return
	}
	apiErr, ok := admin.AsError(err)
	if !ok {
		t.Errorf("%s: want HTTP %d %s, got a non-API error: %v", op, wantStatus, wantCode, err)
		return
	}
	var problems []string
	switch {
	case resp == nil:
		problems = append(problems, "no *http.Response")
	case resp.StatusCode != wantStatus:
		problems = append(problems, fmt.Sprintf("HTTP status %d, want %d", resp.StatusCode, wantStatus))
	}
	if apiErr.GetError() != wantStatus {
		problems = append(problems, fmt.Sprintf("ApiError.GetError() = %d, want %d", apiErr.GetError(), wantStatus))
	}
	if wantCode != "" && !admin.IsErrorCode(err, wantCode) {
		problems = append(problems, fmt.Sprintf("errorCode %q, want %q", apiErr.GetErrorCode(), wantCode))
	}
	if len(problems) > 0 {
		t.Errorf("%s: %s\n%s", op, strings.Join(problems, "; "), describe(resp, err))
	}
}

// describe renders what the server answered: status, headers and, for errors,
// the raw body the SDK kept.
func describe(resp *http.Response, err error) string {
	var b strings.Builder
	if resp == nil {
		b.WriteString("    (no HTTP response)\n")
	} else {
		fmt.Fprintf(&b, "    server answered: %s %s\n", resp.Proto, resp.Status)
		keys := make([]string, 0, len(resp.Header))
		for k := range resp.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "    %s: %s\n", k, strings.Join(resp.Header[k], ", "))
		}
	}
	var gerr *admin.GenericOpenAPIError
	if errors.As(err, &gerr) {
		fmt.Fprintf(&b, "    body: %s\n", strings.TrimSpace(string(gerr.Body())))
	}
	if err != nil {
		fmt.Fprintf(&b, "    SDK error: %v\n", err)
	}
	return b.String()
}

// asJSON renders a decoded SDK model for failure messages.
func asJSON(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(out)
}

func sameSet(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

// problems collects the mismatches found in one decoded model, so that a
// failure prints all of them together with the model itself.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) report(t *testing.T, op string, model any) {
	t.Helper()
	if len(p) > 0 {
		t.Errorf("%s:\n    - %s\n    decoded response: %s", op, strings.Join(p, "\n    - "), asJSON(model))
	}
}

func (p *problems) checkID(id string) {
	if !idPattern.MatchString(id) {
		p.addf("id %q does not match %s", id, idPattern)
	}
}

// checkTimestamps: both present, whole seconds, UTC, expiresAt = createdAt + 30
// days, and createdAt close to the current time.
func (p *problems) checkTimestamps(createdAt, expiresAt *time.Time) {
	if createdAt == nil || expiresAt == nil {
		p.addf("createdAt=%v expiresAt=%v, want both set", createdAt, expiresAt)
		return
	}
	for _, ts := range []struct {
		name string
		v    time.Time
	}{{"createdAt", *createdAt}, {"expiresAt", *expiresAt}} {
		if ts.v.Nanosecond() != 0 {
			p.addf("%s %s has a fractional second; Atlas sends whole seconds", ts.name, ts.v.Format(time.RFC3339Nano))
		}
		if _, offset := ts.v.Zone(); offset != 0 {
			p.addf("%s %s is not UTC", ts.name, ts.v.Format(time.RFC3339Nano))
		}
	}
	if d := expiresAt.Sub(*createdAt); d != invitationLifetime {
		p.addf("expiresAt - createdAt = %s, want %s (30 days)", d, invitationLifetime)
	}
	if createdAt.Before(suiteTime.Add(-5*time.Minute)) || createdAt.After(time.Now().Add(5*time.Minute)) {
		p.addf("createdAt %s is not close to the current time %s", createdAt.Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339))
	}
}

// checkUnchangedTimes: a PATCH must leave createdAt and expiresAt alone.
func (p *problems) checkUnchangedTimes(gotCreated, gotExpires, wantCreated, wantExpires *time.Time) {
	if gotCreated == nil || wantCreated == nil || !gotCreated.Equal(*wantCreated) {
		p.addf("createdAt = %v, want it unchanged: %v", gotCreated, wantCreated)
	}
	if gotExpires == nil || wantExpires == nil || !gotExpires.Equal(*wantExpires) {
		p.addf("expiresAt = %v, want it unchanged: %v", gotExpires, wantExpires)
	}
}

// checkInviter: inviterUsername is the API public key or service account
// client id that created the invitation; want "" means ownerKey.public.
func (p *problems) checkInviter(got, want string) {
	if want == "" {
		want = ownerKey.public
	}
	if got != want {
		p.addf("inviterUsername %q, want the inviting API public key or service account client id %q", got, want)
	}
}

type wantGroupInvite struct {
	id                           string // "" = any well-formed id
	groupID, groupName, username string
	roles                        []string
	inviter                      string // "" = ownerKey.public, which creates the fixture invitations
	// created/expires, when set, must be returned unchanged.
	created, expires *time.Time
}

// checkGroupInvitation checks every field of a project invitation.
func checkGroupInvitation(t *testing.T, op string, got *admin.GroupInvitation, want wantGroupInvite) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no invitation was decoded", op)
		return
	}
	var p problems
	p.checkID(got.GetId())
	if want.id != "" && got.GetId() != want.id {
		p.addf("id %q, want %q", got.GetId(), want.id)
	}
	if got.GetGroupId() != want.groupID {
		p.addf("groupId %q, want %q", got.GetGroupId(), want.groupID)
	}
	if got.GetGroupName() != want.groupName {
		p.addf("groupName %q, want %q", got.GetGroupName(), want.groupName)
	}
	if got.GetUsername() != want.username {
		p.addf("username %q, want %q", got.GetUsername(), want.username)
	}
	if !sameSet(got.GetRoles(), want.roles) {
		p.addf("roles %q, want %q", got.GetRoles(), want.roles)
	}
	p.checkInviter(got.GetInviterUsername(), want.inviter)
	p.checkTimestamps(got.CreatedAt, got.ExpiresAt)
	if want.created != nil {
		p.checkUnchangedTimes(got.CreatedAt, got.ExpiresAt, want.created, want.expires)
	}
	p.report(t, op, got)
}

type wantOrgInvite struct {
	id       string // "" = any well-formed id
	username string
	roles    []string
	teamIDs  []string
	inviter  string // "" = ownerKey.public, which creates the fixture invitations
	// groupRoles holds "groupId/ROLE" pairs, one per GroupRole item.
	groupRoles []string
	// created/expires, when set, must be returned unchanged.
	created, expires *time.Time
}

// checkOrgInvitation checks every field of an organization invitation.
func checkOrgInvitation(t *testing.T, op string, got *admin.OrganizationInvitation, want wantOrgInvite) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no invitation was decoded", op)
		return
	}
	var p problems
	p.checkID(got.GetId())
	if want.id != "" && got.GetId() != want.id {
		p.addf("id %q, want %q", got.GetId(), want.id)
	}
	if got.GetOrgId() != acmeOrgID {
		p.addf("orgId %q, want %q", got.GetOrgId(), acmeOrgID)
	}
	if got.GetOrgName() != acmeOrgName {
		p.addf("orgName %q, want %q", got.GetOrgName(), acmeOrgName)
	}
	if got.GetUsername() != want.username {
		p.addf("username %q, want %q", got.GetUsername(), want.username)
	}
	if !sameSet(got.GetRoles(), want.roles) {
		p.addf("roles %q, want %q", got.GetRoles(), want.roles)
	}
	p.checkInviter(got.GetInviterUsername(), want.inviter)
	if got.TeamIds == nil {
		p.addf("teamIds is missing or null; Atlas always sends it ([] when empty)")
	} else if !sameSet(*got.TeamIds, want.teamIDs) {
		p.addf("teamIds %q, want %q", *got.TeamIds, want.teamIDs)
	}
	if got.GroupRoleAssignments == nil {
		p.addf("groupRoleAssignments is missing or null; Atlas always sends it ([] when empty)")
	} else {
		var pairs []string
		for _, gr := range *got.GroupRoleAssignments {
			pairs = append(pairs, gr.GetGroupId()+"/"+gr.GetGroupRole())
		}
		if !sameSet(pairs, want.groupRoles) {
			p.addf("groupRoleAssignments (as groupId/groupRole, one item per role) %q, want %q", pairs, want.groupRoles)
		}
	}
	p.checkTimestamps(got.CreatedAt, got.ExpiresAt)
	if want.created != nil {
		p.checkUnchangedTimes(got.CreatedAt, got.ExpiresAt, want.created, want.expires)
	}
	p.report(t, op, got)
}

func checkHeader(t *testing.T, op string, resp *http.Response, name, want string) {
	t.Helper()
	if got := resp.Header.Values(name); len(got) != 1 || got[0] != want {
		t.Errorf("%s: header %s = %q, want exactly %q", op, name, got, want)
	}
}
