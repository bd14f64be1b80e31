package welcome

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/qunbot/qunbot/internal/storage"
)

// Directory tells who a staff member is; the org package provides it.
type Directory interface {
	StaffName(ctx context.Context, userID string) (name, storeName string, err error)
}

// Contacts tells a new contact's name (externalcontact/get).
type Contacts interface {
	ContactName(ctx context.Context, externalUserID string) (string, error)
}

// Defaults of Options.
const (
	DefaultGroupWindow   = time.Minute
	DefaultNameFallback  = "您好"
	DefaultLookupTimeout = 2 * time.Second
	// PriorityWelcome is the outbox priority of welcomes: above auto-replies
	// (10), because send_welcome_msg only works within 20 s of the event.
	PriorityWelcome = 100
	// welcomeWindow is how long WeCom accepts a WelcomeCode.
	welcomeWindow = 20 * time.Second
	// welcomeAttempts keeps retries of a welcome within its window
	// (backoff 2 s, 4 s, 8 s plus jitter).
	welcomeAttempts = 4
)

// Options are the service's dependencies. Zero fields take the defaults.
type Options struct {
	Store *Store
	// Directory gives staff names and stores; without it {{員工名}} and
	// {{門店}} render empty.
	Directory Directory
	// Contacts gives contacts' names; without it, or when it fails,
	// {{客戶名}} renders as NameFallback.
	Contacts      Contacts
	NameFallback  string        // [您好]
	LookupTimeout time.Duration // bound on the Directory and Contacts lookups together [2s]
	// Wake tells the outbox a send is waiting (outbox.Worker.Notify), so a
	// welcome waits milliseconds rather than the poll interval.
	Wake func()
	// BridgeSends says whether a bridge send webhook is configured; group
	// welcomes are said through it, and only through it.
	BridgeSends bool
	GroupWindow time.Duration // how long joins are gathered into one group welcome [1m]
	// Templates is the WeCom client for group welcome templates.
	Templates TemplateClient
	// Media uploads the images of contact welcomes (mini-program covers,
	// images not on WeCom's host) as temporary media; without it those
	// attachments are left out of the welcome, and the record says so.
	Media MediaUploader
	// ImageHTTP fetches those images from their pic_url [a client with
	// MediaTimeout as its timeout].
	ImageHTTP *http.Client
	// MediaTimeout bounds fetching and uploading one welcome's images, which
	// happens alongside the name lookups inside WeCom's 20 s window [5s].
	MediaTimeout time.Duration
	Logger       *slog.Logger
	Now          func() time.Time
}

// Service greets contacts, group members and followers.
type Service struct {
	opts  Options
	store *Store
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NameFallback == "" {
		opts.NameFallback = DefaultNameFallback
	}
	if opts.LookupTimeout <= 0 {
		opts.LookupTimeout = DefaultLookupTimeout
	}
	if opts.GroupWindow <= 0 {
		opts.GroupWindow = DefaultGroupWindow
	}
	if opts.MediaTimeout <= 0 {
		opts.MediaTimeout = DefaultMediaTimeout
	}
	if opts.ImageHTTP == nil {
		opts.ImageHTTP = &http.Client{Timeout: opts.MediaTimeout}
	}
	if opts.Wake == nil {
		opts.Wake = func() {}
	}
	return &Service{opts: opts, store: opts.Store}
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.store }

func (s *Service) now() time.Time { return storage.Timestamp(s.opts.Now()) }
