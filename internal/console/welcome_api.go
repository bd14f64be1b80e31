package console

import (
	"context"
	"net/http"

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

// welcome is the welcome service, or an unavailable error when it is not
// configured.
func (s *Server) welcome() (*welcome.Service, error) {
	return configured(s.opts.Welcome, "歡迎語功能未啟用 (welcome messages are not configured)")
}

// welcomeStore is the welcome service's store (rules, group texts,
// records), or the service's unavailable error.
func (s *Server) welcomeStore() (*welcome.Store, error) {
	svc, err := s.welcome()
	if err != nil {
		return nil, err
	}
	return svc.Store(), nil
}

func (s *Server) listWelcomeRules(w http.ResponseWriter, r *http.Request) error {
	store, err := s.welcomeStore()
	if err != nil {
		return err
	}
	rules, err := store.Rules(r.Context(), welcome.Channel(r.URL.Query().Get("channel")))
	return answer(w, http.StatusOK, allOf(rules), err)
}

func (s *Server) getWelcomeRule(w http.ResponseWriter, r *http.Request) error {
	return answerByID(w, r, s.welcomeStore, (*welcome.Store).Rule)
}

func (s *Server) createWelcomeRule(w http.ResponseWriter, r *http.Request) error {
	return saveBody(w, r, s.welcomeStore, http.StatusCreated, (*welcome.Store).CreateRule)
}

func (s *Server) updateWelcomeRule(w http.ResponseWriter, r *http.Request) error {
	return replaceByID(w, r, s.welcomeStore,
		func(store *welcome.Store, ctx context.Context, id int64, rule *welcome.Rule) error {
			rule.ID = id
			return store.UpdateRule(ctx, rule)
		})
}

func (s *Server) deleteWelcomeRule(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, s.welcomeStore, (*welcome.Store).DeleteRule)
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
	return answer(w, http.StatusOK, p, err)
}

func (s *Server) listGroupWelcomes(w http.ResponseWriter, r *http.Request) error {
	store, err := s.welcomeStore()
	if err != nil {
		return err
	}
	list, err := store.GroupTexts(r.Context())
	return answer(w, http.StatusOK, allOf(list), err)
}

func (s *Server) createGroupWelcome(w http.ResponseWriter, r *http.Request) error {
	return s.saveGroupWelcome(w, r, 0, http.StatusCreated)
}

// updateGroupWelcome reads the id before asking for the service, as it
// always has (hence not replaceByID).
func (s *Server) updateGroupWelcome(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.saveGroupWelcome(w, r, id, http.StatusOK)
}

// saveGroupWelcome stores the body as group text id (0: a new one).
func (s *Server) saveGroupWelcome(w http.ResponseWriter, r *http.Request, id int64, status int) error {
	return saveBody(w, r, s.welcomeStore, status,
		func(store *welcome.Store, ctx context.Context, t *welcome.GroupText) error {
			t.ID = id
			return store.SaveGroupText(ctx, t)
		})
}

func (s *Server) deleteGroupWelcome(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, s.welcomeStore, (*welcome.Store).DeleteGroupText)
}

func (s *Server) listGroupTemplates(w http.ResponseWriter, r *http.Request) error {
	store, err := s.welcomeStore()
	if err != nil {
		return err
	}
	list, err := store.Templates(r.Context())
	return answer(w, http.StatusOK, allOf(list), err)
}

func (s *Server) createGroupTemplate(w http.ResponseWriter, r *http.Request) error {
	return saveBody(w, r, s.welcome, http.StatusCreated, (*welcome.Service).CreateTemplate)
}

func (s *Server) updateGroupTemplate(w http.ResponseWriter, r *http.Request) error {
	return replaceByID(w, r, s.welcome,
		func(svc *welcome.Service, ctx context.Context, id int64, t *welcome.GroupTemplate) error {
			t.ID = id
			return svc.UpdateTemplate(ctx, t)
		})
}

func (s *Server) deleteGroupTemplate(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, s.welcome, (*welcome.Service).DeleteTemplate)
}

func (s *Server) syncGroupTemplates(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.welcome()
	if err != nil {
		return err
	}
	list, err := svc.SyncTemplates(r.Context())
	return answer(w, http.StatusOK, allOf(list), err)
}

func (s *Server) listWelcomeRecords(w http.ResponseWriter, r *http.Request) error {
	store, err := s.welcomeStore()
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
	recs, err := store.ListRecords(r.Context(), f)
	if err != nil {
		return err
	}
	total, err := store.CountRecords(r.Context(), f)
	return answer(w, http.StatusOK, page[welcome.Record]{Items: recs, Total: total}, err)
}
