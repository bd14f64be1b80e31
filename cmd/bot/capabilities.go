package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/autoreply"
	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/complaint"
	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/directory"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/governance"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/poll"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/ticket"
	"github.com/qunbot/qunbot/internal/toolbar"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/callback"
	"github.com/qunbot/qunbot/internal/welcome"
)

// Intervals of the background work.
const (
	reconcileEvery = 2 * time.Second  // due group reconciles (DESIGN: a few seconds after an event)
	groupSyncEvery = 6 * time.Hour    // every group re-read from WeCom
	sweepEvery     = 30 * time.Second // ticket SLA sweeper
	noticeEvery    = time.Second      // ticket notifications flushed
	welcomeFlush   = 5 * time.Second  // group welcome batches due
)

// capabilities wires each capability to the inbox, the outbox, the
// directory and WeCom, collecting the workers they need.
type capabilities struct {
	cfg        config.Config
	db         *gorm.DB
	log        *slog.Logger
	client     *wecom.Client // nil when WeCom is not configured
	dispatcher *inbox.Dispatcher
	outbox     *outbox.Store
	wake       func() // the outbox has a send waiting
	dir        directory.Directory
	liveCodes  *livecode.Service
	workers    []func(context.Context) error
	// demoGroups mirrors group changes into demo mode's embedded WeCom.
	demoGroups group.Observer
}

func (c *capabilities) worker(f func(ctx context.Context) error) { c.workers = append(c.workers, f) }

// scripts wires the script library: keyword answers on every channel, and
// the chat toolbar page's questions where nothing can speak.
func (c *capabilities) scripts() *autoreply.Service {
	store := script.NewStore(c.db, now)
	engine := script.NewEngine(store, c.log)
	board := toolbar.NewStore(c.db, engine, now)
	replies := autoreply.New(autoreply.Options{
		Engine: engine, Unanswered: store, Outbox: c.outbox, Chats: c.dir,
		BridgeSends: c.cfg.Bridge.SendURL != "", Logger: c.log, Now: now,
		Observed: func(ctx context.Context, key string, m bridge.Message) error {
			return board.Note(ctx, toolbar.Question{ChatID: m.ChatID, MemberID: m.SenderID, MemberName: m.SenderName,
				MessageKey: key, Text: m.Text, AskedAt: m.SentAt})
		},
	})
	for _, kind := range []string{"bridge/text", "bridge/mixed"} {
		c.dispatcher.Handle(kind, replies.HandleBridge)
	}
	for _, kind := range []string{"aibot/text", "aibot/mixed", "aibot/voice"} {
		c.dispatcher.Handle(kind, replies.HandleAIBot)
	}
	if err := engine.Reload(context.Background()); err != nil {
		// The watcher retries every libraryPoll; until then nothing is
		// answered automatically, and every message is still recorded.
		c.log.Warn("script library not loaded yet", "err", err)
	}
	// A change saved in the console is live here within libraryPoll + the
	// reload (DESIGN: within 2 seconds).
	c.worker(func(ctx context.Context) error { return engine.Watch(ctx, libraryPoll) })
	return replies
}

// liveCode wires live QR codes: their landing page, pools that move on as
// groups fill, contact codes that tag new contacts.
func (c *capabilities) liveCode() error {
	opts := livecode.Options{DB: c.db, Groups: c.dir.Groups, Outbox: c.outbox, Staff: c.dir,
		AlertUsers: config.List(c.cfg.LiveCode.AlertUserIDs), Logger: c.log, Now: now}
	if c.client != nil { // a nil *wecom.Client in the interface would not be nil
		opts.WeCom = c.client
	}
	svc, err := livecode.New(opts)
	if err != nil {
		return err
	}
	for _, kind := range livecode.ContactEventKinds() {
		c.dispatcher.Handle(kind, svc.HandleContact)
	}
	// Views are flushed every few seconds; pools are reconciled often, as the
	// group syncer's count corrections raise no change.
	c.worker(func(ctx context.Context) error { return svc.Run(ctx, 5*time.Second, 15*time.Second) })
	c.liveCodes = svc
	return nil
}

// groups follows customer groups from WeCom's events and reconciles their
// member counts; without WeCom there is nothing to follow.
func (c *capabilities) groups() error {
	if c.client == nil {
		return nil
	}
	syncer, err := group.NewSyncer(c.dir.Groups, c.client, group.SyncerOptions{Logger: c.log,
		OnChange: group.Observers(c.liveCodes.OnGroupChange, c.demoGroups)})
	if err != nil {
		return err
	}
	for _, kind := range group.ChatEventKinds() {
		c.dispatcher.Handle(kind, syncer.HandleChatEvent)
	}
	c.worker(func(ctx context.Context) error { return syncer.Run(ctx, reconcileEvery) })
	c.worker(func(ctx context.Context) error {
		return poll.Every(ctx, groupSyncEvery, true, c.log, "group sync", syncAll(syncer))
	})
	return nil
}

func syncAll(s *group.Syncer) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := s.SyncAll(ctx)
		return err
	}
}

// tickets wires escalation tickets: staff commands to the app, the SLA
// sweeper and the aggregated notifications; replies acknowledges a
// complaint in its group where the bot can speak.
func (c *capabilities) tickets(replies *autoreply.Service) *ticket.Service {
	svc := ticket.New(ticket.Options{
		DB: c.db, Router: c.dir, Staff: c.dir, Fallback: fallback(c.cfg), Replier: complaintReplier{replies},
		ConsoleURL: c.cfg.Console.PublicURL, Logger: c.log, Now: now,
	})
	c.dispatcher.Handle(ticket.KindStaffText, svc.HandleStaffText)
	sweeper := ticket.NewSweeper(svc, ticket.SweeperOptions{})
	c.worker(func(ctx context.Context) error { sweeper.Run(ctx, sweepEvery); return nil })
	c.worker(func(ctx context.Context) error { svc.RunNotifier(ctx, noticeEvery); return nil })
	return svc
}

// complaintReplier acknowledges a ticket's complaint in its group.
type complaintReplier struct{ replies *autoreply.Service }

func (r complaintReplier) ReplyComplaint(ctx context.Context, g ticket.GroupReply) (bool, error) {
	return r.replies.ReplyComplaint(ctx, autoreply.Complaint{ChatID: g.ChatID, MessageKey: g.MessageKey,
		Tier: g.Tier, AckMinutes: g.AckMinutes, Key: strconv.FormatInt(g.TicketID, 10)})
}

// complaints wires complaint detection, which opens and raises tickets,
// and the group rules (群规).
func (c *capabilities) complaints(tickets *ticket.Service) {
	actor := ticket.Actor{Name: "complaint"}
	det := complaint.NewDetector(complaint.Options{
		Store: complaint.NewStore(c.db, now), Logger: c.log, Now: now,
		OnComplaint: func(ctx context.Context, cp complaint.Complaint) error {
			_, _, err := tickets.Open(ctx, newTicket(cp))
			return err
		},
		OnRaised: func(ctx context.Context, cp complaint.Complaint) error {
			_, err := tickets.RaiseTier(ctx, cp.MessageKey, ticket.Raise{Tier: string(cp.Tier), TierName: cp.Tier.Label(), AckMinutes: max(cp.SLAMinutes, 1)}, actor)
			return err
		},
		OnReaction: func(ctx context.Context, cp complaint.Complaint) error {
			return tickets.SetReactionOf(ctx, cp.MessageKey, actor, cp.Reaction.Leaning())
		},
	})
	if err := det.Reload(context.Background()); err != nil {
		c.log.Warn("complaint rules not loaded yet", "err", err)
	}
	c.worker(func(ctx context.Context) error { return det.Watch(ctx, libraryPoll) })
	gov := governance.New(governance.Options{
		Store: governance.NewStore(c.db, now), BridgeSends: c.cfg.Bridge.SendURL != "", Negative: det.IsNegative,
		QRCodes: governance.QRImages{HTTP: &http.Client{Timeout: 10 * time.Second}},
		OwnerOf: func(ctx context.Context, chatID string) (string, error) {
			g, err := c.dir.Groups.Get(ctx, chatID)
			if errors.Is(err, fault.ErrNotFound) {
				return "", nil
			}
			return g.OwnerUserID, err
		},
		Logger: c.log, Now: now,
	})
	c.worker(func(ctx context.Context) error { return gov.Watch(ctx, libraryPoll) })
	for _, kind := range []string{"bridge/text", "bridge/mixed"} {
		c.dispatcher.Handle(kind, det.HandleBridge)
	}
	for _, kind := range []string{"aibot/text", "aibot/mixed"} {
		c.dispatcher.Handle(kind, aibotComplaints(det))
	}
	for _, kind := range []string{"bridge/text", "bridge/mixed", "bridge/link", "bridge/image"} {
		c.dispatcher.Handle(kind, gov.HandleBridge)
	}
	c.dispatcher.Handle("change_external_chat/update", gov.HandleChatUpdate)
}

// aibotComplaints reads group messages that @-mention the AI bot for
// complaints, as the bridge's are read.
func aibotComplaints(det *complaint.Detector) inbox.Handler {
	return func(ctx context.Context, e inbox.Event) error {
		m, err := callback.ParseAIBotMessage([]byte(e.Payload))
		if err != nil {
			return inbox.Permanent(fmt.Errorf("decode aibot message: %w", err))
		}
		if m.ChatID == "" || strings.TrimSpace(m.Content()) == "" {
			return nil // 1:1 chats with the bot are questions, not group complaints
		}
		_, err = det.Observe(ctx, complaint.Message{Key: e.DedupeKey, ChatID: m.ChatID, MemberID: m.From.UserID, Text: m.Content(), At: e.ReceivedAt})
		return err
	}
}

// newTicket is the ticket of a detected complaint, with the report
// template's fields.
func newTicket(cp complaint.Complaint) ticket.NewTicket {
	around, _ := json.Marshal(cp.Context) // plain values: cannot fail
	return ticket.NewTicket{
		ComplaintKey: cp.MessageKey, ChatID: cp.ChatID, ChatName: cp.ChatName, MemberID: cp.MemberID, MemberName: cp.MemberName,
		PostedAt: cp.PostedAt, Content: cp.Text, Context: string(around), Tier: string(cp.Tier), TierName: cp.Tier.Label(),
		AckMinutes: max(cp.SLAMinutes, 1), Reaction: cp.Reaction.Leaning(),
	}
}

// fallback is who hears of tickets no store chain takes.
func fallback(cfg config.Config) ticket.Fallback {
	f := ticket.Fallback{WebhookKey: cfg.Tickets.FallbackWebhookKey}
	for _, id := range config.List(cfg.Tickets.FallbackUserIDs) {
		f.People = append(f.People, ticket.Person{Name: id, WeComUserID: id})
	}
	return f
}

// welcome wires welcome messages: new contacts, members joining groups,
// and Official Account followers.
func (c *capabilities) welcome() *welcome.Service {
	opts := welcome.Options{
		Store: welcome.NewStore(c.db, now), Directory: c.dir, Wake: c.wake,
		BridgeSends: c.cfg.Bridge.SendURL != "", Logger: c.log, Now: now,
	}
	if c.client != nil { // a nil *wecom.Client in the interface would not be nil
		opts.Contacts, opts.Media = c.client, c.client
	}
	svc := welcome.New(opts)
	for _, kind := range welcome.ContactKinds {
		c.dispatcher.Handle(kind, svc.HandleContact)
	}
	c.dispatcher.Handle(welcome.ChatUpdateKind, svc.HandleChatUpdate)
	c.worker(func(ctx context.Context) error { return svc.RunFlusher(ctx, welcomeFlush) })
	return svc
}
