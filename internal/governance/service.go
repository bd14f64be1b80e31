package governance

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	// Days are counted in Asia/Shanghai even in images without zoneinfo.
	_ "time/tzdata"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/poll"
)

// The outbox APIs governance sends through.
const (
	APIBridgeSend  = "bridge/send"  // warnings and announcements in the group
	APIMessageSend = "message/send" // removal requests and alerts to staff
)

// QRDecoder says whether an image holds a QR code (QRImages fetches and
// decodes it); without one, image messages are not checked.
type QRDecoder interface {
	HasQRCode(ctx context.Context, imageURL string) (bool, error)
}

// Options are the service's dependencies.
type Options struct {
	Store *Store
	// BridgeSends says whether a bridge send webhook is configured: the only
	// way qunbot can speak in a customer group. Without it warnings are
	// recorded as not posted.
	BridgeSends bool
	// OwnerOf returns the WeCom user id of a group's owner, who receives
	// removal requests ("" when unknown). Nil: owners are unknown.
	OwnerOf func(ctx context.Context, chatID string) (string, error)
	// Negative says whether a text is negative (a complaint), for the early
	// warning; *complaint.Detector's IsNegative. Nil turns alerts off.
	Negative func(text string) bool
	QRCodes  QRDecoder // optional
	Logger   *slog.Logger
	Now      func() time.Time
	// MaxTracked bounds the members whose recent messages are kept for
	// flood detection (default 50000).
	MaxTracked int
}

// Service enforces the group rules. It is safe for concurrent use.
type Service struct {
	opts   Options
	chk    atomic.Pointer[checker]
	reload sync.Mutex
	flood  *floodTracker
}

// New returns a Service; the rules are loaded on first use or by Reload.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxTracked <= 0 {
		opts.MaxTracked = 50000
	}
	return &Service{opts: opts, flood: newFloodTracker(opts.MaxTracked)}
}

// Reload loads the rules as stored now.
func (s *Service) Reload(ctx context.Context) error {
	s.reload.Lock()
	defer s.reload.Unlock()
	return s.reloadLocked(ctx)
}

func (s *Service) reloadLocked(ctx context.Context) error {
	r, err := s.opts.Store.Rules(ctx)
	if err != nil {
		return fmt.Errorf("reload group rules: %w", err)
	}
	c, err := newChecker(r)
	if err != nil {
		return fmt.Errorf("reload group rules version %d: %w", r.Version, err)
	}
	s.chk.Store(c)
	return nil
}

// Refresh reloads the rules if their version changed, and reports whether
// it did.
func (s *Service) Refresh(ctx context.Context) (bool, error) {
	s.reload.Lock()
	defer s.reload.Unlock()
	v, err := s.opts.Store.Version(ctx)
	if err != nil {
		return false, fmt.Errorf("check group rules: %w", err)
	}
	if c := s.chk.Load(); c != nil && c.rules.Version == v {
		return false, nil
	}
	return true, s.reloadLocked(ctx)
}

// Watch calls Refresh every interval until ctx ends; it returns ctx's
// error.
func (s *Service) Watch(ctx context.Context, interval time.Duration) error {
	return poll.Every(ctx, interval, false, s.opts.Logger, "group rules refresh", func(ctx context.Context) error {
		_, err := s.Refresh(ctx)
		return err
	})
}

func (s *Service) checker(ctx context.Context) (*checker, error) {
	if c := s.chk.Load(); c != nil {
		return c, nil
	}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s.chk.Load(), nil
}

// Message is one group message as governance sees it.
type Message struct {
	Key        string // inbox dedupe key
	ChatID     string
	ChatName   string
	MemberID   string
	MemberName string
	Staff      bool
	MsgType    string // text, image, link, …
	Text       string
	ImageURL   string
	At         time.Time
}

// HandleBridge is the inbox handler of bridge messages ("bridge/*").
func (s *Service) HandleBridge(ctx context.Context, e inbox.Event) error {
	var bm bridge.Message
	if err := json.Unmarshal([]byte(e.Payload), &bm); err != nil {
		return inbox.Permanent(fmt.Errorf("decode bridge message: %w", err))
	}
	if bm.ChatType != "group" || bm.ChatID == "" {
		return nil
	}
	text := bm.Text
	if bm.Link != nil {
		text = strings.TrimSpace(text + " " + bm.Link.URL)
	}
	m := Message{
		Key: e.DedupeKey, ChatID: bm.ChatID, ChatName: bm.ChatName, MemberID: bm.SenderID, MemberName: bm.SenderName,
		Staff: bm.SenderRole != "member", MsgType: bm.MsgType, Text: text, ImageURL: bm.ImageURL, At: bm.SentAt,
	}
	if m.At.IsZero() {
		m.At = e.ReceivedAt
	}
	if err := s.Observe(ctx, m); err != nil {
		return fmt.Errorf("enforce group rules on bridge message %s: %w", bm.MsgID, err)
	}
	return nil
}

// Observe applies the group rules to one message: a member's breach takes
// the next step of the ladder, and every member message counts towards the
// group's early warning. Staff are exempt, and so are allow-listed members.
func (s *Service) Observe(ctx context.Context, m Message) error {
	if m.Staff || m.Key == "" {
		return nil
	}
	if m.At.IsZero() {
		m.At = s.opts.Now()
	}
	chk, err := s.checker(ctx)
	if err != nil {
		return err
	}
	if chk.rules.Enabled {
		if err := s.enforceMessage(ctx, chk, m); err != nil {
			return err
		}
	}
	return s.earlyWarning(ctx, chk.rules, m)
}

func (s *Service) enforceMessage(ctx context.Context, chk *checker, m Message) error {
	allowed, err := s.opts.Store.allowed(ctx, m.ChatID, m.MemberID)
	if err != nil || allowed {
		return err
	}
	vs := chk.check(m.Text)
	if qr, err := s.qrAd(ctx, chk.rules, m); err != nil {
		s.opts.Logger.Warn("QR check failed", "chat_id", m.ChatID, "message_key", m.Key, "err", err)
	} else if qr {
		vs = append(vs, Violation{Kind: ViolationAd, Evidence: "二维码图片 " + m.ImageURL})
	}
	if f := chk.rules.Flood; f.Enabled && s.flood.add(m, f) {
		vs = append(vs, Violation{Kind: ViolationFlood, Evidence: fmt.Sprintf("%d 秒内 %d 条消息", f.Seconds, f.Messages)})
	}
	if len(vs) == 0 {
		return nil
	}
	return s.enforce(ctx, chk.rules, m, vs)
}

func (s *Service) qrAd(ctx context.Context, r Rules, m Message) (bool, error) {
	if !r.Ads.Enabled || !r.Ads.QRImages || s.opts.QRCodes == nil || m.MsgType != "image" || m.ImageURL == "" {
		return false, nil
	}
	return s.opts.QRCodes.HasQRCode(ctx, m.ImageURL)
}

// enforce takes the next ladder step for m's breach, once per message: the
// steps and their sends are written in one transaction.
func (s *Service) enforce(ctx context.Context, r Rules, m Message, vs []Violation) error {
	done, err := s.opts.Store.handled(ctx, m.Key)
	if err != nil || len(done) > 0 {
		return err
	}
	var since time.Time
	if r.Ladder.WindowDays > 0 {
		since = m.At.AddDate(0, 0, -r.Ladder.WindowDays)
	}
	n, err := s.opts.Store.offences(ctx, m.ChatID, m.MemberID, m.Key, since)
	if err != nil {
		return err
	}
	steps, err := s.plan(ctx, r, m, vs, n)
	if err != nil {
		return err
	}
	if err := s.write(ctx, m.Key, steps); err != nil {
		return err
	}
	s.opts.Logger.Info("group rule enforced", "chat_id", m.ChatID, "member_id", m.MemberID, "violation", vs[0].Kind, "step", steps[0].record.Step, "offences_before", n)
	return nil
}

// step is one record with the send that carries it, if any.
type step struct {
	record Record
	send   *outbox.Message
}

// plan decides the steps for a breach after n earlier offences: a warning,
// then a final warning, then a removal request to the owner with an
// announcement in the group.
func (s *Service) plan(ctx context.Context, r Rules, m Message, vs []Violation, n int64) ([]step, error) {
	v := vs[0]
	evidence := make([]string, len(vs))
	for i, x := range vs {
		evidence[i] = x.Evidence
	}
	base := Record{ChatID: m.ChatID, MemberID: m.MemberID, MemberName: m.MemberName, Violation: v.Kind, Evidence: strings.Join(evidence, ";"), MessageKey: m.Key}
	fill := func(text string) string {
		return strings.NewReplacer("{name}", nameOr(m), "{violation}", v.Label(), "{chat}", chatOr(m)).Replace(text)
	}
	switch n {
	case 0:
		return []step{s.groupStep(base, StepWarning, m, fill(r.Ladder.WarningText))}, nil
	case 1:
		return []step{s.groupStep(base, StepFinalWarning, m, fill(r.Ladder.FinalWarningText))}, nil
	}
	removal, err := s.ownerStep(ctx, base, m, fill(r.Ladder.RemovalText))
	if err != nil {
		return nil, err
	}
	return []step{removal, s.groupStep(base, StepAnnouncement, m, fill(r.Ladder.AnnouncementText))}, nil
}

// groupStep says text in the group through the bridge, or records that it
// could not.
func (s *Service) groupStep(base Record, name string, m Message, text string) step {
	rec := base
	rec.Step, rec.Detail = name, text
	if !s.opts.BridgeSends {
		rec.Outcome = OutcomeNotPosted
		rec.Detail = "未配置桥接,无法在群内发言 (no bridge send webhook: not posted): " + text
		return step{record: rec}
	}
	key := stepKey(m.Key, name)
	out := bridge.Outgoing{IdempotencyKey: key, ChatID: m.ChatID, MsgType: "text", Text: text}
	if name != StepAnnouncement {
		out.Mentions = []string{m.MemberID}
	}
	if err := out.Validate(); err != nil {
		rec.Outcome = OutcomeNotPosted
		rec.Detail = "消息不符合桥接协议,未发送 (not a valid bridge send: " + err.Error() + "): " + text
		return step{record: rec}
	}
	raw, _ := json.Marshal(out) // a struct of strings always encodes
	rec.Outcome = OutcomeQueued
	return step{record: rec, send: &outbox.Message{IdempotencyKey: key, API: APIBridgeSend, Priority: 5, Payload: string(raw)}}
}

// ownerStep asks the group owner by app message to remove the member:
// WeCom has no API that removes a member from a customer group, and the
// bridge contract has no remove action.
func (s *Service) ownerStep(ctx context.Context, base Record, m Message, text string) (step, error) {
	rec := base
	rec.Step, rec.Detail = StepRemovalRequest, text
	owner := ""
	if s.opts.OwnerOf != nil {
		var err error
		if owner, err = s.opts.OwnerOf(ctx, m.ChatID); err != nil {
			return step{}, fmt.Errorf("find owner of %s: %w", m.ChatID, err)
		}
	}
	if owner == "" {
		rec.Outcome = OutcomeNotPosted
		rec.Detail = "群主未知,移出请求未发送 (group owner unknown: removal request not sent): " + text
		return step{record: rec}, nil
	}
	rec.Outcome = OutcomeQueued
	rec.Detail = "已请群主 " + owner + " 移出: " + text
	return step{record: rec, send: &outbox.Message{IdempotencyKey: stepKey(m.Key, StepRemovalRequest), API: APIMessageSend, Priority: 5, Payload: appText(owner, text)}}, nil
}

// appText is a message/send body of a text to users (ids joined by '|').
func appText(users, text string) string {
	raw, _ := json.Marshal(map[string]any{"touser": users, "msgtype": "text", "text": map[string]string{"content": text}})
	return string(raw)
}

func nameOr(m Message) string {
	if m.MemberName != "" {
		return m.MemberName
	}
	return m.MemberID
}

func chatOr(m Message) string {
	if m.ChatName != "" {
		return m.ChatName
	}
	return m.ChatID
}
