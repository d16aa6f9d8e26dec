// Package rest serves the auth flows as JSON routes under /api/auth for browsers
// and clients that do not speak GraphQL. They call the same domain services as
// the GraphQL resolvers. Browsers keep the refresh token in an httpOnly,
// Secure, SameSite=Strict cookie scoped to /api/auth; the access token is only
// ever in the response body (and then in the page's memory).
//
// CSRF: the refresh cookie never leaves a cross-site request (SameSite=Strict);
// on top of that every request that changes something must be JSON (415
// otherwise, which a plain HTML form cannot send), and a request with an Origin
// header other than this site's is refused (403).
package rest

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"fedstack/platform/authn"
	"fedstack/platform/clientip"
	"fedstack/platform/errs"
	"fedstack/platform/httpjson"
	"fedstack/subgraphs/auth"
)

// CookieName is the refresh token cookie.
const CookieName = "fedstack_refresh"

// CookiePath scopes the cookie to these routes: no other request carries it.
const CookiePath = "/api/auth"

// OutboxMail is a mail of the development outbox.
type OutboxMail struct {
	ID        int64     `json:"id"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"createdAt"`
}

// Outbox lists the development outbox.
type Outbox interface {
	ListOutbox(ctx context.Context, to string, limit int) ([]OutboxMail, error)
}

// Deps are what the routes need.
type Deps struct {
	Auth     auth.AuthService
	Users    auth.UserService
	Verifier *authn.Verifier
	// Proxies says which peers may tell the client's address (X-Forwarded-For) and
	// the public host and scheme (X-Forwarded-Host, X-Forwarded-Proto).
	Proxies *clientip.Resolver
	// PublicURL's origin is accepted in Origin headers besides the request's own.
	PublicURL string
	// InsecureCookie drops the cookie's Secure flag (only for plain-HTTP hosts other
	// than localhost, which browsers treat as secure anyway). Never in production.
	InsecureCookie bool
	// Outbox, when set (development only), serves GET /api/auth/dev/outbox.
	Outbox Outbox
	Logger *slog.Logger
	Now    func() time.Time
}

type handler struct {
	Deps
	publicOrigin string
}

// New returns the handler of every /api/auth route.
func New(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Proxies == nil {
		d.Proxies = &clientip.Resolver{}
	}
	h := &handler{Deps: d}
	if u, err := url.Parse(d.PublicURL); err == nil && u.Host != "" {
		h.publicOrigin = strings.ToLower(u.Scheme + "://" + u.Host)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/auth/signup", h.signup)
	mux.HandleFunc("POST /api/auth/login", h.login)
	mux.HandleFunc("POST /api/auth/refresh", h.refresh)
	mux.HandleFunc("POST /api/auth/logout", h.logout)
	mux.HandleFunc("GET /api/auth/me", h.me)
	mux.HandleFunc("PATCH /api/auth/me", h.updateProfile)
	mux.HandleFunc("POST /api/auth/password", h.changePassword)
	mux.HandleFunc("GET /api/auth/sessions", h.sessions)
	mux.HandleFunc("DELETE /api/auth/sessions/{id}", h.endSession)
	mux.HandleFunc("POST /api/auth/verify-email", h.verifyEmail)
	mux.HandleFunc("POST /api/auth/verify-email/request", h.requestVerification)
	mux.HandleFunc("POST /api/auth/password-reset/request", h.requestReset)
	mux.HandleFunc("POST /api/auth/password-reset", h.resetPassword)
	if d.Outbox != nil {
		mux.HandleFunc("GET /api/auth/dev/outbox", h.outbox)
	}
	mux.HandleFunc("/api/auth/", func(w http.ResponseWriter, r *http.Request) {
		errs.WriteJSON(w, r, errs.E(errs.NotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	return h.guard(mux)
}

// guard applies the CSRF rules, records the client and refuses caching.
func (h *handler) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if origin := r.Header.Get("Origin"); origin != "" && !h.sameSite(r, origin) {
			errs.WriteJSON(w, r, errs.E(errs.Forbidden, "requests from origin %s are not accepted", origin))
			return
		}
		if httpjson.RefuseNonJSON(w, r) {
			return
		}
		ctx := auth.WithClient(r.Context(), auth.Client{IP: h.Proxies.IP(r), UserAgent: r.UserAgent()})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// sameSite reports whether origin is this site: the public URL's origin or the
// origin the request was addressed to (as the trusted edge reports it).
func (h *handler) sameSite(r *http.Request, origin string) bool {
	origin = strings.ToLower(strings.TrimRight(origin, "/"))
	if h.publicOrigin != "" && origin == h.publicOrigin {
		return true
	}
	host, scheme := r.Host, "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if h.Proxies.PeerTrusted(r) {
		if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
			host = strings.TrimSpace(strings.Split(fh, ",")[0])
		}
		if fp := r.Header.Get("X-Forwarded-Proto"); fp != "" {
			scheme = strings.TrimSpace(strings.Split(fp, ",")[0])
		}
	}
	return origin == strings.ToLower(scheme+"://"+host)
}

func decode(w http.ResponseWriter, r *http.Request, v any) error { return httpjson.Decode(w, r, v) }

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

// bearer verifies the request's access token; it is required.
func (h *handler) bearer(r *http.Request) (*authn.Claims, error) { return h.Verifier.VerifyRequest(r) }

// setCookie stores the refresh token until the session's absolute expiry.
func (h *handler) setCookie(w http.ResponseWriter, token string, expires time.Time) {
	maxAge := int(time.Until(expires).Seconds())
	if maxAge < 1 {
		maxAge = 1
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: token, Path: CookiePath, MaxAge: maxAge,
		HttpOnly: true, Secure: !h.InsecureCookie, SameSite: http.SameSiteStrictMode,
	})
}

func (h *handler) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: CookiePath, MaxAge: -1,
		HttpOnly: true, Secure: !h.InsecureCookie, SameSite: http.SameSiteStrictMode,
	})
}
