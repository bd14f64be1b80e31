package toolbar

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Cookies and lifetimes of the sign-in.
const (
	sessionCookie = "qunbot_toolbar"
	stateCookie   = "qunbot_toolbar_state"
	sessionTTL    = 12 * time.Hour
	stateTTL      = 10 * time.Minute
)

// Shapes of the OAuth state, which WeCom limits to 128 characters of
// a-zA-Z0-9: a hex nonce, a 10-digit expiry and a hex MAC, unseparated.
const (
	nonceHex   = 24 // 96 bits
	expiryLen  = 10 // Unix seconds, fixed width until 2286
	stateMACHx = 32 // 128 bits of HMAC-SHA256
	stateLen   = nonceHex + expiryLen + stateMACHx
)

// signer signs the session cookie and the OAuth state with the console's
// session secret; each use names its purpose, so a value made for one is
// never accepted as the other.
type signer struct{ key []byte }

func (s signer) mac(purpose string, parts ...string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("qunbot/toolbar/" + purpose))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// session is the cookie value naming userID until exp:
// base64url(userid).expiry.base64url(mac).
func (s signer) session(userID string, exp time.Time) string {
	id := base64.RawURLEncoding.EncodeToString([]byte(userID))
	e := strconv.FormatInt(exp.Unix(), 10)
	return id + "." + e + "." + base64.RawURLEncoding.EncodeToString(s.mac("session", id, e))
}

// user returns the userid of a session cookie value that is intact and not
// expired at now.
func (s signer) user(v string, now time.Time) (string, bool) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return "", false
	}
	got, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(got, s.mac("session", parts[0], parts[1])) {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || err2 != nil || len(id) == 0 || !now.Before(time.Unix(exp, 0)) {
		return "", false
	}
	return string(id), true
}

// state is the OAuth state for nonce, valid until exp.
func (s signer) state(nonce string, exp time.Time) string {
	e := fmt.Sprintf("%010d", exp.Unix())
	return nonce + e + hex.EncodeToString(s.mac("state", nonce, e))[:stateMACHx]
}

// checkState reports whether v is a state this server issued for nonce
// (the browser's state cookie) and it has not expired at now.
func (s signer) checkState(v, nonce string, now time.Time) bool {
	if len(v) != stateLen || len(nonce) != nonceHex || !hmac.Equal([]byte(v[:nonceHex]), []byte(nonce)) {
		return false
	}
	e := v[nonceHex : nonceHex+expiryLen]
	want := hex.EncodeToString(s.mac("state", nonce, e))[:stateMACHx]
	if !hmac.Equal([]byte(v[nonceHex+expiryLen:]), []byte(want)) {
		return false
	}
	exp, err := strconv.ParseInt(e, 10, 64)
	return err == nil && now.Before(time.Unix(exp, 0))
}

// randomHex returns n random hex characters (n even).
func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// cookie builds one of the toolbar's cookies: HttpOnly, SameSite=Lax (the
// OAuth redirect back from WeCom is a top-level GET), Secure over TLS.
func (h *handler) cookie(r *http.Request, name, value string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: h.path(Prefix), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || h.base.Scheme == "https", MaxAge: int(maxAge.Seconds())}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	return c
}

// userOf returns the signed-in staff member of r.
func (h *handler) userOf(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", false
	}
	return h.sign.user(c.Value, h.opts.Now())
}
