package livecode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom"
)

// Groups is what the service reads of the customer-group directory;
// *group.Store is one.
type Groups interface {
	Get(ctx context.Context, chatID string) (group.Group, error)
	Select(ctx context.Context, sel group.Selector) ([]group.Group, []string, error)
	List(ctx context.Context, f group.Filter) ([]group.Group, int64, error)
}

// WeCom is what the service calls on WeCom directly (an operator or the
// landing page waits for the answer); *wecom.Client is one.
type WeCom interface {
	AddJoinWay(ctx context.Context, jw wecom.JoinWay) (string, error)
	GetJoinWay(ctx context.Context, configID string) (wecom.JoinWay, error)
	UpdateJoinWay(ctx context.Context, jw wecom.JoinWay) error
	DeleteJoinWay(ctx context.Context, configID string) error
	AddContactWay(ctx context.Context, cw wecom.ContactWay) (wecom.ContactWay, error)
	UpdateContactWay(ctx context.Context, cw wecom.ContactWay) error
	DeleteContactWay(ctx context.Context, configID string) error
}

// Enqueuer takes an intended send; *outbox.Store is one.
type Enqueuer interface {
	Enqueue(ctx context.Context, m *outbox.Message) (bool, error)
}

// StoreStaff gives the WeCom user ids of a store's staff, who hear of
// their store's live codes running out.
type StoreStaff interface {
	StoreStaffUserIDs(ctx context.Context, storeID int64) ([]string, error)
}

// Options are the service's dependencies and settings. Zero settings take
// the defaults in brackets.
type Options struct {
	DB     *gorm.DB
	Groups Groups
	// WeCom is nil when WeCom is not configured: codes cannot be saved.
	WeCom  WeCom
	Outbox Enqueuer
	Staff  StoreStaff // nil: only AlertUsers hear of alerts
	// AlertUsers are the operators' WeCom user ids told of every alert.
	AlertUsers []string
	// Location is the time zone of the daily statistics [Asia/Shanghai].
	Location *time.Location
	// CacheTTL is how long the landing page trusts its cache before one
	// indexed query checks the code's revision [1s].
	CacheTTL time.Duration
	// QRRefresh is how often the join way's QR code is read back from
	// WeCom [1h].
	QRRefresh time.Duration
	// RetryDelay is the first pause between tries of a WeCom call that
	// failed for a passing reason [300ms]; it doubles, three tries in all.
	RetryDelay time.Duration
	Logger     *slog.Logger
	Now        func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Location == nil {
		o.Location = time.FixedZone("CST", 8*3600)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.CacheTTL, time.Second)
	def(&o.QRRefresh, time.Hour)
	def(&o.RetryDelay, 300*time.Millisecond)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Service runs live codes and contact codes. Several replicas may run it
// over one database.
type Service struct {
	opts  Options
	db    *gorm.DB
	log   *slog.Logger
	cache sync.Map // code → *landingEntry
	views viewCounter
}

// New returns a Service; it needs a database and the group directory.
func New(opts Options) (*Service, error) {
	if opts.DB == nil || opts.Groups == nil {
		return nil, errors.New("live codes: need a database and the group directory")
	}
	opts = opts.withDefaults()
	return &Service{opts: opts, db: opts.DB, log: opts.Logger, views: viewCounter{counts: map[int64]*viewCount{}}}, nil
}

func (s *Service) now() time.Time { return storage.Timestamp(s.opts.Now()) }

// day is the statistics day of t.
func (s *Service) day(t time.Time) string { return t.In(s.opts.Location).Format(time.DateOnly) }

// errNoWeCom is returned when a code must be saved in WeCom and WeCom is
// not configured.
var errNoWeCom = errors.New("企业微信未配置，无法创建活码 (WeCom is not configured)")

// retry calls f up to three times while it fails for a passing reason.
func (s *Service) retry(ctx context.Context, f func() error) error {
	delay := s.opts.RetryDelay
	var err error
	for try := 0; try < 3; try++ {
		if err = f(); err == nil || !wecom.IsTemporary(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%w)", err, ctx.Err())
		case <-time.After(delay):
		}
		delay *= 2
	}
	return err
}
