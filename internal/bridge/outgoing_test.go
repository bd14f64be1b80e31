package bridge

import "testing"

func TestOutgoing_Validate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(o *Outgoing)
		wantErr string
	}{
		{"text", func(o *Outgoing) {}, ""},
		{"image", func(o *Outgoing) { o.MsgType, o.Text, o.ImageURL = "image", "", "https://cdn.example.com/a.png" }, ""},
		{"image_without_url", func(o *Outgoing) { o.MsgType, o.Text = "image", "" }, "image_url: required"},
		{"link", func(o *Outgoing) {
			o.MsgType, o.Link = "link", &Link{Title: "冬季保養(yǎng)", URL: "https://example.com/w"}
		}, ""},
		{"link_missing", func(o *Outgoing) { o.MsgType = "link" }, "link: required for msg_type link"},
		{"miniprogram", func(o *Outgoing) {
			o.MsgType, o.MiniProgram = "miniprogram", &MiniProgram{AppID: "wx1234567890abcdef", Title: "保養(yǎng)預約", Page: "pages/booking/index?store=wangjing"}
		}, ""},
		{"miniprogram_missing", func(o *Outgoing) { o.MsgType = "miniprogram" }, "mini_program: required for msg_type miniprogram"},
		{"miniprogram_without_page", func(o *Outgoing) {
			o.MsgType, o.MiniProgram = "miniprogram", &MiniProgram{AppID: "wx1234567890abcdef", Title: "保養(yǎng)預約"}
		}, "mini_program.page: required"},
		{"unknown_type", func(o *Outgoing) { o.MsgType = "voice" }, "msg_type: must be one of text, image, link, miniprogram"},
		{"blank_text", func(o *Outgoing) { o.Text = " \n" }, "text: required"},
		{"no_chat", func(o *Outgoing) { o.ChatID = "" }, "chat_id: required"},
		{"key_with_newline", func(o *Outgoing) { o.IdempotencyKey = "a\nb" }, "idempotency_key: must be printable ASCII without spaces"},
		{"bad_reply_to", func(o *Outgoing) { o.ReplyTo = "引用" }, "reply_to: must be printable ASCII without spaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOutgoing()
			tt.edit(&o)
			err := o.Validate()
			if got := errText(err); got != tt.wantErr {
				t.Fatalf("Validate() = %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
