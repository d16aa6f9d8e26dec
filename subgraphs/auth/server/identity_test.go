package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"fedstack/platform/platformtest"
	"fedstack/platform/servicetrust"
	"fedstack/subgraphs/auth"
	"fedstack/subgraphs/auth/server"
)

const pw = "correct horse battery"

// identityStack is an auth service on fresh databases with env applied.
type identityStack struct {
	svc      *platformtest.Service
	c        client
	dbURL    string
	redisURL string
	rdb      *redis.Client
}

func startIdentity(t *testing.T, env map[string]string) *identityStack {
	t.Helper()
	s := &identityStack{dbURL: platformtest.PostgresURL(t), redisURL: platformtest.RedisURL(t)}
	full := map[string]string{
		"DATABASE_URL": s.dbURL, "REDIS_URL": s.redisURL, "INTERNAL_SECRET": secret,
		// Each run counts its own attempts in the shared Redis.
		"RATE_LIMIT_PREFIX": "test:" + rand.Text(),
	}
	for k, v := range env {
		full[k] = v
	}
	s.svc = platformtest.Start(t, server.Run, full)
	s.c = client{t: t, url: s.svc.URL}
	opts, err := redis.ParseURL(s.redisURL)
	if err != nil {
		t.Fatal(err)
	}
	s.rdb = redis.NewClient(opts)
	t.Cleanup(func() { _ = s.rdb.Close() })
	return s
}

type session struct {
	ID           string `json:"id"`
	Device       string `json:"device"`
	UserAgent    string `json:"userAgent"`
	IP           string `json:"ip"`
	LastActiveAt string `json:"lastActiveAt"`
	ExpiresAt    string `json:"expiresAt"`
	Current      bool   `json:"current"`
}

type fullPayload struct {
	AccessToken  string  `json:"accessToken"`
	RefreshToken string  `json:"refreshToken"`
	User         user    `json:"user"`
	Session      session `json:"session"`
}

const payloadFields = `accessToken refreshToken user { id email name role } session { id device userAgent ip lastActiveAt expiresAt current }`

func (s *identityStack) signup(t *testing.T, email string) fullPayload {
	t.Helper()
	var p fullPayload
	s.c.data("", `mutation($in: SignupInput!) { signup(input: $in) { `+payloadFields+` } }`,
		signupVars(email, pw, "Test "+email), "signup", &p)
	return p
}

func (s *identityStack) login(t *testing.T, email, password string) (fullPayload, *gqlError) {
	t.Helper()
	_, out := s.c.do("", `mutation($in: LoginInput!) { login(input: $in) { `+payloadFields+` } }`, loginVars(email, password))
	if len(out.Errors) > 0 {
		return fullPayload{}, &out.Errors[0]
	}
	var m map[string]fullPayload
	if err := json.Unmarshal(out.Data, &m); err != nil {
		t.Fatal(err)
	}
	return m["login"], nil
}

const refreshMutation = `mutation($t: String!) { refresh(refreshToken: $t) { ` + payloadFields + ` } }`

func (s *identityStack) refresh(t *testing.T, token string) (fullPayload, *gqlError) {
	t.Helper()
	_, out := s.c.do("", refreshMutation, map[string]any{"t": token})
	if len(out.Errors) > 0 {
		return fullPayload{}, &out.Errors[0]
	}
	var m map[string]fullPayload
	if err := json.Unmarshal(out.Data, &m); err != nil {
		t.Fatal(err)
	}
	return m["refresh"], nil
}

// meStatus returns the HTTP status of { me { id } } with token: 200 for a live
// session, 401 for a refused token.
func (s *identityStack) meStatus(t *testing.T, token string) int {
	t.Helper()
	status, _ := s.c.do(token, `{ me { id } }`, nil)
	return status
}

func TestRefreshRotationAndReuse(t *testing.T) {
	s := startIdentity(t, map[string]string{"REFRESH_GRACE_PERIOD": "1s"})
	sub := s.rdb.Subscribe(context.Background(), auth.EventSessionTerminated)
	defer sub.Close()
	if _, err := sub.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}

	p0 := s.signup(t, "rotate@example.com")
	if len(p0.RefreshToken) != 43 {
		t.Fatalf("refresh token %q: want 43 characters (256 bits, base64url)", p0.RefreshToken)
	}
	p1, gerr := s.refresh(t, p0.RefreshToken)
	if gerr != nil {
		t.Fatalf("first refresh: %+v", gerr)
	}
	if p1.RefreshToken == p0.RefreshToken || p1.Session.ID != p0.Session.ID || p1.User.ID != p0.User.ID {
		t.Fatalf("refresh did not rotate within the session: %+v -> %+v", p0, p1)
	}
	if s.meStatus(t, p1.AccessToken) != http.StatusOK {
		t.Fatal("the refreshed access token is refused")
	}
	// The stored value is a hash, never the token.
	var stored int
	if err := pgxCount(t, s.dbURL, `SELECT count(*) FROM refresh_tokens WHERE token_hash = convert_to($1, 'UTF8')`, p1.RefreshToken, &stored); err != nil {
		t.Fatal(err)
	}
	if stored != 0 {
		t.Fatal("a refresh token is stored in clear")
	}

	// Two tabs refreshing the same token at once both get the same new token.
	var (
		wg      sync.WaitGroup
		results [2]fullPayload
		errsGot [2]*gqlError
	)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errsGot[i] = s.refresh(t, p1.RefreshToken)
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errsGot[i] != nil {
			t.Fatalf("concurrent refresh %d: %+v", i, errsGot[i])
		}
	}
	if results[0].RefreshToken != results[1].RefreshToken {
		t.Fatalf("concurrent refreshes returned different tokens: %s and %s", results[0].RefreshToken, results[1].RefreshToken)
	}
	p2 := results[0]

	// After the grace window, the used token is a theft signal: the session ends.
	time.Sleep(1200 * time.Millisecond)
	_, gerr = s.refresh(t, p1.RefreshToken)
	if gerr == nil || gerr.Extensions["code"] != "UNAUTHENTICATED" || gerr.Message != auth.ErrRefreshReused {
		t.Fatalf("reused refresh token: %+v, want UNAUTHENTICATED %q", gerr, auth.ErrRefreshReused)
	}
	ev := waitEvent(t, sub.Channel(), p0.User.ID)
	if ev.SessionID != p0.Session.ID || ev.Reason != "refresh_token_reused" {
		t.Fatalf("terminated event %+v, want session %s reason refresh_token_reused", ev, p0.Session.ID)
	}
	if _, gerr := s.refresh(t, p2.RefreshToken); gerr == nil || gerr.Message != auth.ErrSessionEnded {
		t.Fatalf("refresh of the ended session's latest token: %+v, want %q", gerr, auth.ErrSessionEnded)
	}
	if got := s.meStatus(t, p2.AccessToken); got != http.StatusUnauthorized {
		t.Fatalf("access token of the ended session: status %d, want 401", got)
	}
	for _, bad := range []string{"", "short", strings.Repeat("A", 43), strings.Repeat("!", 43)} {
		if _, gerr := s.refresh(t, bad); gerr == nil || gerr.Extensions["code"] != "UNAUTHENTICATED" {
			t.Fatalf("refresh(%q) = %+v, want UNAUTHENTICATED", bad, gerr)
		}
	}
}

func waitEvent(t *testing.T, ch <-chan *redis.Message, userID string) auth.SessionEvent {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case msg := <-ch:
			var ev auth.SessionEvent
			if err := json.Unmarshal([]byte(msg.Payload), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.UserID == userID {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event for %s", auth.EventSessionTerminated, userID)
		}
	}
}

func TestLoginLockout(t *testing.T) {
	s := startIdentity(t, map[string]string{"LOCKOUT_THRESHOLD": "3", "LOCKOUT_BASE": "2s"})
	s.signup(t, "locked@example.com")

	// Unknown email and wrong password look the same.
	_, unknown := s.login(t, "nobody@example.com", pw)
	_, wrong := s.login(t, "locked@example.com", "not the password")
	if unknown == nil || wrong == nil || unknown.Message != wrong.Message || unknown.Extensions["code"] != wrong.Extensions["code"] {
		t.Fatalf("unknown email %+v vs wrong password %+v: must be the same", unknown, wrong)
	}
	_, second := s.login(t, "locked@example.com", "still not it")
	if second == nil || second.Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("second failure: %+v", second)
	}
	_, third := s.login(t, "locked@example.com", "nope again")
	if third == nil || third.Extensions["code"] != "RATE_LIMITED" {
		t.Fatalf("third failure: %+v, want RATE_LIMITED", third)
	}
	retry, _ := third.Extensions["retryAfter"].(float64)
	if retry < 1 || retry > 2 {
		t.Fatalf("retryAfter = %v, want 1-2 seconds", third.Extensions["retryAfter"])
	}
	lockedAt := time.Now()
	// The right password does not help while locked.
	if _, gerr := s.login(t, "locked@example.com", pw); gerr == nil || gerr.Extensions["code"] != "RATE_LIMITED" {
		t.Fatalf("right password during the lock: %+v, want RATE_LIMITED", gerr)
	}
	time.Sleep(time.Until(lockedAt.Add(time.Duration(retry)*time.Second + 100*time.Millisecond)))
	p, gerr := s.login(t, "locked@example.com", pw)
	if gerr != nil || p.AccessToken == "" {
		t.Fatalf("right password after the lock: %+v", gerr)
	}
	// Per-IP limit: the router's X-Forwarded-For is the client address.
	s2 := startIdentity(t, map[string]string{"LOGIN_LIMIT_PER_IP": "2"})
	for i := range 3 {
		status, out := s2.c.doWith(map[string]string{"X-Forwarded-For": "198.51.100.20"}, "",
			`mutation($in: LoginInput!) { login(input: $in) { accessToken } }`, loginVars("x@example.com", "whatever1"))
		code := ""
		if len(out.Errors) > 0 {
			code, _ = out.Errors[0].Extensions["code"].(string)
		}
		want := "UNAUTHENTICATED"
		if i == 2 {
			want = "RATE_LIMITED"
		}
		if code != want {
			t.Fatalf("login %d from one IP: status %d code %s, want %s", i+1, status, code, want)
		}
	}
	// Another address is not limited.
	_, out := s2.c.doWith(map[string]string{"X-Forwarded-For": "198.51.100.21"}, "",
		`mutation($in: LoginInput!) { login(input: $in) { accessToken } }`, loginVars("x@example.com", "whatever1"))
	if len(out.Errors) == 0 || out.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("login from another IP: %+v", out.Errors)
	}
}

// doWith is do with extra request headers.
func (c client) doWith(headers map[string]string, token, query string, vars map[string]any) (int, gqlResponse) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, c.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	servicetrust.Sign(req.Header, secret)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		c.t.Fatalf("decoding %s: %v", raw, err)
	}
	return resp.StatusCode, out
}

func TestSessionsAndPassword(t *testing.T) {
	s := startIdentity(t, nil)
	const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	a := s.signup(t, "sessions@example.com")
	_, out := s.c.doWith(map[string]string{"User-Agent": firefox, "X-Forwarded-For": "203.0.113.5"}, "",
		`mutation($in: LoginInput!) { login(input: $in) { `+payloadFields+` } }`, loginVars("sessions@example.com", pw))
	if len(out.Errors) > 0 {
		t.Fatal(out.Errors)
	}
	var m map[string]fullPayload
	_ = json.Unmarshal(out.Data, &m)
	b := m["login"]
	if b.Session.IP != "203.0.113.5" || b.Session.UserAgent != firefox || !strings.Contains(b.Session.Device, "Firefox") {
		t.Fatalf("session from Firefox at 203.0.113.5 recorded as %+v", b.Session)
	}

	var list []session
	s.c.data(b.AccessToken, `{ mySessions { id device ip current } }`, nil, "mySessions", &list)
	if len(list) != 2 {
		t.Fatalf("mySessions = %+v, want 2", list)
	}
	for _, ss := range list {
		if ss.Current != (ss.ID == b.Session.ID) {
			t.Fatalf("current flag wrong in %+v (current is %s)", list, b.Session.ID)
		}
	}
	// Nobody ends someone else's session, or one that does not exist.
	other := s.signup(t, "other@example.com")
	s.c.fail(other.AccessToken, `mutation($id: ID!) { endSession(id: $id) { endedSessions } }`, map[string]any{"id": a.Session.ID}, "NOT_FOUND")
	s.c.fail(b.AccessToken, `mutation($id: ID!) { endSession(id: $id) { endedSessions } }`, map[string]any{"id": "nope"}, "NOT_FOUND")
	var ended struct{ EndedSessions int }
	s.c.data(b.AccessToken, `mutation($id: ID!) { endSession(id: $id) { endedSessions } }`, map[string]any{"id": a.Session.ID}, "endSession", &ended)
	if s.meStatus(t, a.AccessToken) != http.StatusUnauthorized {
		t.Fatal("the ended session's token still works")
	}

	// Profile.
	var u user
	s.c.data(b.AccessToken, `mutation { updateProfile(input: { name: "  Grace Hopper " }) { id name } }`, nil, "updateProfile", &u)
	if u.Name != "Grace Hopper" {
		t.Fatalf("name = %q", u.Name)
	}
	s.c.fail(b.AccessToken, `mutation { updateProfile(input: { name: "" }) { id } }`, nil, "INVALID")

	// Change password: the current one must be right; the other sessions end.
	c2, _ := s.login(t, "sessions@example.com", pw)
	e := s.c.fail(b.AccessToken, `mutation { changePassword(input: { currentPassword: "wrong one!", newPassword: "a new long secret" }) { endedSessions } }`, nil, "INVALID")
	if e.Extensions["field"] != "currentPassword" {
		t.Fatalf("wrong current password: %+v", e)
	}
	e = s.c.fail(b.AccessToken, `mutation { changePassword(input: { currentPassword: "correct horse battery", newPassword: "password123" }) { endedSessions } }`, nil, "INVALID")
	if e.Message != auth.ErrCommonPassword {
		t.Fatalf("common new password: %+v", e)
	}
	s.c.data(b.AccessToken, `mutation { changePassword(input: { currentPassword: "correct horse battery", newPassword: "a new long secret" }) { endedSessions } }`, nil, "changePassword", &ended)
	if ended.EndedSessions != 1 {
		t.Fatalf("changePassword ended %d sessions, want 1", ended.EndedSessions)
	}
	if s.meStatus(t, c2.AccessToken) != http.StatusUnauthorized || s.meStatus(t, b.AccessToken) != http.StatusOK {
		t.Fatal("changePassword must end the other sessions and keep this one")
	}
	if _, gerr := s.login(t, "sessions@example.com", pw); gerr == nil {
		t.Fatal("the old password still works")
	}
	if _, gerr := s.login(t, "sessions@example.com", "a new long secret"); gerr != nil {
		t.Fatalf("new password: %+v", gerr)
	}
	// Signup refuses a common password.
	e = s.c.fail("", signupMutation, signupVars("common@example.com", "password123", "C"), "INVALID")
	if e.Message != auth.ErrCommonPassword {
		t.Fatalf("common password at signup: %+v", e)
	}
}

var linkToken = regexp.MustCompile(`token=([A-Za-z0-9_-]{43})`)

func TestVerificationAndResetMails(t *testing.T) {
	smtp := platformtest.StartSMTP(t)
	s := startIdentity(t, map[string]string{"SMTP_URL": smtp.URL(), "PUBLIC_URL": "https://app.example.test"})

	p := s.signup(t, "mailer@example.com")
	msg := smtp.WaitFor(t, "mailer@example.com", "Confirm your email", 10*time.Second)
	if !strings.Contains(msg.Body, "https://app.example.test/verify-email?token=") {
		t.Fatalf("verification mail body:\n%s", msg.Body)
	}
	tok := linkToken.FindStringSubmatch(msg.Body)[1]
	var u struct {
		EmailVerified bool `json:"emailVerified"`
	}
	s.c.data("", `mutation($t: String!) { verifyEmail(token: $t) { emailVerified } }`, map[string]any{"t": tok}, "verifyEmail", &u)
	if !u.EmailVerified {
		t.Fatal("verifyEmail did not verify")
	}
	e := s.c.fail("", `mutation($t: String!) { verifyEmail(token: $t) { emailVerified } }`, map[string]any{"t": tok}, "INVALID")
	if e.Message != auth.ErrMailLinkInvalid {
		t.Fatalf("second use of the verification link: %+v", e)
	}

	// Reset: an unknown address answers the same and gets no mail.
	var ok bool
	s.c.data("", `mutation { requestPasswordReset(email: "ghost@example.com") }`, nil, "requestPasswordReset", &ok)
	s.c.data("", `mutation { requestPasswordReset(email: "Mailer@Example.com") }`, nil, "requestPasswordReset", &ok)
	msg = smtp.WaitFor(t, "mailer@example.com", "Reset your password", 10*time.Second)
	tok = linkToken.FindStringSubmatch(msg.Body)[1]
	if !strings.Contains(msg.Body, "https://app.example.test/reset-password?token="+tok) {
		t.Fatalf("reset mail body:\n%s", msg.Body)
	}
	for _, m := range smtp.Messages() {
		for _, to := range m.To {
			if strings.Contains(to, "ghost@") {
				t.Fatal("a reset mail went to an address without an account")
			}
		}
	}
	// A refused new password does not use up the link.
	s.c.fail("", `mutation($t: String!) { resetPassword(input: { token: $t, newPassword: "short" }) }`, map[string]any{"t": tok}, "INVALID")
	s.c.data("", `mutation($t: String!) { resetPassword(input: { token: $t, newPassword: "reset to this one" }) }`, map[string]any{"t": tok}, "resetPassword", &ok)
	e = s.c.fail("", `mutation($t: String!) { resetPassword(input: { token: $t, newPassword: "and again this" }) }`, map[string]any{"t": tok}, "INVALID")
	if e.Message != auth.ErrMailLinkInvalid {
		t.Fatalf("second use of the reset link: %+v", e)
	}
	if s.meStatus(t, p.AccessToken) != http.StatusUnauthorized {
		t.Fatal("a password reset must end every session")
	}
	if _, gerr := s.login(t, "mailer@example.com", pw); gerr == nil {
		t.Fatal("the old password still works after the reset")
	}
	if _, gerr := s.login(t, "mailer@example.com", "reset to this one"); gerr != nil {
		t.Fatalf("the new password: %+v", gerr)
	}
}

func TestAdministration(t *testing.T) {
	s := startIdentity(t, nil)
	admin := s.signup(t, "boss@example.com")
	alice := s.signup(t, "alice@example.com")
	bob := s.signup(t, "bob@example.com")

	var out bytes.Buffer
	if err := server.Run(context.Background(), []string{"auth", "grant-admin", "Boss@example.com"},
		func(k string) string { return map[string]string{"DATABASE_URL": s.dbURL}[k] }, &out); err != nil {
		t.Fatalf("grant-admin: %v", err)
	}

	adminOps := map[string]string{
		"users":           `{ users { nodes { id } } }`,
		"auditLog":        `{ auditLog { nodes { id } } }`,
		"setUserRole":     `mutation($id: ID!) { setUserRole(userId: $id, role: PRO) { id } }`,
		"deactivateUser":  `mutation($id: ID!) { deactivateUser(userId: $id) { id } }`,
		"reactivateUser":  `mutation($id: ID!) { reactivateUser(userId: $id) { id } }`,
		"endUserSessions": `mutation($id: ID!) { endUserSessions(userId: $id) { endedSessions } }`,
	}
	for name, q := range adminOps {
		e := s.c.fail(alice.AccessToken, q, map[string]any{"id": bob.User.ID}, "FORBIDDEN")
		if e.Message != auth.ErrAdminOnly {
			t.Fatalf("%s as a USER: %+v", name, e)
		}
		s.c.fail("", q, map[string]any{"id": bob.User.ID}, "UNAUTHENTICATED")
	}
	if s.meStatus(t, bob.AccessToken) != http.StatusOK {
		t.Fatal("a refused admin call changed something")
	}

	var page struct {
		Nodes    []user `json:"nodes"`
		PageInfo struct {
			EndCursor   *string `json:"endCursor"`
			HasNextPage bool    `json:"hasNextPage"`
		} `json:"pageInfo"`
	}
	s.c.data(admin.AccessToken, `{ users(first: 2) { nodes { id email } pageInfo { endCursor hasNextPage } } }`, nil, "users", &page)
	if len(page.Nodes) != 2 || !page.PageInfo.HasNextPage || page.Nodes[0].Email != "bob@example.com" {
		t.Fatalf("first page: %+v", page)
	}
	s.c.data(admin.AccessToken, `query($a: String) { users(first: 2, after: $a) { nodes { id email } pageInfo { endCursor hasNextPage } } }`,
		map[string]any{"a": *page.PageInfo.EndCursor}, "users", &page)
	if len(page.Nodes) != 1 || page.PageInfo.HasNextPage || page.Nodes[0].Email != "boss@example.com" {
		t.Fatalf("second page: %+v", page)
	}
	s.c.data(admin.AccessToken, `{ users(filter: { search: "ALI", role: USER, active: true }) { nodes { id email } pageInfo { hasNextPage } } }`, nil, "users", &page)
	if len(page.Nodes) != 1 || page.Nodes[0].ID != alice.User.ID {
		t.Fatalf("search ALI: %+v", page)
	}
	s.c.fail(admin.AccessToken, `{ users(first: 1000) { nodes { id } } }`, nil, "INVALID")
	s.c.fail(admin.AccessToken, `{ users(after: "garbage!") { nodes { id } } }`, nil, "INVALID")

	var u user
	s.c.data(admin.AccessToken, `mutation($id: ID!) { setUserRole(userId: $id, role: PRO) { id role } }`, map[string]any{"id": alice.User.ID}, "setUserRole", &u)
	if u.Role != "PRO" {
		t.Fatalf("role = %s", u.Role)
	}
	s.c.fail(admin.AccessToken, `mutation($id: ID!) { deactivateUser(userId: $id) { id } }`, map[string]any{"id": admin.User.ID}, "CONFLICT")

	// Deactivating ends every session of the user.
	second, _ := s.login(t, "bob@example.com", pw)
	s.c.data(admin.AccessToken, `mutation($id: ID!) { deactivateUser(userId: $id) { id } }`, map[string]any{"id": bob.User.ID}, "deactivateUser", &u)
	for _, tok := range []string{bob.AccessToken, second.AccessToken} {
		if s.meStatus(t, tok) != http.StatusUnauthorized {
			t.Fatal("a deactivated user's token still works")
		}
	}
	if _, gerr := s.refresh(t, second.RefreshToken); gerr == nil {
		t.Fatal("a deactivated user's refresh token still works")
	}
	if _, gerr := s.login(t, "bob@example.com", pw); gerr == nil || gerr.Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("login while deactivated: %+v", gerr)
	}
	s.c.data(admin.AccessToken, `mutation($id: ID!) { reactivateUser(userId: $id) { id } }`, map[string]any{"id": bob.User.ID}, "reactivateUser", &u)
	third, gerr := s.login(t, "bob@example.com", pw)
	if gerr != nil {
		t.Fatalf("login after reactivation: %+v", gerr)
	}
	var n struct{ EndedSessions int }
	s.c.data(admin.AccessToken, `mutation($id: ID!) { endUserSessions(userId: $id) { endedSessions } }`, map[string]any{"id": bob.User.ID}, "endUserSessions", &n)
	if n.EndedSessions != 1 || s.meStatus(t, third.AccessToken) != http.StatusUnauthorized {
		t.Fatalf("endUserSessions ended %d", n.EndedSessions)
	}

	var log struct {
		Nodes []struct {
			Action  string  `json:"action"`
			ActorID *string `json:"actorId"`
			UserID  *string `json:"userId"`
		} `json:"nodes"`
	}
	s.c.data(admin.AccessToken, `query($u: ID) { auditLog(filter: { userId: $u }, first: 50) { nodes { action actorId userId } } }`,
		map[string]any{"u": bob.User.ID}, "auditLog", &log)
	want := map[string]bool{auth.AuditUserDeactivated: false, auth.AuditUserReactivated: false, auth.AuditUserSessionsEnded: false, auth.AuditSignup: false, auth.AuditLogin: false}
	for _, e := range log.Nodes {
		if _, ok := want[e.Action]; ok {
			want[e.Action] = true
		}
		if strings.HasPrefix(e.Action, "admin.") && (e.ActorID == nil || *e.ActorID != admin.User.ID) {
			t.Fatalf("audit %s has actor %v, want the admin", e.Action, e.ActorID)
		}
	}
	for a, seen := range want {
		if !seen {
			t.Fatalf("audit log of bob lacks %s: %+v", a, log.Nodes)
		}
	}
}

func TestRESTCookieFlow(t *testing.T) {
	s := startIdentity(t, nil)
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	post := func(path, body string, hdr map[string]string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.svc.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp, out
	}

	resp, body := post("/api/auth/signup", `{"email":"rest@example.com","password":"`+pw+`","name":"Rest"}`, nil)
	if resp.StatusCode != http.StatusCreated || body["accessToken"] == nil {
		t.Fatalf("signup: %d %v", resp.StatusCode, body)
	}
	if _, ok := body["refreshToken"]; ok {
		t.Fatal("the REST answer carries the refresh token; it belongs in the cookie only")
	}
	setCookie := resp.Header.Get("Set-Cookie")
	for _, attr := range []string{"fedstack_refresh=", "Path=/api/auth", "HttpOnly", "Secure", "SameSite=Strict", "Max-Age="} {
		if !strings.Contains(setCookie, attr) {
			t.Fatalf("Set-Cookie %q lacks %s", setCookie, attr)
		}
	}
	// The jar will not send a Secure cookie over http://127.0.0.1; send it by hand.
	cookie := resp.Cookies()[0]
	refresh := func(c *http.Cookie, hdr map[string]string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.svc.URL+"/api/auth/refresh", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if c != nil {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp, out
	}
	resp, body = refresh(cookie, nil)
	if resp.StatusCode != http.StatusOK || body["accessToken"] == nil {
		t.Fatalf("refresh: %d %v", resp.StatusCode, body)
	}
	next := resp.Cookies()[0]
	if next.Value == cookie.Value {
		t.Fatal("the cookie did not rotate")
	}
	access := body["accessToken"].(string)

	// CSRF: another site's Origin is refused; a form post is refused.
	resp, _ = refresh(next, map[string]string{"Origin": "https://evil.example"})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site refresh: %d, want 403", resp.StatusCode)
	}
	resp, _ = refresh(next, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("form refresh: %d, want 415", resp.StatusCode)
	}
	resp, _ = refresh(next, map[string]string{"Origin": "http://localhost:5173"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("refresh from the public origin: %d", resp.StatusCode)
	}
	next = resp.Cookies()[0]
	resp, body = refresh(nil, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("refresh without a cookie: %d %v", resp.StatusCode, body)
	}

	// Bad input.
	resp, body = post("/api/auth/login", `{"email":"rest@example.com","password":"`+pw+`","extra":1}`, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body["error"].(map[string]any)["message"].(string), "unknown field") {
		t.Fatalf("unknown field: %d %v", resp.StatusCode, body)
	}
	resp, _ = post("/api/auth/login", `{"email":`, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("broken JSON: %d", resp.StatusCode)
	}

	// Sessions and logout.
	req, _ := http.NewRequest(http.MethodGet, s.svc.URL+"/api/auth/sessions", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var sl struct{ Sessions []session }
	_ = json.NewDecoder(r2.Body).Decode(&sl)
	r2.Body.Close()
	if r2.StatusCode != http.StatusOK || len(sl.Sessions) != 1 || !sl.Sessions[0].Current {
		t.Fatalf("sessions: %d %+v", r2.StatusCode, sl)
	}
	resp, body = post("/api/auth/logout", `{}`, map[string]string{"Authorization": "Bearer " + access})
	if resp.StatusCode != http.StatusOK || body["endedSessions"] != float64(1) || !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %v %q", resp.StatusCode, body, resp.Header.Get("Set-Cookie"))
	}
	resp, _ = refresh(next, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("refresh after logout: %d", resp.StatusCode)
	}

	// The development outbox shows the verification mail.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r3, err := http.Get(s.svc.URL + "/api/auth/dev/outbox?to=rest@example.com")
		if err != nil {
			t.Fatal(err)
		}
		var ob struct {
			Mails []struct{ Subject, Body string }
		}
		_ = json.NewDecoder(r3.Body).Decode(&ob)
		r3.Body.Close()
		if len(ob.Mails) > 0 {
			if !strings.Contains(ob.Mails[0].Body, "/verify-email?token=") {
				t.Fatalf("outbox mail: %+v", ob.Mails[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no verification mail in the development outbox")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pgxCount runs a count query with one argument on a fresh connection.
func pgxCount(t *testing.T, dbURL, query string, arg any, dst *int) error {
	t.Helper()
	db, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	return db.QueryRow(context.Background(), query, arg).Scan(dst)
}
