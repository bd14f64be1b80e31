package callback

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// AIBotMessage is one decrypted callback of a WeCom 智能機器人 in API mode
// (JSON; doc 100719 for messages, 101027 for events): a member @-mentioned
// the bot in a group or wrote to it 1:1, WeCom asks for more of a stream
// reply, or an event happened. MsgType says which content field to read.
type AIBotMessage struct {
	MsgID       string
	CreateTime  int64 // events only
	AIBotID     string
	ChatID      string // group chats only
	ChatType    string // single or group
	From        AIBotFrom
	ResponseURL string // usable once, for one hour (doc 101138)
	MsgType     string

	Text   string      // msgtype text: text.content
	Mixed  []MixedItem // msgtype mixed: mixed.msg_item
	Image  *Image      // msgtype image
	Voice  string      // msgtype voice: voice.content, WeCom's transcript
	File   *FileRef    // msgtype file
	Video  *FileRef    // msgtype video
	Quote  *Quote      // the message the sender quoted, if any
	Event  *AIBotEvent // msgtype event
	Stream *StreamRef  // msgtype stream: WeCom asks for the stream's latest content
}

// AIBotFrom is who sent the message or caused the event.
type AIBotFrom struct {
	UserID string
	CorpID string // events only, and not for a corp's own bot
}

// MixedItem is one part of a mixed (text and image) message.
type MixedItem struct {
	MsgType string // text or image
	Text    string
	Image   *Image
}

// Image is an image WeCom stores; the URL's content is encrypted with the
// bot's EncodingAESKey (AESKey is set when WeCom gives a per-image key).
type Image struct {
	URL    string
	AESKey string
}

// FileRef is a file or video WeCom stores behind URL.
type FileRef struct {
	URL string
}

// Quote is the message a sender quoted.
type Quote struct {
	MsgType string
	Text    string // text, or the text items of mixed joined by newlines
	Voice   string
	Image   *Image
	File    *FileRef
	Video   *FileRef
}

// AIBotEvent is an AI bot event: enter_chat (a user opened the 1:1 chat,
// first time today), template_card_event (a card button), feedback_event.
type AIBotEvent struct {
	EventType    string
	TemplateCard *TemplateCardEvent
	Feedback     *FeedbackEvent
}

// TemplateCardEvent is a click on a template card the bot sent.
type TemplateCardEvent struct {
	CardType      string
	EventKey      string
	TaskID        string
	SelectedItems []SelectedItem
}

// SelectedItem is one question's answer in a vote or multiple-choice card.
type SelectedItem struct {
	QuestionKey string
	OptionIDs   []string
}

// FeedbackEvent is a user's rating of a reply that carried a feedback id.
type FeedbackEvent struct {
	ID                   string
	Type                 int
	Content              string
	InaccurateReasonList []int
}

// StreamRef names the stream reply WeCom wants refreshed.
type StreamRef struct {
	ID string
}

// ParseAIBotMessage parses a decrypted AI bot callback. It returns
// ErrMalformed for bad JSON or a payload without msgid or msgtype (the msgid
// is the dedupe key). An unknown msgtype or event type is not an error.
func ParseAIBotMessage(plaintext []byte) (AIBotMessage, error) {
	var w wireAIBot
	if err := json.Unmarshal(plaintext, &w); err != nil {
		return AIBotMessage{}, fmt.Errorf("parse aibot message: %w: %v", ErrMalformed, err)
	}
	if w.MsgID == "" || w.MsgType == "" {
		return AIBotMessage{}, fmt.Errorf("parse aibot message: %w: no msgid or msgtype", ErrMalformed)
	}
	return w.message(), nil
}

// Kind is the message's stable routing key: "aibot/text", "aibot/mixed",
// "aibot/image", "aibot/stream", "aibot/event/<eventtype>", and
// "aibot/<msgtype>" for the rest.
func (m AIBotMessage) Kind() string {
	if m.MsgType == "event" {
		eventType := ""
		if m.Event != nil {
			eventType = m.Event.EventType
		}
		return "aibot/event/" + eventType
	}
	return "aibot/" + m.MsgType
}

// AIBotChatKinds are the inbox kinds of what people say to the AI bot
// (events and stream refreshes left out), for counting messages.
func AIBotChatKinds() []string {
	return []string{"aibot/text", "aibot/mixed", "aibot/voice", "aibot/image", "aibot/file"}
}

// DedupeKey is the inbox key of one delivery: "aibot:<msgid>". WeCom tells
// bots to dedupe on msgid, since it may call back twice.
func (m AIBotMessage) DedupeKey() string {
	return "aibot:" + m.MsgID
}

// Content is the text a script would match: the text of a text message,
// the text items of a mixed message joined by newlines, or a voice
// message's transcript. A leading @bot mention is left in.
func (m AIBotMessage) Content() string {
	switch m.MsgType {
	case "text":
		return m.Text
	case "mixed":
		return mixedText(m.Mixed)
	case "voice":
		return m.Voice
	}
	return ""
}

func mixedText(items []MixedItem) string {
	var parts []string
	for _, it := range items {
		if it.MsgType == "text" {
			parts = append(parts, it.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// TextReply is the plaintext of a passive text reply (doc 101031; WeCom
// takes it as the answer to enter_chat).
func TextReply(content string) []byte {
	type text struct {
		Content string `json:"content"`
	}
	return marshalReply(struct {
		MsgType string `json:"msgtype"`
		Text    text   `json:"text"`
	}{"text", text{content}})
}

// StreamReply is the plaintext of a passive stream reply (doc 101031).
// content is the whole answer so far, not a delta (at most 20480 bytes);
// WeCom keeps asking with msgtype stream until a reply has finish set.
func StreamReply(id, content string, finish bool) []byte {
	type stream struct {
		ID      string `json:"id"`
		Finish  bool   `json:"finish"`
		Content string `json:"content"`
	}
	return marshalReply(struct {
		MsgType string `json:"msgtype"`
		Stream  stream `json:"stream"`
	}{"stream", stream{id, finish, content}})
}

// marshalReply encodes a reply of strings and bools, which cannot fail,
// keeping <, > and & as they are.
func marshalReply(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// wireAIBot is the callback JSON as WeCom sends it.
type wireAIBot struct {
	MsgID      string `json:"msgid"`
	CreateTime int64  `json:"create_time"`
	AIBotID    string `json:"aibotid"`
	ChatID     string `json:"chatid"`
	ChatType   string `json:"chattype"`
	From       struct {
		UserID string `json:"userid"`
		CorpID string `json:"corpid"`
	} `json:"from"`
	ResponseURL string `json:"response_url"`
	wireContent
	Quote  *wireContent `json:"quote"`
	Event  *wireEvent   `json:"event"`
	Stream *struct {
		ID string `json:"id"`
	} `json:"stream"`
}

// wireContent is the message body shared by messages and quotes.
type wireContent struct {
	MsgType string    `json:"msgtype"`
	Text    *wireText `json:"text"`
	Image   *struct {
		URL    string `json:"url"`
		AESKey string `json:"aeskey"`
	} `json:"image"`
	Mixed *struct {
		Items []wireContent `json:"msg_item"`
	} `json:"mixed"`
	Voice *wireText `json:"voice"`
	File  *wireURL  `json:"file"`
	Video *wireURL  `json:"video"`
}

type wireText struct {
	Content string `json:"content"`
}

type wireURL struct {
	URL string `json:"url"`
}

type wireEvent struct {
	EventType    string `json:"eventtype"`
	TemplateCard *struct {
		CardType      string `json:"card_type"`
		EventKey      string `json:"event_key"`
		TaskID        string `json:"task_id"`
		SelectedItems struct {
			Items []struct {
				QuestionKey string `json:"question_key"`
				OptionIDs   struct {
					IDs []string `json:"option_id"`
				} `json:"option_ids"`
			} `json:"selected_item"`
		} `json:"selected_items"`
	} `json:"template_card_event"`
	Feedback *struct {
		ID                   string `json:"id"`
		Type                 int    `json:"type"`
		Content              string `json:"content"`
		InaccurateReasonList []int  `json:"inaccurate_reason_list"`
	} `json:"feedback_event"`
}

func (w *wireAIBot) message() AIBotMessage {
	m := AIBotMessage{
		MsgID: w.MsgID, CreateTime: w.CreateTime, AIBotID: w.AIBotID, ChatID: w.ChatID, ChatType: w.ChatType,
		From:        AIBotFrom{UserID: w.From.UserID, CorpID: w.From.CorpID},
		ResponseURL: w.ResponseURL, MsgType: w.MsgType,
		Text: w.text(), Mixed: w.mixed(), Image: w.image(), Voice: w.voice(),
		File: w.File.ref(), Video: w.Video.ref(), Event: w.Event.event(),
	}
	if w.Quote != nil {
		m.Quote = &Quote{
			MsgType: w.Quote.MsgType, Text: w.Quote.quoteText(), Voice: w.Quote.voice(),
			Image: w.Quote.image(), File: w.Quote.File.ref(), Video: w.Quote.Video.ref(),
		}
	}
	if w.Stream != nil {
		m.Stream = &StreamRef{ID: w.Stream.ID}
	}
	return m
}

func (c *wireContent) text() string {
	if c.Text == nil {
		return ""
	}
	return c.Text.Content
}

func (c *wireContent) voice() string {
	if c.Voice == nil {
		return ""
	}
	return c.Voice.Content
}

func (c *wireContent) image() *Image {
	if c.Image == nil {
		return nil
	}
	return &Image{URL: c.Image.URL, AESKey: c.Image.AESKey}
}

func (c *wireContent) mixed() []MixedItem {
	if c.Mixed == nil {
		return nil
	}
	items := make([]MixedItem, 0, len(c.Mixed.Items))
	for i := range c.Mixed.Items {
		it := &c.Mixed.Items[i]
		items = append(items, MixedItem{MsgType: it.MsgType, Text: it.text(), Image: it.image()})
	}
	return items
}

// quoteText is a quote's text: its text, or its mixed text items joined.
func (c *wireContent) quoteText() string {
	if c.MsgType == "mixed" {
		return mixedText(c.mixed())
	}
	return c.text()
}

func (u *wireURL) ref() *FileRef {
	if u == nil {
		return nil
	}
	return &FileRef{URL: u.URL}
}

func (e *wireEvent) event() *AIBotEvent {
	if e == nil {
		return nil
	}
	ev := &AIBotEvent{EventType: e.EventType}
	if tc := e.TemplateCard; tc != nil {
		card := &TemplateCardEvent{CardType: tc.CardType, EventKey: tc.EventKey, TaskID: tc.TaskID}
		for _, it := range tc.SelectedItems.Items {
			card.SelectedItems = append(card.SelectedItems, SelectedItem{QuestionKey: it.QuestionKey, OptionIDs: it.OptionIDs.IDs})
		}
		ev.TemplateCard = card
	}
	if fb := e.Feedback; fb != nil {
		ev.Feedback = &FeedbackEvent{ID: fb.ID, Type: fb.Type, Content: fb.Content, InaccurateReasonList: fb.InaccurateReasonList}
	}
	return ev
}
