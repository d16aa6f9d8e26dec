// Package mail sends the auth subgraph's emails (address verification and password reset):
// through an SMTP server (NewSMTP, configured by SMTP_URL) or, in development, to the log
// and a development outbox (NewDevOutbox).
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"time"

	"fedstack/platform/errs"
)

// Message is one plain-text email.
type Message struct {
	To      string // recipient, "ada@example.com" (or "Ada <ada@example.com>")
	Subject string // UTF-8; encoded as needed
	Text    string // UTF-8 plain text body; "\n" line endings
}

// Sender sends messages.
type Sender interface {
	// Send delivers m, or returns an error saying why it could not.
	Send(ctx context.Context, m Message) error
}

// OutboxStore keeps the messages of the development outbox (see postgres.Store.SaveMail).
type OutboxStore interface {
	// SaveMail stores m.
	SaveMail(ctx context.Context, m Message) error
}

var (
	_ Sender = (*SMTPSender)(nil)
	_ Sender = (*DevOutbox)(nil)
)

// Validate checks that m can be sent: a recipient address that parses, and no line break in
// the recipient or the subject (which would let a value inject mail headers).
func (m Message) Validate() error {
	_, err := m.recipient()
	if err != nil {
		return err
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return errs.E(errs.Invalid, "mail: the subject contains a line break; subjects must be one line")
	}
	return nil
}

// recipient parses m.To.
func (m Message) recipient() (*netmail.Address, error) {
	if strings.ContainsAny(m.To, "\r\n") {
		return nil, errs.E(errs.Invalid, "mail: the recipient address contains a line break")
	}
	if strings.TrimSpace(m.To) == "" {
		return nil, errs.E(errs.Invalid, "mail: the message has no recipient")
	}
	addr, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, errs.E(errs.Invalid, "mail: the recipient %q is not an email address: %w", m.To, err)
	}
	return addr, nil
}

// compose renders m as an RFC 5322 message from from: headers (Date, Message-ID,
// MIME-Version, Content-Type text/plain; charset=utf-8, quoted-printable) and the body with
// CRLF line endings. It returns the envelope recipient too.
func compose(from *netmail.Address, m Message, now time.Time) (rcpt string, msg []byte, err error) {
	if err := m.Validate(); err != nil {
		return "", nil, err
	}
	to, err := m.recipient()
	if err != nil {
		return "", nil, err
	}
	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b) // turns every line ending into CRLF
	if _, err := qp.Write([]byte(m.Text)); err != nil {
		return "", nil, err
	}
	if err := qp.Close(); err != nil {
		return "", nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return to.Address, b.Bytes(), nil
}

// messageID returns "<random@domain>" with the domain of the sender's address.
func messageID(fromAddress string) string {
	domain := "localhost"
	if i := strings.LastIndexByte(fromAddress, '@'); i >= 0 && i < len(fromAddress)-1 {
		domain = fromAddress[i+1:]
	}
	var r [16]byte
	_, _ = rand.Read(r[:])
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}

// DevOutbox is the development Sender: it writes each message to the log and keeps it in an
// OutboxStore, so that links can be followed without a mail server. Never use it in
// production: the log then holds the links that grant access to accounts.
type DevOutbox struct {
	store  OutboxStore
	logger *slog.Logger
}

// NewDevOutbox returns a DevOutbox that stores messages in store (nil: log only) and logs
// them with logger (nil: slog.Default()).
func NewDevOutbox(store OutboxStore, logger *slog.Logger) *DevOutbox {
	if logger == nil {
		logger = slog.Default()
	}
	return &DevOutbox{store: store, logger: logger}
}

// Send logs m (Info "mail (development outbox)" with to, subject and text) and stores it.
func (d *DevOutbox) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	d.logger.LogAttrs(ctx, slog.LevelInfo, "mail (development outbox)",
		slog.String("to", m.To), slog.String("subject", m.Subject), slog.String("text", m.Text))
	if d.store == nil {
		return nil
	}
	if err := d.store.SaveMail(ctx, m); err != nil {
		return errs.Wrap(err, "mail: saving the message to %s in the development outbox", m.To)
	}
	return nil
}

// VerificationMail returns the message asking name (may be empty) to confirm the address to
// by opening link, which is valid for validFor.
func VerificationMail(to, name, link string, validFor time.Duration) Message {
	return Message{
		To:      to,
		Subject: "Confirm your email address",
		Text: greeting(name) + "\n\n" +
			"Please confirm your email address by opening this link:\n\n" +
			link + "\n\n" +
			"The link is valid for " + humanDuration(validFor) + ". " +
			"If you did not create an account, you can ignore this email.\n\n" +
			"— Fedstack\n",
	}
}

// PasswordResetMail returns the message letting name (may be empty) choose a new password
// by opening link, which is valid for validFor.
func PasswordResetMail(to, name, link string, validFor time.Duration) Message {
	return Message{
		To:      to,
		Subject: "Reset your password",
		Text: greeting(name) + "\n\n" +
			"Someone (hopefully you) asked to reset the password of your account. " +
			"To choose a new password, open this link:\n\n" +
			link + "\n\n" +
			"The link is valid for " + humanDuration(validFor) + " and works once. " +
			"If you did not ask for this, ignore this email: your password stays as it is.\n\n" +
			"— Fedstack\n",
	}
}

func greeting(name string) string {
	name = strings.Join(strings.Fields(name), " ") // one line, whatever the name holds
	if name == "" {
		return "Hello,"
	}
	return "Hello " + name + ","
}

// humanDuration says d in words: "2 days", "24 hours", "1 hour", "30 minutes" (rounded up
// to whole minutes; days from two days on and hours only when exact).
func humanDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return plural(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour")
	default:
		m := int64((d + time.Minute - 1) / time.Minute)
		if m < 1 {
			m = 1
		}
		return plural(m, "minute")
	}
}
