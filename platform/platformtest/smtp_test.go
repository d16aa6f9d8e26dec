package platformtest_test

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"fedstack/platform/platformtest"
)

func TestSMTPWithNetSMTP(t *testing.T) {
	srv := platformtest.StartSMTP(t)
	if !strings.HasPrefix(srv.URL(), "smtp://127.0.0.1:") {
		t.Fatalf("URL() = %q", srv.URL())
	}

	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	for ext, want := range map[string]string{"AUTH": "PLAIN LOGIN", "8BITMIME": "", "SIZE": fmt.Sprint(platformtest.SMTPMaxSize)} {
		ok, param := c.Extension(ext)
		if !ok || param != want {
			t.Errorf("extension %s = %v %q, want %q", ext, ok, param, want)
		}
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS advertised by a server without TLS")
	}
	// net/smtp sends PLAIN credentials in the clear only to localhost/127.0.0.1.
	if err := c.Auth(smtp.PlainAuth("", "mailer", "s3cret", "127.0.0.1")); err != nil {
		t.Fatalf("AUTH PLAIN: %v", err)
	}
	if err := c.Mail("sender@example.com"); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"ada@example.com", "bob@example.com"} {
		if err := c.Rcpt(to); err != nil {
			t.Fatal(err)
		}
	}
	link := "https://app.example.com/verify?token=" + strings.Repeat("abcdef0123", 12) + "&next=%2Fhome"
	raw := "From: Sender <sender@example.com>\r\n" +
		"To: ada@example.com, bob@example.com\r\n" +
		"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= and hello\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"\r\n" +
		"Gr=C3=BC=C3=9Fe,\r\n" +
		".a line that starts with a dot\r\n" +
		"..\r\n" +
		// A link split by soft line breaks, with "=" encoded.
		qpWrap(strings.ReplaceAll(link, "=", "=3D")) + "\r\n"
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("ending DATA: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Fatalf("QUIT: %v", err)
	}

	m := srv.WaitFor(t, "BOB@example.com", "Grüße", time.Second)
	if m.From != "sender@example.com" || strings.Join(m.To, ",") != "ada@example.com,bob@example.com" {
		t.Errorf("envelope = %q -> %q", m.From, m.To)
	}
	if m.Data != raw {
		t.Errorf("Data (dots unstuffed) =\n%q\nwant\n%q", m.Data, raw)
	}
	if m.Subject != "Grüße and hello" {
		t.Errorf("Subject = %q", m.Subject)
	}
	wantBody := "Grüße,\n.a line that starts with a dot\n..\n" + link + "\n"
	if m.Body != wantBody {
		t.Errorf("Body =\n%q\nwant\n%q", m.Body, wantBody)
	}
	if m.Username != "mailer" || m.Password != "s3cret" || m.TLS {
		t.Errorf("auth/TLS = %q %q %v", m.Username, m.Password, m.TLS)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("Messages() has %d messages, want 1", n)
	}
}

// qpWrap inserts quoted-printable soft line breaks every 70 characters.
func qpWrap(s string) string {
	var b strings.Builder
	for len(s) > 70 {
		cut := 70
		// Do not split an =XX escape.
		if i := strings.LastIndexByte(s[cut-2:cut], '='); i >= 0 {
			cut = cut - 2 + i
		}
		b.WriteString(s[:cut] + "=\r\n")
		s = s[cut:]
	}
	b.WriteString(s)
	return b.String()
}

// dialRaw connects with a plain textproto client and reads the greeting.
func dialRaw(t *testing.T, addr string) *textproto.Conn {
	t.Helper()
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	return c
}

// expect sends a command and checks the reply code.
func expect(t *testing.T, c *textproto.Conn, cmd string, code int) string {
	t.Helper()
	if err := c.PrintfLine("%s", cmd); err != nil {
		t.Fatal(err)
	}
	got, msg, err := c.ReadResponse(0)
	if err != nil && got == 0 {
		t.Fatalf("%s: %v", cmd, err)
	}
	if got != code {
		t.Fatalf("%s: reply %d %q, want %d", cmd, got, msg, code)
	}
	return msg
}

func TestSMTPProtocol(t *testing.T) {
	srv := platformtest.StartSMTP(t)
	c := dialRaw(t, srv.Addr())

	expect(t, c, "MAIL FROM:<a@example.com>", 503) // before EHLO
	expect(t, c, "AUTH PLAIN", 503)                // before EHLO
	expect(t, c, "FROBNICATE", 502)
	expect(t, c, "EHLO", 501)
	ehlo := expect(t, c, "EHLO client.test", 250)
	for _, want := range []string{"AUTH PLAIN LOGIN", "8BITMIME", "SIZE "} {
		if !strings.Contains(ehlo, want) {
			t.Errorf("EHLO reply %q lacks %q", ehlo, want)
		}
	}
	expect(t, c, "NOOP", 250)
	expect(t, c, "VRFY someone", 252)
	expect(t, c, "RCPT TO:<b@example.com>", 503) // before MAIL
	expect(t, c, "DATA", 503)                    // before MAIL
	expect(t, c, "MAIL FROM:a@example.com", 501) // no angle brackets
	expect(t, c, "MAIL FROM:<a@example.com> SIZE=big", 501)
	expect(t, c, fmt.Sprintf("MAIL FROM:<a@example.com> SIZE=%d", platformtest.SMTPMaxSize+1), 552)
	expect(t, c, "mail from: <a@example.com> BODY=8BITMIME", 250)
	expect(t, c, "MAIL FROM:<a@example.com>", 503) // nested
	expect(t, c, "AUTH PLAIN", 503)                // during a transaction
	expect(t, c, "DATA", 503)                      // no recipient yet
	expect(t, c, "RCPT TO:<>", 501)
	expect(t, c, "RCPT TO:<dropped@example.com>", 250)
	expect(t, c, "RSET", 250)
	expect(t, c, "RCPT TO:<b@example.com>", 503) // RSET ended the transaction

	// AUTH LOGIN with challenges, then a cancelled AUTH is impossible once authenticated.
	expect(t, c, "AUTH CRAM-MD5", 504)
	expect(t, c, "AUTH LOGIN", 334)
	expect(t, c, "dXNlcg==", 334) // "user"
	expect(t, c, "cGFzcw==", 235) // "pass"
	expect(t, c, "AUTH PLAIN AHVzZXIAcGFzcw==", 503)

	expect(t, c, "MAIL FROM:<>", 250) // null sender
	expect(t, c, "RCPT TO:<c@example.com>", 250)
	expect(t, c, "DATA extra", 501)
	expect(t, c, "DATA", 354)
	// Raw DATA: dot-stuffed lines, a bare-LF line, no MIME headers (so no decoding).
	body := "Subject: raw\r\n\r\n..dotted\r\nplain\n...\r\n.\r\n"
	if _, err := c.W.WriteString(body); err != nil {
		t.Fatal(err)
	}
	c.W.Flush()
	if _, _, err := c.ReadResponse(250); err != nil {
		t.Fatalf("end of DATA: %v", err)
	}
	expect(t, c, "QUIT", 221)

	m := srv.WaitFor(t, "c@example.com", "raw", time.Second)
	if m.From != "" || m.Username != "user" || m.Password != "pass" {
		t.Errorf("got From %q, credentials %q/%q", m.From, m.Username, m.Password)
	}
	if want := "Subject: raw\r\n\r\n.dotted\r\nplain\r\n..\r\n"; m.Data != want {
		t.Errorf("Data = %q, want %q", m.Data, want)
	}
	if want := ".dotted\nplain\n..\n"; m.Body != want {
		t.Errorf("Body = %q, want %q", m.Body, want)
	}
	if len(srv.Messages()) != 1 {
		t.Errorf("RSET transaction was delivered: %+v", srv.Messages())
	}
}

func TestSMTPAuthPlainChallengeAndCancel(t *testing.T) {
	srv := platformtest.StartSMTP(t)
	c := dialRaw(t, srv.Addr())
	expect(t, c, "HELO client.test", 250)
	expect(t, c, "AUTH PLAIN", 334)
	expect(t, c, "*", 501)
	expect(t, c, "AUTH PLAIN", 334)
	expect(t, c, "not base64!", 501)
	expect(t, c, "AUTH PLAIN dXNlcg==", 501) // no NUL separators
	expect(t, c, "AUTH PLAIN", 334)
	expect(t, c, "em9lAGFkYQBwdw==", 235) // authzid "zoe", user "ada", password "pw"
	expect(t, c, "STARTTLS", 502)         // not offered
	expect(t, c, strings.Repeat("X", 5000), 500)
	expect(t, c, "NOOP", 250) // still in sync after the long line
}

func TestSMTPStartTLS(t *testing.T) {
	srv := platformtest.StartSMTPWith(t, platformtest.SMTPOptions{STARTTLS: true})
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not advertised")
	}
	if err := c.StartTLS(&tls.Config{ServerName: "127.0.0.1", RootCAs: srv.CertPool()}); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS advertised again after the handshake")
	}
	if err := c.Auth(smtp.PlainAuth("", "u", "p", "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	sendSimple(t, c, "tls@example.com", "over STARTTLS")
	m := srv.WaitFor(t, "tls@example.com", "over STARTTLS", time.Second)
	if !m.TLS || m.Username != "u" {
		t.Errorf("TLS = %v, Username = %q", m.TLS, m.Username)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	srv := platformtest.StartSMTPWith(t, platformtest.SMTPOptions{ImplicitTLS: true})
	if !strings.HasPrefix(srv.URL(), "smtps://127.0.0.1:") {
		t.Fatalf("URL() = %q", srv.URL())
	}
	conn, err := tls.Dial("tcp", srv.Addr(), &tls.Config{ServerName: "localhost", RootCAs: srv.CertPool()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS advertised on an implicit TLS connection")
	}
	sendSimple(t, c, "implicit@example.com", "over implicit TLS")
	if m := srv.WaitFor(t, "implicit@example.com", "implicit", time.Second); !m.TLS {
		t.Error("TLS = false")
	}
}

func sendSimple(t *testing.T, c *smtp.Client, to, subject string) {
	t.Helper()
	if err := c.Mail("from@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(to); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, "Subject: %s\r\n\r\nhello\r\n", subject)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
}

// fatalTB records Fatalf and stops the goroutine like testing.T does.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func TestSMTPWaitFor(t *testing.T) {
	srv := platformtest.StartSMTP(t)
	send := func(to, subject string) {
		c, err := smtp.Dial(srv.Addr())
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		c.Hello("client.test")
		if err := c.Mail("from@example.com"); err != nil {
			t.Error(err)
			return
		}
		c.Rcpt(to)
		w, err := c.Data()
		if err != nil {
			t.Error(err)
			return
		}
		fmt.Fprintf(w, "Subject: %s\r\n\r\nhello\r\n", subject)
		w.Close()
		c.Quit()
	}

	// WaitFor waits for a message that arrives later, skipping ones that do not match.
	go func() {
		time.Sleep(50 * time.Millisecond)
		send("other@example.com", "Reset your password")
		send("ada@example.com", "Welcome")
		time.Sleep(50 * time.Millisecond)
		send("ada@example.com", "Reset your password")
	}()
	start := time.Now()
	m := srv.WaitFor(t, "ada@example.com", "Reset", 5*time.Second)
	if m.Subject != "Reset your password" || m.To[0] != "ada@example.com" || time.Since(start) < 100*time.Millisecond {
		t.Fatalf("WaitFor returned %+v after %s", m, time.Since(start))
	}

	// It fails the test after the timeout, naming what arrived.
	ftb := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.WaitFor(ftb, "nobody@example.com", "Reset", 100*time.Millisecond)
	}()
	<-done
	if !strings.Contains(ftb.msg, "no mail to nobody@example.com") || !strings.Contains(ftb.msg, `"Welcome"`) {
		t.Errorf("WaitFor failure message = %q", ftb.msg)
	}
}

func TestSMTPClosedByCleanup(t *testing.T) {
	var addr string
	t.Run("start", func(t *testing.T) {
		srv := platformtest.StartSMTP(t)
		addr = srv.Addr()
		// Leave a connection open: cleanup must close it too.
		dialRaw(t, addr)
	})
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		conn.Close()
		t.Fatalf("server at %s still accepts connections after its test ended", addr)
	}
}
