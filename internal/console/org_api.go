package console

import (
	"context"
	"net/http"

	"github.com/qunbot/qunbot/internal/org"
)

// orgRoutes manage stores (门店), their staff and show a store's
// escalation chain.
var orgRoutes = []apiRoute{
	{"GET /api/v1/stores", (*Server).listStores},
	{"POST /api/v1/stores", (*Server).createStore},
	{"GET /api/v1/stores/{id}", (*Server).getStore},
	{"PUT /api/v1/stores/{id}", (*Server).updateStore},
	{"DELETE /api/v1/stores/{id}", (*Server).deactivateStore},
	{"GET /api/v1/stores/{id}/chain", (*Server).storeChain},
	{"GET /api/v1/staff", (*Server).listStaff},
	{"POST /api/v1/staff", (*Server).createStaff},
	{"GET /api/v1/staff/{id}", (*Server).getStaff},
	{"PUT /api/v1/staff/{id}", (*Server).updateStaff},
	{"DELETE /api/v1/staff/{id}", (*Server).deactivateStaff},
}

// orgDir is the directory of stores and staff, or an unavailable error
// when it is not configured.
func (s *Server) orgDir() (*org.Store, error) {
	return configured(s.opts.Org, "门店与员工功能未启用 (stores and staff are not configured)")
}

func (s *Server) listStores(w http.ResponseWriter, r *http.Request) error {
	dir, err := s.orgDir()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := org.ShopFilter{Query: q.Get("q"), Region: q.Get("region")}
	if f.Active, err = queryBool(r, "active"); err != nil {
		return err
	}
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return err
	}
	shops, total, err := dir.ListShops(r.Context(), f)
	return answer(w, http.StatusOK, page[org.Shop]{Items: shops, Total: total}, err)
}

func (s *Server) createStore(w http.ResponseWriter, r *http.Request) error {
	return saveBody(w, r, s.orgDir, http.StatusCreated, (*org.Store).CreateShop)
}

func (s *Server) getStore(w http.ResponseWriter, r *http.Request) error {
	return answerByID(w, r, s.orgDir, (*org.Store).GetShop)
}

// updateStore changes the fields the body names; the others keep their
// values. "active": true brings a deactivated store back.
func (s *Server) updateStore(w http.ResponseWriter, r *http.Request) error {
	return editByID(w, r, s.orgDir, (*org.Store).GetShop,
		func(dir *org.Store, ctx context.Context, id int64, sh *org.Shop) error {
			sh.ID = id
			return dir.UpdateShop(ctx, sh)
		})
}

// deactivateStore marks a store inactive: it is kept for the tickets and
// groups that name it.
func (s *Server) deactivateStore(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, s.orgDir, (*org.Store).DeactivateShop)
}

// chainBody is a store's escalation chain.
type chainBody struct {
	StoreID int64       `json:"store_id"`
	Levels  []org.Level `json:"levels"`
}

func (s *Server) storeChain(w http.ResponseWriter, r *http.Request) error {
	dir, id, err := serviceAndID(r, s.orgDir)
	if err != nil {
		return err
	}
	levels, err := dir.EscalationChain(r.Context(), id)
	return answer(w, http.StatusOK, chainBody{StoreID: id, Levels: levels}, err)
}

func (s *Server) listStaff(w http.ResponseWriter, r *http.Request) error {
	dir, err := s.orgDir()
	if err != nil {
		return err
	}
	f, err := staffFilter(r)
	if err != nil {
		return err
	}
	people, total, err := dir.ListStaff(r.Context(), f)
	return answer(w, http.StatusOK, page[org.Staff]{Items: people, Total: total}, err)
}

func staffFilter(r *http.Request) (org.StaffFilter, error) {
	q := r.URL.Query()
	f := org.StaffFilter{Query: q.Get("q"), Role: org.Role(q.Get("role")), Region: q.Get("region")}
	var err error
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return f, err
	}
	store, err := queryInt(r, "store_id")
	if err != nil {
		return f, err
	}
	f.StoreID = int64(store)
	if f.Active, err = queryBool(r, "active"); err != nil {
		return f, err
	}
	if f.OnDuty, err = queryBool(r, "on_duty"); err != nil {
		return f, err
	}
	noWeCom, err := queryBool(r, "no_wecom")
	f.NoWeCom = noWeCom != nil && *noWeCom
	return f, err
}

func (s *Server) createStaff(w http.ResponseWriter, r *http.Request) error {
	return saveBody(w, r, s.orgDir, http.StatusCreated, (*org.Store).CreateStaff)
}

func (s *Server) getStaff(w http.ResponseWriter, r *http.Request) error {
	return answerByID(w, r, s.orgDir, (*org.Store).GetStaff)
}

// updateStaff changes the fields the body names; the others keep their
// values.
func (s *Server) updateStaff(w http.ResponseWriter, r *http.Request) error {
	return editByID(w, r, s.orgDir, (*org.Store).GetStaff,
		func(dir *org.Store, ctx context.Context, id int64, st *org.Staff) error {
			st.ID = id
			return dir.UpdateStaff(ctx, st)
		})
}

// deactivateStaff takes a person off every escalation chain; they are kept
// for the tickets that name them.
func (s *Server) deactivateStaff(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, s.orgDir, (*org.Store).DeactivateStaff)
}
