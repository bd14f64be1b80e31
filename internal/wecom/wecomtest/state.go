package wecomtest

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// tokenTTL is how long WeCom access tokens live.
const tokenTTL = 7200 * time.Second

// state is everything the fake remembers; Server.mu guards it.
type state struct {
	corps       map[string]map[string]bool // corpID → accepted secrets
	current     map[string]string          // corpID+"\x00"+secret → current token
	tokens      map[string]*token
	failures    map[string][]failure
	calls       []Call
	users       map[string]bool
	webhookKeys map[string]bool
	welcomeUsed map[string]bool
	groups      map[string]*GroupChat
	groupOrder  []string
	joinWays    map[string]*JoinWay
	templates   map[string]map[string]any
	groupMsgs   map[string]*groupMsg
	webhookSent map[string][]time.Time
	seq         int
}

type token struct {
	expires time.Time
	expired bool
}

// failure is an injected answer for the next calls to a path.
type failure struct {
	errcode int
	status  int
	left    int
}

func newState() state {
	return state{
		corps:       map[string]map[string]bool{},
		current:     map[string]string{},
		tokens:      map[string]*token{},
		failures:    map[string][]failure{},
		users:       map[string]bool{},
		webhookKeys: map[string]bool{},
		welcomeUsed: map[string]bool{},
		groups:      map[string]*GroupChat{},
		joinWays:    map[string]*JoinWay{},
		templates:   map[string]map[string]any{},
		groupMsgs:   map[string]*groupMsg{},
	}
}

// injected pops an injected failure for path, if one is pending.
func (st *state) injected(path string) (result, bool) {
	queue := st.failures[path]
	for len(queue) > 0 && queue[0].left <= 0 {
		queue = queue[1:]
	}
	st.failures[path] = queue
	if len(queue) == 0 {
		return result{}, false
	}
	queue[0].left--
	if queue[0].status != 0 {
		return result{status: queue[0].status}, true
	}
	return fail(queue[0].errcode, ""), true
}

// checkToken answers 0 for a valid token, else WeCom's errcode.
func (st *state) checkToken(tok string, now time.Time) int {
	if tok == "" {
		return 41001
	}
	t, found := st.tokens[tok]
	if !found {
		return 40014
	}
	if t.expired || !now.Before(t.expires) {
		return 42001
	}
	return 0
}

// issueToken returns the corp app's current token, or a new one when the
// current one has expired: like WeCom, a token is stable within its validity.
func (st *state) issueToken(corpID, secret string, now time.Time) (string, time.Duration) {
	key := corpID + "\x00" + secret
	if cur, found := st.current[key]; found {
		t := st.tokens[cur]
		if !t.expired && now.Before(t.expires) {
			return cur, t.expires.Sub(now)
		}
	}
	tok := st.newID("tok")
	st.tokens[tok] = &token{expires: now.Add(tokenTTL)}
	st.current[key] = tok
	return tok, tokenTTL
}

// newID returns a unique opaque identifier with a readable prefix.
func (st *state) newID(prefix string) string {
	st.seq++
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s%d%s", prefix, st.seq, hex.EncodeToString(b[:]))
}

// knownUser reports whether a staff user ID exists in the corp.
func (st *state) knownUser(id string) bool {
	if st.users[id] {
		return true
	}
	for _, g := range st.groups {
		if g.Owner == id || contains(g.Admins, id) {
			return true
		}
		for _, m := range g.Members {
			if m.Type == MemberStaff && m.UserID == id {
				return true
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// getToken answers /cgi-bin/gettoken (doc 91039).
func (s *Server) getToken(r *request) result {
	corpID, secret := r.query.Get("corpid"), r.query.Get("corpsecret")
	switch {
	case corpID == "":
		return fail(41002, "")
	case secret == "":
		return fail(41004, "")
	case s.st.corps[corpID] == nil:
		return fail(40013, "")
	case !s.st.corps[corpID][secret]:
		return fail(40001, "")
	}
	tok, ttl := s.st.issueToken(corpID, secret, s.now())
	return ok(map[string]any{"access_token": tok, "expires_in": int(ttl.Seconds())})
}
