package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/bridge"
)

// Step is one callback of a scenario.
type Step struct {
	Say     string // what happens, for the person watching
	Request func(c *Client, now time.Time) (Request, error)
}

// Demo is the newcomer's scenario: a store's customer group comes alive —
// a member adds the store's staff from a poster, a group is created and
// members join by QR, they chat, ask questions, complain, one posts an ad;
// WeCom redelivers one event; a staff member answers a ticket in the app.
// run makes message ids unique to one run, so running the demo twice shows
// new messages rather than duplicates.
func Demo(run string) []Step {
	const chat = "wrOgQhDgAAdemo0001"
	return []Step{
		appStep("會員掃海報添加店員企微 (new contact with a WelcomeCode)", contactAdd("wmDemoMember001", "zhangsan", "poster_2026_store001", "WELCOMECODE_DEMO_001")),
		appStep("店員創(chuàng)建客戶群「上海旗艦店車友1群」", chatEvent(chat, "create", "", 0, nil)),
		appStep("3 位會員掃活碼入群 (3 members joined by QR)", chatEvent(chat, "update", "add_member", 3, []string{"wmDemoMember001", "wmDemoMember002", "wmDemoMember003"})),
		appStep("WeCom 重投同一事件 (a duplicate delivery: no second row)", chatEvent(chat, "update", "add_member", 3, []string{"wmDemoMember001", "wmDemoMember002", "wmDemoMember003"})),
		bridgeStep("群聊消息 (group chat via a bridge)", chat,
			bridgeText(run+"-m001", "wmDemoMember001", "張三", "大家好,新人報到 🙋"),
			bridgeText(run+"-m002", "wmDemoMember002", "李四", "請問周末的試駕活動在哪里報名?"),
			bridgeText(run+"-m003", "wmDemoMember003", "王五", "保養(yǎng)一次大概多少錢?"),
		),
		aibotStep("會員 @機器人 提問 (AI bot, group)", aibotText("aibot-demo-"+run, chat, "wmDemoMember002", "@小助手 門店幾點營業(yè)?")),
		bridgeStep("會員投訴 (a complaint)", chat,
			bridgeText(run+"-m004", "wmDemoMember003", "王五", "我的車又漏油了!!!修了三次都沒修好,售后態(tài)度太差了"),
			bridgeText(run+"-m005", "wmDemoMember001", "張三", "我的也是,同樣的問題"),
		),
		bridgeStep("廣告 (an ad from a non-staff member)", chat,
			bridgeText(run+"-m006", "wmDemoSpammer", "代購小王", "低價代購,加微信 dg88888 ,點擊 http://spam.example.com"),
		),
		appStep("店員在應(yīng)用里回復(fù)「接單 T1」(staff text to the app)", staffText("zhangsan", "接單 T1", "73"+run)),
		appStep("客戶標(biāo)簽變化 (a tag event nobody handles yet: kept, marked unhandled)", tagEvent()),
		appStep("1 位會員退群 (a member left)", chatEvent(chat, "update", "del_member", 1, []string{"wmDemoMember003"})),
	}
}

// Run plays steps against the bot, writing what happens to out. It returns
// an error if the bot refused a step.
func Run(ctx context.Context, c *Client, steps []Step, out io.Writer) error {
	var failed int
	for i, s := range steps {
		req, err := s.Request(c, time.Now())
		if err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.Say, err)
		}
		ans, err := c.Do(ctx, req)
		if err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.Say, err)
		}
		fmt.Fprintf(out, "%2d. %s\n    → POST %s  ← %d %s\n", i+1, s.Say, req.Path, ans.Status, c.Readable(req, ans))
		if ans.Status >= 300 {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("the bot refused %d of %d callbacks", failed, len(steps))
	}
	return nil
}

func appStep(say string, plaintext func(now time.Time) string) Step {
	return Step{Say: say, Request: func(c *Client, now time.Time) (Request, error) {
		return c.AppEvent([]byte(strings.ReplaceAll(plaintext(now), "CORPID", c.CorpID)))
	}}
}

func aibotStep(say string, plaintext func(now time.Time) ([]byte, error)) Step {
	return Step{Say: say, Request: func(c *Client, now time.Time) (Request, error) {
		p, err := plaintext(now)
		if err != nil {
			return Request{}, err
		}
		return c.AIBotMessage(p)
	}}
}

func bridgeStep(say, chat string, msgs ...func(chat string, now time.Time) bridge.Message) Step {
	return Step{Say: say, Request: func(c *Client, now time.Time) (Request, error) {
		batch := make([]bridge.Message, len(msgs))
		for i, m := range msgs {
			batch[i] = m(chat, now)
		}
		return c.BridgeBatch(batch)
	}}
}

func contactAdd(externalID, staff, state, welcomeCode string) func(time.Time) string {
	return func(now time.Time) string {
		return fmt.Sprintf(`<xml><ToUserName><![CDATA[CORPID]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[%s]]></UserID><ExternalUserID><![CDATA[%s]]></ExternalUserID><State><![CDATA[%s]]></State><WelcomeCode><![CDATA[%s]]></WelcomeCode></xml>`,
			now.Unix(), staff, externalID, state, welcomeCode)
	}
}

// ChatEventXML is the plaintext of a change_external_chat event; the load
// tool uses it too.
func ChatEventXML(corpID, chatID, changeType, detail string, createTime int64, cnt int, members []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[%s]]></ChatId><ChangeType><![CDATA[%s]]></ChangeType>`,
		corpID, createTime, chatID, changeType)
	if detail != "" {
		fmt.Fprintf(&b, `<UpdateDetail><![CDATA[%s]]></UpdateDetail>`, detail)
		if detail == "add_member" {
			b.WriteString(`<JoinScene>3</JoinScene>`)
		} else if detail == "del_member" {
			b.WriteString(`<QuitScene>0</QuitScene>`)
		}
		fmt.Fprintf(&b, `<MemChangeCnt>%d</MemChangeCnt><MemChangeList>`, cnt)
		for _, m := range members {
			fmt.Fprintf(&b, `<Item><![CDATA[%s]]></Item>`, m)
		}
		fmt.Fprintf(&b, `</MemChangeList><LastMemVer><![CDATA[%x]]></LastMemVer><CurMemVer><![CDATA[%x]]></CurMemVer>`, createTime, createTime+1)
	}
	b.WriteString(`</xml>`)
	return b.String()
}

func chatEvent(chatID, changeType, detail string, cnt int, members []string) func(time.Time) string {
	// A fixed CreateTime per step keeps the duplicate delivery byte-identical.
	created := time.Now().Unix()
	return func(time.Time) string {
		return ChatEventXML("CORPID", chatID, changeType, detail, created, cnt, members)
	}
}

func staffText(user, content, msgID string) func(time.Time) string {
	return func(now time.Time) string {
		return fmt.Sprintf(`<xml><ToUserName><![CDATA[CORPID]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%s</MsgId><AgentID>1000002</AgentID></xml>`,
			user, now.Unix(), content, msgID)
	}
}

func tagEvent() func(time.Time) string {
	return func(now time.Time) string {
		return fmt.Sprintf(`<xml><ToUserName><![CDATA[CORPID]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_tag]]></Event><Id><![CDATA[etDemoTag001]]></Id><TagType><![CDATA[tag]]></TagType><ChangeType><![CDATA[create]]></ChangeType></xml>`, now.Unix())
	}
}

func aibotText(msgID, chat, user, text string) func(time.Time) ([]byte, error) {
	return func(time.Time) ([]byte, error) {
		return json.Marshal(map[string]any{
			"msgid": msgID, "aibotid": "aibDemoBot", "chatid": chat, "chattype": "group",
			"from": map[string]string{"userid": user}, "response_url": "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=demo",
			"msgtype": "text", "text": map[string]string{"content": text},
		})
	}
}

func bridgeText(id, sender, name, text string) func(chat string, now time.Time) bridge.Message {
	return func(chat string, now time.Time) bridge.Message {
		return bridge.Message{
			MsgID: "demo-" + id, ChatID: chat, ChatName: "上海旗艦店車友1群", ChatType: "group",
			SenderID: sender, SenderName: name, SenderRole: "member", MsgType: "text", Text: text, SentAt: now.UTC(),
		}
	}
}
