package wecom_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

var (
	created = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	joined  = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
)

func seededGroup() wecomtest.GroupChat {
	return wecomtest.GroupChat{
		ChatID: "wrStore001", Name: "一店一群·南山店", Owner: "zhangsan", Notice: "文明溝通", CreateTime: created,
		Admins: []string{"lisi"},
		Members: []wecomtest.Member{
			{UserID: "zhangsan", Type: wecomtest.MemberStaff, JoinTime: created, JoinScene: 1, Name: "張三", GroupNickname: "店長"},
			{UserID: "wmCustomer1", Type: wecomtest.MemberExternal, UnionID: "ozUnion1", JoinTime: joined, JoinScene: 3,
				Invitor: "zhangsan", Name: "王先生", State: "poster-a"},
		},
	}
}

func TestGetGroupChat(t *testing.T) {
	fake := newFake(t, wecomtest.WithGroupChats(seededGroup()))
	c := newClient(t, fake)
	got, err := c.GetGroupChat(context.Background(), "wrStore001")
	if err != nil {
		t.Fatalf("GetGroupChat: %v", err)
	}
	assertFields(t, lastCall(t, fake, "/cgi-bin/externalcontact/groupchat/get"), map[string]any{"chat_id": "wrStore001", "need_name": 1})
	seeded, _ := fake.GroupChat("wrStore001")
	want := wecom.GroupChat{
		ChatID: "wrStore001", Name: "一店一群·南山店", Owner: "zhangsan", Notice: "文明溝通", CreateTime: created,
		Admins: []string{"lisi"}, MemberVersion: seeded.MemberVersion,
		Members: []wecom.GroupMember{
			{UserID: "zhangsan", Type: wecom.MemberStaff, JoinTime: created, JoinScene: wecom.JoinInvited, Name: "張三", GroupNickname: "店長"},
			{UserID: "wmCustomer1", Type: wecom.MemberExternal, UnionID: "ozUnion1", JoinTime: joined, JoinScene: wecom.JoinByQR,
				Invitor: "zhangsan", Name: "王先生", State: "poster-a"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" || got.MemberVersion == "" {
		t.Errorf("GetGroupChat (-want +got):\n%s", diff)
	}

	if err := fake.AddMember("wrStore001", wecomtest.Member{UserID: "wmCustomer2", Type: wecomtest.MemberExternal}); err != nil {
		t.Fatal(err)
	}
	again, err := c.GetGroupChat(context.Background(), "wrStore001")
	if err != nil || len(again.Members) != 3 || again.MemberVersion == got.MemberVersion {
		t.Errorf("after a join: %d members, version %q (was %q), err %v; want 3 and a new version", len(again.Members), again.MemberVersion, got.MemberVersion, err)
	}
}

func TestGetGroupChat_unknown(t *testing.T) {
	c := newClient(t, newFake(t))
	_, err := c.GetGroupChat(context.Background(), "wrNobody")
	if apiErr := apiError(t, err); apiErr.Code != 40050 || wecom.IsTemporary(err) {
		t.Errorf("error = %v, want permanent 40050", err)
	}
	if !strings.Contains(err.Error(), "wrNobody") {
		t.Errorf("error %q does not name the chat", err)
	}
}

func TestListGroupChats(t *testing.T) {
	var chats []wecomtest.GroupChat
	for i := range 5 {
		owner := "zhangsan"
		if i == 4 {
			owner = "lisi"
		}
		chats = append(chats, wecomtest.GroupChat{ChatID: fmt.Sprintf("wr%d", i), Owner: owner})
	}
	fake := newFake(t, wecomtest.WithGroupChats(chats...))
	c := newClient(t, fake)
	var got []string
	q := wecom.GroupChatQuery{OwnerUserIDs: []string{"zhangsan"}, Limit: 3}
	for pages := 0; pages < 10; pages++ {
		page, err := c.ListGroupChats(context.Background(), q)
		if err != nil {
			t.Fatalf("ListGroupChats: %v", err)
		}
		for _, g := range page.Chats {
			got = append(got, g.ChatID)
		}
		if q.Cursor = page.NextCursor; q.Cursor == "" {
			break
		}
	}
	if diff := cmp.Diff([]string{"wr0", "wr1", "wr2", "wr3"}, got); diff != "" {
		t.Errorf("listed chats (-want +got):\n%s", diff)
	}
	assertFields(t, lastCall(t, fake, "/cgi-bin/externalcontact/groupchat/list"), map[string]any{
		"status_filter": 0, "owner_filter.userid_list": []any{"zhangsan"}, "limit": 3, "cursor": "CURSOR3",
	})
}

func TestJoinWay_lifecycle(t *testing.T) {
	var chats []wecomtest.GroupChat
	for i := range 7 {
		chats = append(chats, wecomtest.GroupChat{ChatID: fmt.Sprintf("wrPool%d", i), Owner: "zhangsan"})
	}
	fake := newFake(t, wecomtest.WithGroupChats(chats...))
	c := newClient(t, fake)
	ctx := context.Background()
	jw := wecom.JoinWay{Remark: "南山店海報", AutoCreateRoom: true, RoomBaseName: "南山店", RoomBaseID: 10,
		ChatIDs: []string{"wrPool0", "wrPool1"}, State: "poster-a", MarkSource: true}
	id, err := c.AddJoinWay(ctx, jw)
	if err != nil || id == "" {
		t.Fatalf("AddJoinWay = %q, %v", id, err)
	}
	assertFields(t, lastCall(t, fake, "/cgi-bin/externalcontact/groupchat/add_join_way"), map[string]any{
		"scene": 2, "auto_create_room": 1, "room_base_name": "南山店", "room_base_id": 10,
		"chat_id_list": []any{"wrPool0", "wrPool1"}, "state": "poster-a", "mark_source": true, "remark": "南山店海報",
	})
	got, err := c.GetJoinWay(ctx, id)
	if err != nil || !strings.HasPrefix(got.QRCode, "https://") {
		t.Fatalf("GetJoinWay = %+v, %v; want a QR code URL", got, err)
	}
	jw.ConfigID, jw.Scene, jw.QRCode = id, wecom.SceneQRCode, got.QRCode
	if diff := cmp.Diff(jw, got); diff != "" {
		t.Errorf("GetJoinWay (-want +got):\n%s", diff)
	}

	jw.ChatIDs, jw.AutoCreateRoom = []string{"wrPool2", "wrPool3", "wrPool4", "wrPool5", "wrPool6"}, false
	if err := c.UpdateJoinWay(ctx, jw); err != nil {
		t.Fatalf("UpdateJoinWay: %v", err)
	}
	assertFields(t, lastCall(t, fake, "/cgi-bin/externalcontact/groupchat/update_join_way"),
		map[string]any{"config_id": id, "auto_create_room": 0, "chat_id_list.4": "wrPool6"})
	if got, err = c.GetJoinWay(ctx, id); err != nil || !cmp.Equal(got.ChatIDs, jw.ChatIDs) || got.AutoCreateRoom {
		t.Errorf("after update: %+v, %v", got, err)
	}

	if err := c.DeleteJoinWay(ctx, id); err != nil {
		t.Fatalf("DeleteJoinWay: %v", err)
	}
	if _, err := c.GetJoinWay(ctx, id); err == nil {
		t.Error("GetJoinWay after delete succeeded")
	}
}

func TestJoinWay_invalid(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	tests := map[string]wecom.JoinWay{
		"no_chats":       {},
		"six_chats":      {ChatIDs: []string{"1", "2", "3", "4", "5", "6"}},
		"state_too_long": {ChatIDs: []string{"1"}, State: strings.Repeat("長", 31)},
	}
	for name, jw := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := c.AddJoinWay(context.Background(), jw); !errors.Is(err, wecom.ErrInvalidRequest) {
				t.Errorf("error = %v, want ErrInvalidRequest", err)
			}
		})
	}
	if err := c.UpdateJoinWay(context.Background(), wecom.JoinWay{ChatIDs: []string{"1"}}); !errors.Is(err, wecom.ErrInvalidRequest) {
		t.Errorf("update without config id: %v, want ErrInvalidRequest", err)
	}
	if n := len(fake.Calls()); n != 0 {
		t.Errorf("invalid join ways reached WeCom %d times", n)
	}
}

func TestGroupWelcomeTemplate_lifecycle(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	ctx := context.Background()
	tpl := wecom.GroupWelcomeTemplate{Text: &wecom.Text{Content: "歡迎 %NICKNAME% 入群"}, Image: &wecom.Image{PicURL: "https://example.com/rules.png"}}
	id, err := c.AddGroupWelcomeTemplate(ctx, tpl)
	if err != nil || id == "" {
		t.Fatalf("AddGroupWelcomeTemplate = %q, %v", id, err)
	}
	add := lastCall(t, fake, "/cgi-bin/externalcontact/group_welcome_template/add")
	assertFields(t, add, map[string]any{"text.content": "歡迎 %NICKNAME% 入群", "image.pic_url": "https://example.com/rules.png"})
	if _, hasNotify := jsonBody(t, add)["notify"]; hasNotify {
		t.Errorf("notify sent without SkipNotify: %s", add.Body)
	}
	got, err := c.GetGroupWelcomeTemplate(ctx, id)
	tpl.TemplateID = id
	if diff := cmp.Diff(tpl, got); err != nil || diff != "" {
		t.Errorf("GetGroupWelcomeTemplate err %v (-want +got):\n%s", err, diff)
	}

	edit := wecom.GroupWelcomeTemplate{TemplateID: id, Text: &wecom.Text{Content: "新版群規"}, SkipNotify: true}
	if err := c.EditGroupWelcomeTemplate(ctx, edit); err != nil {
		t.Fatalf("EditGroupWelcomeTemplate: %v", err)
	}
	assertFields(t, lastCall(t, fake, "/cgi-bin/externalcontact/group_welcome_template/edit"),
		map[string]any{"template_id": id, "text.content": "新版群規", "notify": 0})
	if got, err = c.GetGroupWelcomeTemplate(ctx, id); err != nil || got.Text.Content != "新版群規" || got.Image == nil {
		t.Errorf("after edit: %+v, %v; want new text and the image kept", got, err)
	}

	if err := c.DeleteGroupWelcomeTemplate(ctx, id); err != nil {
		t.Fatalf("DeleteGroupWelcomeTemplate: %v", err)
	}
	if _, err := c.GetGroupWelcomeTemplate(ctx, id); err == nil {
		t.Error("GetGroupWelcomeTemplate after delete succeeded")
	}
}
