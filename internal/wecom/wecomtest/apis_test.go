package wecomtest_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

func TestSendWelcomeMsg(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	img := `{"msgtype":"image","image":{"media_id":"m"}}`
	tests := []struct {
		name, body string
		code       int
	}{
		{"first_use", `{"welcome_code":"c1","text":{"content":"hi"}}`, 0},
		{"second_use", `{"welcome_code":"c1","text":{"content":"again"}}`, 41051},
		{"attachments_only", `{"welcome_code":"c2","attachments":[` + img + `]}`, 0},
		{"no_code", `{"text":{"content":"hi"}}`, 40058},
		{"no_content", `{"welcome_code":"c3"}`, 44004},
		{"ten_attachments", `{"welcome_code":"c4","attachments":[` + strings.Repeat(img+",", 9) + img + `]}`, 40058},
		{"attachment_without_part", `{"welcome_code":"c5","attachments":[{"msgtype":"image"}]}`, 40008},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, post(t, s, tok, "externalcontact/send_welcome_msg", tt.body), tt.code)
		})
	}
}

func seeded() wecomtest.GroupChat {
	return wecomtest.GroupChat{ChatID: "wr1", Name: "南山店", Owner: "zhangsan", CreateTime: time.Unix(1700000000, 0),
		Admins: []string{"lisi"},
		Members: []wecomtest.Member{
			{UserID: "zhangsan", Type: wecomtest.MemberStaff, Name: "張三", JoinTime: time.Unix(1700000000, 0), JoinScene: 1},
			{UserID: "wm1", Type: wecomtest.MemberExternal, Name: "王", UnionID: "u1", Invitor: "zhangsan", JoinScene: 3, State: "s1",
				JoinTime: time.Unix(1700000100, 0)},
		}}
}

func TestGroupChatGet(t *testing.T) {
	s := start(t, wecomtest.WithGroupChats(seeded()))
	tok := token(t, s)
	a := post(t, s, tok, "externalcontact/groupchat/get", `{"chat_id":"wr1","need_name":1}`)
	wantCode(t, a, 0)
	g := a["group_chat"].(map[string]any)
	members := g["member_list"].([]any)
	ext := members[1].(map[string]any)
	if g["owner"] != "zhangsan" || g["create_time"] != 1700000000.0 || len(members) != 2 || g["member_version"] == "" ||
		ext["name"] != "王" || ext["state"] != "s1" || ext["invitor"].(map[string]any)["userid"] != "zhangsan" || ext["unionid"] != "u1" {
		t.Errorf("group_chat = %v", g)
	}
	noNames := post(t, s, tok, "externalcontact/groupchat/get", `{"chat_id":"wr1"}`)
	if _, has := noNames["group_chat"].(map[string]any)["member_list"].([]any)[0].(map[string]any)["name"]; has {
		t.Error("member name returned without need_name")
	}
	wantCode(t, post(t, s, tok, "externalcontact/groupchat/get", `{"chat_id":"wrX"}`), 40050)
	wantCode(t, post(t, s, tok, "externalcontact/groupchat/get", `{}`), 40058)
}

func TestMemberVersionChanges(t *testing.T) {
	s := start(t, wecomtest.WithGroupChats(seeded()))
	before, _ := s.GroupChat("wr1")
	if err := s.AddMember("wr1", wecomtest.Member{UserID: "wm2", Type: wecomtest.MemberExternal}); err != nil {
		t.Fatal(err)
	}
	added, _ := s.GroupChat("wr1")
	if err := s.RemoveMember("wr1", "wm2"); err != nil {
		t.Fatal(err)
	}
	removed, _ := s.GroupChat("wr1")
	versions := map[string]bool{before.MemberVersion: true, added.MemberVersion: true, removed.MemberVersion: true}
	if len(versions) != 3 || len(added.Members) != 3 || len(removed.Members) != 2 {
		t.Errorf("versions %v, members %d then %d; want 3 distinct versions", versions, len(added.Members), len(removed.Members))
	}
	if err := s.AddMember("wrX", wecomtest.Member{}); err == nil {
		t.Error("AddMember to an unknown chat succeeded")
	}
}

func TestGroupChatList(t *testing.T) {
	var chats []wecomtest.GroupChat
	for i := range 5 {
		chats = append(chats, wecomtest.GroupChat{ChatID: fmt.Sprintf("wr%d", i), Owner: "o" + fmt.Sprint(i%2), Status: i / 4})
	}
	s := start(t, wecomtest.WithGroupChats(chats...))
	tok := token(t, s)
	page1 := post(t, s, tok, "externalcontact/groupchat/list", `{"limit":2}`)
	page2 := post(t, s, tok, "externalcontact/groupchat/list", `{"limit":2,"cursor":"`+page1.str("next_cursor")+`"}`)
	if ids(page1) != "wr0,wr1" || ids(page2) != "wr2,wr3" || page2.str("next_cursor") != "" {
		t.Errorf("pages %s / %s (next %q), want wr0,wr1 / wr2,wr3 then the end (wr4 has status 1)", ids(page1), ids(page2), page2.str("next_cursor"))
	}
	if got := ids(post(t, s, tok, "externalcontact/groupchat/list", `{"limit":10,"owner_filter":{"userid_list":["o1"]}}`)); got != "wr1,wr3" {
		t.Errorf("owner filter = %s, want wr1,wr3", got)
	}
	if got := ids(post(t, s, tok, "externalcontact/groupchat/list", `{"limit":10,"status_filter":1}`)); got != "wr4" {
		t.Errorf("status filter = %s, want wr4", got)
	}
	wantCode(t, post(t, s, tok, "externalcontact/groupchat/list", `{}`), 40058)
	wantCode(t, post(t, s, tok, "externalcontact/groupchat/list", `{"limit":1001}`), 40058)
	wantCode(t, post(t, s, tok, "externalcontact/groupchat/list", `{"limit":1,"cursor":"bogus"}`), 40058)
}

func ids(a answer) string {
	var out []string
	list, _ := a["group_chat_list"].([]any)
	for _, g := range list {
		out = append(out, g.(map[string]any)["chat_id"].(string))
	}
	return strings.Join(out, ",")
}

func TestJoinWay(t *testing.T) {
	var chats []wecomtest.GroupChat
	for i := range 6 {
		chats = append(chats, wecomtest.GroupChat{ChatID: fmt.Sprintf("wr%d", i)})
	}
	for _, newQR := range []bool{false, true} {
		t.Run(fmt.Sprintf("new_qr_on_update_%v", newQR), func(t *testing.T) {
			opts := []wecomtest.Option{wecomtest.WithGroupChats(chats...)}
			if newQR {
				opts = append(opts, wecomtest.WithNewQROnUpdate())
			}
			s := start(t, opts...)
			tok := token(t, s)
			add := post(t, s, tok, "externalcontact/groupchat/add_join_way", `{"scene":2,"remark":"`+strings.Repeat("備", 35)+`","chat_id_list":["wr0"],"state":"poster"}`)
			wantCode(t, add, 0)
			id := add.str("config_id")
			jw, _ := s.JoinWay(id)
			if jw.AutoCreateRoom != 1 || len([]rune(jw.Remark)) != 30 || !strings.HasPrefix(jw.QRCode, "https://") {
				t.Errorf("join way = %+v, want auto_create_room default 1, remark cut to 30, a QR code", jw)
			}
			get := post(t, s, tok, "externalcontact/groupchat/get_join_way", `{"config_id":"`+id+`"}`)
			if w := get["join_way"].(map[string]any); w["qr_code"] != jw.QRCode || w["state"] != "poster" {
				t.Errorf("get_join_way = %v", w)
			}
			wantCode(t, post(t, s, tok, "externalcontact/groupchat/update_join_way", `{"config_id":"`+id+`","scene":2,"auto_create_room":0,"chat_id_list":["wr1","wr2"]}`), 0)
			updated, _ := s.JoinWay(id)
			if updated.AutoCreateRoom != 0 || strings.Join(updated.ChatIDs, ",") != "wr1,wr2" || (updated.QRCode != jw.QRCode) != newQR {
				t.Errorf("after update %+v (QR was %s)", updated, jw.QRCode)
			}
			wantCode(t, post(t, s, tok, "externalcontact/groupchat/del_join_way", `{"config_id":"`+id+`"}`), 0)
			wantCode(t, post(t, s, tok, "externalcontact/groupchat/get_join_way", `{"config_id":"`+id+`"}`), 40058)
		})
	}
}

func TestJoinWay_invalid(t *testing.T) {
	s := start(t, wecomtest.WithGroupChats(wecomtest.GroupChat{ChatID: "wr0"}))
	tok := token(t, s)
	tests := []struct {
		name, body string
		code       int
	}{
		{"six_chats", `{"scene":2,"chat_id_list":["wr0","wr0","wr0","wr0","wr0","wr0"]}`, 40058},
		{"no_chats", `{"scene":2}`, 40058},
		{"bad_scene", `{"scene":3,"chat_id_list":["wr0"]}`, 40058},
		{"unknown_chat", `{"scene":2,"chat_id_list":["wrX"]}`, 40050},
		{"long_state", `{"scene":2,"chat_id_list":["wr0"],"state":"` + strings.Repeat("x", 31) + `"}`, 40058},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, post(t, s, tok, "externalcontact/groupchat/add_join_way", tt.body), tt.code)
		})
	}
	wantCode(t, post(t, s, tok, "externalcontact/groupchat/update_join_way", `{"config_id":"nope","scene":2,"chat_id_list":["wr0"]}`), 40058)
}

func TestGroupWelcomeTemplates(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	add := post(t, s, tok, "externalcontact/group_welcome_template/add", `{"text":{"content":"歡迎 %NICKNAME%"},"link":{"title":"t","url":"https://x"},"notify":0}`)
	wantCode(t, add, 0)
	id := add.str("template_id")
	wantCode(t, post(t, s, tok, "externalcontact/group_welcome_template/edit", `{"template_id":"`+id+`","text":{"content":"新"}}`), 0)
	got := post(t, s, tok, "externalcontact/group_welcome_template/get", `{"template_id":"`+id+`"}`)
	if got["text"].(map[string]any)["content"] != "新" || got["link"] == nil || got["notify"] != nil {
		t.Errorf("template = %v, want the edited text, the kept link, no notify", got)
	}
	if stored, found := s.WelcomeTemplate(id); !found || string(stored["text"]) != `{"content":"新"}` {
		t.Errorf("WelcomeTemplate = %s, %v", stored, found)
	}
	wantCode(t, post(t, s, tok, "externalcontact/group_welcome_template/del", `{"template_id":"`+id+`"}`), 0)
	wantCode(t, post(t, s, tok, "externalcontact/group_welcome_template/get", `{"template_id":"`+id+`"}`), 40058)
	wantCode(t, post(t, s, tok, "externalcontact/group_welcome_template/add", `{"notify":1}`), 44004)
	for i := range 100 {
		wantCode(t, post(t, s, tok, "externalcontact/group_welcome_template/add", fmt.Sprintf(`{"text":{"content":"%d"}}`, i)), 0)
	}
	wantCode(t, post(t, s, tok, "externalcontact/group_welcome_template/add", `{"text":{"content":"101"}}`), 40058)
}

func TestMsgTemplate(t *testing.T) {
	s := start(t, wecomtest.WithGroupChats(
		wecomtest.GroupChat{ChatID: "wrA", Owner: "zhangsan"}, wecomtest.GroupChat{ChatID: "wrB", Owner: "zhangsan"},
		wecomtest.GroupChat{ChatID: "wrC", Owner: "lisi"}))
	tok := token(t, s)
	add := post(t, s, tok, "externalcontact/add_msg_template", `{"chat_type":"group","sender":"zhangsan","text":{"content":"hi"}}`)
	wantCode(t, add, 0)
	msgID := add.str("msgid")
	result := func() []any {
		a := post(t, s, tok, "externalcontact/get_groupmsg_send_result", `{"msgid":"`+msgID+`","userid":"zhangsan"}`)
		wantCode(t, a, 0)
		list, _ := a["send_list"].([]any)
		return list
	}
	sends := result()
	if len(sends) != 2 || sends[0].(map[string]any)["status"] != 0.0 || sends[0].(map[string]any)["chat_id"] != "wrA" {
		t.Fatalf("send_list = %v, want wrA and wrB pending (empty chat_id_list means all the sender's groups)", sends)
	}
	if !s.ConfirmGroupMsg(msgID) || s.ConfirmGroupMsg("nope") {
		t.Fatal("ConfirmGroupMsg answered wrongly")
	}
	for _, send := range result() {
		if m := send.(map[string]any); m["status"] != 1.0 || m["send_time"] == nil {
			t.Errorf("after confirmation: %v", m)
		}
	}
	failed := post(t, s, tok, "externalcontact/add_msg_template", `{"chat_type":"group","sender":"zhangsan","chat_id_list":["wrA","wrC","wrX"],"text":{"content":"hi"}}`)
	if fmt.Sprint(failed["fail_list"]) != "[wrC wrX]" {
		t.Errorf("fail_list = %v, want [wrC wrX]", failed["fail_list"])
	}
}

func TestMsgTemplate_invalid(t *testing.T) {
	s := start(t, wecomtest.WithUsers("zhangsan"))
	tok := token(t, s)
	many := `"` + strings.Repeat(`c","`, 2000) + `c"`
	tests := []struct {
		name, body string
		code       int
	}{
		{"group_without_sender", `{"chat_type":"group","text":{"content":"hi"}}`, 40058},
		{"too_many_chats", `{"chat_type":"group","sender":"zhangsan","chat_id_list":[` + many + `],"text":{"content":"hi"}}`, 40058},
		{"unknown_sender", `{"chat_type":"single","sender":"ghost","external_userid":["wm1"],"text":{"content":"hi"}}`, 40003},
		{"no_content", `{"chat_type":"single","external_userid":["wm1"]}`, 44004},
		{"bad_chat_type", `{"chat_type":"all","text":{"content":"hi"}}`, 40058},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, post(t, s, tok, "externalcontact/add_msg_template", tt.body), tt.code)
		})
	}
	wantCode(t, post(t, s, tok, "externalcontact/get_groupmsg_send_result", `{"msgid":"nope","userid":"zhangsan"}`), 40058)
	wantCode(t, post(t, s, tok, "externalcontact/get_groupmsg_send_result", `{"msgid":"x"}`), 40058)
}

func TestMessageSend(t *testing.T) {
	s := start(t, wecomtest.WithUsers("zhangsan", "lisi"))
	tok := token(t, s)
	tests := []struct {
		name, body, invalid string
		code                int
	}{
		{"text", `{"touser":"zhangsan|lisi","msgtype":"text","agentid":1,"text":{"content":"hi"}}`, "", 0},
		{"some_unknown", `{"touser":"zhangsan|ghost","msgtype":"text","agentid":1,"text":{"content":"hi"}}`, "ghost", 0},
		{"all_unknown", `{"touser":"ghost","msgtype":"text","agentid":1,"text":{"content":"hi"}}`, "ghost", 81013},
		{"everyone", `{"touser":"@all","msgtype":"markdown","agentid":1,"markdown":{"content":"**x**"}}`, "", 0},
		{"textcard", `{"touser":"lisi","msgtype":"textcard","agentid":1,"textcard":{"title":"t","description":"d","url":"https://x"}}`, "", 0},
		{"textcard_no_description", `{"touser":"lisi","msgtype":"textcard","agentid":1,"textcard":{"title":"t","url":"https://x"}}`, "", 41033},
		{"no_agentid", `{"touser":"lisi","msgtype":"text","text":{"content":"hi"}}`, "", 41011},
		{"empty_text", `{"touser":"lisi","msgtype":"text","agentid":1,"text":{"content":""}}`, "", 44004},
		{"unknown_msgtype", `{"touser":"lisi","msgtype":"hologram","agentid":1}`, "", 40008},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := post(t, s, tok, "message/send", tt.body)
			wantCode(t, a, tt.code)
			if a.str("invaliduser") != tt.invalid {
				t.Errorf("invaliduser = %q, want %q", a.str("invaliduser"), tt.invalid)
			}
			if tt.code == 0 && a.str("msgid") == "" {
				t.Error("no msgid")
			}
		})
	}
}

func TestTickets(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	q := url.Values{"access_token": {tok}}
	if a := do(t, s, "GET", "/cgi-bin/get_jsapi_ticket", q, ""); a.code() != 0 || a.str("ticket") == "" || a["expires_in"] != 7200.0 {
		t.Errorf("get_jsapi_ticket = %v", a)
	}
	q.Set("type", "agent_config")
	if a := do(t, s, "GET", "/cgi-bin/ticket/get", q, ""); a.code() != 0 || a.str("ticket") == "" {
		t.Errorf("ticket/get = %v", a)
	}
	q.Set("type", "jsapi")
	wantCode(t, do(t, s, "GET", "/cgi-bin/ticket/get", q, ""), 91040)
	wantCode(t, do(t, s, "GET", "/cgi-bin/get_jsapi_ticket", url.Values{}, ""), 41001)
}

func TestWebhook(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := start(t, wecomtest.WithWebhookKeys("K"), wecomtest.WithClock(clock))
	send := func(key, body string) answer {
		return do(t, s, "POST", "/cgi-bin/webhook/send", url.Values{"key": {key}}, body)
	}
	text := `{"msgtype":"text","text":{"content":"hi","mentioned_list":["@all"]}}`
	wantCode(t, send("nope", text), 93000)
	wantCode(t, send("K", `{"msgtype":"text","text":{"content":""}}`), 44004)
	wantCode(t, send("K", `{"msgtype":"text","text":{"content":"`+strings.Repeat("x", 2049)+`"}}`), 40058)
	wantCode(t, send("K", `{"msgtype":"video"}`), 40008)
	for i := range 20 {
		if a := send("K", text); a.code() != 0 {
			t.Fatalf("message %d: %v", i, a)
		}
	}
	wantCode(t, send("K", text), 45009)
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	wantCode(t, send("K", `{"msgtype":"markdown","markdown":{"content":"**ok**"}}`), 0)
}
