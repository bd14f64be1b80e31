package script

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
	// Active hours are read in Asia/Shanghai and other zones even in images
	// without a zoneinfo database.
	_ "time/tzdata"

	"github.com/qunbot/qunbot/internal/poll"
	"github.com/qunbot/qunbot/internal/script/match"
	"github.com/qunbot/qunbot/internal/storage"
)

// Engine answers messages from the library. It keeps a compiled copy of the
// library behind an atomic pointer, so answering takes no lock, and swaps in
// a new copy when the library changes (see Watch). It is safe for concurrent
// use.
type Engine struct {
	store  *Store
	log    *slog.Logger
	lib    atomic.Pointer[library]
	reload sync.Mutex // one reload at a time, so an older copy never replaces a newer
}

// library is one compiled version of the script library.
type library struct {
	version int64
	matcher *match.Matcher
	scripts map[int64]*entry
}

// entry is a script with what answering needs precomputed.
type entry struct {
	Script
	loc    *time.Location
	hours  hours
	tags   map[string]bool
	chats  map[string]bool
	stores map[string]bool
}

// NewEngine returns an Engine over store with an empty library; call Reload
// (or Watch) before answering. log may be nil.
func NewEngine(store *Store, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{store: store, log: log}
}

// LoadedVersion returns the library version the engine answers from, or -1
// before the first Reload.
func (e *Engine) LoadedVersion() int64 {
	if lib := e.lib.Load(); lib != nil {
		return lib.version
	}
	return -1
}

// Reload compiles the library as stored now and swaps it in. On error the
// engine keeps answering from the copy it had.
func (e *Engine) Reload(ctx context.Context) error {
	e.reload.Lock()
	defer e.reload.Unlock()
	return e.reloadLocked(ctx)
}

func (e *Engine) reloadLocked(ctx context.Context) error {
	// The version is read before the scripts: a change in between makes
	// the next check reload again rather than be missed.
	version, err := e.store.Version(ctx)
	if err != nil {
		return fmt.Errorf("reload script library: %w", err)
	}
	var rows []scriptRow
	if err := e.store.db.WithContext(ctx).Where("deleted_at IS NULL").Order("id").Find(&rows).Error; err != nil {
		return storage.Wrap("reload script library", err)
	}
	lib, err := e.compile(version, rows)
	if err != nil {
		return fmt.Errorf("reload script library: %w", err)
	}
	e.lib.Store(lib)
	e.log.Info("script library loaded", "version", version, "scripts", len(lib.scripts))
	return nil
}

// Refresh reloads the library if its version changed since the last load,
// and reports whether it did. Watch calls it on every tick.
func (e *Engine) Refresh(ctx context.Context) (bool, error) {
	e.reload.Lock()
	defer e.reload.Unlock()
	version, err := e.store.Version(ctx)
	if err != nil {
		return false, fmt.Errorf("check script library: %w", err)
	}
	if lib := e.lib.Load(); lib != nil && lib.version == version {
		return false, nil
	}
	return true, e.reloadLocked(ctx)
}

// Watch calls Refresh every interval until ctx ends, logging failures and
// keeping the last good library. It returns ctx's error. The bot runs it
// with one second, so a change saved in the console answers within two.
func (e *Engine) Watch(ctx context.Context, interval time.Duration) error {
	return poll.Every(ctx, interval, false, e.log, "script library refresh", func(ctx context.Context) error {
		_, err := e.Refresh(ctx)
		return err
	})
}

// compile builds a library from rows. A script the matcher refuses (saved
// under older rules, say) is left out and logged rather than taking the
// whole library down.
func (e *Engine) compile(version int64, rows []scriptRow) (*library, error) {
	lib := &library{version: version, scripts: make(map[int64]*entry, len(rows))}
	rules := make([]match.Rule, 0, len(rows))
	for _, r := range rows {
		ent, err := newEntry(r)
		if err == nil {
			err = match.ValidateRule(ruleOf(&ent.Script))
		}
		if err != nil {
			e.log.Warn("script left out of the library", "script_id", r.ID, "err", err)
			continue
		}
		lib.scripts[r.ID] = ent
		rules = append(rules, ruleOf(&ent.Script))
	}
	m, err := match.Compile(rules)
	if err != nil {
		return nil, err
	}
	lib.matcher = m
	return lib, nil
}

func newEntry(r scriptRow) (*entry, error) {
	sc, err := r.script()
	if err != nil {
		return nil, err
	}
	ent := &entry{Script: sc, tags: set(sc.Scope.Tags), chats: set(sc.Scope.ChatIDs), stores: set(sc.Scope.Stores)}
	if ent.loc, err = time.LoadLocation(zoneOr(sc.TimeZone)); err != nil {
		return nil, err
	}
	if ent.hours, err = parseHours(sc.ActiveHours); err != nil {
		return nil, err
	}
	return ent, nil
}

func zoneOr(tz string) string {
	if tz == "" {
		return DefaultTimeZone
	}
	return tz
}

func set(items []string) map[string]bool {
	if len(items) == 0 {
		return nil
	}
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// errNotLoaded is returned before the first successful Reload.
var errNotLoaded = errors.New("script library not loaded yet (Reload has not succeeded)")

// current returns the library to answer from.
func (e *Engine) current() (*library, error) {
	lib := e.lib.Load()
	if lib == nil {
		return nil, errNotLoaded
	}
	return lib, nil
}

// pick chooses the variant of sc for its count-th answer (counting from 0).
func pick(sc *Script, count int64) int {
	n := len(sc.Replies)
	switch {
	case n <= 1:
		return 0
	case sc.ReplyOrder == OrderRandom:
		return rand.IntN(n)
	}
	return int(count % int64(n))
}
