package callback

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parsedEvent is what the golden files hold for one app callback.
type parsedEvent struct {
	Kind      string
	DedupeKey string
	Event     Event
}

func TestParseEvent_golden(t *testing.T) {
	eachTestdata(t, "*.xml", func(t *testing.T, path string) {
		plaintext := readFile(t, path)
		e, err := ParseEvent(plaintext)
		if err != nil {
			t.Fatalf("ParseEvent: %v", err)
		}
		checkGolden(t, path, parsedEvent{Kind: e.Kind(), DedupeKey: DedupeKey(e, plaintext), Event: e})
	})
}

// refEvent parses with encoding/xml, the reference the scanner must match.
type refEvent struct {
	XMLName xml.Name `xml:"xml"`
	rawEvent
}

// scanBoth parses doc with the scanner and with encoding/xml.
func scanBoth(doc []byte) (got rawEvent, gotErr error, ref rawEvent, refErr error) {
	gotErr = scanXML(doc, &got)
	var r refEvent
	refErr = xml.Unmarshal(doc, &r)
	return got, gotErr, r.rawEvent, refErr
}

func TestScanXML_matchesEncodingXML(t *testing.T) {
	for _, path := range testdataFiles(t, "*.xml") {
		got, err, want, refErr := scanBoth(readFile(t, path))
		if err != nil || refErr != nil {
			t.Fatalf("%s: scanner error %v, encoding/xml error %v", path, err, refErr)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: scanner differs from encoding/xml (-xml +scanner):\n%s", path, diff)
		}
	}
}

// TestScanXML_edgeCases covers valid XML WeCom does not send but the scanner
// must read as encoding/xml does.
func TestScanXML_edgeCases(t *testing.T) {
	tests := map[string]string{
		"self_closing_fields":   `<xml><MsgType>event</MsgType><Event/><ChatId /></xml>`,
		"attributes":            `<xml a="1" b='2'><MsgType x="&lt;y&gt;">event</MsgType></xml>`,
		"nested_unknown":        `<xml><MsgType>ev<b>IGNORED</b>ent</MsgType><Other><Deep><Deeper>x</Deeper></Deep></Other></xml>`,
		"namespace_prefix":      `<a:xml xmlns:a="urn:x"><a:MsgType>event</a:MsgType></a:xml>`,
		"comments_and_pi":       `<?xml version="1.0"?><!-- c --><xml><!-- c --><MsgType><?pi x?>ev<!-- c -->ent</MsgType></xml><!-- trailing -->`,
		"mixed_cdata_and_text":  "<xml><Content> a <![CDATA[<b>]]> &amp; c </Content><MsgType>text</MsgType></xml>",
		"crlf_folding":          "<xml><Content>a\r\nb\rc<![CDATA[d\r\ne]]></Content><MsgType>text</MsgType></xml>",
		"char_refs":             `<xml><Content>&#20013;&#x6587;&#65;</Content><MsgType>text</MsgType></xml>`,
		"surrogate_char_ref":    `<xml><Content>&#xD800;</Content><MsgType>text</MsgType></xml>`,
		"repeated_element":      `<xml><MsgType>text</MsgType><MsgType>event</MsgType><CreateTime>1</CreateTime><CreateTime></CreateTime></xml>`,
		"spaced_numbers":        "<xml><MsgType>event</MsgType><CreateTime>\n 1718003100\t</CreateTime><JoinScene> 3 </JoinScene></xml>",
		"two_member_lists":      `<xml><MsgType>event</MsgType><MemChangeList><Item>a</Item><Other>x</Other></MemChangeList><MemChangeList><Item/><Item>b<i>c</i></Item></MemChangeList></xml>`,
		"item_outside_list":     `<xml><MsgType>event</MsgType><Item>a</Item><Other><Item>b</Item></Other></xml>`,
		"whitespace_everywhere": "\n\t <xml >\n<MsgType >event</MsgType >\n</xml >\n",
		"trailing_garbage":      `<xml><MsgType>event</MsgType></xml>garbage<<<`,
		"empty_root":            `<xml/>`,
		"root_text":             `<xml>stray text<MsgType>event</MsgType>more</xml>`,
		"gt_in_text":            `<xml><Content>a > b ]] ></Content><MsgType>text</MsgType></xml>`,
		"emoji_and_chinese":     "<xml><Content>群里 😊 好</Content><MsgType>text</MsgType></xml>",
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err, want, refErr := scanBoth([]byte(doc))
			if refErr != nil {
				t.Fatalf("encoding/xml rejects the case: %v", refErr)
			}
			if err != nil {
				t.Fatalf("scanner: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("scanner differs from encoding/xml (-xml +scanner):\n%s", diff)
			}
		})
	}
}

func TestParseEvent_malformed(t *testing.T) {
	tests := []struct {
		name, doc string
		// stricter marks documents encoding/xml accepts but qunbot refuses.
		stricter bool
	}{
		{name: "empty", doc: ""},
		{name: "whitespace", doc: " \n"},
		{name: "not_xml", doc: `{"msgtype":"text"}`},
		{name: "unterminated_root", doc: `<xml><MsgType>event</MsgType>`},
		{name: "unterminated_element", doc: `<xml><MsgType>event`},
		{name: "mismatched_end", doc: `<xml><MsgType>event</Event></xml>`},
		{name: "mismatched_root_end", doc: `<xml><MsgType>event</MsgType></xmll>`},
		{name: "wrong_root", doc: `<root><MsgType>event</MsgType></root>`},
		{name: "no_msgtype", doc: `<xml><Event>change_external_chat</Event></xml>`, stricter: true},
		{name: "empty_msgtype", doc: `<xml><MsgType></MsgType></xml>`, stricter: true},
		{name: "bad_create_time", doc: `<xml><MsgType>event</MsgType><CreateTime>yesterday</CreateTime></xml>`},
		{name: "bad_join_scene", doc: `<xml><MsgType>event</MsgType><JoinScene>3a</JoinScene></xml>`},
		{name: "create_time_overflow", doc: `<xml><MsgType>event</MsgType><CreateTime>99999999999999999999</CreateTime></xml>`},
		{name: "unknown_entity", doc: `<xml><MsgType>ev&nbsp;ent</MsgType></xml>`},
		{name: "entity_without_semicolon", doc: `<xml><MsgType>a &amp b</MsgType></xml>`},
		{name: "bare_ampersand", doc: `<xml><MsgType>a & b</MsgType></xml>`},
		{name: "char_ref_zero", doc: `<xml><MsgType>&#0;</MsgType></xml>`},
		{name: "char_ref_too_big", doc: `<xml><MsgType>&#x110000;</MsgType></xml>`},
		{name: "char_ref_empty", doc: `<xml><MsgType>&#;</MsgType></xml>`},
		{name: "char_ref_upper_x", doc: `<xml><MsgType>&#X41;</MsgType></xml>`},
		{name: "unterminated_cdata", doc: `<xml><MsgType><![CDATA[event</MsgType></xml>`},
		{name: "cdata_end_in_text", doc: `<xml><MsgType>a]]>b</MsgType></xml>`},
		{name: "invalid_utf8", doc: "<xml><MsgType>\xff</MsgType></xml>"},
		{name: "invalid_utf8_in_cdata", doc: "<xml><MsgType><![CDATA[\xc3]]></MsgType></xml>"},
		{name: "control_char", doc: "<xml><MsgType>a\x01b</MsgType></xml>"},
		{name: "fffe_char", doc: "<xml><MsgType>\uFFFE</MsgType></xml>"},
		{name: "doctype", doc: `<!DOCTYPE xml><xml><MsgType>event</MsgType></xml>`, stricter: true},
		{name: "directive_inside", doc: `<xml><!ENTITY x "y"><MsgType>event</MsgType></xml>`, stricter: true},
		{name: "text_before_root", doc: `hello<xml><MsgType>event</MsgType></xml>`, stricter: true},
		{name: "double_dash_in_comment", doc: `<xml><!-- a -- b --><MsgType>event</MsgType></xml>`},
		{name: "unterminated_comment", doc: `<xml><!-- a <MsgType>event</MsgType></xml>`},
		{name: "unterminated_pi", doc: `<?xml version="1.0"<xml><MsgType>event</MsgType></xml>`},
		{name: "two_colons", doc: `<xml><a:b:MsgType>event</a:b:MsgType></xml>`},
		{name: "name_starts_with_digit", doc: `<xml><1MsgType>event</1MsgType></xml>`},
		{name: "unquoted_attribute", doc: `<xml a=1><MsgType>event</MsgType></xml>`},
		{name: "attribute_without_value", doc: `<xml a><MsgType>event</MsgType></xml>`},
		{name: "lt_in_attribute", doc: `<xml a="<"><MsgType>event</MsgType></xml>`},
		{name: "bad_self_close", doc: `<xml><MsgType/ >event</xml>`},
		{name: "end_tag_garbage", doc: `<xml><MsgType>event</MsgType x></xml>`},
		{name: "too_deep", doc: `<xml><MsgType>event</MsgType>` + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + `</xml>`, stricter: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEvent([]byte(tt.doc))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseEvent = %+v, %v; want ErrMalformed", e, err)
			}
			var ref refEvent
			refErr := xml.Unmarshal([]byte(tt.doc), &ref)
			if (refErr == nil) != tt.stricter {
				t.Errorf("encoding/xml error %v; stricter = %v", refErr, tt.stricter)
			}
		})
	}
}

func TestEvent_Kind(t *testing.T) {
	tests := []struct {
		e    Event
		want string
	}{
		{Event{MsgType: "event", Event: "change_external_contact", ChangeType: "add_external_contact"}, "change_external_contact/add_external_contact"},
		{Event{MsgType: "event", Event: "change_external_contact", ChangeType: "brand_new_type"}, "change_external_contact/brand_new_type"},
		{Event{MsgType: "event", Event: "change_external_chat", ChangeType: "update"}, "change_external_chat/update"},
		{Event{MsgType: "event", Event: "change_external_chat", ChangeType: "create"}, "change_external_chat/create"},
		{Event{MsgType: "event", Event: "change_external_tag", ChangeType: "update"}, "change_external_tag/update"},
		{Event{MsgType: "event", Event: "change_external_chat"}, "change_external_chat"},
		{Event{MsgType: "event", Event: "msgaudit_notify"}, "msgaudit_notify"},
		{Event{MsgType: "text"}, "text"},
		{Event{MsgType: "event", Event: "enter_agent"}, "event/enter_agent"},
		{Event{MsgType: "event", Event: "change_contact", ChangeType: "update_user"}, "event/change_contact/update_user"},
		{Event{MsgType: "image"}, "msg/image"},
	}
	for _, tt := range tests {
		if got := tt.e.Kind(); got != tt.want {
			t.Errorf("Kind of %+v = %q; want %q", tt.e, got, tt.want)
		}
	}
}

func TestDedupeKey(t *testing.T) {
	text := readFile(t, "testdata/text.xml")
	e, err := ParseEvent(text)
	if err != nil {
		t.Fatal(err)
	}
	if got := DedupeKey(e, text); got != "msg:7384920174839201746" {
		t.Errorf("DedupeKey(text) = %q", got)
	}
	a := readFile(t, "testdata/chat_update_add_member.xml")
	b := readFile(t, "testdata/chat_update_del_member.xml")
	ea, _ := ParseEvent(a)
	eb, _ := ParseEvent(b)
	sum := sha256.Sum256(a)
	if got := DedupeKey(ea, a); got != "evt:"+hex.EncodeToString(sum[:]) {
		t.Errorf("DedupeKey(event) = %q; want evt: and the plaintext's SHA-256", got)
	}
	if DedupeKey(ea, a) == DedupeKey(eb, b) {
		t.Error("two different events share a dedupe key")
	}
	if DedupeKey(ea, a) != DedupeKey(ea, append([]byte(nil), a...)) {
		t.Error("a redelivered event gets another dedupe key")
	}
}

// FuzzParseEvent checks that ParseEvent never panics, fails only with
// ErrMalformed, and reads whatever both parsers accept exactly as
// encoding/xml does.
func FuzzParseEvent(f *testing.F) {
	for _, path := range testdataFiles(f, "*.xml") {
		f.Add(readFile(f, path))
	}
	for _, doc := range []string{
		"", "<xml/>", "<xml><MsgType>a&#x41;&lt;<![CDATA[b\r\n]]>\r\n</MsgType></xml>",
		`<a:xml xmlns:a="u"><a:MsgType x='1'>event</a:MsgType><MemChangeList><Item>1</Item></MemChangeList></a:xml>`,
		`<?xml version="1.0"?><!-- c --><xml><MsgType>text</MsgType><CreateTime> 7 </CreateTime></xml>`,
		"<xml><Encrypt>ab&#x2B;cd\r\n</Encrypt><AgentID>10&amp;00</AgentID></xml>",
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		e, err := ParseEvent(doc)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("ParseEvent error %v is not ErrMalformed", err)
		}
		if err == nil && e.MsgType == "" {
			t.Fatal("ParseEvent accepted a document without MsgType")
		}
		got, gotErr, want, refErr := scanBoth(doc)
		if gotErr == nil && refErr == nil {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("scanner differs from encoding/xml (-xml +scanner):\n%s", diff)
			}
		}
		// The same documents exercise the envelope reader, which sees
		// bodies before their signature is checked.
		enc, err := EncryptedFromXML(doc)
		var ref struct {
			XMLName xml.Name `xml:"xml"`
			Encrypt string   `xml:"Encrypt"`
		}
		if err == nil && xml.Unmarshal(doc, &ref) == nil && ref.Encrypt != enc {
			t.Fatalf("EncryptedFromXML = %q; encoding/xml reads %q", enc, ref.Encrypt)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("EncryptedFromXML error %v is not ErrMalformed", err)
		}
	})
}
