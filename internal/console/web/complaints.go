package web

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/complaint"
	"github.com/qunbot/qunbot/internal/fault"
)

// complaintsShown is how many detected complaints the list shows.
const complaintsShown = 50

func (h *handler) complaintStore() (*complaint.Store, error) {
	if h.opts.Complaints == nil {
		return nil, errUnconfigured("投诉识别", "complaint detection")
	}
	return h.opts.Complaints, nil
}

// complaintListView is the detected complaints page.
type complaintListView struct {
	Tier       string
	Tiers      []complaint.Tier
	Complaints []complaint.Complaint
	Total      int64
}

// PageTitle names the page.
func (complaintListView) PageTitle() string { return "投诉" }

func (h *handler) complaintList(w http.ResponseWriter, r *http.Request) error {
	st, err := h.complaintStore()
	if err != nil {
		return err
	}
	tier := strings.TrimSpace(r.URL.Query().Get("tier"))
	list, total, err := st.List(r.Context(), complaint.Filter{Tier: complaint.Tier(tier), Limit: complaintsShown})
	var fields fault.Fields
	if errors.As(err, &fields) {
		return errors.Join(errBadInput, err)
	}
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "complaints", complaintListView{Tier: tier, Tiers: complaint.Tiers(), Complaints: list, Total: total})
	return nil
}

// tierRow is one tier of the rules form: its SLA and its terms, one a line.
type tierRow struct {
	complaint.TierRule
	Label  string
	SLA    string
	Terms  string
	Errors []string
}

// complaintRulesForm is the tiers and lexicons page with its try box.
type complaintRulesForm struct {
	Version   int64
	Tiers     []tierRow
	General   []string
	HasErrors bool
	TryText   string
	Decision  *complaint.Decision
	TryError  string
}

// PageTitle names the page.
func (*complaintRulesForm) PageTitle() string { return "投诉级别与词库" }

// termsText is a tier's terms as the textarea shows them: "term" or
// "term | category", one a line.
func termsText(terms []complaint.Term) string {
	var b strings.Builder
	for _, t := range terms {
		b.WriteString(t.Term)
		if t.Category != "" {
			b.WriteString(" | " + t.Category)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// parseTerms reads the textarea back; blank lines are skipped.
func parseTerms(text string) []complaint.Term {
	var out []complaint.Term
	for line := range strings.Lines(text) {
		term, cat, _ := strings.Cut(line, "|")
		term, cat = strings.TrimSpace(term), strings.TrimSpace(cat)
		if term != "" {
			out = append(out, complaint.Term{Term: term, Category: cat})
		}
	}
	return out
}

func newRulesForm(rules complaint.Rules) *complaintRulesForm {
	f := &complaintRulesForm{Version: rules.Version}
	for _, t := range rules.Tiers {
		f.Tiers = append(f.Tiers, tierRow{TierRule: t, Label: t.Tier.Label(), SLA: strconv.Itoa(t.SLAMinutes), Terms: termsText(t.Terms)})
	}
	return f
}

func (h *handler) complaintRules(w http.ResponseWriter, r *http.Request) error {
	st, err := h.complaintStore()
	if err != nil {
		return err
	}
	rules, err := st.Rules(r.Context())
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "complaint_rules", newRulesForm(rules))
	return nil
}

// tierField finds the tier a problem's field names ("tiers[1].terms[3].term").
var tierField = regexp.MustCompile(`^tiers\[(\d+)\]`)

// draft is the stored rules with the form's SLAs and terms; a bad SLA is
// a problem of its tier.
func (f *complaintRulesForm) draft(r *http.Request, base complaint.Rules) (complaint.Rules, fault.Fields) {
	var bad fault.Fields
	f.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	base.Version = f.Version
	f.TryText = r.PostFormValue("try_text")
	base.Tiers = append([]complaint.TierRule(nil), base.Tiers...)
	for i := range base.Tiers {
		t := &base.Tiers[i]
		key := "tier_" + string(t.Tier)
		row := tierRow{TierRule: *t, Label: t.Tier.Label(), SLA: strings.TrimSpace(r.PostFormValue(key + "_sla")), Terms: r.PostFormValue(key + "_terms")}
		n, err := strconv.Atoi(row.SLA)
		if err != nil {
			bad = append(bad, fault.Field{Field: "tiers[" + strconv.Itoa(i) + "].sla_minutes", Message: "时限须为整数分钟 (sla_minutes must be a whole number)"})
		}
		t.SLAMinutes, t.Terms = n, parseTerms(row.Terms)
		f.Tiers = append(f.Tiers, row)
	}
	return base, bad
}

// problems files problems under their tiers; others are listed at the top.
func (f *complaintRulesForm) problems(fields fault.Fields) {
	f.HasErrors = true
	for _, p := range fields {
		m := tierField.FindStringSubmatch(p.Field)
		if m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(f.Tiers) {
				f.Tiers[i].Errors = append(f.Tiers[i].Errors, p.Message)
				continue
			}
		}
		f.General = append(f.General, p.Error())
	}
}

// complaintRulesPost saves the draft, or with do=try classifies the try
// box's text under it without saving.
func (h *handler) complaintRulesPost(w http.ResponseWriter, r *http.Request) error {
	st, err := h.complaintStore()
	if err != nil {
		return err
	}
	base, err := st.Rules(r.Context())
	if err != nil {
		return err
	}
	f := &complaintRulesForm{}
	draft, bad := f.draft(r, base)
	if r.PostFormValue("do") == "try" {
		return h.complaintTry(w, r, f, draft, bad)
	}
	if bad != nil {
		f.problems(bad)
		h.render(w, r, http.StatusUnprocessableEntity, "complaint_rules", f)
		return nil
	}
	saved, err := st.SaveRules(r.Context(), draft, sessionOf(r).User.Username)
	var fields fault.Fields
	switch {
	case err == nil:
		if h.opts.ComplaintDetector != nil {
			if _, err := h.opts.ComplaintDetector.Refresh(r.Context()); err != nil {
				h.opts.Logger.Warn("reload complaint rules", "err", err)
			}
		}
		redirect(w, r, "/complaints/rules", "ok", "投诉规则已保存为第 "+strconv.FormatInt(saved.Version, 10)+" 版")
		return nil
	case errors.As(err, &fields):
		f.problems(fields)
		h.render(w, r, http.StatusUnprocessableEntity, "complaint_rules", f)
		return nil
	case errors.Is(err, fault.ErrConflict):
		f.HasErrors = true
		f.General = []string{"规则已被他人修改,请刷新页面后重新编辑 (the rules were changed meanwhile; reload and edit again): " + err.Error()}
		h.render(w, r, http.StatusConflict, "complaint_rules", f)
		return nil
	}
	return err
}

func (h *handler) complaintTry(w http.ResponseWriter, r *http.Request, f *complaintRulesForm, draft complaint.Rules, bad fault.Fields) error {
	if bad == nil {
		bad = asFields(draft.Validate())
	}
	if bad != nil {
		f.problems(bad)
		h.render(w, r, http.StatusUnprocessableEntity, "complaint_rules", f)
		return nil
	}
	if strings.TrimSpace(f.TryText) == "" {
		f.TryError = "请输入要试的消息 (enter a message to try)"
	} else {
		d, err := complaint.TryRules(draft, f.TryText)
		if err != nil {
			f.TryError = err.Error()
		} else {
			f.Decision = &d
		}
	}
	h.render(w, r, http.StatusOK, "complaint_rules", f)
	return nil
}

// asFields is err's per-field problems, nil when it has none.
func asFields(err error) fault.Fields {
	var fields fault.Fields
	if errors.As(err, &fields) {
		return fields
	}
	if err != nil {
		return fault.Fields{{Field: "rules", Message: err.Error()}}
	}
	return nil
}
