package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
	"github.com/qunbot/qunbot/internal/welcome"
)

// The demo's store, its staff and its customer group, as the simulator's
// scenario (internal/simulate) speaks of them.
const (
	demoChat    = "wrOgQhDgAAdemo0001"
	demoStaff   = "zhangsan"
	demoManager = "lisi"
	demoHQ      = "wangwu"
)

// demoMembers is how many members the demo group has before the
// simulator's members join.
const demoMembers = 36

// demoWeCom is what the embedded fake WeCom knows: the demo staff and
// group, with its owner, the store manager and members.
func demoWeCom() []wecomtest.Option {
	g := wecomtest.GroupChat{ChatID: demoChat, Name: "上海旗舰店车友1群", Owner: demoStaff, CreateTime: time.Now().AddDate(0, -3, 0),
		Members: []wecomtest.Member{{UserID: demoStaff, Type: wecomtest.MemberStaff}, {UserID: demoManager, Type: wecomtest.MemberStaff}}}
	for i := range demoMembers {
		g.Members = append(g.Members, wecomtest.Member{UserID: fmt.Sprintf("wmDemoFan%03d", i+1), Type: wecomtest.MemberExternal, JoinScene: 3})
	}
	return []wecomtest.Option{wecomtest.WithUsers(demoStaff, demoManager, demoHQ), wecomtest.WithGroupChats(g)}
}

// seedDemoDirectory adds, once, a store with its chain of staff, maps the
// demo group to it, and gives new contacts a welcome: so the demo shows a
// welcome sent and a complaint turned into a routed ticket.
func seedDemoDirectory(ctx context.Context, cfg config.Config, db *gorm.DB, log *slog.Logger) error {
	shops := org.NewStore(db, now)
	if _, total, err := shops.ListShops(ctx, org.ShopFilter{Limit: 1}); err != nil || total > 0 {
		return err
	}
	shop := org.Shop{Code: "SH001", Name: "上海旗舰店", Region: "华东"}
	if err := shops.CreateShop(ctx, &shop); err != nil {
		return fmt.Errorf("seed demo store: %w", err)
	}
	for _, st := range []org.Staff{
		{Name: "张三", WeComUserID: demoStaff, Role: org.RoleStaff, StoreID: shop.ID, OnDuty: true},
		{Name: "李四", WeComUserID: demoManager, Role: org.RoleManager, StoreID: shop.ID},
		{Name: "王五", WeComUserID: demoHQ, Role: org.RoleHQ},
	} {
		if err := shops.CreateStaff(ctx, &st); err != nil {
			return fmt.Errorf("seed demo staff %s: %w", st.Name, err)
		}
	}
	if err := seedDemoGroup(ctx, cfg, db, log, shop.ID); err != nil {
		return err
	}
	rule := welcome.Rule{Name: "默认欢迎语", Channel: welcome.ChannelContact, Default: true, Enabled: true,
		Text: "{{客户名}},欢迎!我是{{门店}}的{{员工名}},很高兴为您服务。回复「保养」了解保养套餐。"}
	if err := welcome.NewStore(db, now).CreateRule(ctx, &rule); err != nil {
		return fmt.Errorf("seed demo welcome: %w", err)
	}
	return nil
}

// seedDemoGroup reads the demo group from the fake WeCom and maps it to the
// store, as an operator would in the console.
func seedDemoGroup(ctx context.Context, cfg config.Config, db *gorm.DB, log *slog.Logger, storeID int64) error {
	client, err := wecom.Configured(cfg, log)
	if err != nil || client == nil {
		return err
	}
	groups := group.NewStore(db, now)
	syncer, err := group.NewSyncer(groups, client, group.SyncerOptions{Logger: log})
	if err != nil {
		return err
	}
	if err := syncer.Reconcile(ctx, demoChat); err != nil {
		return fmt.Errorf("seed demo group: %w", err)
	}
	if err := groups.SetStore(ctx, demoChat, storeID); err != nil {
		return fmt.Errorf("seed demo group: %w", err)
	}
	_, err = groups.SetTags(ctx, demoChat, []string{"车友群"})
	return err
}
