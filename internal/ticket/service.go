package ticket

import (
	"log/slog"
	"time"
	_ "time/tzdata" // Asia/Shanghai in slim images

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// Channel is a way of notifying staff.
type Channel string

// The notification channels: a WeCom app message to each person (a text
// card linking to the ticket), the store's staff group webhook (消息推送),
// and mail.
const (
	ChannelApp     Channel = "app"
	ChannelWebhook Channel = "webhook"
	ChannelMail    Channel = "mail"
)

// Policy is what a tier's tickets use beyond the deadlines the complaint
// rules give: the channels that notify staff and the default resolve SLA.
type Policy struct {
	Channels       []Channel
	ResolveMinutes int // used when Open is given none
}

func (p Policy) has(c Channel) bool {
	for _, x := range p.Channels {
		if x == c {
			return true
		}
	}
	return false
}

// Tier names the complaint rules use by default.
const (
	TierLight   = "light"
	TierMedium  = "medium"
	TierSerious = "serious"
)

// DefaultPolicies are the policies of the default tiers: light tickets by
// app message, resolved within 24 h; medium also in the store's staff
// group, within 48 h; serious by every channel, within 24 h.
func DefaultPolicies() map[string]Policy {
	return map[string]Policy{
		TierLight:   {Channels: []Channel{ChannelApp}, ResolveMinutes: 24 * 60},
		TierMedium:  {Channels: []Channel{ChannelApp, ChannelWebhook}, ResolveMinutes: 48 * 60},
		TierSerious: {Channels: []Channel{ChannelApp, ChannelWebhook, ChannelMail}, ResolveMinutes: 24 * 60},
	}
}

// defaultPolicy applies to a tier the policies do not name.
var defaultPolicy = Policy{Channels: []Channel{ChannelApp, ChannelWebhook}, ResolveMinutes: 24 * 60}

// Fallback is who hears of tickets nobody else can take: a group no store
// is mapped to, a level nobody on it can be reached at, a chain with no
// next level. These are the operators or HQ's 舆情负责人.
type Fallback struct {
	People     []Person
	WebhookKey string
}

// Options are the service's dependencies. Zero fields take the defaults in
// brackets.
type Options struct {
	DB       *gorm.DB
	Router   Router       // required
	Staff    Staff        // required for app commands
	Replier  GroupReplier // optional: without it, no group is answered (recorded)
	Policies map[string]Policy
	Fallback Fallback
	// ConsoleURL is the console's base URL; notifications link to
	// ConsoleURL + "/tickets/{id}".
	ConsoleURL string
	// NoticeGap is the least time between two messages to one recipient
	// [2.5s, so at most 24 a minute: WeCom drops app messages beyond 30 a
	// minute to one person]. Webhooks get at least 4 s (20 a minute per bot).
	NoticeGap time.Duration
	// NoticeBatch is the most notifications gathered into one message [8].
	NoticeBatch int
	// Location is the time zone notifications show times in [Asia/Shanghai].
	Location *time.Location
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service opens and works tickets.
type Service struct {
	opts Options
	db   *gorm.DB
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Policies == nil {
		opts.Policies = DefaultPolicies()
	}
	if opts.NoticeGap <= 0 {
		opts.NoticeGap = 2500 * time.Millisecond
	}
	if opts.Location == nil {
		opts.Location = shanghai()
	}
	if opts.NoticeBatch <= 0 {
		opts.NoticeBatch = 8
	}
	return &Service{opts: opts, db: opts.DB}
}

// now is the clock as the database keeps time: UTC, to the microsecond.
func (s *Service) now() time.Time { return storage.Timestamp(s.opts.Now()) }

// policy is tier's policy.
func (s *Service) policy(tier string) Policy {
	if p, ok := s.opts.Policies[tier]; ok {
		return p
	}
	return defaultPolicy
}

func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.UTC
	}
	return loc
}
