package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
)

// settingsRoutes show the configuration in force and test the WeCom
// credentials (admins only: they are the deployment's keys).
var settingsRoutes = []apiRoute{
	{"GET /api/v1/settings", (*Server).listSettings},
	{"POST /api/v1/settings/wecom/test", (*Server).testWeCom},
}

func (s *Server) listSettings(w http.ResponseWriter, r *http.Request) error {
	items := s.opts.Settings
	if items == nil {
		items = []config.Setting{}
	}
	httpx.WriteJSON(w, http.StatusOK, page[config.Setting]{Items: items, Total: int64(len(items))})
	return nil
}

// wecomTest is the outcome of a connection test.
type wecomTest struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

func (s *Server) testWeCom(w http.ResponseWriter, r *http.Request) error {
	if s.opts.WeComCheck == nil {
		return fmt.Errorf("企业微信未配置(wecom.corp_id 与 wecom.secret) (WeCom is not configured): %w", fault.ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
	defer cancel()
	if err := s.opts.WeComCheck(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, wecomTest{Message: "连接失败 (connection failed): " + err.Error()})
		return nil
	}
	httpx.WriteJSON(w, http.StatusOK, wecomTest{OK: true, Message: "连接成功:已取得访问令牌 (connected: access tokens fetched)"})
	return nil
}
