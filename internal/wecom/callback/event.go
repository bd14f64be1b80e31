package callback

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Event is one decrypted app callback (XML): a customer-contact, customer
// group, tag or archive event, or a message a staff member sent to the app.
// At most one of the detail pointers is set, as MsgType and Event say.
type Event struct {
	ToUserName   string
	FromUserName string // "sys" for events; the staff userid for messages
	CreateTime   int64
	MsgType      string
	Event        string
	ChangeType   string
	AgentID      string
	MsgID        string

	Contact  *ContactChange  // Event change_external_contact
	Chat     *ChatChange     // Event change_external_chat
	Tag      *TagChange      // Event change_external_tag
	MsgAudit *MsgAuditNotify // Event msgaudit_notify
	Text     *StaffText      // MsgType text
}

// ContactChange is a change_external_contact event (doc 92130). Which fields
// are set depends on ChangeType: add_external_contact and
// add_half_external_contact carry State and WelcomeCode, del_external_contact
// carries Source, transfer_fail carries FailReason.
type ContactChange struct {
	UserID         string
	ExternalUserID string
	State          string
	WelcomeCode    string
	Source         string
	FailReason     string
}

// ChatChange is a change_external_chat event (create, update, dismiss).
// UpdateDetail says what an update changed (add_member, del_member,
// change_owner, change_name, change_notice). JoinScene is 0 for invited and
// 3 for scanned a QR code; QuitScene is 0 for left and 1 for removed.
// MemChangeList, LastMemVer and CurMemVer are missing from older payloads.
type ChatChange struct {
	ChatID        string
	UpdateDetail  string
	JoinScene     int
	QuitScene     int
	MemChangeCnt  int
	MemChangeList []string
	LastMemVer    string
	CurMemVer     string
}

// TagChange is a change_external_tag event (create, update, delete,
// shuffle). TagType is tag or tag_group; StrategyID is set for rule-group
// tags.
type TagChange struct {
	ID         string
	TagType    string
	StrategyID string
}

// MsgAuditNotify is the msgaudit_notify doorbell: new archived messages are
// ready to pull. It carries nothing beyond the header.
type MsgAuditNotify struct{}

// StaffText is a text message a staff member sent to the app.
type StaffText struct {
	UserID  string // the sender, from FromUserName
	Content string
	MsgID   string
}

// Event and message type names WeCom uses.
const (
	eventExternalContact = "change_external_contact"
	eventExternalChat    = "change_external_chat"
	eventExternalTag     = "change_external_tag"
	eventMsgAudit        = "msgaudit_notify"
	msgTypeEvent         = "event"
	msgTypeText          = "text"
)

// ParseEvent parses a decrypted app callback. It returns ErrMalformed for
// bad XML or a document without MsgType. An unknown MsgType, Event or
// ChangeType is not an error: the event parses with its Kind, so it can be
// stored and marked unhandled.
func ParseEvent(plaintext []byte) (Event, error) {
	var raw rawEvent
	if err := scanXML(plaintext, &raw); err != nil {
		return Event{}, fmt.Errorf("parse wecom event: %w", err)
	}
	return raw.event()
}

// Kind is the event's stable routing key: "change_external_contact/
// add_external_contact", "change_external_chat/update",
// "change_external_tag/update", "msgaudit_notify", "text"; other events are
// "event/<Event>" or "event/<Event>/<ChangeType>", other messages
// "msg/<MsgType>".
func (e Event) Kind() string {
	switch {
	case e.MsgType == msgTypeText:
		return msgTypeText
	case e.MsgType != msgTypeEvent:
		return "msg/" + e.MsgType
	}
	switch e.Event {
	case eventMsgAudit:
		return eventMsgAudit
	case eventExternalContact, eventExternalChat, eventExternalTag:
		return joinKind(e.Event, e.ChangeType)
	}
	return joinKind("event/"+e.Event, e.ChangeType)
}

func joinKind(base, changeType string) string {
	if changeType == "" {
		return base
	}
	return base + "/" + changeType
}

// DedupeKey is the inbox key of one delivery: "msg:<MsgId>" for messages,
// and for events, whose FromUserName is always "sys" and which carry no id,
// "evt:" + hex SHA-256 of the decrypted plaintext (a retry resends the same
// bytes).
func DedupeKey(e Event, plaintext []byte) string {
	if e.MsgID != "" {
		return "msg:" + e.MsgID
	}
	sum := sha256.Sum256(plaintext)
	return "evt:" + hex.EncodeToString(sum[:])
}

// rawEvent is every element qunbot reads from an app callback, flat as
// WeCom sends them. The xml tags let the tests parse the same documents with
// encoding/xml and compare.
type rawEvent struct {
	ToUserName     string   `xml:"ToUserName"`
	FromUserName   string   `xml:"FromUserName"`
	CreateTime     int64    `xml:"CreateTime"`
	MsgType        string   `xml:"MsgType"`
	Event          string   `xml:"Event"`
	ChangeType     string   `xml:"ChangeType"`
	AgentID        string   `xml:"AgentID"`
	MsgID          string   `xml:"MsgId"`
	Content        string   `xml:"Content"`
	UserID         string   `xml:"UserID"`
	ExternalUserID string   `xml:"ExternalUserID"`
	State          string   `xml:"State"`
	WelcomeCode    string   `xml:"WelcomeCode"`
	Source         string   `xml:"Source"`
	FailReason     string   `xml:"FailReason"`
	ChatID         string   `xml:"ChatId"`
	UpdateDetail   string   `xml:"UpdateDetail"`
	JoinScene      int      `xml:"JoinScene"`
	QuitScene      int      `xml:"QuitScene"`
	MemChangeCnt   int      `xml:"MemChangeCnt"`
	MemChangeList  []string `xml:"MemChangeList>Item"`
	LastMemVer     string   `xml:"LastMemVer"`
	CurMemVer      string   `xml:"CurMemVer"`
	TagID          string   `xml:"Id"`
	TagType        string   `xml:"TagType"`
	StrategyID     string   `xml:"StrategyId"`
}

// field implements xmlSink. Like encoding/xml, a repeated element replaces
// the earlier value and an empty number is 0.
func (r *rawEvent) field(name, text []byte) error {
	if p := r.stringField(string(name)); p != nil {
		*p = string(text)
		return nil
	}
	switch string(name) {
	case "CreateTime":
		return parseInt(&r.CreateTime, name, text)
	case "JoinScene", "QuitScene", "MemChangeCnt":
		var n int64
		if err := parseInt(&n, name, text); err != nil {
			return err
		}
		*r.intField(string(name)) = int(n)
	}
	return nil
}

// item implements xmlSink: every MemChangeList>Item is kept, in order.
func (r *rawEvent) item(parent, name, text []byte) error {
	if string(parent) == "MemChangeList" && string(name) == "Item" {
		r.MemChangeList = append(r.MemChangeList, string(text))
	}
	return nil
}

func (r *rawEvent) stringField(name string) *string {
	switch name {
	case "ToUserName":
		return &r.ToUserName
	case "FromUserName":
		return &r.FromUserName
	case "MsgType":
		return &r.MsgType
	case "Event":
		return &r.Event
	case "ChangeType":
		return &r.ChangeType
	case "AgentID":
		return &r.AgentID
	case "MsgId":
		return &r.MsgID
	case "Content":
		return &r.Content
	}
	return r.detailField(name)
}

func (r *rawEvent) detailField(name string) *string {
	switch name {
	case "UserID":
		return &r.UserID
	case "ExternalUserID":
		return &r.ExternalUserID
	case "State":
		return &r.State
	case "WelcomeCode":
		return &r.WelcomeCode
	case "Source":
		return &r.Source
	case "FailReason":
		return &r.FailReason
	case "ChatId":
		return &r.ChatID
	case "UpdateDetail":
		return &r.UpdateDetail
	case "LastMemVer":
		return &r.LastMemVer
	case "CurMemVer":
		return &r.CurMemVer
	case "Id":
		return &r.TagID
	case "TagType":
		return &r.TagType
	case "StrategyId":
		return &r.StrategyID
	}
	return nil
}

func (r *rawEvent) intField(name string) *int {
	switch name {
	case "JoinScene":
		return &r.JoinScene
	case "QuitScene":
		return &r.QuitScene
	}
	return &r.MemChangeCnt
}

// parseInt reads a number as encoding/xml does: empty is 0, surrounding
// space is ignored.
func parseInt(dst *int64, name, text []byte) error {
	if len(text) == 0 {
		*dst = 0
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(text)), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: <%s> is not a number: %q", ErrMalformed, name, text)
	}
	*dst = n
	return nil
}

// event builds the Event, with the detail its MsgType and Event call for.
func (r *rawEvent) event() (Event, error) {
	if r.MsgType == "" {
		return Event{}, fmt.Errorf("parse wecom event: %w: no MsgType", ErrMalformed)
	}
	e := Event{
		ToUserName: r.ToUserName, FromUserName: r.FromUserName, CreateTime: r.CreateTime,
		MsgType: r.MsgType, Event: r.Event, ChangeType: r.ChangeType, AgentID: r.AgentID, MsgID: r.MsgID,
	}
	if r.MsgType == msgTypeText {
		e.Text = &StaffText{UserID: r.FromUserName, Content: r.Content, MsgID: r.MsgID}
		return e, nil
	}
	if r.MsgType != msgTypeEvent {
		return e, nil
	}
	switch r.Event {
	case eventExternalContact:
		e.Contact = &ContactChange{
			UserID: r.UserID, ExternalUserID: r.ExternalUserID, State: r.State,
			WelcomeCode: r.WelcomeCode, Source: r.Source, FailReason: r.FailReason,
		}
	case eventExternalChat:
		e.Chat = &ChatChange{
			ChatID: r.ChatID, UpdateDetail: r.UpdateDetail, JoinScene: r.JoinScene, QuitScene: r.QuitScene,
			MemChangeCnt: r.MemChangeCnt, MemChangeList: r.MemChangeList, LastMemVer: r.LastMemVer, CurMemVer: r.CurMemVer,
		}
	case eventExternalTag:
		e.Tag = &TagChange{ID: r.TagID, TagType: r.TagType, StrategyID: r.StrategyID}
	case eventMsgAudit:
		e.MsgAudit = &MsgAuditNotify{}
	}
	return e, nil
}
