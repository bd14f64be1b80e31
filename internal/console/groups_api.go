package console

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/httpx"
)

// groupRoutes list the customer groups (客户群), map them to stores, tag
// them and sync them from WeCom.
var groupRoutes = []apiRoute{
	{"GET /api/v1/groups", (*Server).listGroups},
	{"POST /api/v1/groups/sync", (*Server).syncGroups},
	{"GET /api/v1/groups/{chat_id}", (*Server).getGroup},
	{"PUT /api/v1/groups/{chat_id}", (*Server).updateGroup},
}

// maxChatID is the longest chat id customer_groups holds.
const maxChatID = 128

// groupDir is the customer groups, or an unavailable error when they are
// not configured.
func (s *Server) groupDir() (*group.Store, error) {
	return configured(s.opts.Groups, "客户群功能未启用 (customer groups are not configured)")
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) error {
	groups, err := s.groupDir()
	if err != nil {
		return err
	}
	f, err := groupFilter(r)
	if err != nil {
		return err
	}
	items, total, err := groups.List(r.Context(), f)
	return answer(w, http.StatusOK, page[group.Group]{Items: items, Total: total}, err)
}

func groupFilter(r *http.Request) (group.Filter, error) {
	q := r.URL.Query()
	f := group.Filter{Tag: q.Get("tag"), Query: q.Get("q")}
	var err error
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return f, err
	}
	if q.Has("store_id") {
		store, err := queryInt(r, "store_id")
		if err != nil {
			return f, err
		}
		id := int64(store)
		f.StoreID = &id
	}
	f.Dismissed, err = queryBool(r, "dismissed")
	return f, err
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) error {
	groups, chatID, err := s.groupAndChatID(r)
	if err != nil {
		return err
	}
	g, err := groups.Get(r.Context(), chatID)
	return answer(w, http.StatusOK, g, err)
}

// groupUpdate is what operators set on a group; a field left out keeps
// its value.
type groupUpdate struct {
	StoreID *int64    `json:"store_id"` // 0 unmaps the group
	Tags    *[]string `json:"tags"`
}

func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request) error {
	groups, chatID, err := s.groupAndChatID(r)
	if err != nil {
		return err
	}
	var u groupUpdate
	if err := decode(w, r, &u); err != nil {
		return err
	}
	if _, err := groups.Get(r.Context(), chatID); err != nil {
		return err
	}
	if u.StoreID != nil {
		if err := s.setGroupStore(r, groups, chatID, *u.StoreID); err != nil {
			return err
		}
	}
	if u.Tags != nil {
		if _, err := groups.SetTags(r.Context(), chatID, *u.Tags); err != nil {
			return err
		}
	}
	g, err := groups.Get(r.Context(), chatID)
	return answer(w, http.StatusOK, g, err)
}

// setGroupStore maps a group to an active store (0 unmaps it).
func (s *Server) setGroupStore(r *http.Request, groups *group.Store, chatID string, storeID int64) error {
	if storeID > 0 {
		dir, err := s.orgDir()
		if err != nil {
			return err
		}
		sh, err := dir.GetShop(r.Context(), storeID)
		switch {
		case errors.Is(err, fault.ErrNotFound):
			return fault.Invalid("store_id", "门店 %d 不存在 (no such store)", storeID)
		case err != nil:
			return err
		case !sh.Active:
			return fault.Invalid("store_id", "门店 %s 已停用 (the store is inactive)", sh.Code)
		}
	}
	return groups.SetStore(r.Context(), chatID, storeID)
}

// syncGroups reads every customer group from WeCom now. It answers 503
// when WeCom is not configured and 502 with WeCom's reason when WeCom
// refuses.
func (s *Server) syncGroups(w http.ResponseWriter, r *http.Request) error {
	if s.opts.GroupSync == nil {
		httpx.WriteError(w, http.StatusServiceUnavailable, "wecom_not_configured",
			"企业微信未配置,无法同步客户群 (WeCom is not configured; set wecom.corp_id and wecom.secret)")
		return nil
	}
	rep, err := s.opts.GroupSync.SyncAll(r.Context())
	if errors.Is(err, group.ErrWeCom) {
		httpx.WriteError(w, http.StatusBadGateway, "wecom_error", "企业微信接口调用失败 (WeCom refused): "+err.Error())
		return nil
	}
	return answer(w, http.StatusOK, rep, err)
}

func (s *Server) groupAndChatID(r *http.Request) (*group.Store, string, error) {
	groups, err := s.groupDir()
	if err != nil {
		return nil, "", err
	}
	chatID := r.PathValue("chat_id")
	if chatID == "" || len(chatID) > maxChatID {
		return nil, "", fmt.Errorf("%w: chat_id %q is not a WeCom chat id", errBadRequest, chatID)
	}
	return groups, chatID, nil
}
