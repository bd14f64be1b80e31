package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
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

// org is the directory of stores and staff, or an unavailable error when
// it is not configured.
func (s *Server) orgDir() (*org.Store, error) {
	if s.opts.Org == nil {
		return nil, fmt.Errorf("门店与员工功能未启用 (stores and staff are not configured): %w", fault.ErrUnavailable)
	}
	return s.opts.Org, nil
}

func (s *Server) listStores(w http.ResponseWriter, r *http.Request) error {
	dir, err := s.orgDir()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := org.ShopFilter{Query: q.Get("q"), Region: q.Get("region")}
	if f.Active, err = orgBoolParam(r, "active"); err != nil {
		return err
	}
	if f.Limit, f.Offset, err = orgPaging(r); err != nil {
		return err
	}
	shops, total, err := dir.ListShops(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[org.Shop]{Items: shops, Total: total})
	return nil
}

func (s *Server) createStore(w http.ResponseWriter, r *http.Request) error {
	dir, err := s.orgDir()
	if err != nil {
		return err
	}
	var sh org.Shop
	if err := decode(w, r, &sh); err != nil {
		return err
	}
	if err := dir.CreateShop(r.Context(), &sh); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, sh)
	return nil
}

func (s *Server) getStore(w http.ResponseWriter, r *http.Request) error {
	dir, id, err := s.orgAndID(r)
	if err != nil {
		return err
	}
	sh, err := dir.GetShop(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, sh)
	return nil
}

// updateStore changes the fields the body names; the others keep their
// values. "active": true brings a deactivated store back.
func (s *Server) updateStore(w http.ResponseWriter, r *http.Request) error {
	dir, id, err := s.orgAndID(r)
	if err != nil {
		return err
	}
	sh, err := dir.GetShop(r.Context(), id)
	if err != nil {
		return err
	}
	if err := decode(w, r, &sh); err != nil {
		return err
	}
	sh.ID = id
	if err := dir.UpdateShop(r.Context(), &sh); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, sh)
	return nil
}

// deactivateStore marks a store inactive: it is kept for the tickets and
// groups that name it.
func (s *Server) deactivateStore(w http.ResponseWriter, r *http.Request) error {
	dir, id, err := s.orgAndID(r)
	if err != nil {
		return err
	}
	if err := dir.DeactivateShop(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chainBody is a store's escalation chain.
type chainBody struct {
	StoreID int64       `json:"store_id"`
	Levels  []org.Level `json:"levels"`
}

func (s *Server) storeChain(w http.ResponseWriter, r *http.Request) error {
	dir, id, err := s.orgAndID(r)
	if err != nil {
		return err
	}
	levels, err := dir.EscalationChain(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, chainBody{StoreID: id, Levels: levels})
	return nil
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
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[org.Staff]{Items: people, Total: total})
	return nil
}

func staffFilter(r *http.Request) (org.StaffFilter, error) {
	q := r.URL.Query()
	f := org.StaffFilter{Query: q.Get("q"), Role: org.Role(q.Get("role")), Region: q.Get("region")}
	var err error
	if f.Limit, f.Offset, err = orgPaging(r); err != nil {
		return f, err
	}
	store, err := queryInt(r, "store_id")
	if err != nil {
		return f, err
	}
	f.StoreID = int64(store)
	if f.Active, err = orgBoolParam(r, "active"); err != nil {
		return f, err
	}
	if f.OnDuty, err = orgBoolParam(r, "on_duty"); err != nil {
		return f, err
	}
	noWeCom, err := orgBoolParam(r, "no_wecom")
	f.NoWeCom = noWeCom != nil && *noWeCom
	return f, err
}

func (s *Server) createStaff(w http.ResponseWriter, r *http.Request) error {
	dir, err := s.orgDir()
	if err != nil {
		return err
	}
	var st org.Staff
	if err := decode(w, r, &st); err != nil {
		return err
	}
	if err := dir.CreateStaff(r.Context(), &st); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Server) getStaff(w http.ResponseWriter, r *http.Request) error {
	dir, id, err := s.orgAndID(r)
	if err != nil {
		return err
	}
	st, err := dir.GetStaff(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

// updateStaff changes the fields the body names; the others keep their
// values.
func (s *Server) updateStaff(w http.ResponseWriter, r *http.Request) error {
	dir, id, err := s.orgAndID(r)
	if err != nil {
		return err
	}
	st, err := dir.GetStaff(r.Context(), id)
	if err != nil {
		return err
	}
	if err := decode(w, r, &st); err != nil {
		return err
	}
	st.ID = id
	if err := dir.UpdateStaff(r.Context(), &st); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

// deactivateStaff takes a person off every escalation chain; they are kept
// for the tickets that name them.
func (s *Server) deactivateStaff(w http.ResponseWriter, r *http.Request) error {
	dir, id, err := s.orgAndID(r)
	if err != nil {
		return err
	}
	if err := dir.DeactivateStaff(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) orgAndID(r *http.Request) (*org.Store, int64, error) {
	dir, err := s.orgDir()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(r)
	return dir, id, err
}

// orgBoolParam reads an optional true/false query parameter.
func orgBoolParam(r *http.Request, name string) (*bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s=%q is not true or false", errBadRequest, name, v)
	}
	return &b, nil
}

// orgPaging reads limit and offset.
func orgPaging(r *http.Request) (limit, offset int, err error) {
	if limit, err = queryInt(r, "limit"); err != nil {
		return 0, 0, err
	}
	offset, err = queryInt(r, "offset")
	return limit, offset, err
}
