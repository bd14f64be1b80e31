package console

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"

	"github.com/qunbot/qunbot/internal/audit"
)

// maxAuditBody is how much of a JSON request body the audit log keeps.
const maxAuditBody = 64 << 10

// auditBody tees a change's JSON body so the audit log can keep it; other
// bodies (uploads) are named by the action alone.
func auditBody(r *http.Request) *bytes.Buffer {
	if !unsafeMethod(r.Method) || r.Body == nil {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil
	}
	buf := &bytes.Buffer{}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(r.Body, &capped{buf}), r.Body}
	return buf
}

// capped writes into a buffer up to maxAuditBody bytes and drops the rest.
type capped struct{ b *bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxAuditBody - c.b.Len(); room > 0 {
		c.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// audit records a change: who, which route, which object, the outcome and
// the body sent (passwords blanked).
func (s *Server) audit(r *http.Request, status int, body *bytes.Buffer) {
	if s.opts.Audit == nil || !unsafeMethod(r.Method) {
		return
	}
	e := audit.Entry{Actor: actor(r), Action: r.Pattern, Object: r.URL.Path, Status: status}
	if body != nil {
		e.After = redact(body.Bytes())
	}
	if err := s.opts.Audit.Record(r.Context(), e); err != nil {
		s.opts.Logger.Error("audit entry not recorded", "action", e.Action, "actor", e.Actor, "err", err)
	}
}

// redact blanks password fields of a JSON object; a body that is not a
// JSON object is not kept.
func redact(body []byte) json.RawMessage {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	for k := range m {
		if audit.Sensitive(k) {
			m[k] = "***"
		}
	}
	out, _ := json.Marshal(m)
	return out
}
