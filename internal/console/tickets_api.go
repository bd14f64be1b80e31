package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/ticket"
)

// ticketRoutes is the tickets part of the JSON API.
var ticketRoutes = []apiRoute{
	{"GET /api/v1/tickets", (*Server).listTickets},
	{"GET /api/v1/tickets/stats", (*Server).ticketStats},
	{"GET /api/v1/tickets/{id}", (*Server).getTicket},
	{"POST /api/v1/tickets/{id}/ack", stepHandler(ticket.StepAck)},
	{"POST /api/v1/tickets/{id}/start", stepHandler(ticket.StepStart)},
	{"POST /api/v1/tickets/{id}/resolve", stepHandler(ticket.StepResolve)},
	{"POST /api/v1/tickets/{id}/close", stepHandler(ticket.StepClose)},
	{"POST /api/v1/tickets/{id}/reopen", stepHandler(ticket.StepReopen)},
	{"POST /api/v1/tickets/{id}/comments", (*Server).commentTicket},
	{"PUT /api/v1/tickets/{id}/reaction", (*Server).setTicketReaction},
}

// ticketActor is who a change made through the API is recorded as, and the
// stores they may see and act on (staff: their stores; nil: all).
func ticketActor(r *http.Request) ticket.Actor {
	return ticket.Actor{Name: actor(r), Stores: scope(r)}
}

// tickets is the ticket service, or a clear error when it is not wired.
func (s *Server) tickets() (*ticket.Service, error) {
	return configured(s.opts.Tickets, "工单功能未启用 (tickets are not configured)")
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) error {
	f, err := ticketFilter(r)
	if err != nil {
		return err
	}
	f.Scope = ticketActor(r).Stores
	svc, err := s.tickets()
	if err != nil {
		return err
	}
	items, total, err := svc.List(r.Context(), f)
	if err != nil {
		return err
	}
	if items == nil {
		items = []ticket.Ticket{}
	}
	httpx.WriteJSON(w, http.StatusOK, page[ticket.Ticket]{Items: items, Total: total})
	return nil
}

func ticketFilter(r *http.Request) (ticket.Filter, error) {
	q := r.URL.Query()
	f := ticket.Filter{Tier: q.Get("tier")}
	if v := q.Get("state"); v != "" {
		st, ok := ticket.ParseState(v)
		if !ok {
			return f, fmt.Errorf("%w: state=%q is not new, acknowledged, in_progress, resolved or closed", errBadRequest, v)
		}
		f.State = st
	}
	var err error
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return f, err
	}
	store, err := queryInt(r, "store_id")
	if err != nil {
		return f, err
	}
	f.StoreID = int64(store)
	overdue, err := queryBool(r, "overdue")
	f.Overdue = overdue != nil && *overdue
	return f, err
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceAndID(r, s.tickets)
	if err != nil {
		return err
	}
	d, err := svc.Get(r.Context(), id, ticketActor(r).Stores)
	return answer(w, http.StatusOK, d, err)
}

// ticketNote is the optional body of a lifecycle step.
type ticketNote struct {
	Note string `json:"note"`
}

// stepHandler answers POST /api/v1/tickets/{id}/<step>.
func stepHandler(step ticket.Step) func(s *Server, w http.ResponseWriter, r *http.Request) error {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		svc, id, err := serviceAndID(r, s.tickets)
		if err != nil {
			return err
		}
		var body ticketNote
		if r.ContentLength != 0 {
			if err := decode(w, r, &body); err != nil {
				return err
			}
		}
		t, err := svc.Do(r.Context(), id, step, ticketActor(r), body.Note)
		return answer(w, http.StatusOK, t, err)
	}
}

func (s *Server) commentTicket(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceAndID(r, s.tickets)
	if err != nil {
		return err
	}
	var body struct {
		Body string `json:"body"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	c, err := svc.AddComment(r.Context(), id, ticketActor(r), body.Body)
	return answer(w, http.StatusCreated, c, err)
}

func (s *Server) setTicketReaction(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceAndID(r, s.tickets)
	if err != nil {
		return err
	}
	var body struct {
		Reaction string `json:"reaction"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	t, err := svc.SetReaction(r.Context(), id, ticketActor(r), body.Reaction)
	return answer(w, http.StatusOK, t, err)
}

// ticketStats answers SLA compliance per tier of the tickets posted in
// [from, to): RFC 3339 times, by default the last 7 days.
func (s *Server) ticketStats(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.tickets()
	if err != nil {
		return err
	}
	to := s.opts.Now()
	from := to.Add(-7 * 24 * time.Hour)
	if from, err = queryTime(r, "from", from); err != nil {
		return err
	}
	if to, err = queryTime(r, "to", to); err != nil {
		return err
	}
	stats, err := svc.Stats(r.Context(), from, to, ticketActor(r).Stores)
	if err != nil {
		return err
	}
	if stats == nil {
		stats = []ticket.TierStats{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "tiers": stats})
	return nil
}
