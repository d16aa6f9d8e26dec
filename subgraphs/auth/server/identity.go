package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/authn"
	"fedstack/platform/clientip"
	"fedstack/platform/config"
	"fedstack/subgraphs/auth"
	"fedstack/subgraphs/auth/mail"
	"fedstack/subgraphs/auth/postgres"
	"fedstack/subgraphs/auth/ratelimit"
	"fedstack/subgraphs/auth/rest"
)

// devRefreshSecret is the development value of REFRESH_TOKEN_SECRET.
const devRefreshSecret = "fedstack-dev-refresh-token-secret"

// defaultPublicURL is where `make up` serves the web app.
const defaultPublicURL = "http://localhost:5173"

// IdentityConfig is the configuration of sessions, refresh tokens, mail and
// brute-force limits (see docs/development.md for every variable).
type IdentityConfig struct {
	PublicURL      string // PUBLIC_URL: the web origin mailed links point at
	SMTPURL        string // SMTP_URL: empty in development = the development outbox
	MailFrom       string // MAIL_FROM
	RefreshSecret  string // REFRESH_TOKEN_SECRET
	TrustedProxies string // TRUSTED_PROXIES
	InsecureCookie bool   // COOKIE_INSECURE (development only)
	// RateLimitPrefix namespaces the rate-limit keys in Redis (RATE_LIMIT_PREFIX), so
	// deployments or test runs sharing one Redis do not count each other's attempts.
	RateLimitPrefix string
	Policy          auth.Policy
}

// loadIdentityConfig reads IdentityConfig; problems are recorded in env.
func loadIdentityConfig(env *config.Env) IdentityConfig {
	d := auth.DefaultPolicy()
	c := IdentityConfig{
		PublicURL:      env.String("PUBLIC_URL", defaultPublicURL),
		MailFrom:       env.String("MAIL_FROM", "Fedstack <no-reply@localhost>"),
		RefreshSecret:  env.Secret("REFRESH_TOKEN_SECRET", devRefreshSecret),
		TrustedProxies: env.String("TRUSTED_PROXIES", clientip.DefaultTrusted),
		InsecureCookie: env.Bool("COOKIE_INSECURE", false),

		RateLimitPrefix: env.String("RATE_LIMIT_PREFIX", "auth:limit"),
	}
	if env.Production() {
		c.SMTPURL = env.Required("SMTP_URL")
		if c.InsecureCookie {
			env.Invalid("COOKIE_INSECURE must not be set when APP_ENV=production: the refresh cookie must be Secure")
		}
	} else {
		c.SMTPURL = env.String("SMTP_URL", "")
	}
	p := auth.Policy{
		SessionIdle:   env.Duration("SESSION_IDLE_TIMEOUT", d.SessionIdle),
		SessionMaxAge: env.Duration("SESSION_MAX_AGE", d.SessionMaxAge),
		RefreshGrace:  env.Duration("REFRESH_GRACE_PERIOD", d.RefreshGrace),
		VerifyLinkTTL: env.Duration("VERIFY_LINK_TTL", d.VerifyLinkTTL),
		ResetLinkTTL:  env.Duration("RESET_LINK_TTL", d.ResetLinkTTL),
	}
	p.LoginPerIP = ratelimit.Rule{Name: d.LoginPerIP.Name, Limit: env.Int("LOGIN_LIMIT_PER_IP", d.LoginPerIP.Limit), Window: d.LoginPerIP.Window}
	p.SignupPerIP = ratelimit.Rule{Name: d.SignupPerIP.Name, Limit: env.Int("SIGNUP_LIMIT_PER_IP", d.SignupPerIP.Limit), Window: d.SignupPerIP.Window}
	p.ResetPerIP = ratelimit.Rule{Name: d.ResetPerIP.Name, Limit: env.Int("RESET_LIMIT_PER_IP", d.ResetPerIP.Limit), Window: d.ResetPerIP.Window}
	p.ResetPerAccount = ratelimit.Rule{Name: d.ResetPerAccount.Name, Limit: env.Int("RESET_LIMIT_PER_ACCOUNT", d.ResetPerAccount.Limit), Window: d.ResetPerAccount.Window}
	p.MailPerAccount = d.MailPerAccount
	p.Lockout = ratelimit.LockoutPolicy{
		Threshold: env.Int("LOCKOUT_THRESHOLD", d.Lockout.Threshold),
		Base:      env.Duration("LOCKOUT_BASE", d.Lockout.Base),
		Max:       env.Duration("LOCKOUT_MAX", d.Lockout.Max),
		Memory:    d.Lockout.Memory,
	}
	c.Policy = p
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		env.Invalid("PUBLIC_URL=%q is not an absolute http(s) URL such as https://app.example.com", c.PublicURL)
	}
	return c
}

// newMailer returns the SMTP sender, or, without SMTP_URL (development), the
// development outbox: mails go to the log and to the dev_outbox table, which
// GET /api/auth/dev/outbox shows.
func newMailer(cfg IdentityConfig, store *postgres.Store, logger *slog.Logger) (auth.Mailer, rest.Outbox, error) {
	if cfg.SMTPURL != "" {
		m, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return nil, nil, fmt.Errorf("configuration: SMTP_URL: %w", err)
		}
		return m, nil, nil
	}
	return mail.NewDevOutbox(store, logger), outboxLister{store}, nil
}

// outboxLister serves the development outbox to the REST route.
type outboxLister struct{ store *postgres.Store }

func (o outboxLister) ListOutbox(ctx context.Context, to string, limit int) ([]rest.OutboxMail, error) {
	mails, err := o.store.ListMail(ctx, to, limit)
	if err != nil {
		return nil, err
	}
	out := make([]rest.OutboxMail, len(mails))
	for i, m := range mails {
		out[i] = rest.OutboxMail{ID: m.ID, To: m.To, Subject: m.Subject, Body: m.Body, CreatedAt: m.CreatedAt}
	}
	return out, nil
}

// routerClient records, for GraphQL requests (which only the router can make,
// see servicetrust), the client the router saw: its X-Forwarded-For, which the
// router sets to the one resolved address, and the forwarded User-Agent.
func routerClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := ""
		if v := r.Header.Values("X-Forwarded-For"); len(v) > 0 {
			parts := strings.Split(v[len(v)-1], ",")
			ip = strings.TrimSpace(parts[len(parts)-1])
		}
		ctx := auth.WithClient(r.Context(), auth.Client{IP: ip, UserAgent: r.UserAgent()})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// redisRevoker remembers ended sessions in Redis, where routers and subgraphs look.
type redisRevoker struct{ rdb *redis.Client }

func (r redisRevoker) Revoke(ctx context.Context, sessionID string) error {
	return r.rdb.Set(ctx, authn.RevokedSessionKeyPrefix+sessionID, "1", authn.RevokedSessionTTL).Err()
}
