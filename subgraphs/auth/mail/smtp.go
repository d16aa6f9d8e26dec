package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"fedstack/platform/errs"
)

// DefaultTimeout bounds one Send whose context has no deadline.
const DefaultTimeout = 30 * time.Second

// urlExample is shown in SMTP_URL errors.
const urlExample = "smtp://user:password@mail.example.com:587"

// tlsPolicy says how a smtp:// connection uses STARTTLS.
type tlsPolicy int

const (
	tlsRequired      tlsPolicy = iota // STARTTLS or fail
	tlsOpportunistic                  // STARTTLS when offered (loopback servers)
	tlsNone                           // never (?tls=none)
)

// SMTPSender sends each message over its own connection to an SMTP server.
type SMTPSender struct {
	addr      string // host:port
	host      string
	implicit  bool // smtps://: TLS from the first byte
	policy    tlsPolicy
	username  string
	password  string
	from      *netmail.Address
	localName string         // EHLO argument
	rootCAs   *x509.CertPool // nil: the system's roots
}

// NewSMTP returns a sender for smtpURL (SMTP_URL), sending as from
// ("Fedstack <no-reply@example.com>"). Accepted forms:
//
//	smtp://[user:password@]host[:port]   port 587 by default; STARTTLS is used when the server
//	                                     offers it, and required unless host is loopback
//	                                     (localhost, 127.0.0.0/8, ::1)
//	smtp://host:25?tls=none              never STARTTLS (a relay on a trusted network)
//	smtp://host?tls=starttls             require STARTTLS even on loopback
//	smtps://[user:password@]host[:port]  TLS from the first byte, port 465 by default
//
// User name and password are URL-decoded (write "@" as %40). Credentials are sent with AUTH
// PLAIN (or LOGIN), never over an unencrypted connection to a host that is not loopback.
// Errors say what is wrong with the URL and never repeat the password.
func NewSMTP(smtpURL, from string) (*SMTPSender, error) {
	bad := func(format string, args ...any) error {
		return errs.E(errs.Invalid, "SMTP_URL "+format, args...)
	}
	if strings.TrimSpace(smtpURL) == "" {
		return nil, bad("is empty; set it like %s", urlExample)
	}
	if !strings.Contains(smtpURL, "://") {
		return nil, bad("must start with smtp:// or smtps://, e.g. %s", urlExample)
	}
	u, err := url.Parse(strings.TrimSpace(smtpURL))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, password included
		}
		return nil, bad("is not a valid URL (%v); it should look like %s", err, urlExample)
	}
	s := &SMTPSender{}
	var port string
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		port = "587"
	case "smtps":
		port, s.implicit = "465", true
	case "":
		return nil, bad("has no scheme; it should look like %s (or smtps://... for implicit TLS)", urlExample)
	default:
		return nil, bad("has the scheme %q; use smtp:// (STARTTLS, port 587) or smtps:// (implicit TLS, port 465), e.g. %s", u.Scheme, urlExample)
	}
	if u.Opaque != "" {
		return nil, bad("must have // after the scheme, e.g. %s", urlExample)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, bad("has no host; it should look like %s", urlExample)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, bad("has the port %q; a port is a number from 1 to 65535", p)
		}
		port = p
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.Path != "" && u.Path != "/" {
		return nil, bad("has the path %q; an SMTP URL has no path", u.Path)
	}
	if u.Fragment != "" {
		return nil, bad("has a #fragment; remove it")
	}
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
		if s.username == "" {
			return nil, bad("has a password but no user name; write smtp://user:password@host")
		}
		if _, ok := u.User.Password(); !ok {
			return nil, bad("has the user name %q but no password; write smtp://user:password@host", s.username)
		}
	}

	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, bad("has a query that does not parse (%v)", err)
	}
	if isLoopback(s.host) {
		s.policy = tlsOpportunistic
	}
	for key, values := range query {
		if key != "tls" {
			return nil, bad("has the unknown parameter %q; the only parameter is tls (none or starttls)", key)
		}
		if s.implicit {
			return nil, bad("combines smtps:// with ?tls=; smtps:// always uses TLS, so remove the parameter")
		}
		switch v := strings.ToLower(values[len(values)-1]); v {
		case "none":
			s.policy = tlsNone
		case "starttls":
			s.policy = tlsRequired
		default:
			return nil, bad("has tls=%q; use tls=none (never encrypt) or tls=starttls (require STARTTLS)", values[len(values)-1])
		}
	}
	if s.policy == tlsNone && s.username != "" && !isLoopback(s.host) {
		return nil, bad("has tls=none and a user name: credentials are never sent unencrypted to %s; remove ?tls=none or the credentials", s.host)
	}

	if strings.ContainsAny(from, "\r\n") {
		return nil, errs.E(errs.Invalid, "mail: the From address contains a line break")
	}
	s.from, err = netmail.ParseAddress(from)
	if err != nil {
		return nil, errs.E(errs.Invalid, "mail: the From address %q is not an email address (%v); write it like \"Fedstack <no-reply@example.com>\"", from, err)
	}
	s.localName = localName()
	return s, nil
}

// String describes the sender without its password, e.g.
// "smtp://user@mail.example.com:587 (STARTTLS required)".
func (s *SMTPSender) String() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.implicit {
		u.Scheme = "smtps"
	}
	if s.username != "" {
		u.User = url.User(s.username)
	}
	switch {
	case s.implicit:
		return u.String() + " (implicit TLS)"
	case s.policy == tlsRequired:
		return u.String() + " (STARTTLS required)"
	case s.policy == tlsOpportunistic:
		return u.String() + " (STARTTLS when offered)"
	default:
		return u.String() + " (unencrypted)"
	}
}

// Send delivers m over a new connection. The context's deadline (DefaultTimeout when it has
// none) bounds the whole exchange, and cancelling the context aborts it. A recipient or
// subject holding a line break is refused (INVALID); a failure to deliver is INTERNAL, with
// the server's reply as cause.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	rcpt, msg, err := compose(s.from, m, time.Now())
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	if err := s.send(ctx, rcpt, msg); err != nil {
		ctxErr := ctx.Err()
		if dl, ok := ctx.Deadline(); ctxErr == nil && ok && !time.Now().Before(dl) {
			ctxErr = context.DeadlineExceeded // the connection's deadline fired before ctx's timer
		}
		if ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return errs.Wrap(err, "mail: sending %q to %s through %s", m.Subject, rcpt, s.String())
	}
	return nil
}

func (s *SMTPSender) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.host, RootCAs: s.rootCAs, MinVersion: tls.VersionTLS12}
}

func (s *SMTPSender) send(ctx context.Context, rcpt string, msg []byte) error {
	var (
		conn net.Conn
		err  error
	)
	dialer := &net.Dialer{}
	if s.implicit {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: s.tlsConfig()}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	// Cancelling ctx unblocks any read or write in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("reading the server's greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello(s.localName); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if !s.implicit && s.policy != tlsNone {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		} else if s.policy == tlsRequired {
			return errors.New("the server does not offer STARTTLS, and mail to it must be encrypted: " +
				"use smtps:// if it speaks TLS directly (port 465), or add ?tls=none to SMTP_URL for a relay on a trusted network")
		}
	}
	if s.username != "" {
		auth, err := s.auth(c)
		if err != nil {
			return err
		}
		if err := c.Auth(auth); err != nil {
			return fmt.Errorf("AUTH as %q: %w (check the user name and password in SMTP_URL)", s.username, err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("MAIL FROM:<%s>: %w", s.from.Address, err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return fmt.Errorf("RCPT TO:<%s>: %w", rcpt, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("writing the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	// The message is accepted; a failing QUIT does not undo that.
	_ = c.Quit()
	return nil
}

// auth picks PLAIN, else LOGIN, from what the server offers.
func (s *SMTPSender) auth(c *smtp.Client) (smtp.Auth, error) {
	ok, offered := c.Extension("AUTH")
	if !ok {
		return nil, errors.New("the server does not offer AUTH, but SMTP_URL has a user name: remove user:password@ from SMTP_URL")
	}
	mechs := strings.Fields(strings.ToUpper(offered))
	for _, m := range mechs {
		if m == "PLAIN" {
			return &plainAuth{user: s.username, pass: s.password}, nil
		}
	}
	for _, m := range mechs {
		if m == "LOGIN" {
			return &loginAuth{user: s.username, pass: s.password}, nil
		}
	}
	return nil, fmt.Errorf("the server offers AUTH %s, and only PLAIN and LOGIN are supported", offered)
}

// errUnencrypted refuses to send credentials in the clear.
var errUnencrypted = errors.New("refusing to send the password over an unencrypted connection")

// plainAuth is AUTH PLAIN (RFC 4616) with an initial response.
type plainAuth struct{ user, pass string }

func (a *plainAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !isLoopback(server.Name) {
		return "", nil, errUnencrypted
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a *plainAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if more {
		return nil, fmt.Errorf("unexpected AUTH PLAIN challenge %q", fromServer)
	}
	return nil, nil
}

// loginAuth is the AUTH LOGIN exchange (user name, then password, each on request).
type loginAuth struct {
	user, pass string
	step       int
}

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !isLoopback(server.Name) {
		return "", nil, errUnencrypted
	}
	a.step = 0
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	prompt := strings.ToLower(string(fromServer))
	switch {
	case strings.Contains(prompt, "user"):
		return []byte(a.user), nil
	case strings.Contains(prompt, "pass"):
		return []byte(a.pass), nil
	case a.step == 1:
		return []byte(a.user), nil
	case a.step == 2:
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected AUTH LOGIN challenge %q", fromServer)
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var hostnamePattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)

// localName is the EHLO argument: this machine's host name when it is a valid one.
func localName() string {
	if h, err := os.Hostname(); err == nil && hostnamePattern.MatchString(h) {
		return h
	}
	return "localhost"
}
