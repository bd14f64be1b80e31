package console

import (
	"fmt"
	"net/http"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/welcome"
)

// welcomeRoutes manage welcome rules, group welcome texts and WeCom's group
// welcome templates, and list what was welcomed.
var welcomeRoutes = []apiRoute{
	{"GET /api/v1/welcome-rules", (*Server).listWelcomeRules},
	{"POST /api/v1/welcome-rules", (*Server).createWelcomeRule},
	{"POST /api/v1/welcome-rules/preview", (*Server).previewWelcome},
	{"GET /api/v1/welcome-rules/{id}", (*Server).getWelcomeRule},
	{"PUT /api/v1/welcome-rules/{id}", (*Server).updateWelcomeRule},
	{"DELETE /api/v1/welcome-rules/{id}", (*Server).deleteWelcomeRule},
	{"GET /api/v1/group-welcomes", (*Server).listGroupWelcomes},
	{"POST /api/v1/group-welcomes", (*Server).createGroupWelcome},
	{"PUT /api/v1/group-welcomes/{id}", (*Server).updateGroupWelcome},
	{"DELETE /api/v1/group-welcomes/{id}", (*Server).deleteGroupWelcome},
	{"GET /api/v1/group-welcome-templates", (*Server).listGroupTemplates},
	{"POST /api/v1/group-welcome-templates", (*Server).createGroupTemplate},
	{"POST /api/v1/group-welcome-templates/sync", (*Server).syncGroupTemplates},
	{"PUT /api/v1/group-welcome-templates/{id}", (*Server).updateGroupTemplate},
	{"DELETE /api/v1/group-welcome-templates/{id}", (*Server).deleteGroupTemplate},
	{"GET /api/v1/welcome-records", (*Server).listWelcomeRecords},
}

func (s *Server) welcome() (*welcome.Service, error) {
	if s.opts.Welcome == nil {
		return nil, fmt.Errorf("歡迎語功能未啟用 (welcome messages are not configured): %w", fault.ErrUnavailable)
	}
	return s.opts.Welcome, nil
}

func (s *Server) listWelcomeRules(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.welcome()
	if err != nil {
		return err
	}
	channel := welcome.Channel(r.URL.Query().Get("channel"))
	rules, err := svc.Store().Rules(r.Context(), channel)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[welcome.Rule]{Items: rules, Total: int64(len(rules))})
	return nil
}

func (s *Server) getWelcomeRule(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.welcomeAndID(r)
	if err != nil {
		return err
	}
	rule, err := svc.Store().Rule(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rule)
	return nil
}

func (s *Server) createWelcomeRule(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.welcome()
	if err != nil {
		return err
	}
	var rule welcome.Rule
	if err := decode(w, r, &rule); err != nil {
		return err
	}
	if err := svc.Store().CreateRule(r.Context(), &rule); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, rule)
	return nil
}

func (s *Server) updateWelcomeRule(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.welcomeAndID(r)
	if err != nil {
		return err
	}
	var rule welcome.Rule
	if err := decode(w, r, &rule); err != nil {
		return err
	}
	rule.ID = id
	if err := svc.Store().UpdateRule(r.Context(), &rule); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rule)
	return nil
}

func (s *Server) deleteWelcomeRule(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.welcomeAndID(r)
	if err != nil {
		return err
	}
	if err := svc.Store().DeleteRule(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) previewWelcome(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.welcome()
	if err != nil {
		return err
	}
	var req welcome.PreviewRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	p, err := svc.Preview(r.Context(), req)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) listGroupWelcomes(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.welcome()
	if err != nil {
		return err
	}
	list, err := svc.Store().GroupTexts(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[welcome.GroupText]{Items: list, Total: int64(len(list))})
	return nil
}

func (s *Server) createGroupWelcome(w http.ResponseWriter, r *http.Request) error {
	return s.saveGroupWelcome(w, r, 0, http.StatusCreated)
}

func (s *Server) updateGroupWelcome(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.saveGroupWelcome(w, r, id, http.StatusOK)
}

func (s *Server) saveGroupWelcome(w http.ResponseWriter, r *http.Request, id int64, status int) error {
	svc, err := s.welcome()
	if err != nil {
		return err
	}
	var t welcome.GroupText
	if err := decode(w, r, &t); err != nil {
		return err
	}
	t.ID = id
	if err := svc.Store().SaveGroupText(r.Context(), &t); err != nil {
		return err
	}
	httpx.WriteJSON(w, status, t)
	return nil
}

func (s *Server) deleteGroupWelcome(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.welcomeAndID(r)
	if err != nil {
		return err
	}
	if err := svc.Store().DeleteGroupText(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listGroupTemplates(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.welcome()
	if err != nil {
		return err
	}
	list, err := svc.Store().Templates(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[welcome.GroupTemplate]{Items: list, Total: int64(len(list))})
	return nil
}

func (s *Server) createGroupTemplate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.welcome()
	if err != nil {
		return err
	}
	var t welcome.GroupTemplate
	if err := decode(w, r, &t); err != nil {
		return err
	}
	if err := svc.CreateTemplate(r.Context(), &t); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) updateGroupTemplate(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.welcomeAndID(r)
	if err != nil {
		return err
	}
	var t welcome.GroupTemplate
	if err := decode(w, r, &t); err != nil {
		return err
	}
	t.ID = id
	if err := svc.UpdateTemplate(r.Context(), &t); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) deleteGroupTemplate(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.welcomeAndID(r)
	if err != nil {
		return err
	}
	if err := svc.DeleteTemplate(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) syncGroupTemplates(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.welcome()
	if err != nil {
		return err
	}
	list, err := svc.SyncTemplates(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[welcome.GroupTemplate]{Items: list, Total: int64(len(list))})
	return nil
}

func (s *Server) listWelcomeRecords(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.welcome()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := welcome.RecordFilter{Kind: welcome.Kind(q.Get("kind")), Outcome: welcome.Outcome(q.Get("outcome"))}
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	before, err := queryInt(r, "before_id")
	if err != nil {
		return err
	}
	f.BeforeID = int64(before)
	recs, err := svc.Store().ListRecords(r.Context(), f)
	if err != nil {
		return err
	}
	total, err := svc.Store().CountRecords(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[welcome.Record]{Items: recs, Total: total})
	return nil
}

// welcomeAndID is the welcome service and the route's {id}.
func (s *Server) welcomeAndID(r *http.Request) (*welcome.Service, int64, error) {
	svc, err := s.welcome()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(r)
	return svc, id, err
}
