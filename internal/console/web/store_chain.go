package web

import (
	"net/http"

	"github.com/qunbot/qunbot/internal/org"
)

// chainLevel is one rung of a store's escalation chain as the store page
// shows it: who is on it, or that nobody is.
type chainLevel struct {
	Level    int
	Label    string
	Staff    []org.Staff
	Fallback bool // level 0 lists every active staff member: nobody is on duty
}

// shopChain reads the store's escalation chain in one query.
func (h *handler) shopChain(r *http.Request, storeID int64) ([]chainLevel, error) {
	levels, err := h.opts.Org.EscalationChain(r.Context(), storeID)
	if err != nil {
		return nil, err
	}
	out := make([]chainLevel, len(levels))
	for i, l := range levels {
		out[i] = chainLevel{Level: l.Level, Label: staffRoleLabel(l.Role), Staff: l.Staff, Fallback: l.Fallback}
	}
	return out, nil
}
