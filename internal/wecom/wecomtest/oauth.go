package wecomtest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// oauthCodeTTL is how long WeCom's OAuth codes are valid.
const oauthCodeTTL = 5 * time.Minute

// pathGetUserInfo is the web OAuth2 code exchange.
const pathGetUserInfo = "/cgi-bin/auth/getuserinfo"

func init() {
	routes[pathGetUserInfo] = route{auth: true, handle: (*Server).authGetUserInfo}
	errmsgs[40029] = "invalid code"
}

// OAuthCode returns a new code such as WeCom's authorize page hands a staff
// member with userID: auth/getuserinfo answers it with that userid, once,
// within five minutes.
func (s *Server) OAuthCode(userID string) string { return s.oauthCode("member", userID) }

// VisitorOAuthCode returns the code of someone outside the corp (a WeChat
// user): auth/getuserinfo answers it with openID and no userid.
func (s *Server) VisitorOAuthCode(openID string) string { return s.oauthCode("visitor", openID) }

func (s *Server) oauthCode(kind, id string) string {
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	return fmt.Sprintf("CODE.%s.%d.%s.%x", kind, s.now().Unix(), base64.RawURLEncoding.EncodeToString([]byte(id)), nonce)
}

// authGetUserInfo answers auth/getuserinfo (doc 91023): a code is valid
// once and for five minutes; a member gets userid, anyone else openid.
func (s *Server) authGetUserInfo(r *request) result {
	code := r.query.Get("code")
	kind, id, issued, valid := parseOAuthCode(code)
	if !valid || s.now().Sub(issued) > oauthCodeTTL || s.codeUsed(code) {
		return fail(40029, "")
	}
	if kind == "visitor" {
		return ok(map[string]any{"openid": id})
	}
	return ok(map[string]any{"userid": id})
}

// codeUsed reports whether code was exchanged successfully before; s.mu is held.
func (s *Server) codeUsed(code string) bool {
	for _, c := range s.st.calls {
		if c.Path == pathGetUserInfo && c.ErrCode == 0 && c.Query.Get("code") == code {
			return true
		}
	}
	return false
}

func parseOAuthCode(code string) (kind, id string, issued time.Time, valid bool) {
	parts := strings.Split(code, ".")
	if len(parts) != 5 || parts[0] != "CODE" || (parts[1] != "member" && parts[1] != "visitor") {
		return "", "", time.Time{}, false
	}
	sec, err := strconv.ParseInt(parts[2], 10, 64)
	raw, err2 := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil || err2 != nil || len(raw) == 0 {
		return "", "", time.Time{}, false
	}
	return parts[1], string(raw), time.Unix(sec, 0), true
}
