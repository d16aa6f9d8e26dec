package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	netmail "net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"fedstack/platform/errs"
	"fedstack/platform/platformtest"
	"fedstack/subgraphs/auth/mail"
)

const from = "Fedstack <no-reply@example.com>"

// longLink is longer than a quoted-printable line and holds "=" (encoded as =3D).
var longLink = "https://app.example.com/verify-email?token=" + strings.Repeat("Zm9vYmFy0123456789", 8) + "&redirect=%2Fsettings%3Ftab%3Dprofile"

func newSender(t *testing.T, url string) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTP(url, from)
	if err != nil {
		t.Fatalf("NewSMTP(%q): %v", url, err)
	}
	return s
}

func TestSendVerificationMail(t *testing.T) {
	srv := platformtest.StartSMTP(t)
	s := newSender(t, srv.URL())
	m := mail.VerificationMail("ada@example.com", "Ada Lovelace", longLink, 24*time.Hour)
	before := time.Now().Add(-time.Second)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}

	got := srv.WaitFor(t, "ada@example.com", "Confirm your email address", 5*time.Second)
	if got.From != "no-reply@example.com" || len(got.To) != 1 || got.To[0] != "ada@example.com" {
		t.Errorf("envelope %q -> %q", got.From, got.To)
	}
	if got.Subject != "Confirm your email address" {
		t.Errorf("Subject = %q", got.Subject)
	}
	if got.Body != m.Text {
		t.Errorf("decoded body =\n%q\nwant\n%q", got.Body, m.Text)
	}
	if !strings.Contains(got.Body, "\n"+longLink+"\n") {
		t.Errorf("the link is not intact on its own line in\n%s", got.Body)
	}
	if strings.Contains(got.Data, longLink) {
		t.Error("raw message holds the link unencoded: expected quoted-printable soft line breaks")
	}
	for _, line := range strings.Split(got.Data, "\r\n") {
		if len(line) > 78 {
			t.Errorf("raw line longer than 78 characters: %q", line)
		}
	}
	if !strings.Contains(got.Body, "Hello Ada Lovelace,") || !strings.Contains(got.Body, "valid for 24 hours") {
		t.Errorf("body lacks greeting or validity:\n%s", got.Body)
	}

	// Headers.
	msg, err := netmail.ReadMessage(strings.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	for name, want := range map[string]string{
		"Mime-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
	} {
		if h.Get(name) != want {
			t.Errorf("%s = %q, want %q", name, h.Get(name), want)
		}
	}
	if a, err := netmail.ParseAddress(h.Get("From")); err != nil || a.Name != "Fedstack" || a.Address != "no-reply@example.com" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	if a, err := netmail.ParseAddress(h.Get("To")); err != nil || a.Address != "ada@example.com" {
		t.Errorf("To = %q (%v)", h.Get("To"), err)
	}
	if d, err := h.Date(); err != nil || d.Before(before) || d.After(time.Now().Add(time.Second)) {
		t.Errorf("Date = %q (%v)", h.Get("Date"), err)
	}
	if !regexp.MustCompile(`^<[0-9a-f]{32}@example\.com>$`).MatchString(h.Get("Message-Id")) {
		t.Errorf("Message-ID = %q", h.Get("Message-Id"))
	}
	if got.Username != "" || got.TLS {
		t.Errorf("unexpected AUTH %q or TLS %v", got.Username, got.TLS)
	}

	// A second mail gets another Message-ID.
	if err := s.Send(context.Background(), mail.PasswordResetMail("ada@example.com", "", longLink, 30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	reset := srv.WaitFor(t, "ada@example.com", "Reset your password", 5*time.Second)
	msg2, _ := netmail.ReadMessage(strings.NewReader(reset.Data))
	if msg2 == nil || msg2.Header.Get("Message-Id") == h.Get("Message-Id") {
		t.Error("Message-ID repeated")
	}
	if !strings.HasPrefix(reset.Body, "Hello,\n") || !strings.Contains(reset.Body, "\n"+longLink+"\n") ||
		!strings.Contains(reset.Body, "valid for 30 minutes") {
		t.Errorf("reset body:\n%s", reset.Body)
	}
}

func TestSendNonASCII(t *testing.T) {
	srv := platformtest.StartSMTP(t)
	s, err := mail.NewSMTP(srv.URL(), "Zoë from Fedstack <no-reply@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	m := mail.Message{To: "Zoë <zoe@example.com>", Subject: "Grüße ✓", Text: "Hallo Zoë,\nschöne Grüße. \n=end=\n"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "zoe@example.com", "Grüße", 5*time.Second)
	if got.Subject != m.Subject || got.Body != m.Text {
		t.Errorf("got subject %q body %q", got.Subject, got.Body)
	}
	for _, line := range strings.Split(got.Data, "\r\n") {
		for _, r := range line {
			if r > 127 {
				t.Fatalf("raw message has a non-ASCII line (headers must be encoded): %q", line)
			}
		}
		if line == "" {
			break // end of headers
		}
	}
	msg, _ := netmail.ReadMessage(strings.NewReader(got.Data))
	if a, err := msg.Header.AddressList("From"); err != nil || a[0].Name != "Zoë from Fedstack" {
		t.Errorf("From = %q (%v)", msg.Header.Get("From"), err)
	}
}

func TestSendWithCredentials(t *testing.T) {
	srv := platformtest.StartSMTP(t)
	// User name and password are URL-decoded.
	url := strings.Replace(srv.URL(), "smtp://", "smtp://mailer%40example.com:p%40ss:word@", 1)
	s := newSender(t, url)
	if err := s.Send(context.Background(), mail.VerificationMail("bob@example.com", "Bob", "https://x.test/v?t=1", time.Hour)); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "bob@example.com", "Confirm", 5*time.Second)
	if got.Username != "mailer@example.com" || got.Password != "p@ss:word" {
		t.Errorf("credentials %q / %q", got.Username, got.Password)
	}
	if !strings.Contains(got.Body, "valid for 1 hour.") {
		t.Errorf("body:\n%s", got.Body)
	}
}

func TestSendStartTLS(t *testing.T) {
	srv := platformtest.StartSMTPWith(t, platformtest.SMTPOptions{STARTTLS: true})
	url := strings.Replace(srv.URL(), "smtp://", "smtp://u:secret@", 1)

	// On loopback STARTTLS is used when offered; the certificate is verified.
	s := newSender(t, url)
	err := s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "untrusted", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Send to a server with an unknown certificate: %v", err)
	}
	mail.SetRootCAs(s, srv.CertPool())
	if err := s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "trusted", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "a@example.com", "trusted", 5*time.Second)
	if !got.TLS || got.Username != "u" || got.Password != "secret" {
		t.Errorf("TLS %v, credentials %q/%q", got.TLS, got.Username, got.Password)
	}

	// ?tls=none never upgrades.
	plain := newSender(t, srv.URL()+"?tls=none")
	if err := plain.Send(context.Background(), mail.Message{To: "b@example.com", Subject: "plain", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, "b@example.com", "plain", 5*time.Second); got.TLS {
		t.Error("tls=none sent over TLS")
	}
}

func TestSendRequiresStartTLS(t *testing.T) {
	srv := platformtest.StartSMTP(t) // offers no STARTTLS
	s := newSender(t, srv.URL()+"?tls=starttls")
	err := s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "secret", Text: "x"})
	if errs.CodeOf(err) != errs.Internal || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Fatalf("Send = %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages delivered without TLS", n)
	}
}

func TestSendImplicitTLS(t *testing.T) {
	srv := platformtest.StartSMTPWith(t, platformtest.SMTPOptions{ImplicitTLS: true})
	s := newSender(t, strings.Replace(srv.URL(), "smtps://", "smtps://u:p@", 1))
	mail.SetRootCAs(s, srv.CertPool())
	if err := s.Send(context.Background(), mail.PasswordResetMail("c@example.com", "C", longLink, 2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "c@example.com", "Reset your password", 5*time.Second)
	if !got.TLS || got.Username != "u" || !strings.Contains(got.Body, "\n"+longLink+"\n") || !strings.Contains(got.Body, "valid for 2 hours") {
		t.Errorf("TLS %v, user %q, body:\n%s", got.TLS, got.Username, got.Body)
	}
}

func TestHeaderInjection(t *testing.T) {
	srv := platformtest.StartSMTP(t)
	s := newSender(t, srv.URL())
	store := &memStore{}
	var logs bytes.Buffer
	dev := mail.NewDevOutbox(store, slog.New(slog.NewJSONHandler(&logs, nil)))
	for _, m := range []mail.Message{
		{To: "a@example.com\r\nBcc: victim@example.com", Subject: "hi", Text: "x"},
		{To: "a@example.com\nBcc: victim@example.com", Subject: "hi", Text: "x"},
		{To: "a@example.com", Subject: "hi\r\nBcc: victim@example.com", Text: "x"},
		{To: "a@example.com", Subject: "hi\rX-Evil: 1", Text: "x"},
		{To: "not an address", Subject: "hi", Text: "x"},
		{To: "", Subject: "hi", Text: "x"},
	} {
		if err := s.Send(context.Background(), m); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("SMTP Send(%q, %q) = %v, want INVALID", m.To, m.Subject, err)
		}
		if err := dev.Send(context.Background(), m); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("DevOutbox Send(%q, %q) = %v, want INVALID", m.To, m.Subject, err)
		}
	}
	if n := len(srv.Messages()); n != 0 || len(store.saved()) != 0 || logs.Len() != 0 {
		t.Errorf("refused messages went out: smtp %d, store %d, log %q", n, len(store.saved()), logs.String())
	}
	// A line break in the body is just text.
	if err := s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "ok", Text: "Bcc: x\r\n\r\nline"}); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "a@example.com", "ok", 5*time.Second)
	if got.Body != "Bcc: x\n\nline\n" || len(got.To) != 1 {
		t.Errorf("body %q to %q", got.Body, got.To)
	}
}

func TestNewSMTPErrors(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"", "SMTP_URL is empty"},
		{"   ", "SMTP_URL is empty"},
		{"http://mail.example.com", `scheme "http"`},
		{"mail.example.com:587", "must start with smtp:// or smtps://"},
		{"//mail.example.com", "must start with smtp:// or smtps://"},
		{"smtp:mail.example.com", "must start with smtp:// or smtps://"},
		{"smtp:x://mail.example.com", "must have // after the scheme"},
		{"smtp://", "no host"},
		{"smtp://user:pw@:587", "no host"},
		{"smtp://mail.example.com:http", "not a valid URL"},
		{"smtp://mail.example.com:70000", `port "70000"`},
		{"smtp://mail.example.com:0", `port "0"`},
		{"smtp://mail.example.com/inbox", `path "/inbox"`},
		{"smtp://mail.example.com#x", "fragment"},
		{"smtp://user@mail.example.com", `user name "user" but no password`},
		{"smtp://:pw@mail.example.com", "password but no user name"},
		{"smtp://mail.example.com?tls=maybe", `tls="maybe"`},
		{"smtp://mail.example.com?timeout=5s", `unknown parameter "timeout"`},
		{"smtps://mail.example.com?tls=none", "remove the parameter"},
		{"smtp://user:topsecret@mail.example.com?tls=none", "never sent unencrypted"},
		{"smtp://user:top%zzsecret@mail.example.com", "not a valid URL"},
	} {
		_, err := mail.NewSMTP(tc.url, from)
		if err == nil {
			t.Errorf("NewSMTP(%q) succeeded", tc.url)
			continue
		}
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewSMTP(%q) = %v, want INVALID containing %q", tc.url, err, tc.want)
		}
		if strings.Contains(err.Error(), "topsecret") || strings.Contains(err.Error(), "top%zzsecret") {
			t.Errorf("NewSMTP(%q) error shows the password: %v", tc.url, err)
		}
	}
	for _, bad := range []string{"", "no-reply", "Fedstack <no-reply@example.com>\r\nBcc: x@example.com"} {
		if _, err := mail.NewSMTP("smtp://mail.example.com", bad); err == nil || !strings.Contains(err.Error(), "From address") {
			t.Errorf("NewSMTP with From %q = %v", bad, err)
		}
	}
}

func TestNewSMTPDefaults(t *testing.T) {
	for url, want := range map[string]string{
		"smtp://mail.example.com":                     "smtp://mail.example.com:587 (STARTTLS required)",
		"SMTP://user:pw@Mail.example.com:2525/":       "smtp://user@Mail.example.com:2525 (STARTTLS required)",
		"smtps://user:pw@mail.example.com":            "smtps://user@mail.example.com:465 (implicit TLS)",
		"smtp://relay.internal:25?tls=none":           "smtp://relay.internal:25 (unencrypted)",
		"smtp://localhost":                            "smtp://localhost:587 (STARTTLS when offered)",
		"smtp://u:p@127.0.0.1:1025":                   "smtp://u@127.0.0.1:1025 (STARTTLS when offered)",
		"smtp://[::1]:1025?tls=none":                  "smtp://[::1]:1025 (unencrypted)",
		"smtp://127.0.0.1?tls=starttls":               "smtp://127.0.0.1:587 (STARTTLS required)",
		"smtp://u:p@localhost?tls=none":               "smtp://u@localhost:587 (unencrypted)",
		"smtp://mailer%40example.com:pw@mail.example": "smtp://mailer%40example.com@mail.example:587 (STARTTLS required)",
	} {
		s, err := mail.NewSMTP(url, from)
		if err != nil {
			t.Errorf("NewSMTP(%q): %v", url, err)
			continue
		}
		if s.String() != want {
			t.Errorf("NewSMTP(%q) = %s, want %s", url, s, want)
		}
	}
}

func TestSendHonoursContext(t *testing.T) {
	// A server that accepts connections and never says a word.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	conns.Add(1)
	go func() {
		defer conns.Done()
		var open []net.Conn
		defer func() {
			for _, c := range open {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			open = append(open, c)
		}
	}()
	s := newSender(t, "smtp://"+ln.Addr().String())
	m := mail.Message{To: "a@example.com", Subject: "s", Text: "t"}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, m)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Errorf("Send with a 200ms deadline returned %v after %s", err, time.Since(start))
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	err = s.Send(ctx, m)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 3*time.Second {
		t.Errorf("Send cancelled after 100ms returned %v after %s", err, time.Since(start))
	}
}

func TestSendConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostport := ln.Addr().String()
	ln.Close() // nothing listens there now
	s := newSender(t, "smtp://user:hunter2@"+hostport)
	err = s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "s", Text: "t"})
	if errs.CodeOf(err) != errs.Internal || !strings.Contains(err.Error(), hostport) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Send = %v", err)
	}
}

func TestMailTexts(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{48 * time.Hour, "valid for 2 days"},
		{24 * time.Hour, "valid for 24 hours"},
		{72 * time.Hour, "valid for 3 days"},
		{time.Hour, "valid for 1 hour"},
		{90 * time.Minute, "valid for 90 minutes"},
		{45 * time.Second, "valid for 1 minute"},
		{61 * time.Second, "valid for 2 minutes"},
	} {
		v := mail.VerificationMail("a@example.com", "  Ada\n Lovelace ", "https://x.test/v", tc.d)
		r := mail.PasswordResetMail("a@example.com", "Ada", "https://x.test/r", tc.d)
		if !strings.Contains(v.Text, tc.want) || !strings.Contains(r.Text, tc.want) {
			t.Errorf("%s: texts lack %q:\n%s\n%s", tc.d, tc.want, v.Text, r.Text)
		}
		if v.Subject != "Confirm your email address" || r.Subject != "Reset your password" || v.To != "a@example.com" {
			t.Errorf("subjects %q, %q, to %q", v.Subject, r.Subject, v.To)
		}
		if !strings.HasPrefix(v.Text, "Hello Ada Lovelace,\n") || !strings.Contains(v.Text, "\nhttps://x.test/v\n") ||
			!strings.Contains(r.Text, "\nhttps://x.test/r\n") {
			t.Errorf("texts:\n%s\n%s", v.Text, r.Text)
		}
		if err := v.Validate(); err != nil {
			t.Error(err)
		}
	}
}

// memStore is an OutboxStore in memory that can be told to fail.
type memStore struct {
	mu   sync.Mutex
	msgs []mail.Message
	err  error
}

func (s *memStore) SaveMail(_ context.Context, m mail.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.msgs = append(s.msgs, m)
	return nil
}

func (s *memStore) saved() []mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mail.Message(nil), s.msgs...)
}

func TestDevOutbox(t *testing.T) {
	store := &memStore{}
	var logs bytes.Buffer
	dev := mail.NewDevOutbox(store, slog.New(slog.NewJSONHandler(&logs, nil)))
	m := mail.VerificationMail("ada@example.com", "Ada", longLink, 24*time.Hour)
	if err := dev.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if saved := store.saved(); len(saved) != 1 || saved[0] != m {
		t.Fatalf("stored %+v", saved)
	}
	var rec struct {
		Level, Msg, To, Subject, Text string
	}
	if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	if rec.Level != "INFO" || rec.Msg != "mail (development outbox)" || rec.To != m.To || rec.Subject != m.Subject || rec.Text != m.Text {
		t.Errorf("log record %+v", rec)
	}

	// A failing store is an INTERNAL error that keeps the cause.
	cause := errors.New("database is down")
	store.err = cause
	err := dev.Send(context.Background(), m)
	if errs.CodeOf(err) != errs.Internal || !errors.Is(err, cause) {
		t.Errorf("Send with a failing store = %v", err)
	}

	// Without a store it only logs.
	logs.Reset()
	if err := mail.NewDevOutbox(nil, slog.New(slog.NewJSONHandler(&logs, nil))).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "mail (development outbox)") {
		t.Errorf("log %q", logs.String())
	}
}
