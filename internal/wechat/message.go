package wechat

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message is one follower message or event as the Official Account receives
// it, flat as WeChat sends it. Fields a type does not carry stay empty.
type Message struct {
	ToUserName   string `xml:"ToUserName"`   // the account's original id (gh_…)
	FromUserName string `xml:"FromUserName"` // the follower's openid
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Event        string `xml:"Event"`
	// EventKey is qrscene_<scene> on subscribe by QR code, <scene> on SCAN,
	// the menu key on CLICK and the URL on VIEW.
	EventKey string `xml:"EventKey"`
	Ticket   string `xml:"Ticket"`
	Content  string `xml:"Content"`
	MsgID    string `xml:"MsgId"`
	// image, voice, video, shortvideo
	PicURL       string `xml:"PicUrl"`
	MediaID      string `xml:"MediaId"`
	Format       string `xml:"Format"`
	Recognition  string `xml:"Recognition"`
	ThumbMediaID string `xml:"ThumbMediaId"`
	// location message
	LocationX string `xml:"Location_X"`
	LocationY string `xml:"Location_Y"`
	Scale     string `xml:"Scale"`
	Label     string `xml:"Label"`
	// link message
	Title       string `xml:"Title"`
	Description string `xml:"Description"`
	URL         string `xml:"Url"`
	// LOCATION event
	Latitude  string `xml:"Latitude"`
	Longitude string `xml:"Longitude"`
	Precision string `xml:"Precision"`
}

const (
	msgTypeEvent   = "event"
	eventSubscribe = "subscribe"
	eventScan      = "SCAN"
	qrScenePrefix  = "qrscene_"
	// maxKindLen and maxKeyLen match the inbox's kind and dedupe_key columns.
	maxKindLen = 96
	maxKeyLen  = 191
)

// xmlMessage makes encoding/xml insist on WeChat's <xml> root.
type xmlMessage struct {
	XMLName xml.Name `xml:"xml"`
	Message
}

// ParseMessage parses a callback's plaintext XML. It returns ErrMalformed
// when the document is not <xml>…</xml>, has no MsgType, or is an event with
// no Event; types qunbot does not know parse like any other, with their Kind.
func ParseMessage(plaintext []byte) (Message, error) {
	var x xmlMessage
	if err := xml.Unmarshal(plaintext, &x); err != nil {
		return Message{}, fmt.Errorf("parse wechat message: %w: %v", ErrMalformed, err)
	}
	m := x.Message
	// Kind is built from these two; stray whitespace must not split a kind.
	m.MsgType = strings.TrimSpace(m.MsgType)
	m.Event = strings.TrimSpace(m.Event)
	if m.MsgType == "" {
		return Message{}, fmt.Errorf("parse wechat message: %w: no MsgType", ErrMalformed)
	}
	if strings.EqualFold(m.MsgType, msgTypeEvent) && m.Event == "" {
		return Message{}, fmt.Errorf("parse wechat message: %w: event without Event", ErrMalformed)
	}
	return m, nil
}

// Kind names the message for routing and the inbox: "wechat/text",
// "wechat/event/subscribe", "wechat/event/scan", "wechat/event/<event>",
// "wechat/<msgtype>", all lower-case (WeChat writes SCAN and LOCATION in
// capitals, subscribe in lower case).
func (m Message) Kind() string {
	kind := "wechat/" + strings.ToLower(m.MsgType)
	if strings.EqualFold(m.MsgType, msgTypeEvent) {
		kind += "/" + strings.ToLower(m.Event)
	}
	return truncate(kind, maxKindLen)
}

// truncate cuts s to at most n bytes on a rune boundary, so a kind always
// fits the inbox column and stays valid UTF-8.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// SceneKey returns the QR scene a follower came through: EventKey without
// its qrscene_ prefix on subscribe, EventKey on SCAN, else "".
func (m Message) SceneKey() string {
	if !strings.EqualFold(m.MsgType, msgTypeEvent) {
		return ""
	}
	switch {
	case strings.EqualFold(m.Event, eventSubscribe):
		return strings.TrimPrefix(m.EventKey, qrScenePrefix)
	case strings.EqualFold(m.Event, eventScan):
		return m.EventKey
	}
	return ""
}

// DedupeKey is the inbox key that makes WeChat's retries (three, 5 s apart)
// land once: "wechat:msg:<MsgId>" for messages, and for events WeChat's own
// rule, "wechat:evt:<FromUserName>:<CreateTime>:<Event>:<EventKey>". A key
// that would not fit the inbox column, or a payload with neither MsgId nor
// sender and time, is keyed on a SHA-256 instead.
func DedupeKey(m Message, plaintext []byte) string {
	if m.MsgID != "" {
		if key := "wechat:msg:" + m.MsgID; len(key) <= maxKeyLen {
			return key
		}
		return hashKey("wechat:msg:", []byte(m.MsgID))
	}
	if m.FromUserName == "" || m.CreateTime == 0 {
		return hashKey("wechat:raw:", plaintext)
	}
	tuple := m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + m.Event + ":" + m.EventKey
	if key := "wechat:evt:" + tuple; len(key) <= maxKeyLen {
		return key
	}
	return hashKey("wechat:evt:", []byte(tuple))
}

func hashKey(prefix string, b []byte) string {
	sum := sha256.Sum256(b)
	return prefix + "sha256:" + hex.EncodeToString(sum[:])
}
