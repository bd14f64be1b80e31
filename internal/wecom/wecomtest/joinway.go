package wecomtest

import (
	"unicode/utf8"
)

// Join way limits from doc 92229.
const (
	maxJoinWayChats  = 5
	maxJoinWayState  = 30
	maxJoinWayRemark = 30
	maxRoomBaseName  = 40
)

// JoinWay is a 「加入群聊」 configuration (join-group live code) the fake holds.
type JoinWay struct {
	ConfigID       string
	Scene          int // 1 mini-program button, 2 QR code
	Remark         string
	AutoCreateRoom int
	RoomBaseName   string
	RoomBaseID     int
	ChatIDs        []string
	State          string
	MarkSource     bool
	QRCode         string
}

// JoinWay returns a copy of a join way configuration.
func (s *Server) JoinWay(configID string) (JoinWay, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	jw, found := s.st.joinWays[configID]
	if !found {
		return JoinWay{}, false
	}
	out := *jw
	out.ChatIDs = append([]string(nil), jw.ChatIDs...)
	return out, true
}

// joinWayRequest is the body of add_join_way and update_join_way.
type joinWayRequest struct {
	ConfigID       string   `json:"config_id"`
	Scene          int      `json:"scene"`
	Remark         string   `json:"remark"`
	AutoCreateRoom *int     `json:"auto_create_room"`
	RoomBaseName   string   `json:"room_base_name"`
	RoomBaseID     int      `json:"room_base_id"`
	ChatIDList     []string `json:"chat_id_list"`
	State          string   `json:"state"`
	MarkSource     bool     `json:"mark_source"`
}

// validate checks the request like WeCom does; it returns an errcode and detail.
func (st *state) validateJoinWay(req joinWayRequest) (int, string) {
	switch {
	case req.Scene != 1 && req.Scene != 2:
		return 40058, "scene must be 1 or 2"
	case len(req.ChatIDList) == 0 || len(req.ChatIDList) > maxJoinWayChats:
		return 40058, "chat_id_list must hold 1-5 chats"
	case utf8.RuneCountInString(req.State) > maxJoinWayState:
		return 40058, "state longer than 30 characters"
	case utf8.RuneCountInString(req.RoomBaseName) > maxRoomBaseName:
		return 40058, "room_base_name longer than 40 characters"
	case req.AutoCreateRoom != nil && *req.AutoCreateRoom != 0 && *req.AutoCreateRoom != 1:
		return 40058, "auto_create_room must be 0 or 1"
	}
	for _, id := range req.ChatIDList {
		if st.groups[id] == nil {
			return 40050, id
		}
	}
	return 0, ""
}

// apply copies the request onto jw, with WeCom's defaults and truncation.
func (req joinWayRequest) apply(jw *JoinWay) {
	jw.Scene = req.Scene
	jw.Remark = truncateRunes(req.Remark, maxJoinWayRemark)
	jw.AutoCreateRoom = 1
	if req.AutoCreateRoom != nil {
		jw.AutoCreateRoom = *req.AutoCreateRoom
	}
	jw.RoomBaseName = req.RoomBaseName
	jw.RoomBaseID = req.RoomBaseID
	jw.ChatIDs = append([]string(nil), req.ChatIDList...)
	jw.State = req.State
	jw.MarkSource = req.MarkSource
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func (st *state) qrCode(scene int) string {
	if scene != 2 {
		return ""
	}
	return "https://wework.qpic.cn/wwpic/" + st.newID("qr") + "/0"
}

// addJoinWay answers externalcontact/groupchat/add_join_way.
func (s *Server) addJoinWay(r *request) result {
	var req joinWayRequest
	if !r.decode(&req) {
		return fail(47001, "")
	}
	if code, detail := s.st.validateJoinWay(req); code != 0 {
		return fail(code, detail)
	}
	jw := &JoinWay{ConfigID: md5hex(s.st.newID("jw"))}
	req.apply(jw)
	jw.QRCode = s.st.qrCode(jw.Scene)
	s.st.joinWays[jw.ConfigID] = jw
	return ok(map[string]any{"config_id": jw.ConfigID})
}

// getJoinWay answers externalcontact/groupchat/get_join_way.
func (s *Server) getJoinWay(r *request) result {
	jw, res := s.findJoinWay(r)
	if jw == nil {
		return res
	}
	w := map[string]any{
		"config_id": jw.ConfigID, "scene": jw.Scene, "remark": jw.Remark, "auto_create_room": jw.AutoCreateRoom,
		"room_base_name": jw.RoomBaseName, "room_base_id": jw.RoomBaseID, "chat_id_list": jw.ChatIDs,
		"state": jw.State, "mark_source": jw.MarkSource,
	}
	if jw.QRCode != "" {
		w["qr_code"] = jw.QRCode
	}
	return ok(map[string]any{"join_way": w})
}

// updateJoinWay answers externalcontact/groupchat/update_join_way: the whole
// configuration is replaced.
func (s *Server) updateJoinWay(r *request) result {
	var req joinWayRequest
	if !r.decode(&req) {
		return fail(47001, "")
	}
	jw, found := s.st.joinWays[req.ConfigID]
	if !found {
		return fail(40058, "invalid config_id")
	}
	if code, detail := s.st.validateJoinWay(req); code != 0 {
		return fail(code, detail)
	}
	oldScene := jw.Scene
	req.apply(jw)
	if s.newQR || oldScene != jw.Scene {
		jw.QRCode = s.st.qrCode(jw.Scene)
	}
	return ok(nil)
}

// delJoinWay answers externalcontact/groupchat/del_join_way.
func (s *Server) delJoinWay(r *request) result {
	jw, res := s.findJoinWay(r)
	if jw == nil {
		return res
	}
	delete(s.st.joinWays, jw.ConfigID)
	return ok(nil)
}

func (s *Server) findJoinWay(r *request) (*JoinWay, result) {
	var req struct {
		ConfigID string `json:"config_id"`
	}
	if !r.decode(&req) || req.ConfigID == "" {
		return nil, fail(40058, "config_id is required")
	}
	jw, found := s.st.joinWays[req.ConfigID]
	if !found {
		return nil, fail(40058, "invalid config_id")
	}
	return jw, result{}
}
