package wecomtest

import (
	"fmt"
	"unicode/utf8"
)

// Paths of the contact way (「联系我」) APIs and mark_tag.
const (
	pathAddContactWay    = "/cgi-bin/externalcontact/add_contact_way"
	pathUpdateContactWay = "/cgi-bin/externalcontact/update_contact_way"
	pathDelContactWay    = "/cgi-bin/externalcontact/del_contact_way"
	pathMarkTag          = "/cgi-bin/externalcontact/mark_tag"
)

func init() {
	routes[pathAddContactWay] = route{auth: true, json: true, handle: (*Server).addContactWay}
	routes[pathUpdateContactWay] = route{auth: true, json: true, handle: (*Server).updateContactWay}
	routes[pathDelContactWay] = route{auth: true, json: true, handle: (*Server).delContactWay}
	routes[pathMarkTag] = route{auth: true, json: true, handle: (*Server).markTag}
}

// contactWayRequest is the body of add_contact_way and update_contact_way.
type contactWayRequest struct {
	ConfigID string   `json:"config_id"`
	Type     int      `json:"type"`
	Scene    int      `json:"scene"`
	State    string   `json:"state"`
	User     []string `json:"user"`
}

// contactWayID is the config id of the contact way added by the call with
// index i: the fake keeps no table of contact ways, it reads them back from
// its call log.
func contactWayID(i int) string { return md5hex(fmt.Sprintf("contact-way#%d", i)) }

// ContactWayLive reports whether a contact way was added and not deleted.
func (s *Server) ContactWayLive(configID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.contactWayLive(configID)
}

// contactWayLive is ContactWayLive with s.mu held.
func (st *state) contactWayLive(configID string) bool {
	live := false
	for i, c := range st.calls {
		if c.ErrCode != 0 {
			continue
		}
		switch c.Path {
		case pathAddContactWay:
			if contactWayID(i) == configID {
				live = true
			}
		case pathDelContactWay:
			var req contactWayRequest
			if (&request{body: c.Body}).decode(&req) && req.ConfigID == configID {
				live = false
			}
		}
	}
	return live
}

// validateUsers checks the staff list of a contact way.
func (st *state) validateUsers(req contactWayRequest) (int, string) {
	switch {
	case len(req.User) == 0 || len(req.User) > 100:
		return 40058, "user must hold 1-100 userids"
	case utf8.RuneCountInString(req.State) > 30:
		return 40058, "state longer than 30 characters"
	}
	for _, u := range req.User {
		if !st.knownUser(u) {
			return 40003, u
		}
	}
	return 0, ""
}

// addContactWay answers externalcontact/add_contact_way (doc 92228).
func (s *Server) addContactWay(r *request) result {
	var req contactWayRequest
	if !r.decode(&req) {
		return fail(47001, "")
	}
	switch {
	case req.Type != 1 && req.Type != 2:
		return fail(40058, "type must be 1 or 2")
	case req.Scene != 1 && req.Scene != 2:
		return fail(40058, "scene must be 1 or 2")
	case req.Type == 1 && len(req.User) != 1:
		return fail(40058, "a single contact way has one user")
	}
	if code, detail := s.st.validateUsers(req); code != 0 {
		return fail(code, detail)
	}
	id := contactWayID(len(s.st.calls))
	out := map[string]any{"config_id": id}
	if req.Scene == 2 {
		out["qr_code"] = "https://wework.qpic.cn/wwpic/cw" + id[:12] + "/0"
	}
	return ok(out)
}

// updateContactWay answers externalcontact/update_contact_way.
func (s *Server) updateContactWay(r *request) result {
	var req contactWayRequest
	if !r.decode(&req) {
		return fail(47001, "")
	}
	if !s.st.contactWayLive(req.ConfigID) {
		return fail(40058, "invalid config_id")
	}
	if code, detail := s.st.validateUsers(req); code != 0 {
		return fail(code, detail)
	}
	return ok(nil)
}

// delContactWay answers externalcontact/del_contact_way.
func (s *Server) delContactWay(r *request) result {
	var req contactWayRequest
	if !r.decode(&req) || req.ConfigID == "" {
		return fail(40058, "config_id is required")
	}
	if !s.st.contactWayLive(req.ConfigID) {
		return fail(40058, "invalid config_id")
	}
	return ok(nil)
}

// markTag answers externalcontact/mark_tag (doc 92118): tags are not
// checked against a tag library the fake does not have.
func (s *Server) markTag(r *request) result {
	var req struct {
		UserID         string   `json:"userid"`
		ExternalUserID string   `json:"external_userid"`
		AddTag         []string `json:"add_tag"`
		RemoveTag      []string `json:"remove_tag"`
	}
	switch {
	case !r.decode(&req):
		return fail(47001, "")
	case req.UserID == "" || req.ExternalUserID == "":
		return fail(40058, "userid and external_userid are required")
	case len(req.AddTag) == 0 && len(req.RemoveTag) == 0:
		return fail(40058, "add_tag or remove_tag is required")
	case !s.st.knownUser(req.UserID):
		return fail(40003, req.UserID)
	}
	return ok(nil)
}
