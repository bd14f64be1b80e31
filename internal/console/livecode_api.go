package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
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
	if s.opts.LiveCodes == nil {
		return nil, fmt.Errorf("活码功能未启用 (live codes are not configured): %w", fault.ErrUnavailable)
	}
	return s.opts.LiveCodes, nil
}

func (s *Server) listLiveCodes(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.liveCodes()
	if err != nil {
		return err
	}
	f := livecode.Filter{Query: r.URL.Query().Get("q")}
	if f.Limit, f.Offset, err = orgPaging(r); err != nil {
		return err
	}
	store, err := queryInt(r, "store_id")
	if err != nil {
		return err
	}
	f.StoreID = int64(store)
	items, total, err := svc.List(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[livecode.Code]{Items: items, Total: total})
	return nil
}

func (s *Server) createLiveCode(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.liveCodes()
	if err != nil {
		return err
	}
	var c livecode.Code
	if err := decode(w, r, &c); err != nil {
		return err
	}
	c.ID = 0
	if err := svc.Create(r.Context(), actor(r), &c); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getLiveCode(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
	if err != nil {
		return err
	}
	c, err := svc.Get(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

// liveCodeID is the service and the {id} of the route.
func (s *Server) liveCodeID(r *http.Request) (*livecode.Service, int64, error) {
	svc, err := s.liveCodes()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(r)
	return svc, id, err
}

// updateLiveCode applies the body onto the code as it is: a field left out
// keeps its value, a pool sent replaces the pool.
func (s *Server) updateLiveCode(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
	if err != nil {
		return err
	}
	c, err := svc.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := decode(w, r, &c); err != nil {
		return err
	}
	c.ID = id
	if err := svc.Update(r.Context(), actor(r), &c); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteLiveCode(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) liveCodeStats(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
	if err != nil {
		return err
	}
	st, err := svc.Stats(r.Context(), id, r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) liveCodeSwitches(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
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
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[livecode.Switch]{Items: items, Total: int64(len(items))})
	return nil
}

func (s *Server) refreshLiveCode(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
	if err != nil {
		return err
	}
	c, err := svc.Refresh(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) listLiveCodeAlerts(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.liveCodes()
	if err != nil {
		return err
	}
	var f livecode.AlertFilter
	if f.Limit, f.Offset, err = orgPaging(r); err != nil {
		return err
	}
	code, err := queryInt(r, "code_id")
	if err != nil {
		return err
	}
	f.CodeID = int64(code)
	if v := r.URL.Query().Get("open"); v != "" {
		open, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%w: open=%q is not true or false", errBadRequest, v)
		}
		f.Open = &open
	}
	items, total, err := svc.Alerts(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[livecode.Alert]{Items: items, Total: total})
	return nil
}

func (s *Server) ackLiveCodeAlert(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
	if err != nil {
		return err
	}
	a, err := svc.AckAlert(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) listContactCodes(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.liveCodes()
	if err != nil {
		return err
	}
	limit, offset, err := orgPaging(r)
	if err != nil {
		return err
	}
	items, total, err := svc.ListContacts(r.Context(), r.URL.Query().Get("q"), limit, offset)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[livecode.ContactCode]{Items: items, Total: total})
	return nil
}

func (s *Server) createContactCode(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.liveCodes()
	if err != nil {
		return err
	}
	var c livecode.ContactCode
	if err := decode(w, r, &c); err != nil {
		return err
	}
	c.ID = 0
	if err := svc.CreateContact(r.Context(), actor(r), &c); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getContactCode(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
	if err != nil {
		return err
	}
	c, err := svc.GetContact(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

// updateContactCode applies the body onto the contact code as it is.
func (s *Server) updateContactCode(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
	if err != nil {
		return err
	}
	c, err := svc.GetContact(r.Context(), id)
	if err != nil {
		return err
	}
	if err := decode(w, r, &c); err != nil {
		return err
	}
	c.ID = id
	if err := svc.UpdateContact(r.Context(), actor(r), &c); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteContactCode(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
	if err != nil {
		return err
	}
	if err := svc.DeleteContact(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) contactCodeStats(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.liveCodeID(r)
	if err != nil {
		return err
	}
	st, err := svc.ContactStats(r.Context(), id, r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}
