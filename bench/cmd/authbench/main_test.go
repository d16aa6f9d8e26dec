package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"fedstack/bench/internal/gqlclient/gqltest"
)

func TestRunOpenKeepsTheRateAndMeasuresFromTheSchedule(t *testing.T) {
	st := newStats()
	elapsed := runOpen(200, 500*time.Millisecond, 16, 10*time.Millisecond, func(int64) error {
		time.Sleep(5 * time.Millisecond)
		return nil
	}, st)
	r := st.result("x", "open", 200, elapsed)
	if r.Requests != 100 || r.OK != 100 || r.Errors != 0 || r.Dropped != 0 {
		t.Fatalf("requests %d ok %d errors %d dropped %d, want 100 correct", r.Requests, r.OK, r.Errors, r.Dropped)
	}
	if r.P50MS < 5 {
		t.Errorf("p50 %.2f ms is below the 5 ms each request took", r.P50MS)
	}
	if r.RPS < 150 || r.RPS > 205 {
		t.Errorf("achieved %.1f/s, want about 200/s", r.RPS)
	}
}

func TestRunOpenDropsArrivalsWhenAllWorkersAreBusyAndCountsErrors(t *testing.T) {
	st := newStats()
	elapsed := runOpen(100, 300*time.Millisecond, 1, 10*time.Millisecond, func(int64) error {
		time.Sleep(100 * time.Millisecond)
		return errors.New("boom")
	}, st)
	r := st.result("x", "open", 100, elapsed)
	if r.Dropped == 0 {
		t.Errorf("dropped 0 arrivals; one worker busy 100 ms cannot take 100/s")
	}
	if r.Errors == 0 || r.Errors != r.Requests || r.FirstError != "boom" || r.RPS != 0 {
		t.Errorf("errors %d of %d (first %q), rps %.1f: every request failed", r.Errors, r.Requests, r.FirstError, r.RPS)
	}
}

func TestRunBurstStartsEveryRequestAtOnce(t *testing.T) {
	st := newStats()
	elapsed := runBurst(20, func(int64) error {
		time.Sleep(50 * time.Millisecond)
		return nil
	}, st)
	r := st.result("b", "burst", 0, elapsed)
	if r.Requests != 20 || r.OK != 20 {
		t.Fatalf("requests %d ok %d, want 20", r.Requests, r.OK)
	}
	if elapsed < 50*time.Millisecond || elapsed > 500*time.Millisecond {
		t.Errorf("20 concurrent 50 ms requests took %v; they ran one after another?", elapsed)
	}
	if r.P50MS < 50 {
		t.Errorf("p50 %.2f ms is below the 50 ms each request took", r.P50MS)
	}
}

// graphqlServer is a client of a stand-in router that answers with answer.
func graphqlServer(t *testing.T, answer gqltest.Answer) *client {
	return newClient(gqltest.Server(t, answer), 5*time.Second, 4)
}

func TestClientCountsEveryWrongAnswerAsAnError(t *testing.T) {
	ctx := context.Background()
	c := graphqlServer(t, func(q string, vars map[string]any, auth string) (int, string) {
		switch {
		case q == loginOp && vars["in"].(map[string]any)["email"] == "ok@example.com":
			return 200, `{"data":{"login":{"accessToken":"a1","refreshToken":"r1"}}}`
		case q == loginOp:
			return 200, `{"errors":[{"message":"wrong email or password","extensions":{"code":"UNAUTHENTICATED"}}],"data":null}`
		case q == refreshOp && vars["t"] == "r1":
			return 200, `{"data":{"refresh":{"accessToken":"a2","refreshToken":"r2"}}}`
		case q == refreshOp && vars["t"] == "same":
			return 200, `{"data":{"refresh":{"accessToken":"a2","refreshToken":"same"}}}`
		case q == refreshOp:
			return 502, `bad gateway`
		case q == meOp && auth == "Bearer a2":
			return 200, `{"data":{"me":{"id":"u1","email":"ok@example.com"}}}`
		case q == meOp && auth == "Bearer other":
			return 200, `{"data":{"me":{"id":"u2","email":"other@example.com"}}}`
		case q == meOp:
			return 200, `{"data":{"me":null}}`
		}
		return 400, `{"errors":[{"message":"unknown operation"}]}`
	})

	s, err := c.login(ctx, account{email: "ok@example.com", password: "x"})
	if err != nil || s.access != "a1" || s.refresh != "r1" {
		t.Fatalf("login = %+v, %v; want tokens a1, r1", s, err)
	}
	if err := c.refresh(ctx, s); err != nil || s.access != "a2" || s.refresh != "r2" {
		t.Fatalf("refresh: %v, session %+v; want the new tokens a2, r2", err, s)
	}
	if err := c.me(ctx, s.access, "OK@example.com"); err != nil {
		t.Fatalf("me: %v", err)
	}

	for name, err := range map[string]error{
		"GraphQL error":    func() error { _, err := c.login(ctx, account{email: "no@example.com"}); return err }(),
		"status 502":       c.refresh(ctx, &session{refresh: "gone"}),
		"same token back":  c.refresh(ctx, &session{refresh: "same"}),
		"me null":          c.me(ctx, "expired", "ok@example.com"),
		"someone else":     c.me(ctx, "other", "ok@example.com"),
		"unknown endpoint": newClient("http://127.0.0.1:1/graphql", time.Second, 1).me(ctx, "a2", "ok@example.com"),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// fakeAuth answers the four operations like the auth subgraph behind the
// router would, and refuses a refresh token that comes back a second time.
type fakeAuth struct {
	mu      sync.Mutex
	next    int
	users   map[string]string // email → password
	refresh map[string]string // live refresh token → email
	used    map[string]bool
	access  map[string]string // access token → email
	reused  int
}

func (f *fakeAuth) issue(email string) string {
	f.next++
	a, r := fmt.Sprintf("a%d", f.next), fmt.Sprintf("r%d", f.next)
	f.access[a], f.refresh[r] = email, email
	return fmt.Sprintf(`{"accessToken":%q,"refreshToken":%q}`, a, r)
}

func (f *fakeAuth) answer(q string, vars map[string]any, auth string) (int, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch q {
	case signupOp:
		in := vars["in"].(map[string]any)
		email := in["email"].(string)
		f.users[email] = in["password"].(string)
		t := strings.TrimSuffix(f.issue(email), "}")
		return 200, `{"data":{"signup":` + t + `,"user":{"id":"u"}}}}`
	case loginOp:
		in := vars["in"].(map[string]any)
		email := in["email"].(string)
		if p, ok := f.users[email]; !ok || p != in["password"] {
			return 200, `{"errors":[{"message":"wrong email or password"}]}`
		}
		return 200, `{"data":{"login":` + f.issue(email) + `}}`
	case refreshOp:
		t := vars["t"].(string)
		if f.used[t] {
			f.reused++
			return 200, `{"errors":[{"message":"refresh token reused"}]}`
		}
		email, ok := f.refresh[t]
		if !ok {
			return 200, `{"errors":[{"message":"unknown refresh token"}]}`
		}
		f.used[t] = true
		delete(f.refresh, t)
		return 200, `{"data":{"refresh":` + f.issue(email) + `}}`
	case meOp:
		email, ok := f.access[strings.TrimPrefix(auth, "Bearer ")]
		if !ok {
			return 200, `{"data":{"me":null}}`
		}
		return 200, fmt.Sprintf(`{"data":{"me":{"id":"u","email":%q}}}`, email)
	}
	return 400, `{"errors":[{"message":"unknown operation"}]}`
}

func TestRunUsesEachRefreshTokenOnceAndReportsEveryPhase(t *testing.T) {
	f := &fakeAuth{users: map[string]string{}, refresh: map[string]string{}, used: map[string]bool{}, access: map[string]string{}}
	c := graphqlServer(t, f.answer)
	results, err := run(config{
		url: c.URL, users: 3,
		loginRate: 50, loginDuration: 200 * time.Millisecond,
		refreshRate: 400, refreshDuration: 300 * time.Millisecond,
		meRate: 400, meDuration: 300 * time.Millisecond,
		warmup: 100 * time.Millisecond, burst: 5, maxInflight: 8,
		timeout: 5 * time.Second, lateAfter: 10 * time.Millisecond, sampleEvery: 10 * time.Millisecond,
		authPID: os.Getpid(),
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var phases []string
	for _, r := range results {
		phases = append(phases, r.Phase)
		if r.Errors != 0 || r.OK == 0 {
			t.Errorf("%s: %d ok, %d errors (first: %s)", r.Phase, r.OK, r.Errors, r.FirstError)
		}
	}
	if got := strings.Join(phases, ","); got != "login,refresh,me,burst-login" {
		t.Errorf("phases %s", got)
	}
	if f.reused != 0 {
		t.Errorf("%d refresh tokens were sent twice", f.reused)
	}
	if b := results[len(results)-1]; b.Concurrency != 5 || b.Requests != 5 || b.AuthPeakRSSMB <= 0 || b.AuthHWMMB <= 0 {
		t.Errorf("burst: %+v", b)
	}
	var table strings.Builder
	printTable(&table, results)
	for _, want := range []string{"| login | 50 |", "| refresh | 400 |", "| me | 400 |", "Burst: 5 logins"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, table.String())
		}
	}
}
