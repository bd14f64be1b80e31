package wecom

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// Join way limits (doc 92229).
const (
	MaxJoinWayChats = 5
	MaxJoinWayState = 30 // characters
)

// Join way scenes.
const (
	SceneMiniProgram = 1 // a button in a mini program
	SceneQRCode      = 2 // a QR code
)

// JoinWay is a 「加入群聊」 configuration: the join-group live code behind a
// pool of up to 5 groups. Configs made by API are not shown in the admin
// console and share a 500,000 quota with 聯系我.
type JoinWay struct {
	ConfigID       string   `json:"config_id,omitempty"`
	Scene          int      `json:"scene"` // 0 means SceneQRCode
	Remark         string   `json:"remark,omitempty"`
	AutoCreateRoom bool     `json:"-"`
	RoomBaseName   string   `json:"room_base_name,omitempty"`
	RoomBaseID     int      `json:"room_base_id,omitempty"`
	ChatIDs        []string `json:"chat_id_list"`
	State          string   `json:"state,omitempty"`
	MarkSource     bool     `json:"mark_source,omitempty"`
	QRCode         string   `json:"-"` // set by GetJoinWay for SceneQRCode
}

// joinWayWire is the request body: auto_create_room is always sent because
// WeCom's default is 1.
type joinWayWire struct {
	JoinWay
	AutoCreateRoom int `json:"auto_create_room"`
}

func (jw JoinWay) wire() (joinWayWire, error) {
	if jw.Scene == 0 {
		jw.Scene = SceneQRCode
	}
	switch {
	case len(jw.ChatIDs) == 0 || len(jw.ChatIDs) > MaxJoinWayChats:
		return joinWayWire{}, fmt.Errorf("a join way holds 1-%d groups, got %d: %w", MaxJoinWayChats, len(jw.ChatIDs), ErrInvalidRequest)
	case utf8.RuneCountInString(jw.State) > MaxJoinWayState:
		return joinWayWire{}, fmt.Errorf("join way state %q is longer than %d characters: %w", jw.State, MaxJoinWayState, ErrInvalidRequest)
	}
	w := joinWayWire{JoinWay: jw}
	if jw.AutoCreateRoom {
		w.AutoCreateRoom = 1
	}
	return w, nil
}

// AddJoinWay creates a join way and returns its config id.
func (c *Client) AddJoinWay(ctx context.Context, jw JoinWay) (string, error) {
	jw.ConfigID = ""
	w, err := jw.wire()
	if err != nil {
		return "", fmt.Errorf("add join way: %w", err)
	}
	var resp struct {
		ConfigID string `json:"config_id"`
	}
	if err := c.postJSON(ctx, c.contact, "externalcontact/groupchat/add_join_way", w, &resp); err != nil {
		return "", fmt.Errorf("add join way: %w", err)
	}
	return resp.ConfigID, nil
}

// GetJoinWay reads a join way, including its QR code URL.
func (c *Client) GetJoinWay(ctx context.Context, configID string) (JoinWay, error) {
	var resp struct {
		JoinWay struct {
			joinWayWire
			QRCode string `json:"qr_code"`
		} `json:"join_way"`
	}
	if err := c.postJSON(ctx, c.contact, "externalcontact/groupchat/get_join_way", configIDBody(configID), &resp); err != nil {
		return JoinWay{}, fmt.Errorf("get join way %s: %w", configID, err)
	}
	jw := resp.JoinWay.JoinWay
	jw.AutoCreateRoom = resp.JoinWay.AutoCreateRoom == 1
	jw.QRCode = resp.JoinWay.QRCode
	return jw, nil
}

// UpdateJoinWay replaces a join way's configuration (rotate ChatIDs to
// serve a pool bigger than 5). Whether WeCom keeps the QR image after an
// update is unverified: keep a stable landing URL in front of it.
func (c *Client) UpdateJoinWay(ctx context.Context, jw JoinWay) error {
	if jw.ConfigID == "" {
		return fmt.Errorf("update join way: config id is empty: %w", ErrInvalidRequest)
	}
	w, err := jw.wire()
	if err != nil {
		return fmt.Errorf("update join way %s: %w", jw.ConfigID, err)
	}
	if err := c.postJSON(ctx, c.contact, "externalcontact/groupchat/update_join_way", w, nil); err != nil {
		return fmt.Errorf("update join way %s: %w", jw.ConfigID, err)
	}
	return nil
}

// DeleteJoinWay deletes a join way.
func (c *Client) DeleteJoinWay(ctx context.Context, configID string) error {
	if err := c.postJSON(ctx, c.contact, "externalcontact/groupchat/del_join_way", configIDBody(configID), nil); err != nil {
		return fmt.Errorf("delete join way %s: %w", configID, err)
	}
	return nil
}

func configIDBody(id string) map[string]string { return map[string]string{"config_id": id} }
