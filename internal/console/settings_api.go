package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/wecom"
)

// settingsRoutes show the configuration in force and test the WeCom
// credentials (admins only: they are the deployment's keys).
var settingsRoutes = []apiRoute{
	{"GET /api/v1/settings", (*Server).listSettings},
	{"POST /api/v1/settings/wecom/test", (*Server).testWeCom},
	{"POST /api/v1/settings/wecom/try", (*Server).tryWeCom},
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
	return s.connectionTest(w, r, s.opts.WeComCheck)
}

// tryWeCom tries credentials that are not in force (the body), so an admin
// knows they work before putting them in the configuration. Nothing is
// kept: the audit log records the try with the keys blanked.
func (s *Server) tryWeCom(w http.ResponseWriter, r *http.Request) error {
	if s.opts.WeComTry == nil {
		return fmt.Errorf("无法在此测试企业微信凭据 (trying credentials is not available): %w", fault.ErrUnavailable)
	}
	var c wecom.Credentials
	if err := decode(w, r, &c); err != nil {
		return err
	}
	return s.connectionTest(w, r, func(ctx context.Context) error { return s.opts.WeComTry(ctx, c) })
}

// connectionTest runs check within checkTimeout and answers how it went:
// input that cannot be right is an error (400), what WeCom refuses is an
// answer that says so.
func (s *Server) connectionTest(w http.ResponseWriter, r *http.Request, check func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
	defer cancel()
	if err := check(ctx); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, fault.ErrInvalid) {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, wecomTest{Message: "连接失败 (connection failed): " + err.Error()})
		return nil
	}
	httpx.WriteJSON(w, http.StatusOK, wecomTest{OK: true, Message: "连接成功:已取得访问令牌 (connected: access tokens fetched)"})
	return nil
}
