package console

import (
	"context"
	"net/http"

	"github.com/qunbot/qunbot/internal/livecode"
)

// livecodeRoutes serve live QR codes (群活码) with their pools, statistics
// and alerts, and contact live codes (渠道活码).
var livecodeRoutes = []apiRoute{
	{"GET /api/v1/live-codes", (*Server).listLiveCodes},
	{"POST /api/v1/live-codes", (*Server).createLiveCode},
	{"GET /api/v1/live-codes/{id}", (*Server).getLiveCode},
	{"PUT /api/v1/live-codes/{id}", (*Server).updateLiveCode},
	{"DELETE /api/v1/live-codes/{id}", (*Server).deleteLiveCode},
	{"GET /api/v1/live-codes/{id}/stats", (*Server).liveCodeStats},
	{"GET /api/v1/live-codes/{id}/switches", (*Server).liveCodeSwitches},
	{"POST /api/v1/live-codes/{id}/refresh", (*Server).refreshLiveCode},
	{"GET /api/v1/live-code-alerts", (*Server).listLiveCodeAlerts},
	{"POST /api/v1/live-code-alerts/{id}/ack", (*Server).ackLiveCodeAlert},
	{"GET /api/v1/contact-codes", (*Server).listContactCodes},
	{"POST /api/v1/contact-codes", (*Server).createContactCode},
	{"GET /api/v1/contact-codes/{id}", (*Server).getContactCode},
	{"PUT /api/v1/contact-codes/{id}", (*Server).updateContactCode},
	{"DELETE /api/v1/contact-codes/{id}", (*Server).deleteContactCode},
	{"GET /api/v1/contact-codes/{id}/stats", (*Server).contactCodeStats},
}

// liveCodes is the live code service, or an unavailable error when it is
// not configured.
func (s *Server) liveCodes() (*livecode.Service, error) {
	return configured(s.opts.LiveCodes, "活码功能未启用 (live codes are not configured)")
}

func (s *Server) listLiveCodes(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.liveCodes()
	if err != nil {
		return err
	}
	f := livecode.Filter{Query: r.URL.Query().Get("q")}
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return err
	}
	store, err := queryInt(r, "store_id")
	if err != nil {
		return err
	}
	f.StoreID = int64(store)
	items, total, err := svc.List(r.Context(), f)
	return answer(w, http.StatusOK, page[livecode.Code]{Items: items, Total: total}, err)
}

func (s *Server) createLiveCode(w http.ResponseWriter, r *http.Request) error {
	return saveBody(w, r, s.liveCodes, http.StatusCreated,
		func(svc *livecode.Service, ctx context.Context, c *livecode.Code) error {
			c.ID = 0
			return svc.Create(ctx, actor(r), c)
		})
}

func (s *Server) getLiveCode(w http.ResponseWriter, r *http.Request) error {
	return answerByID(w, r, s.liveCodes, (*livecode.Service).Get)
}

// updateLiveCode applies the body onto the code as it is: a field left out
// keeps its value, a pool sent replaces the pool.
func (s *Server) updateLiveCode(w http.ResponseWriter, r *http.Request) error {
	return editByID(w, r, s.liveCodes, (*livecode.Service).Get,
		func(svc *livecode.Service, ctx context.Context, id int64, c *livecode.Code) error {
			c.ID = id
			return svc.Update(ctx, actor(r), c)
		})
}

func (s *Server) deleteLiveCode(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, s.liveCodes, (*livecode.Service).Delete)
}

func (s *Server) liveCodeStats(w http.ResponseWriter, r *http.Request) error {
	return s.codeStats(w, r, (*livecode.Service).Stats)
}

// liveCodeSwitches answers the code's latest pool switches; an unknown code
// is 404, not an empty list.
func (s *Server) liveCodeSwitches(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceAndID(r, s.liveCodes)
	if err != nil {
		return err
	}
	if _, err := svc.Get(r.Context(), id); err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	items, err := svc.Switches(r.Context(), id, limit)
	return answer(w, http.StatusOK, allOf(items), err)
}

func (s *Server) refreshLiveCode(w http.ResponseWriter, r *http.Request) error {
	return answerByID(w, r, s.liveCodes, (*livecode.Service).Refresh)
}

func (s *Server) listLiveCodeAlerts(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.liveCodes()
	if err != nil {
		return err
	}
	var f livecode.AlertFilter
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return err
	}
	code, err := queryInt(r, "code_id")
	if err != nil {
		return err
	}
	f.CodeID = int64(code)
	if f.Open, err = queryBool(r, "open"); err != nil {
		return err
	}
	items, total, err := svc.Alerts(r.Context(), f)
	return answer(w, http.StatusOK, page[livecode.Alert]{Items: items, Total: total}, err)
}

func (s *Server) ackLiveCodeAlert(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceAndID(r, s.liveCodes)
	if err != nil {
		return err
	}
	a, err := svc.AckAlert(r.Context(), actor(r), id)
	return answer(w, http.StatusOK, a, err)
}

func (s *Server) listContactCodes(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.liveCodes()
	if err != nil {
		return err
	}
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	items, total, err := svc.ListContacts(r.Context(), r.URL.Query().Get("q"), limit, offset)
	return answer(w, http.StatusOK, page[livecode.ContactCode]{Items: items, Total: total}, err)
}

func (s *Server) createContactCode(w http.ResponseWriter, r *http.Request) error {
	return saveBody(w, r, s.liveCodes, http.StatusCreated,
		func(svc *livecode.Service, ctx context.Context, c *livecode.ContactCode) error {
			c.ID = 0
			return svc.CreateContact(ctx, actor(r), c)
		})
}

func (s *Server) getContactCode(w http.ResponseWriter, r *http.Request) error {
	return answerByID(w, r, s.liveCodes, (*livecode.Service).GetContact)
}

// updateContactCode applies the body onto the contact code as it is.
func (s *Server) updateContactCode(w http.ResponseWriter, r *http.Request) error {
	return editByID(w, r, s.liveCodes, (*livecode.Service).GetContact,
		func(svc *livecode.Service, ctx context.Context, id int64, c *livecode.ContactCode) error {
			c.ID = id
			return svc.UpdateContact(ctx, actor(r), c)
		})
}

func (s *Server) deleteContactCode(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, s.liveCodes, (*livecode.Service).DeleteContact)
}

func (s *Server) contactCodeStats(w http.ResponseWriter, r *http.Request) error {
	return s.codeStats(w, r, (*livecode.Service).ContactStats)
}

// codeStats answers the figures stats gives for the code {id} between the
// from and to query parameters.
func (s *Server) codeStats(w http.ResponseWriter, r *http.Request,
	stats func(svc *livecode.Service, ctx context.Context, id int64, from, to string) (livecode.Stats, error)) error {
	svc, id, err := serviceAndID(r, s.liveCodes)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	st, err := stats(svc, r.Context(), id, q.Get("from"), q.Get("to"))
	return answer(w, http.StatusOK, st, err)
}
