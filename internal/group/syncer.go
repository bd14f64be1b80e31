package group

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/qunbot/qunbot/internal/wecom"
)

// WeCom is what the Syncer needs of WeCom: *wecom.Client, or a fake.
type WeCom interface {
	ListGroupChats(ctx context.Context, q wecom.GroupChatQuery) (wecom.GroupChatPage, error)
	GetGroupChat(ctx context.Context, chatID string) (wecom.GroupChat, error)
}

// ErrWeCom marks a failure of WeCom itself (an errcode, the network), as
// opposed to one of qunbot's database; the error text says which, Chinese
// first where an operator has to act.
var ErrWeCom = errors.New("wecom call failed")

// errChatNotFound is WeCom's errcode for a chat_id that does not exist (any
// more): the group was dismissed. That a dismissed customer group answers
// exactly this is unverified on a real tenant; another answer only means
// the group is retried, and reported in the log.
const errChatNotFound = 40050

// SyncerOptions tune a Syncer. Zero fields take the defaults in brackets.
type SyncerOptions struct {
	// ReconcileDelay is how long after an event the group is re-read [3s]:
	// WeCom's own view settles a moment after its callback.
	ReconcileDelay time.Duration
	// Lease is how long a worker holds a claimed reconcile [1m]; a failed
	// one is tried again when it ends.
	Lease time.Duration
	// Batch is how many due reconciles one pass claims [20].
	Batch int
	// KeepEvents is how long applied events are remembered [7 days].
	KeepEvents time.Duration
	// OnChange, when set, hears of joins, leaves, new, renamed and dismissed
	// groups.
	OnChange Observer
	Logger   *slog.Logger
}

func (o SyncerOptions) withDefaults() SyncerOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReconcileDelay, 3*time.Second)
	def(&o.Lease, time.Minute)
	def(&o.KeepEvents, 7*24*time.Hour)
	if o.Batch <= 0 {
		o.Batch = 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Syncer keeps the Store in step with WeCom: it handles the group events
// of the inbox, reconciles groups after events and syncs every group on
// demand. Several replicas may run it over one database.
type Syncer struct {
	store *Store
	api   WeCom
	opts  SyncerOptions
	log   *slog.Logger
}

// NewSyncer returns a Syncer of store's groups that reads WeCom through api.
func NewSyncer(store *Store, api WeCom, opts SyncerOptions) (*Syncer, error) {
	if store == nil || api == nil {
		return nil, errors.New("group syncer: needs a store and a WeCom client (企业微信未配置)")
	}
	opts = opts.withDefaults()
	return &Syncer{store: store, api: api, opts: opts, log: opts.Logger}, nil
}

// SyncReport says what SyncAll did.
type SyncReport struct {
	Listed int `json:"listed"` // groups WeCom listed
	Saved  int `json:"saved"`  // read from WeCom and saved
	Failed int `json:"failed"` // listed but not read; reconciles are scheduled
	// Missing counts the groups qunbot knew as live that WeCom did not
	// list; reconciles are scheduled to confirm they are gone.
	Missing int `json:"missing"`
}

// SyncAll reads every customer group from WeCom (groupchat/list page by
// page, then groupchat/get each) and saves name, owner, notice, member
// count and member_version. A group that cannot be read is counted in
// Failed and reconciled later; a failed listing is an error.
func (s *Syncer) SyncAll(ctx context.Context) (SyncReport, error) {
	var rep SyncReport
	listed, err := s.listAll(ctx)
	if err != nil {
		return rep, err
	}
	rep.Listed = len(listed)
	var failed []string
	for _, id := range listed {
		if err := s.Reconcile(ctx, id); err != nil {
			if ctx.Err() != nil {
				return rep, fmt.Errorf("sync groups: %w", ctx.Err())
			}
			s.log.Warn("group sync: group not read", "chat_id", id, "err", err)
			failed = append(failed, id)
			continue
		}
		rep.Saved++
	}
	rep.Failed = len(failed)
	missing, err := s.missing(ctx, listed)
	if err != nil {
		return rep, err
	}
	rep.Missing = len(missing)
	now := s.store.clock.Now()
	if err := s.store.scheduleReconcile(ctx, append(failed, missing...), now); err != nil {
		return rep, fmt.Errorf("sync groups: %w", err)
	}
	s.log.Info("groups synced", "listed", rep.Listed, "saved", rep.Saved, "failed", rep.Failed, "missing", rep.Missing)
	return rep, nil
}

// listAll pages through groupchat/list.
func (s *Syncer) listAll(ctx context.Context) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	cursor := ""
	for {
		page, err := s.api.ListGroupChats(ctx, wecom.GroupChatQuery{Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("sync groups: %w: %w", ErrWeCom, err)
		}
		for _, c := range page.Chats {
			if !seen[c.ChatID] {
				seen[c.ChatID] = true
				ids = append(ids, c.ChatID)
			}
		}
		if page.NextCursor == "" {
			return ids, nil
		}
		if page.NextCursor == cursor {
			return nil, fmt.Errorf("sync groups: %w: groupchat/list answered the same cursor %q twice", ErrWeCom, cursor)
		}
		cursor = page.NextCursor
	}
}

// missing returns the live groups qunbot knows that are not in listed.
func (s *Syncer) missing(ctx context.Context, listed []string) ([]string, error) {
	live, err := s.store.liveChatIDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("sync groups: %w", err)
	}
	in := make(map[string]bool, len(listed))
	for _, id := range listed {
		in[id] = true
	}
	var out []string
	for _, id := range live {
		if !in[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// Reconcile reads one group from WeCom and saves what it says: the member
// count is the length of member_list, whatever events said before. A group
// WeCom no longer knows is marked dismissed.
func (s *Syncer) Reconcile(ctx context.Context, chatID string) error {
	chat, err := s.api.GetGroupChat(ctx, chatID)
	var apiErr *wecom.APIError
	if errors.As(err, &apiErr) && apiErr.Code == errChatNotFound {
		return s.dismiss(ctx, chatID, s.store.clock.Now())
	}
	if err != nil {
		return fmt.Errorf("reconcile group %s: %w: %w", chatID, ErrWeCom, err)
	}
	prev, err := s.store.saveSnapshot(ctx, snapshotOf(chat))
	if err != nil {
		return wrap(fmt.Sprintf("reconcile group %s", chatID), err)
	}
	if prev != "" && prev != chat.Name {
		s.emit(ctx, Change{ChatID: chatID, Kind: ChangeRenamed, MemberCount: len(chat.Members), Name: chat.Name})
	}
	return nil
}

func snapshotOf(c wecom.GroupChat) snapshot {
	return snapshot{ChatID: c.ChatID, Name: c.Name, Owner: c.Owner, Notice: c.Notice,
		Version: c.MemberVersion, CreateTime: c.CreateTime, Count: len(c.Members)}
}

// dismiss marks a group dismissed and tells subscribers the first time.
func (s *Syncer) dismiss(ctx context.Context, chatID string, at time.Time) error {
	newly, err := s.store.markDismissed(ctx, chatID, at)
	if err != nil {
		return wrap(fmt.Sprintf("dismiss group %s", chatID), err)
	}
	if newly {
		s.emit(ctx, Change{ChatID: chatID, Kind: ChangeDismissed})
	}
	return nil
}

// ReconcileDue claims the groups whose reconcile is due and reconciles
// them; it returns how many it reconciled. A group that fails for a reason
// that may pass (network, rate limit, database) stays claimed until its
// lease ends and is tried again then; one WeCom refuses for good (no
// permission, untrusted IP) is given up until the next event or SyncAll.
func (s *Syncer) ReconcileDue(ctx context.Context) (int, error) {
	ids, token, err := s.store.claimDue(ctx, s.opts.Batch, s.opts.Lease)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, id := range ids {
		failed := s.Reconcile(ctx, id)
		if failed != nil && (!errors.Is(failed, ErrWeCom) || wecom.IsTemporary(failed)) {
			s.log.Warn("group reconcile failed; will retry", "chat_id", id, "retry_in", s.opts.Lease, "err", failed)
			continue
		}
		if failed != nil {
			s.log.Error("group reconcile refused by WeCom; given up until the next event or sync", "chat_id", id, "err", failed)
		}
		if err := s.store.finishClaim(ctx, id, token); err != nil {
			return done, err
		}
		if failed == nil {
			done++
		}
	}
	return done, nil
}

// Run reconciles due groups every interval until ctx is done, and forgets
// old applied events once an hour. Database failures are logged and
// retried at the next tick.
func (s *Syncer) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("group reconcile worker: interval %s is not positive", every)
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	var pruned time.Time
	for {
		s.pass(ctx)
		if now := s.store.clock.Now(); now.Sub(pruned) >= time.Hour {
			pruned = now
			if n, err := s.store.pruneEvents(ctx, now.Add(-s.opts.KeepEvents)); err != nil {
				s.log.Error("prune group events failed", "err", err)
			} else if n > 0 {
				s.log.Info("group events pruned", "deleted", n)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// pass reconciles due groups until none is left or a batch falls short.
func (s *Syncer) pass(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := s.ReconcileDue(ctx)
		if err != nil {
			s.log.Error("group reconcile pass failed", "err", err)
			return
		}
		if n < s.opts.Batch {
			return
		}
	}
}

// emit tells the observer, which must not take the caller down.
func (s *Syncer) emit(ctx context.Context, c Change) {
	if s.opts.OnChange == nil {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("group change observer panicked", "chat_id", c.ChatID, "kind", c.Kind, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	s.opts.OnChange(ctx, c)
}
