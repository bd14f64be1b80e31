package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// maxGroup bounds how many events one commit carries.
const maxGroup = 256

// groupTimeout bounds one group's transaction. The group is written on
// behalf of several callers, so it does not stop when the caller that
// happens to lead it goes away.
const groupTimeout = 10 * time.Second

// recorder is a group commit: callers of Record that arrive while
// transactions are being written queue up, and the next transaction carries
// all of them. A commit costs far more than an insert (on SQLite every
// commit writes its pages to the WAL and takes the single writer lock; on
// MySQL it waits for the redo log to reach the disk), so under load this
// multiplies what the inbox can take; alone, a call still commits at once.
//
// There is no background goroutine: a caller that finds fewer than
// maxWriters groups being written writes one itself, and a caller that
// finishes writing hands the next group to the oldest caller still waiting.
// SQLite has one writer, so one group at a time; MySQL overlaps several.
type recorder struct {
	insertSQL  string
	maxWriters int

	mu      sync.Mutex
	pending []*recordCall
	writers int // groups being written now
}

type recordCall struct {
	e        *Event
	inserted bool
	err      error
	done     chan struct{} // closed when the call's row is committed or has failed
	lead     chan struct{} // closed when the call must write the next group
	leading  bool          // lead is closed, or the call leads from the start
}

func newRecorder(db *gorm.DB) recorder {
	if db.Dialector.Name() == storage.DriverMySQL {
		return recorder{insertSQL: insertOnceSQL(db), maxWriters: 4}
	}
	return recorder{insertSQL: insertOnceSQL(db), maxWriters: 1}
}

func (r *recorder) record(ctx context.Context, db *gorm.DB, e *Event) (bool, error) {
	call := &recordCall{e: e, done: make(chan struct{}), lead: make(chan struct{})}
	lead := call.lead
	if r.enqueue(call) {
		r.flush(ctx, db)
		lead = nil
	}
	for {
		select {
		case <-call.done:
			return call.inserted, call.err
		case <-lead:
			// A call leads at most once; its row is in that group or an
			// earlier one, so after it only done can be closed.
			lead = nil
			r.flush(ctx, db)
		}
	}
}

// enqueue adds call and reports whether its caller must write a group.
func (r *recorder) enqueue(call *recordCall) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(r.pending, call)
	if r.writers == r.maxWriters {
		return false
	}
	r.writers++
	call.leading = true
	return true
}

// flush writes the oldest waiting calls as one group, then hands the next
// group to the oldest caller not yet asked to lead, so that the writers
// keep going while anyone waits. The group may be empty when another
// writer took this caller's row first.
func (r *recorder) flush(ctx context.Context, db *gorm.DB) {
	r.mu.Lock()
	n := min(len(r.pending), maxGroup)
	group := make([]*recordCall, n)
	copy(group, r.pending)
	r.pending = append(r.pending[:0], r.pending[n:]...)
	r.mu.Unlock()

	if n > 0 {
		r.write(ctx, db, group)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.pending {
		if !c.leading {
			c.leading = true
			close(c.lead)
			return
		}
	}
	r.writers--
}

// write inserts the group in one transaction. If anything fails the group
// is rolled back whole — on MySQL a lock conflict rolls back the entire
// transaction whatever statement met it, so no partial group may be
// trusted — and each call is then written alone, so that one bad row or one
// conflict costs no other call its row.
func (r *recorder) write(ctx context.Context, db *gorm.DB, group []*recordCall) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	defer cancel()
	// One order for every group makes lock conflicts between groups rarer.
	slices.SortFunc(group, func(a, b *recordCall) int { return strings.Compare(a.e.DedupeKey, b.e.DedupeKey) })
	err := r.writeGroup(ctx, db, group)
	if err != nil && len(group) > 1 && !storage.Unreachable(err) {
		for _, c := range group {
			r.settle(c, r.writeGroup(ctx, db, []*recordCall{c}))
		}
		return
	}
	for _, c := range group {
		r.settle(c, err)
	}
}

func (r *recorder) settle(c *recordCall, err error) {
	if err != nil {
		c.inserted, c.e.ID = false, 0
		c.err = storage.Wrap(fmt.Sprintf("record inbox event %q", c.e.DedupeKey), err)
	}
	close(c.done)
}

// writeGroup inserts every call's event in one transaction, or none.
func (r *recorder) writeGroup(ctx context.Context, db *gorm.DB, group []*recordCall) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, ok := tx.Statement.ConnPool.(preparer)
		if !ok {
			return errors.New("transaction cannot prepare statements")
		}
		stmt, err := p.PrepareContext(ctx, r.insertSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, c := range group {
			if err := insert(ctx, stmt, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// preparer is what a gorm transaction's connection pool is (a *sql.Tx).
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// insert adds one event unless its dedupe key is there already. It runs
// plain SQL on the transaction's connection: gorm's Create either aborts on
// a duplicate or, with an upsert clause on MariaDB, reports the existing row
// as inserted.
func insert(ctx context.Context, stmt *sql.Stmt, c *recordCall) error {
	e := c.e
	res, err := stmt.ExecContext(ctx, e.Source, e.Kind, e.DedupeKey, e.Payload, e.State, e.NextAttemptAt, e.ReceivedAt)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if c.inserted = n == 1; c.inserted {
		e.ID, err = res.LastInsertId()
	}
	return err
}

// insertOnceSQL is the dialect's insert that does nothing on a duplicate
// dedupe key and says so through its affected-row count. MySQL's
// ON DUPLICATE KEY UPDATE of a column to itself changes nothing and counts
// zero rows.
func insertOnceSQL(db *gorm.DB) string {
	const insert = "INSERT INTO inbox_events (source, kind, dedupe_key, payload, state, attempts, next_attempt_at, received_at, last_error) VALUES (?, ?, ?, ?, ?, 0, ?, ?, '')"
	if db.Dialector.Name() == storage.DriverMySQL {
		return insert + " ON DUPLICATE KEY UPDATE id = id"
	}
	return insert + " ON CONFLICT (dedupe_key) DO NOTHING"
}
