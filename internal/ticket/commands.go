package ticket

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// KindStaffText is the inbox kind of a staff member's text to the app.
const KindStaffText = "text"

// command is one staff command read from an app message.
type command struct {
	verb     string
	step     Step // empty for a comment
	ticketID int64
	note     string
}

// verbs maps each command word, simplified and traditional, to its step;
// "comment" adds a comment.
var verbs = map[string]Step{
	"接单": StepAck, "接單": StepAck,
	"处理": StepStart, "處理": StepStart,
	"完成": StepResolve,
	"关闭": StepClose, "關閉": StepClose,
	"重开": StepReopen, "重開": StepReopen,
	"评论": "comment", "評論": "comment",
}

var commandRE = regexp.MustCompile(`^\s*(接单|接單|处理|處理|完成|关闭|關閉|重开|重開|评论|評論)\s*(?:[Tt]?(\d{1,18}))?\s*([\s\S]*)$`)

// parseCommand reads a staff message; ok is false for a message that is
// not a ticket command, which is left to other capabilities.
func parseCommand(text string) (c command, ok bool, problem string) {
	m := commandRE.FindStringSubmatch(text)
	if m == nil {
		return command{}, false, ""
	}
	c = command{verb: m[1], step: verbs[m[1]], note: strings.TrimSpace(m[3])}
	if m[2] == "" {
		return c, true, fmt.Sprintf("请写明工单号,例如「%s T123」(which ticket? e.g. %s T123)", m[1], m[1])
	}
	id, valid := ParseNumber(m[2])
	if !valid {
		return c, true, "工单号无效 (not a ticket number)"
	}
	c.ticketID = id
	if c.step == "comment" && c.note == "" {
		return c, true, fmt.Sprintf("请写评论内容,例如「评论 %s 已联系车主」(comment text is missing)", Number(id))
	}
	return c, true, ""
}

// commandLog is a staff command and what came of it: a row of
// ticket_commands.
type commandLog struct {
	ID       int64
	MsgID    string
	UserID   string
	Content  string
	TicketID int64
	Result   string
	Answer   string
	At       time.Time
}

func (commandLog) TableName() string { return "ticket_commands" }

// HandleStaffText is the inbox handler of KindStaffText: a staff command
// such as 接单 T123, 处理 T123, 完成 T123 已电话回访, 关闭 T123, 重开 T123,
// 评论 T123 …. Every command is recorded once (by its message id) with what
// it did, and answered by app message — a refusal (unknown staff, unknown
// ticket, another store's ticket, a step the state does not allow) as much
// as a success; a refusal changes nothing. Messages that are not commands
// are ignored.
func (s *Service) HandleStaffText(ctx context.Context, e inbox.Event) error {
	ev, err := callback.ParseEvent([]byte(e.Payload))
	if err != nil {
		return inbox.Permanent(fmt.Errorf("decode staff text: %w", err))
	}
	if ev.Text == nil || ev.Text.UserID == "" {
		return nil
	}
	cmd, ok, problem := parseCommand(ev.Text.Content)
	if !ok {
		return nil
	}
	key := ev.Text.MsgID
	if key == "" {
		key = e.DedupeKey
	}
	if done, err := s.commandDone(ctx, key); err != nil || done {
		return err
	}
	who, whoErr := s.staffMember(ctx, ev.Text.UserID)
	if whoErr != nil && !errors.Is(whoErr, fault.ErrNotFound) {
		return fmt.Errorf("staff command %s: %w", key, whoErr)
	}
	log := commandLog{MsgID: key, UserID: ev.Text.UserID, Content: storage.Truncate(ev.Text.Content, maxNote), TicketID: cmd.ticketID}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.runCommand(tx, &log, cmd, problem, who, whoErr)
	})
	if err != nil {
		return storage.Wrap("staff command "+key, err)
	}
	return nil
}

func (s *Service) staffMember(ctx context.Context, userID string) (StaffMember, error) {
	if s.opts.Staff == nil {
		return StaffMember{}, errors.New("ticket: no staff directory configured")
	}
	return s.opts.Staff.ByUserID(ctx, userID)
}

func (s *Service) commandDone(ctx context.Context, key string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&commandLog{}).Where("msg_id = ?", key).Count(&n).Error; err != nil {
		return false, storage.Wrap("check staff command "+key, err)
	}
	return n > 0, nil
}

// runCommand records the command, does it unless refused, and queues the
// answer, all in tx.
func (s *Service) runCommand(tx *gorm.DB, log *commandLog, cmd command, problem string, who StaffMember, whoErr error) error {
	log.At = s.now()
	log.Result = "pending"
	if ok, err := storage.InsertOnce(tx, log); err != nil || !ok {
		return err
	}
	result, answer, err := s.outcome(tx, cmd, problem, who, whoErr, log.UserID)
	if err != nil {
		return err
	}
	if err := tx.Model(log).Updates(map[string]any{"result": result, "answer": answer}).Error; err != nil {
		return err
	}
	dedupe := "reply:" + log.MsgID
	n := notice{TicketID: 0, Recipient: string(ChannelApp) + ":" + log.UserID, Kind: noticeReply,
		Title: "工单助手", Text: answer, DedupeKey: &dedupe, State: noticePending, CreatedAt: s.now()}
	_, err = storage.InsertOnce(tx, &n)
	return err
}

// outcome does the command and says what came of it.
func (s *Service) outcome(tx *gorm.DB, cmd command, problem string, who StaffMember, whoErr error, userID string) (string, string, error) {
	switch {
	case whoErr != nil:
		return "unknown_staff", "您不在门店员工名单中,无法处理工单 (you are not on any store's staff list)", nil
	case problem != "":
		return "invalid", problem, nil
	}
	actor := Actor{Name: who.Name + "(" + userID + ")", Stores: who.StoreIDs}
	if who.Role == RoleHQ {
		actor.Stores = nil
	} else if actor.Stores == nil {
		actor.Stores = []int64{}
	}
	var err error
	if cmd.step == "comment" {
		_, err = s.commentTx(tx, cmd.ticketID, actor, cmd.note)
	} else {
		_, err = s.doTx(tx, cmd.ticketID, cmd.step, actor, cmd.note)
	}
	return s.explain(tx, cmd, actor, err)
}

// explain turns the command's error into its recorded result and answer.
func (s *Service) explain(tx *gorm.DB, cmd command, actor Actor, err error) (string, string, error) {
	n := Number(cmd.ticketID)
	switch {
	case err == nil:
		return "ok", fmt.Sprintf("已%s %s", verbDone(cmd), n), nil
	case errors.Is(err, fault.ErrNotFound):
		return "not_found", fmt.Sprintf("工单 %s 不存在,请核对工单号 (no such ticket)", n), nil
	case errors.Is(err, fault.ErrForbidden):
		note := fmt.Sprintf("拒绝 %s 的「%s」:不属于其门店 (another store's ticket)", actor.Name, cmd.verb)
		if aerr := s.audit(tx, cmd.ticketID, actor.Name, ActionRefused, nil, nil, note); aerr != nil {
			return "", "", aerr
		}
		return "forbidden", fmt.Sprintf("工单 %s 不属于您的门店,未做任何更改 (another store's ticket: nothing changed)", n), nil
	case errors.Is(err, fault.ErrConflict), errors.Is(err, fault.ErrInvalid):
		return "refused", conflictText(err) + ",未做任何更改 (nothing changed)", nil
	}
	return "", "", err
}

func verbDone(cmd command) string {
	if cmd.step == "comment" {
		return "评论"
	}
	return steps[cmd.step].verb
}

// conflictText is the Chinese part of a refusal.
func conflictText(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "工单"); i >= 0 {
		msg = msg[i:]
	}
	if i := strings.Index(msg, " ("); i >= 0 {
		msg = msg[:i]
	}
	return msg
}
