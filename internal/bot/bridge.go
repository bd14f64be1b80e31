package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// bridgeAnswer is the body of a successful POST /bridge/messages.
type bridgeAnswer struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// bridgeMessages records a signed batch of normalised messages from a
// bridge. Each message is recorded on its own: if the database fails
// midway, the bridge retries the whole batch and the ones already recorded
// count as duplicates.
func (s *Server) bridgeMessages(w http.ResponseWriter, r *http.Request) {
	const endpoint = SourceBridge
	if len(s.opts.BridgeSecret) == 0 {
		s.notConfigured(w, endpoint)
		return
	}
	body, err := httpx.ReadBody(w, r, callback.MaxBodySize)
	if err != nil {
		s.reject(w, endpoint, err)
		return
	}
	if err := bridge.Verify(s.opts.BridgeSecret, r.Header, body, s.opts.Now()); err != nil {
		s.rejectBridge(w, err)
		return
	}
	msgs, err := bridge.ParseMessages(body)
	if err != nil {
		code := "malformed"
		if errors.Is(err, bridge.ErrInvalid) {
			code = "invalid"
		}
		s.count(endpoint, code)
		httpx.WriteError(w, http.StatusBadRequest, code, err.Error())
		return
	}
	var answer bridgeAnswer
	for i := range msgs {
		row, err := bridgeEvent(msgs[i])
		if err != nil {
			s.count(endpoint, "malformed")
			httpx.WriteError(w, http.StatusBadRequest, "malformed", err.Error())
			return
		}
		inserted, err := s.opts.Inbox.Record(r.Context(), row)
		if err != nil {
			s.count(endpoint, "unavailable")
			s.opts.Logger.Error("record bridge message", "msg_id", msgs[i].MsgID, "err", err)
			httpx.WriteError(w, http.StatusServiceUnavailable, "unavailable", "could not record the messages; retry the batch")
			return
		}
		if inserted {
			answer.Accepted++
			s.opts.Metrics.Recorded.WithLabelValues(row.Source, row.Kind).Inc()
		} else {
			answer.Duplicates++
		}
	}
	s.count(endpoint, "accepted")
	if answer.Accepted > 0 {
		s.opts.Wake()
	}
	httpx.WriteJSON(w, http.StatusOK, answer)
}

func (s *Server) rejectBridge(w http.ResponseWriter, err error) {
	status, code := http.StatusForbidden, "bad_signature"
	switch {
	case errors.Is(err, bridge.ErrUnsigned):
		status, code = http.StatusUnauthorized, "unsigned"
	case errors.Is(err, bridge.ErrStale):
		code = "stale"
	}
	s.count(SourceBridge, code)
	s.opts.Logger.Warn("bridge request rejected", "reason", code, "err", err)
	httpx.WriteError(w, status, code, err.Error())
}

func bridgeEvent(m bridge.Message) (*inbox.Event, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode bridge message %s: %w", m.MsgID, err)
	}
	return &inbox.Event{Source: SourceBridge, Kind: m.Kind(), DedupeKey: m.DedupeKey(), Payload: string(payload)}, nil
}
