package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/ticket"
)

// ticketView is one ticket's page.
type ticketView struct {
	ticketRow
	Context  []contextMessage
	Timeline []timelineEntry
	Comments []ticket.Comment
	Steps    []stepButton
	CanNote  bool // resolve is allowed: show the 客服动作 box
}

// PageTitle names the page.
func (v ticketView) PageTitle() string { return "工单 " + v.Number() }

// contextMessage is one chat message around the complaint.
type contextMessage struct {
	Key        string    `json:"key"`
	MemberID   string    `json:"member_id"`
	MemberName string    `json:"member_name"`
	Staff      bool      `json:"staff"`
	Text       string    `json:"text"`
	At         time.Time `json:"at"`
	Complaint  bool      `json:"-"`
}

// timelineEntry is one event of the ticket's trail as staff read it.
type timelineEntry struct {
	At    time.Time
	Actor string
	Label string
	Note  string
}

// stepButton is a step the ticket's state allows.
type stepButton struct {
	Step, Label string
	Primary     bool
}

// actionLabels name the trail's actions.
var actionLabels = map[string]string{
	ticket.ActionOpened: "创建工单", ticket.ActionUnassigned: "未找到门店", ticket.ActionNotified: "已通知",
	ticket.ActionUnreachable: "无法通知", ticket.ActionGroupReply: "群内回复", ticket.ActionAck: "接单",
	ticket.ActionStart: "开始处理", ticket.ActionResolve: "完成", ticket.ActionClose: "关闭", ticket.ActionReopen: "重开",
	ticket.ActionComment: "评论", ticket.ActionReaction: "车友倾向", ticket.ActionRaise: "升级等级",
	ticket.ActionEscalate: "超时上报", ticket.ActionChainTop: "已到最高层级", ticket.ActionRefused: "操作被拒",
}

// stepsFor are the buttons of a ticket in state st; resolve is its own form.
func stepsFor(st ticket.State) []stepButton {
	switch st {
	case ticket.StateNew:
		return []stepButton{{"ack", "接单", true}, {"start", "开始处理", false}}
	case ticket.StateAcknowledged:
		return []stepButton{{"start", "开始处理", true}}
	case ticket.StateResolved:
		return []stepButton{{"close", "关闭", false}, {"reopen", "重开", false}}
	case ticket.StateClosed:
		return []stepButton{{"reopen", "重开", false}}
	}
	return nil
}

func (h *handler) ticketDetail(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Tickets == nil {
		return errUnconfigured("工单", "tickets")
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := h.opts.Tickets.Get(r.Context(), id, sessionOf(r).User.Scope())
	if err != nil {
		return err
	}
	v := ticketView{ticketRow: rowOf(d.Ticket, h.opts.Now()), Comments: d.Comments, Steps: stepsFor(d.State),
		Context: contextOf(d.Ticket)}
	v.CanNote = d.State == ticket.StateNew || d.State == ticket.StateAcknowledged || d.State == ticket.StateInProgress
	for _, e := range d.Events {
		label := actionLabels[e.Action]
		if label == "" {
			label = e.Action
		}
		v.Timeline = append(v.Timeline, timelineEntry{At: e.At, Actor: e.Actor, Label: label, Note: e.Note})
	}
	h.render(w, r, http.StatusOK, "ticket", v)
	return nil
}

// contextOf reads the messages around the complaint; the complaint itself
// is marked (by its key, or else the last message).
func contextOf(t ticket.Ticket) []contextMessage {
	var msgs []contextMessage
	if t.Context == "" || json.Unmarshal([]byte(t.Context), &msgs) != nil {
		return nil
	}
	marked := false
	for i := range msgs {
		if msgs[i].Key != "" && msgs[i].Key == t.ComplaintKey {
			msgs[i].Complaint, marked = true, true
		}
	}
	if !marked && len(msgs) > 0 {
		msgs[len(msgs)-1].Complaint = true
	}
	return msgs
}

// ticketActor is who acts on a ticket through the pages, within their
// stores.
func ticketActor(r *http.Request) ticket.Actor {
	u := sessionOf(r).User
	return ticket.Actor{Name: u.Name(), Stores: u.Scope()}
}

// stepDone is what the flash says after each step.
var stepDone = map[ticket.Step]string{
	ticket.StepAck: "已接单", ticket.StepStart: "已开始处理", ticket.StepResolve: "已完成",
	ticket.StepClose: "已关闭", ticket.StepReopen: "已重开",
}

func (h *handler) ticketStep(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Tickets == nil {
		return errUnconfigured("工单", "tickets")
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	step, ok := ticket.ParseStep(r.PathValue("step"))
	if !ok {
		return errPageNotFound
	}
	_, err = h.opts.Tickets.Do(r.Context(), id, step, ticketActor(r), r.PostFormValue("note"))
	return h.acted(w, r, id, err, stepDone[step])
}

func (h *handler) ticketComment(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Tickets == nil {
		return errUnconfigured("工单", "tickets")
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	_, err = h.opts.Tickets.AddComment(r.Context(), id, ticketActor(r), r.PostFormValue("body"))
	return h.acted(w, r, id, err, "评论已添加")
}

// acted answers a step or comment: back to the ticket with what happened.
// Another store's ticket is not found, so that its existence stays hidden.
func (h *handler) acted(w http.ResponseWriter, r *http.Request, id int64, err error, done string) error {
	back := "/tickets/" + strconv.FormatInt(id, 10)
	var fields fault.Fields
	switch {
	case err == nil:
		redirect(w, r, back, "ok", done)
	case errors.Is(err, fault.ErrForbidden), errors.Is(err, fault.ErrNotFound):
		return errPageNotFound
	case errors.As(err, &fields):
		redirect(w, r, back, "error", messages(fields))
	case errors.Is(err, fault.ErrConflict):
		redirect(w, r, back, "error", "操作未完成:工单状态已变化,请查看最新状态 (the ticket changed; see its current state)")
	default:
		return err
	}
	return nil
}
