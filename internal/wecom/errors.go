package wecom

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrUnsupportedAPI is returned by Send for an API that is not sent through
// the outbox. It is permanent.
var ErrUnsupportedAPI = errors.New("API is not sendable through the outbox")

// ErrInvalidRequest marks a request rejected before it was sent (a limit or
// a required field WeCom documents). It is permanent.
var ErrInvalidRequest = errors.New("invalid WeCom request")

// APIError is a non-zero errcode answered by WeCom.
type APIError struct {
	API     string // the path under cgi-bin/, e.g. "message/send", or "gettoken"
	Code    int
	Message string // WeCom's errmsg, which includes the caller's IP for 60020
}

// Error explains the error, Chinese first where an operator has to act.
func (e *APIError) Error() string {
	s := fmt.Sprintf("wecom %s: errcode %d: %s", e.API, e.Code, e.Message)
	if hint := e.hint(); hint != "" {
		return hint + " — " + s
	}
	return s
}

// hint is what an operator reads for the errcodes that need them.
func (e *APIError) hint() string {
	switch {
	case e.Code == 60020:
		return "服務器 IP 不在本應用的「企業可信IP」列表中，請在企業微信管理後台「應用管理 → 本應用 → 企業可信IP」加入本服務器的出口 IP" +
			" (the server's IP is not in the app's trusted IP list; add this server's egress IP there)"
	case e.API == apiGetToken && e.Code == 40001:
		return "企業微信拒絕了應用 Secret，請核對 wecom.secret / wecom.contact_secret 是否屬於 wecom.corp_id 這個企業" +
			" (the corp secret was rejected: check wecom.secret / wecom.contact_secret against wecom.corp_id)"
	case e.Code == 40013:
		return "企業 ID 無效，請核對 wecom.corp_id (invalid corp id: check wecom.corp_id)"
	case e.Code == 48002:
		return "本應用無權調用此接口，請在「客戶聯系 → 可調用接口的應用」中加入本應用 (the app may not call this API)"
	case e.Code == 93000:
		return "群機器人 webhook key 無效 (invalid group-bot webhook key)"
	}
	return ""
}

// Temporary reports whether retrying later may succeed: system busy, rate
// and concurrency limits, a welcome being distributed by another app, and a
// rejected access token (except a rejected secret at gettoken, which needs
// an operator).
func (e *APIError) Temporary() bool {
	switch e.Code {
	case -1, 6000, 41096, 45009, 45033, 40014, 42001:
		return true
	case 40001:
		return e.API != apiGetToken
	}
	return false
}

// RetryAfter is a backoff hint for rate limits (45009) and concurrency limits
// (45033); 0 means "use the caller's own backoff".
func (e *APIError) RetryAfter() time.Duration {
	switch e.Code {
	case 45009:
		return time.Minute
	case 45033:
		return 10 * time.Second
	}
	return 0
}

// NetworkError is a failed exchange with WeCom: the connection failed, or an
// HTTP status other than 200 came back (typically from a proxy).
type NetworkError struct {
	API        string
	StatusCode int   // 0 when no HTTP answer arrived
	Err        error // the transport error, if any
}

// Error describes the failure.
func (e *NetworkError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("wecom %s: HTTP %d %s", e.API, e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("wecom %s: network error: %v", e.API, e.Err)
}

// Unwrap returns the transport error.
func (e *NetworkError) Unwrap() error { return e.Err }

// Temporary reports whether retrying may help: transport failures, 5xx,
// 408 and 429 do; other 4xx mean a wrong API base or proxy setup.
func (e *NetworkError) Temporary() bool {
	return e.StatusCode == 0 || e.StatusCode >= 500 ||
		e.StatusCode == http.StatusRequestTimeout || e.StatusCode == http.StatusTooManyRequests
}

// IsTemporary reports whether err (or an error it wraps) says a retry may succeed.
func IsTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// RetryAfter returns the backoff hint carried by err, or 0.
func RetryAfter(err error) time.Duration {
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) {
		return r.RetryAfter()
	}
	return 0
}
