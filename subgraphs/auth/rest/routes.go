package rest

import (
	"net/http"
	"strconv"
	"time"

	"fedstack/platform/errs"
	"fedstack/subgraphs/auth"
)

// userJSON is a user as the routes show it.
type userJSON struct {
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	Role          auth.Role  `json:"role"`
	EmailVerified bool       `json:"emailVerified"`
	Active        bool       `json:"active"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	LastLoginAt   *time.Time `json:"lastLoginAt"`
}

func toUser(u *auth.User) userJSON {
	return userJSON{
		ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, EmailVerified: u.EmailVerifiedAt != nil,
		Active: u.Active, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, LastLoginAt: u.LastLoginAt,
	}
}

type sessionJSON struct {
	ID           string    `json:"id"`
	Device       string    `json:"device"`
	UserAgent    string    `json:"userAgent"`
	IP           string    `json:"ip"`
	CreatedAt    time.Time `json:"createdAt"`
	LastActiveAt time.Time `json:"lastActiveAt"`
	ExpiresAt    time.Time `json:"expiresAt"`
	Current      bool      `json:"current"`
}

func toSession(s *auth.Session, current string) sessionJSON {
	return sessionJSON{
		ID: s.ID, Device: s.Device, UserAgent: s.UserAgent, IP: s.IP, CreatedAt: s.CreatedAt,
		LastActiveAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt, Current: s.ID == current,
	}
}

// signedInJSON is the answer of signup, login and refresh. The refresh token is
// in the cookie only.
type signedInJSON struct {
	AccessToken string      `json:"accessToken"`
	ExpiresAt   time.Time   `json:"expiresAt"`
	User        userJSON    `json:"user"`
	Session     sessionJSON `json:"session"`
}

func (h *handler) signedIn(w http.ResponseWriter, status int, p *auth.AuthPayload) {
	h.setCookie(w, p.RefreshToken, p.Session.ExpiresAt)
	writeJSON(w, status, signedInJSON{
		AccessToken: p.AccessToken, ExpiresAt: p.ExpiresAt,
		User: toUser(p.User), Session: toSession(p.Session, p.Session.ID),
	})
}

func (h *handler) signup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	if err := decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	p, err := h.Auth.Signup(r.Context(), auth.SignupInput{Email: in.Email, Password: in.Password, Name: in.Name})
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	h.signedIn(w, http.StatusCreated, p)
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	p, err := h.Auth.Login(r.Context(), auth.LoginInput{Email: in.Email, Password: in.Password})
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	h.signedIn(w, http.StatusOK, p)
}

func (h *handler) refresh(w http.ResponseWriter, r *http.Request) {
	var in struct{}
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			errs.WriteJSON(w, r, err)
			return
		}
	}
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		errs.WriteJSON(w, r, errs.E(errs.Unauthenticated, "no session: sign in"))
		return
	}
	p, err := h.Auth.Refresh(r.Context(), c.Value)
	if err != nil {
		if errs.CodeOf(err) == errs.Unauthenticated {
			h.clearCookie(w)
		}
		errs.WriteJSON(w, r, err)
		return
	}
	h.signedIn(w, http.StatusOK, p)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Scope auth.LogoutScope `json:"scope"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			errs.WriteJSON(w, r, err)
			return
		}
	}
	claims, err := h.bearer(r)
	if err != nil {
		h.clearCookie(w)
		errs.WriteJSON(w, r, err)
		return
	}
	n, err := h.Auth.Logout(r.Context(), claims.UserID(), claims.SessionID, in.Scope)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	if in.Scope != auth.LogoutOtherSessions {
		h.clearCookie(w)
	}
	writeJSON(w, http.StatusOK, map[string]int{"endedSessions": n})
}

func (h *handler) me(w http.ResponseWriter, r *http.Request) {
	claims, err := h.bearer(r)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	u, err := h.Users.UserByID(r.Context(), claims.UserID())
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toUser(u))
}

func (h *handler) updateProfile(w http.ResponseWriter, r *http.Request) {
	claims, err := h.bearer(r)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	var in struct {
		Name *string `json:"name"`
	}
	if err := decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	u, err := h.Auth.UpdateProfile(r.Context(), claims.UserID(), auth.ProfileInput{Name: in.Name})
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toUser(u))
}

func (h *handler) changePassword(w http.ResponseWriter, r *http.Request) {
	claims, err := h.bearer(r)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	var in struct {
		CurrentPassword string `json:"currentPassword"`
		NewPassword     string `json:"newPassword"`
	}
	if err := decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	n, err := h.Auth.ChangePassword(r.Context(), claims.UserID(), claims.SessionID,
		auth.ChangePasswordInput{CurrentPassword: in.CurrentPassword, NewPassword: in.NewPassword})
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"endedSessions": n})
}

func (h *handler) sessions(w http.ResponseWriter, r *http.Request) {
	claims, err := h.bearer(r)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	list, err := h.Auth.Sessions(r.Context(), claims.UserID())
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	out := make([]sessionJSON, len(list))
	for i, s := range list {
		out[i] = toSession(s, claims.SessionID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

func (h *handler) endSession(w http.ResponseWriter, r *http.Request) {
	claims, err := h.bearer(r)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	if err := h.Auth.EndSession(r.Context(), claims.UserID(), r.PathValue("id")); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"endedSessions": 1})
}

func (h *handler) verifyEmail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if err := decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	u, err := h.Auth.VerifyEmail(r.Context(), in.Token)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toUser(u))
}

func (h *handler) requestVerification(w http.ResponseWriter, r *http.Request) {
	claims, err := h.bearer(r)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	if err := h.Auth.RequestEmailVerification(r.Context(), claims.UserID()); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]bool{"sent": true})
}

func (h *handler) requestReset(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if err := decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	if err := h.Auth.RequestPasswordReset(r.Context(), in.Email); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{
		"message": "if an account uses this address, a reset link is on its way",
	})
}

func (h *handler) resetPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token       string `json:"token"`
		NewPassword string `json:"newPassword"`
	}
	if err := decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	if err := h.Auth.ResetPassword(r.Context(), in.Token, in.NewPassword); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	h.clearCookie(w)
	writeJSON(w, http.StatusOK, map[string]bool{"reset": true})
}

func (h *handler) outbox(w http.ResponseWriter, r *http.Request) {
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			errs.WriteJSON(w, r, errs.E(errs.Invalid, "limit must be a number from 1 to 100"))
			return
		}
		limit = n
	}
	mails, err := h.Outbox.ListOutbox(r.Context(), r.URL.Query().Get("to"), limit)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"mails": mails})
}
