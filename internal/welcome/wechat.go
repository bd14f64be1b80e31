package welcome

import (
	"context"
	"strings"

	"github.com/qunbot/qunbot/internal/wechat"
)

// WeChatWelcome answers an Official Account subscribe or SCAN event with
// the welcome of its QR scene (the channel wechat rule whose state matches
// the scene, else the default) as the passive reply: a text, or one link
// card. It records the welcome once per event; a redelivery gets the same
// answer. A SCAN (a follower scanning again) is answered only by a rule of
// its scene, never by the default. Other messages get no answer from it
// (ok false).
func (s *Service) WeChatWelcome(ctx context.Context, m wechat.Message) ([]byte, bool) {
	if !strings.EqualFold(m.MsgType, "event") || !(strings.EqualFold(m.Event, "subscribe") || strings.EqualFold(m.Event, "SCAN")) {
		return nil, false
	}
	scene := m.SceneKey()
	rec := Record{EventKey: wechat.DedupeKey(m, nil), Kind: KindWeChat, Target: m.FromUserName, State: scene}
	if m.CreateTime > 0 {
		rec.EventAt = timePtr(unixUTC(m.CreateTime))
	}
	rules, err := s.store.Rules(ctx, ChannelWeChat)
	if err != nil {
		s.opts.Logger.Warn("wechat welcome: rules not loaded", "openid", m.FromUserName, "err", err)
		return nil, false
	}
	rule, ok := Pick(rules, Who{Channel: ChannelWeChat, State: scene})
	if ok && rule.Default && strings.EqualFold(m.Event, "SCAN") {
		return nil, false // a follower scanning again gets only a scene's own welcome
	}
	if !ok {
		s.note(ctx, rec, OutcomeNoRule, detailNoRule)
		return nil, false
	}
	rec.RuleID = &rule.ID
	s.note(ctx, rec, OutcomeReplied, "規則 "+rule.Name)
	now := s.opts.Now()
	if len(rule.Attachments) > 0 {
		a := rule.Attachments[0]
		return wechat.NewsReply(m.FromUserName, m.ToUserName, []wechat.Article{{Title: a.Title, Description: a.Description, PicURL: a.PicURL, URL: a.URL}}, now), true
	}
	return wechat.TextReply(m.FromUserName, m.ToUserName, Render(rule.Text, Vars{Name: s.opts.NameFallback}), now), true
}

// note records a welcome without failing the caller: the passive reply
// must not wait on a broken database.
func (s *Service) note(ctx context.Context, rec Record, outcome Outcome, detail string) {
	if err := s.decide(ctx, rec, outcome, detail); err != nil {
		s.opts.Logger.Warn("welcome not recorded", "event_key", rec.EventKey, "err", err)
	}
}
