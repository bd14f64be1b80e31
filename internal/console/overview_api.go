package console

import (
	"net/http"

	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/overview"
)

// overviewRoutes serve the dashboard's figures.
var overviewRoutes = []apiRoute{
	{"GET /api/v1/overview", (*Server).getOverview},
}

// getOverview answers the figures the dashboard shows; a capability that
// is not configured is null.
func (s *Server) getOverview(w http.ResponseWriter, r *http.Request) error {
	o, err := overview.Read(r.Context(), overview.Sources{Groups: s.opts.Groups, Scripts: s.opts.Scripts,
		Tickets: s.opts.Tickets, LiveCodes: s.opts.LiveCodes, Inbox: s.opts.Inbox,
		MessageKinds: s.opts.MessageKinds, Now: s.opts.Now})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, o)
	return nil
}
