package web

import (
	"net/http"
	"strings"

	"github.com/qunbot/qunbot/internal/governance"
)

// governanceShown is how many records and alerts the page lists.
const governanceShown = 100

// violationNames are the group rules' violations as operators read them.
var violationNames = map[string]string{governance.ViolationAd: "广告", governance.ViolationInsult: "辱骂", governance.ViolationFlood: "刷屏"}

// stepNames are the ladder's steps as operators read them.
var stepNames = map[string]string{governance.StepWarning: "警告", governance.StepFinalWarning: "最后警告",
	governance.StepRemovalRequest: "请群主移出", governance.StepAnnouncement: "群内公告",
	governance.StepRemoved: "已移出", governance.StepResult: "公告移出结果"}

// outcomeNames are the steps' outcomes as operators read them.
var outcomeNames = map[string]string{governance.OutcomeQueued: "已排队发送", governance.OutcomeNotPosted: "未能发出",
	governance.OutcomeObserved: "已观察到"}

// named is a code with its Chinese name, the code itself when unknown.
type named struct{ Code, Name string }

func nameOf(names map[string]string, code string) named {
	if n, ok := names[code]; ok {
		return named{code, n}
	}
	return named{code, code}
}

// governanceRow is one ladder step as shown.
type governanceRow struct {
	governance.Record
	ViolationName named
	StepName      named
	OutcomeName   named
}

// governanceView is the group rules page: ladder records and alerts.
type governanceView struct {
	Chat    string
	Member  string
	Records []governanceRow
	Total   int64
	Alerts  []governance.Alert
}

// PageTitle names the page.
func (governanceView) PageTitle() string { return "群规治理" }

func (h *handler) governanceList(w http.ResponseWriter, r *http.Request) error {
	st := h.opts.Governance
	if st == nil {
		return errUnconfigured("群规治理", "group rules")
	}
	v := governanceView{Chat: strings.TrimSpace(r.URL.Query().Get("chat")), Member: strings.TrimSpace(r.URL.Query().Get("member"))}
	recs, total, err := st.Records(r.Context(), governance.RecordFilter{ChatID: v.Chat, MemberID: v.Member, Limit: governanceShown})
	if err != nil {
		return err
	}
	v.Total = total
	for _, rec := range recs {
		v.Records = append(v.Records, governanceRow{Record: rec, ViolationName: nameOf(violationNames, rec.Violation),
			StepName: nameOf(stepNames, rec.Step), OutcomeName: nameOf(outcomeNames, rec.Outcome)})
	}
	if v.Alerts, err = st.Alerts(r.Context(), v.Chat, governanceShown, 0); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "governance", v)
	return nil
}
