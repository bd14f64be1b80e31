package script

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// importChunk is how many rows an import writes between progress reports
// (and history batches).
const importChunk = 100

// errRowsRejected rolls back an import whose rows are bad.
var errRowsRejected = errors.New("import rows rejected")

// plan is one import row resolved against the library.
type plan struct {
	script    Script
	before    *Script // the stored script of an update; nil for a create
	category  string  // a category to create and file the script in, or ""
	unchanged bool
}

// importRows checks every row against the library and, if all are good,
// saves them, all in one transaction.
func (s *Store) importRows(ctx context.Context, actor string, cols []column, rows []rowInput, progress func(done, total int)) (ImportReport, error) {
	var (
		rep  ImportReport
		errs []RowError
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cats := &categoryIndex{tx: tx, ids: make(map[string]int64), missing: make(map[string]bool)}
		plans, err := planImport(tx, cats, cols, rows)
		if err != nil {
			return err
		}
		for _, in := range rows {
			errs = append(errs, in.errs...)
		}
		if len(errs) > 0 {
			return errRowsRejected
		}
		rep, err = s.writeImport(tx, cats, actor, plans, progress)
		return err
	})
	switch {
	case errors.Is(err, errRowsRejected):
		return rejected(errs)
	case err != nil:
		return ImportReport{}, wrapStore("import scripts", err)
	}
	return rep, nil
}

// planImport builds and validates the script of every row, recording the
// problems on the rows.
func planImport(tx *gorm.DB, cats *categoryIndex, cols []column, rows []rowInput) ([]plan, error) {
	stored, err := loadScripts(tx, rows)
	if err != nil {
		return nil, err
	}
	plans := make([]plan, len(rows))
	for i := range rows {
		if plans[i], err = planRow(cats, cols, &rows[i], stored); err != nil {
			return nil, err
		}
	}
	return plans, nil
}

func planRow(cats *categoryIndex, cols []column, in *rowInput, stored map[int64]Script) (plan, error) {
	var p plan
	base := Script{Enabled: true}
	if before, ok := stored[in.id]; ok {
		base, p.before = before, &before
	} else if in.id > 0 {
		in.fail(colID, fmt.Sprintf("话术 %d 不存在或已删除;新建话术请留空 ID (no such script)", in.id))
	}
	sc, from := in.script(base)
	if in.category != nil {
		id, found, err := cats.lookup(*in.category)
		if err != nil {
			return p, err
		}
		if sc.CategoryID = id; !found {
			p.category = *in.category
		}
	}
	in.check(cols, &sc, from)
	p.script = sc
	switch {
	case p.before == nil:
	case p.category == "" && sameContent(*p.before, sc):
		p.unchanged = true
	case in.version != 0 && in.version != p.before.Version:
		in.fail(colVersion, fmt.Sprintf("话术已被 %s 改为第 %d 版,文件中是第 %d 版;请重新导出后再修改 (conflict: stored version %d, file has %d)",
			p.before.UpdatedBy, p.before.Version, in.version, p.before.Version, in.version))
	}
	return p, nil
}

// loadScripts returns the stored scripts the rows name by ID.
func loadScripts(tx *gorm.DB, rows []rowInput) (map[int64]Script, error) {
	var ids []int64
	for _, in := range rows {
		if in.id > 0 {
			ids = append(ids, in.id)
		}
	}
	out := make(map[int64]Script, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		var rs []scriptRow
		if err := tx.Where("id IN ? AND deleted_at IS NULL", chunk).Find(&rs).Error; err != nil {
			return nil, fmt.Errorf("load scripts: %w", err)
		}
		scripts, err := decodeRows(rs)
		if err != nil {
			return nil, err
		}
		for _, sc := range scripts {
			out[sc.ID] = sc
		}
	}
	return out, nil
}

// sameContent reports whether a and b differ in nothing an operator edits.
func sameContent(a, b Script) bool {
	ra, errA := toRow(&a)
	rb, errB := toRow(&b)
	return errA == nil && errB == nil && editable(ra) == editable(rb)
}

func editable(r scriptRow) scriptRow {
	r.ID, r.Version, r.HitCount, r.CreatedBy, r.UpdatedBy = 0, 0, 0, "", ""
	r.CreatedAt, r.UpdatedAt, r.DeletedAt = time.Time{}, time.Time{}, nil
	return r
}

// categoryIndex finds categories by name within one transaction, letting
// the database's collation decide which names are the same.
type categoryIndex struct {
	tx      *gorm.DB
	ids     map[string]int64
	missing map[string]bool
}

// lookup returns the id of category name ("" is uncategorised, 0) and
// whether it exists.
func (c *categoryIndex) lookup(name string) (int64, bool, error) {
	if id, ok := c.ids[name]; ok || name == "" {
		return id, true, nil
	}
	if c.missing[name] {
		return 0, false, nil
	}
	var cat Category
	err := c.tx.Where("name = ?", name).Take(&cat).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		c.missing[name] = true
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("find script category %q: %w", name, err)
	}
	c.ids[name] = cat.ID
	return cat.ID, true, nil
}

// ensure returns the id of category name, creating it if it is missing.
func (c *categoryIndex) ensure(name string, now time.Time) (int64, error) {
	delete(c.missing, name) // another spelling may have created it since
	id, found, err := c.lookup(name)
	if err != nil || found {
		return id, err
	}
	cat := Category{Name: name, CreatedAt: now, UpdatedAt: now}
	if err := c.tx.Create(&cat).Error; err != nil {
		return 0, fmt.Errorf("create script category %q: %w", name, err)
	}
	c.ids[name] = cat.ID
	return cat.ID, nil
}

// importWriter saves planned rows in one transaction, batching history.
type importWriter struct {
	tx      *gorm.DB
	cats    *categoryIndex
	actor   string
	now     time.Time
	changes []Change
}

func (s *Store) writeImport(tx *gorm.DB, cats *categoryIndex, actor string, plans []plan, progress func(done, total int)) (ImportReport, error) {
	w := importWriter{tx: tx, cats: cats, actor: actor, now: s.clock.Now()}
	var rep ImportReport
	for i := range plans {
		if err := w.write(&plans[i], &rep); err != nil {
			return ImportReport{}, err
		}
		if done := i + 1; done%importChunk == 0 || done == len(plans) {
			if err := w.flush(); err != nil {
				return ImportReport{}, err
			}
			progress(done, len(plans))
		}
	}
	if len(plans) == 0 {
		progress(0, 0)
	}
	if rep.Created+rep.Updated == 0 {
		return rep, nil // nothing changed: running bots need not reload
	}
	return rep, bump(tx)
}

func (w *importWriter) write(p *plan, rep *ImportReport) error {
	if p.unchanged {
		rep.Unchanged++
		return nil
	}
	if p.category != "" {
		id, err := w.cats.ensure(p.category, w.now)
		if err != nil {
			return err
		}
		p.script.CategoryID = id
	}
	if p.before == nil {
		rep.Created++
		return w.create(&p.script)
	}
	rep.Updated++
	return w.update(p.before, &p.script)
}

func (w *importWriter) create(sc *Script) error {
	sc.ID, sc.Version, sc.CreatedBy, sc.UpdatedBy, sc.CreatedAt, sc.UpdatedAt = 0, 1, w.actor, w.actor, w.now, w.now
	row, err := toRow(sc)
	if err != nil {
		return err
	}
	if err := w.tx.Create(&row).Error; err != nil {
		return fmt.Errorf("create script %q: %w", sc.Title, err)
	}
	sc.ID = row.ID
	return w.history(ActionCreate, nil, sc)
}

func (w *importWriter) update(before, sc *Script) error {
	sc.Version, sc.UpdatedBy, sc.UpdatedAt = before.Version+1, w.actor, w.now
	sc.CreatedBy, sc.CreatedAt = before.CreatedBy, before.CreatedAt
	if err := saveTx(w.tx, sc, before.Version); err != nil {
		return fmt.Errorf("update script %d: %w", sc.ID, err)
	}
	return w.history(ActionUpdate, before, sc)
}

// history queues the history entry of a change; flush writes the queue.
func (w *importWriter) history(a Action, before, after *Script) error {
	c := Change{ScriptID: after.ID, Version: after.Version, Action: a, Actor: w.actor, At: w.now}
	var err error
	if c.Before, err = snapshot(before); err != nil {
		return err
	}
	if c.After, err = snapshot(after); err != nil {
		return err
	}
	w.changes = append(w.changes, c)
	return nil
}

func (w *importWriter) flush() error {
	if len(w.changes) == 0 {
		return nil
	}
	err := w.tx.CreateInBatches(w.changes, importChunk).Error
	w.changes = w.changes[:0]
	if err != nil {
		return fmt.Errorf("record script history: %w", err)
	}
	return nil
}
