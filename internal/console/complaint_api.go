package console

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/complaint"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/governance"
	"github.com/qunbot/qunbot/internal/httpx"
)

// complaintRoutes edit and try the complaint rules (tiers, lexicons, cues)
// and list the complaints detected.
var complaintRoutes = []apiRoute{
	{"GET /api/v1/complaint-rules", (*Server).getComplaintRules},
	{"PUT /api/v1/complaint-rules", (*Server).putComplaintRules},
	{"POST /api/v1/complaint-rules/try", (*Server).tryComplaintRules},
	{"GET /api/v1/complaint-rules/history", (*Server).complaintRulesHistory},
	{"GET /api/v1/complaints", (*Server).listComplaints},
	{"GET /api/v1/complaints/{id}", (*Server).getComplaint},
}

// governanceRoutes edit the group rules (群规) and the allow-list, and list
// the steps taken and the early-warning alerts.
var governanceRoutes = []apiRoute{
	{"GET /api/v1/governance/rules", (*Server).getGovernanceRules},
	{"PUT /api/v1/governance/rules", (*Server).putGovernanceRules},
	{"GET /api/v1/governance/records", (*Server).listGovernanceRecords},
	{"GET /api/v1/governance/alerts", (*Server).listGovernanceAlerts},
	{"GET /api/v1/governance/allowlist", (*Server).listAllowList},
	{"POST /api/v1/governance/allowlist", (*Server).addAllowList},
	{"DELETE /api/v1/governance/allowlist/{id}", (*Server).deleteAllowList},
}

func (s *Server) getComplaintRules(w http.ResponseWriter, r *http.Request) error {
	rules, err := s.opts.Complaints.Rules(r.Context())
	return answer(w, http.StatusOK, rules, err)
}

// putComplaintRules saves a whole rules document as the next version. It
// must carry the version it was read at: a change saved meanwhile answers
// 409. The bot picks the new version up within two seconds.
func (s *Server) putComplaintRules(w http.ResponseWriter, r *http.Request) error {
	var rules complaint.Rules
	if err := decode(w, r, &rules); err != nil {
		return err
	}
	saved, err := s.opts.Complaints.SaveRules(r.Context(), rules, actor(r))
	return answer(w, http.StatusOK, saved, err)
}

// complaintTryRequest is a text to classify, with draft rules to try
// before saving them (the saved rules when absent).
type complaintTryRequest struct {
	Text  string           `json:"text"`
	Rules *complaint.Rules `json:"rules"`
}

// maxTryRunes bounds a text to try.
const maxTryRunes = 4000

// tryComplaintRules says how a text would be classified, which words
// decided and why; it changes nothing.
func (s *Server) tryComplaintRules(w http.ResponseWriter, r *http.Request) error {
	var req complaintTryRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(req.Text)); n == 0 || n > maxTryRunes {
		return fault.Invalid("text", "消息内容须为 1 到 %d 个字 (text must be 1 to %d characters)", maxTryRunes, maxTryRunes)
	}
	var (
		d   complaint.Decision
		err error
	)
	if req.Rules != nil {
		d, err = complaint.TryRules(*req.Rules, req.Text)
	} else {
		d, err = s.opts.ComplaintDetector.Try(r.Context(), req.Text)
	}
	return answer(w, http.StatusOK, d, err)
}

func (s *Server) complaintRulesHistory(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	items, err := s.opts.Complaints.RulesHistory(r.Context(), limit)
	return answer(w, http.StatusOK, allOf(items), err)
}

func (s *Server) listComplaints(w http.ResponseWriter, r *http.Request) error {
	f, err := complaintFilter(r)
	if err != nil {
		return err
	}
	items, total, err := s.opts.Complaints.List(r.Context(), f)
	return answer(w, http.StatusOK, page[complaint.Complaint]{Items: items, Total: total}, err)
}

func complaintFilter(r *http.Request) (complaint.Filter, error) {
	q := r.URL.Query()
	f := complaint.Filter{ChatID: q.Get("chat_id"), MemberID: q.Get("member_id"), Tier: complaint.Tier(q.Get("tier"))}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return f, err
	}
	before, err := queryInt(r, "before_id")
	if err != nil {
		return f, err
	}
	f.BeforeID = int64(before)
	if f.From, err = queryTime(r, "from", time.Time{}); err != nil {
		return f, err
	}
	f.To, err = queryTime(r, "to", time.Time{})
	return f, err
}

func (s *Server) getComplaint(w http.ResponseWriter, r *http.Request) error {
	return answerByID(w, r, wired(s.opts.Complaints), (*complaint.Store).Get)
}

func (s *Server) getGovernanceRules(w http.ResponseWriter, r *http.Request) error {
	rules, err := s.opts.Governance.Rules(r.Context())
	return answer(w, http.StatusOK, rules, err)
}

// putGovernanceRules saves the group rules as the next version (409 when
// the version read is stale).
func (s *Server) putGovernanceRules(w http.ResponseWriter, r *http.Request) error {
	var rules governance.Rules
	if err := decode(w, r, &rules); err != nil {
		return err
	}
	saved, err := s.opts.Governance.SaveRules(r.Context(), rules, actor(r))
	return answer(w, http.StatusOK, saved, err)
}

func (s *Server) listGovernanceRecords(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := governance.RecordFilter{ChatID: q.Get("chat_id"), MemberID: q.Get("member_id")}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	before, err := queryInt(r, "before_id")
	if err != nil {
		return err
	}
	f.BeforeID = int64(before)
	items, total, err := s.opts.Governance.Records(r.Context(), f)
	return answer(w, http.StatusOK, page[governance.Record]{Items: items, Total: total}, err)
}

func (s *Server) listGovernanceAlerts(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before_id")
	if err != nil {
		return err
	}
	items, err := s.opts.Governance.Alerts(r.Context(), r.URL.Query().Get("chat_id"), limit, int64(before))
	return answer(w, http.StatusOK, allOf(items), err)
}

func (s *Server) listAllowList(w http.ResponseWriter, r *http.Request) error {
	items, err := s.opts.Governance.AllowList(r.Context(), r.URL.Query().Get("chat_id"))
	return answer(w, http.StatusOK, allOf(items), err)
}

// allowRequest adds a member to the allow-list.
type allowRequest struct {
	MemberID string `json:"member_id"`
	ChatID   string `json:"chat_id"`
	Note     string `json:"note"`
}

func (s *Server) addAllowList(w http.ResponseWriter, r *http.Request) error {
	var req allowRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	e := governance.AllowEntry{MemberID: req.MemberID, ChatID: req.ChatID, Note: req.Note}
	if err := s.opts.Governance.Allow(r.Context(), &e, actor(r)); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, e)
	return nil
}

func (s *Server) deleteAllowList(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, wired(s.opts.Governance), (*governance.Store).Disallow)
}
