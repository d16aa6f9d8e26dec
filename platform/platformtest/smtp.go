package platformtest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTPMaxSize is the largest message (in bytes, as sent) the test SMTP server accepts; it is
// advertised with the SIZE extension.
const SMTPMaxSize = 10 << 20

// smtpIdleTimeout closes a connection that sends nothing for this long.
const smtpIdleTimeout = time.Minute

// smtpMaxLine bounds a command line (RFC 5321 allows 512 octets; AUTH lines may be longer).
const smtpMaxLine = 4096

// ReceivedMail is one message accepted by the test SMTP server.
type ReceivedMail struct {
	From     string   // envelope sender (MAIL FROM), without the angle brackets
	To       []string // envelope recipients (RCPT TO), without the angle brackets
	Data     string   // the raw message as received (CRLF line endings, dots unstuffed)
	Subject  string   // the Subject header, RFC 2047 encoded words decoded
	Body     string   // the text body, transfer encoding decoded, with "\n" line endings
	Username string   // the user name given with AUTH, "" when the client did not authenticate
	Password string   // the password given with AUTH
	TLS      bool     // whether the message arrived over TLS (STARTTLS or implicit)
}

// SMTPOptions configures StartSMTPWith.
type SMTPOptions struct {
	// STARTTLS makes the server offer STARTTLS with a self-signed certificate for 127.0.0.1
	// and localhost (see CertPool).
	STARTTLS bool
	// ImplicitTLS makes the server speak TLS from the first byte (smtps://, port 465 style)
	// with the same kind of certificate.
	ImplicitTLS bool
}

// SMTPServer is a real SMTP server on 127.0.0.1 for tests (a subset of RFC 5321: EHLO/HELO,
// AUTH PLAIN and LOGIN accepting any credentials, MAIL, RCPT, DATA, RSET, NOOP, VRFY, QUIT,
// and STARTTLS when asked for). It keeps every accepted message in memory.
type SMTPServer struct {
	ln       net.Listener
	addr     string
	implicit bool
	tlsConf  *tls.Config // nil unless STARTTLS or implicit TLS
	pool     *x509.CertPool

	mu       sync.Mutex
	messages []ReceivedMail
	changed  chan struct{} // closed and replaced whenever a message arrives
	conns    map[net.Conn]struct{}
	closed   bool

	wg sync.WaitGroup
}

// StartSMTP starts an SMTP server listening on 127.0.0.1:0 without TLS. It is closed by
// t.Cleanup.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	return StartSMTPWith(t, SMTPOptions{})
}

// StartSMTPWith starts an SMTP server listening on 127.0.0.1:0 with the given options. It is
// closed by t.Cleanup.
func StartSMTPWith(t testing.TB, opts SMTPOptions) *SMTPServer {
	t.Helper()
	s := &SMTPServer{changed: make(chan struct{}), conns: map[net.Conn]struct{}{}, implicit: opts.ImplicitTLS}
	if opts.STARTTLS || opts.ImplicitTLS {
		conf, pool, err := selfSignedTLS()
		if err != nil {
			t.Fatalf("platformtest: SMTP server certificate: %v", err)
		}
		s.tlsConf, s.pool = conf, pool
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("platformtest: SMTP server: listening on 127.0.0.1:0: %v", err)
	}
	s.addr = ln.Addr().String()
	if s.implicit {
		ln = tls.NewListener(ln, s.tlsConf)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

// URL returns "smtp://127.0.0.1:PORT" ("smtps://..." with implicit TLS).
func (s *SMTPServer) URL() string {
	if s.implicit {
		return "smtps://" + s.addr
	}
	return "smtp://" + s.addr
}

// Addr returns "127.0.0.1:PORT".
func (s *SMTPServer) Addr() string { return s.addr }

// CertPool returns a pool holding the server's self-signed certificate, for clients to trust
// it; nil when the server does not use TLS.
func (s *SMTPServer) CertPool() *x509.CertPool { return s.pool }

// Messages returns a copy of the messages accepted so far, oldest first.
func (s *SMTPServer) Messages() []ReceivedMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ReceivedMail, len(s.messages))
	for i, m := range s.messages {
		m.To = append([]string(nil), m.To...)
		out[i] = m
	}
	return out
}

// WaitFor returns the first message to `to` (an envelope recipient, compared regardless of
// case) whose subject contains subjectContains, waiting for it to arrive. It fails the test
// after timeout, listing what did arrive.
func (s *SMTPServer) WaitFor(t testing.TB, to, subjectContains string, timeout time.Duration) ReceivedMail {
	t.Helper()
	to = strings.Trim(strings.TrimSpace(to), "<>")
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for _, m := range s.messages {
			if strings.Contains(m.Subject, subjectContains) && containsFold(m.To, to) {
				s.mu.Unlock()
				m.To = append([]string(nil), m.To...)
				return m
			}
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			var seen strings.Builder
			for _, m := range s.Messages() {
				fmt.Fprintf(&seen, "\n  to %v: %q", m.To, m.Subject)
			}
			if seen.Len() == 0 {
				seen.WriteString(" none")
			}
			t.Fatalf("platformtest: no mail to %s with a subject containing %q arrived at %s within %s; received:%s",
				to, subjectContains, s.URL(), timeout, seen.String())
			return ReceivedMail{}
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// close stops accepting, closes every open connection and waits for their goroutines.
func (s *SMTPServer) close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

func (s *SMTPServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // listener closed
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			sess := &smtpSession{srv: s, conn: c, tls: s.implicit}
			sess.run()
			s.mu.Lock()
			delete(s.conns, sess.conn)
			delete(s.conns, c)
			s.mu.Unlock()
			sess.conn.Close()
		}()
	}
}

func (s *SMTPServer) deliver(m ReceivedMail) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

// smtpSession is the state of one connection.
type smtpSession struct {
	srv  *SMTPServer
	conn net.Conn
	tp   *textproto.Conn
	tls  bool

	helo     string // the client's EHLO/HELO argument; "" before greeting
	username string
	password string
	authed   bool

	from    string
	inMail  bool // MAIL FROM accepted
	rcpts   []string
	queueID int
}

// errSMTPQuit ends a session after QUIT.
var errSMTPQuit = errors.New("quit")

func (c *smtpSession) reply(code int, lines ...string) error {
	c.conn.SetWriteDeadline(time.Now().Add(smtpIdleTimeout))
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		if err := c.tp.PrintfLine("%d%s%s", code, sep, l); err != nil {
			return err
		}
	}
	return nil
}

// readLine reads one CRLF (or LF) terminated line of at most smtpMaxLine bytes.
func (c *smtpSession) readLine() (string, error) {
	c.conn.SetReadDeadline(time.Now().Add(smtpIdleTimeout))
	var line []byte
	for {
		part, isPrefix, err := c.tp.R.ReadLine()
		if err != nil {
			return "", err
		}
		line = append(line, part...)
		if len(line) > smtpMaxLine {
			// Drain the rest of the line, then report it.
			for isPrefix {
				if _, isPrefix, err = c.tp.R.ReadLine(); err != nil {
					return "", err
				}
			}
			return "", errLineTooLong
		}
		if !isPrefix {
			return string(line), nil
		}
	}
}

var errLineTooLong = errors.New("line too long")

func (c *smtpSession) resetTransaction() {
	c.from, c.inMail, c.rcpts = "", false, nil
}

func (c *smtpSession) run() {
	c.tp = textproto.NewConn(c.conn)
	if c.reply(220, "127.0.0.1 ESMTP fedstack platformtest ready") != nil {
		return
	}
	for {
		line, err := c.readLine()
		if errors.Is(err, errLineTooLong) {
			if c.reply(500, "5.5.2 Line too long") != nil {
				return
			}
			continue
		}
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		if err := c.command(strings.ToUpper(verb), strings.TrimSpace(arg)); err != nil {
			return
		}
	}
}

func (c *smtpSession) command(verb, arg string) error {
	switch verb {
	case "EHLO", "HELO":
		if arg == "" {
			return c.reply(501, "5.5.4 Syntax: "+verb+" hostname")
		}
		c.helo = arg
		c.resetTransaction()
		if verb == "HELO" {
			return c.reply(250, "127.0.0.1")
		}
		lines := []string{"127.0.0.1 greets " + arg, "8BITMIME", "SIZE " + strconv.Itoa(SMTPMaxSize), "AUTH PLAIN LOGIN"}
		if c.srv.tlsConf != nil && !c.tls {
			lines = append(lines, "STARTTLS")
		}
		return c.reply(250, lines...)
	case "STARTTLS":
		if c.srv.tlsConf == nil {
			return c.reply(502, "5.5.1 STARTTLS not offered")
		}
		if c.tls {
			return c.reply(503, "5.5.1 TLS already active")
		}
		if arg != "" {
			return c.reply(501, "5.5.4 Syntax: STARTTLS")
		}
		if err := c.reply(220, "2.0.0 Ready to start TLS"); err != nil {
			return err
		}
		tc := tls.Server(c.conn, c.srv.tlsConf)
		tc.SetDeadline(time.Now().Add(smtpIdleTimeout))
		if err := tc.Handshake(); err != nil {
			return err
		}
		c.srv.mu.Lock()
		c.srv.conns[tc] = struct{}{}
		c.srv.mu.Unlock()
		c.conn, c.tp, c.tls = tc, textproto.NewConn(tc), true
		// RFC 3207: forget everything learnt before the handshake.
		c.helo, c.username, c.password, c.authed = "", "", "", false
		c.resetTransaction()
		return nil
	case "AUTH":
		return c.auth(arg)
	case "MAIL":
		if c.helo == "" {
			return c.reply(503, "5.5.1 Send EHLO or HELO first")
		}
		if c.inMail {
			return c.reply(503, "5.5.1 Nested MAIL command")
		}
		addr, params, ok := parsePath(arg, "FROM:")
		if !ok {
			return c.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
		}
		for _, p := range params {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(k, "SIZE") {
				n, err := strconv.Atoi(v)
				if err != nil {
					return c.reply(501, "5.5.4 Bad SIZE parameter")
				}
				if n > SMTPMaxSize {
					return c.reply(552, "5.3.4 Message size exceeds fixed limit")
				}
			}
		}
		c.from, c.inMail = addr, true
		return c.reply(250, "2.1.0 Ok")
	case "RCPT":
		if !c.inMail {
			return c.reply(503, "5.5.1 Need MAIL before RCPT")
		}
		addr, _, ok := parsePath(arg, "TO:")
		if !ok || addr == "" {
			return c.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
		}
		c.rcpts = append(c.rcpts, addr)
		return c.reply(250, "2.1.5 Ok")
	case "DATA":
		if arg != "" {
			return c.reply(501, "5.5.4 Syntax: DATA")
		}
		if !c.inMail || len(c.rcpts) == 0 {
			return c.reply(503, "5.5.1 Need RCPT before DATA")
		}
		return c.data()
	case "RSET":
		c.resetTransaction()
		return c.reply(250, "2.0.0 Ok")
	case "NOOP":
		return c.reply(250, "2.0.0 Ok")
	case "VRFY":
		return c.reply(252, "2.5.2 Cannot VRFY user, but will accept message")
	case "QUIT":
		c.reply(221, "2.0.0 Bye")
		return errSMTPQuit
	default:
		return c.reply(502, "5.5.2 Command not recognized")
	}
}

// parsePath parses `FROM:<addr> PARAM=VALUE ...` (prefix "FROM:" or "TO:", case-insensitive,
// spaces allowed after the colon).
func parsePath(arg, prefix string) (addr string, params []string, ok bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", nil, false
	}
	rest := strings.TrimLeft(arg[len(prefix):], " ")
	if !strings.HasPrefix(rest, "<") {
		return "", nil, false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", nil, false
	}
	addr = rest[1:end]
	if strings.ContainsAny(addr, " <") {
		return "", nil, false
	}
	return addr, strings.Fields(rest[end+1:]), true
}

func (c *smtpSession) auth(arg string) error {
	if c.helo == "" {
		return c.reply(503, "5.5.1 Send EHLO first")
	}
	if c.authed {
		return c.reply(503, "5.5.1 Already authenticated")
	}
	if c.inMail {
		return c.reply(503, "5.5.1 AUTH not allowed during a mail transaction")
	}
	mech, initial, _ := strings.Cut(arg, " ")
	initial = strings.TrimSpace(initial)
	switch strings.ToUpper(mech) {
	case "PLAIN":
		resp, err := c.authResponse(initial, "")
		if err != nil || resp == nil {
			return err
		}
		parts := strings.Split(string(resp), "\x00")
		if len(parts) != 3 || parts[1] == "" {
			return c.reply(501, "5.5.2 Malformed AUTH PLAIN response")
		}
		c.username, c.password = parts[1], parts[2]
	case "LOGIN":
		user, err := c.authResponse(initial, "Username:")
		if err != nil || user == nil {
			return err
		}
		pass, err := c.authResponse("", "Password:")
		if err != nil || pass == nil {
			return err
		}
		c.username, c.password = string(user), string(pass)
	case "":
		return c.reply(501, "5.5.4 Syntax: AUTH mechanism")
	default:
		return c.reply(504, "5.5.4 Unrecognized authentication mechanism")
	}
	c.authed = true
	return c.reply(235, "2.7.0 Authentication successful")
}

// authResponse returns the decoded client response: initial when given (not "="), otherwise
// the answer to a 334 challenge. A nil result with a nil error means a reply was already
// sent (cancelled or malformed).
func (c *smtpSession) authResponse(initial, challenge string) ([]byte, error) {
	if initial == "=" {
		return []byte{}, nil
	}
	if initial == "" {
		if err := c.reply(334, base64.StdEncoding.EncodeToString([]byte(challenge))); err != nil {
			return nil, err
		}
		line, err := c.readLine()
		if errors.Is(err, errLineTooLong) {
			return nil, c.reply(500, "5.5.2 Line too long")
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(line) == "*" {
			return nil, c.reply(501, "5.7.0 Authentication cancelled")
		}
		initial = strings.TrimSpace(line)
	}
	b, err := base64.StdEncoding.DecodeString(initial)
	if err != nil {
		return nil, c.reply(501, "5.5.2 Cannot decode base64 response")
	}
	return b, nil
}

// data reads the message after a 354 reply up to the "." line, unstuffing leading dots.
func (c *smtpSession) data() error {
	if err := c.reply(354, "End data with <CR><LF>.<CR><LF>"); err != nil {
		return err
	}
	var buf bytes.Buffer
	tooBig := false
	atStart := true // the next chunk starts a line
	for {
		c.conn.SetReadDeadline(time.Now().Add(smtpIdleTimeout))
		chunk, err := c.tp.R.ReadSlice('\n')
		partial := errors.Is(err, bufio.ErrBufferFull) // a line longer than the buffer: more follows
		if err != nil && !partial {
			return err
		}
		line := string(chunk)
		if atStart {
			if !partial && (line == ".\r\n" || line == ".\n") {
				break
			}
			line = strings.TrimPrefix(line, ".") // dot-unstuffing (RFC 5321 4.5.2)
		}
		if !partial {
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r") + "\r\n"
		}
		atStart = !partial
		if !tooBig {
			buf.WriteString(line)
			tooBig = buf.Len() > SMTPMaxSize
		}
	}
	if tooBig {
		c.resetTransaction()
		return c.reply(552, "5.3.4 Message size exceeds fixed limit")
	}
	m := ReceivedMail{
		From:     c.from,
		To:       c.rcpts,
		Data:     buf.String(),
		Username: c.username,
		Password: c.password,
		TLS:      c.tls,
	}
	m.Subject, m.Body = parseMessage(m.Data)
	c.srv.deliver(m)
	c.resetTransaction()
	c.queueID++
	return c.reply(250, fmt.Sprintf("2.0.0 Ok: queued as %d", c.queueID))
}

// parseMessage returns the decoded subject and text body of a raw message. A message that
// does not parse gives what could be read ("" for the rest).
func parseMessage(raw string) (subject, body string) {
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		return "", ""
	}
	subject = msg.Header.Get("Subject")
	if dec, err := new(mime.WordDecoder).DecodeHeader(subject); err == nil {
		subject = dec
	}
	text, _ := textBody(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	return subject, strings.ReplaceAll(text, "\r\n", "\n")
}

// textBody decodes the first text/plain part of a body (the body itself unless multipart).
func textBody(h textproto.MIMEHeader, r io.Reader, depth int) (string, bool) {
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") && depth < 5 {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return "", false
			}
			if text, ok := textBody(p.Header, p, depth+1); ok {
				return text, true
			}
		}
	}
	if mediaType != "text/plain" {
		return "", false
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: r})
	}
	b, _ := io.ReadAll(r)
	return string(b), true
}

// newlineStripper drops CR and LF so that line-wrapped base64 decodes.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, b := range p[:k] {
			if b != '\r' && b != '\n' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// selfSignedTLS returns a server configuration with a fresh self-signed certificate for
// 127.0.0.1, ::1 and localhost, and a pool that trusts it.
func selfSignedTLS() (*tls.Config, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "platformtest SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	conf := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS12,
	}
	return conf, pool, nil
}
