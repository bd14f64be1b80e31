package match

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Word pools for the generated library and messages: product and service
// words from car-dealer groups, traditional and simplified forms mixed.
var (
	poolWords = strings.Fields(`保養 保养 漏油 營業時間 营业时间 退款 積分 积分 試駕 试驾 預約 预约 發票 门市 門市
		价格 價格 优惠 活動 会员 保修 輪胎 机油 剎車 空调 導航 充电 續航 电池 车险 理賠 年检 洗车 鈑金 喷漆
		貸款 首付 分期 置换 二手車 新车 交車 提车 配件 原厂 延保 救援 停车 充電樁 快充 慢充 电机 變速箱 发动机
		異響 抖动 故障 大灯 雨刮 玻璃 座椅 天窗 音響 蓝牙 車機 升级 软件 地址 電話 客服 投訴 售后 维修 工時
		配送 库存 顏色 配置 顶配 车型 尺寸 油耗 动力 排量 馬力 扭矩 底盘 懸掛 轮毂 贴膜 腳墊 礼品 兌換 抽奖
		报名 名額 周末 门店 展廳 销售 顾问 合同 押金 定金 尾款 退订 开票 上牌 车牌 保險 流量 会员卡 生日 优惠券`)
	poolSuffixes = strings.Fields(`多少钱 多少錢 怎么办 怎麼辦 在哪 几点 幾點 流程 政策 时间 費用 条件 规则 期限 标准`)
	poolASCII    = strings.Fields(`app 4s店 vip suv ota gps usb wifi etc APP 4S店 ＶＩＰ`)
	fillers      = strings.Fields(`我想问一下 你们 今天 昨天 朋友 那个 就是 然后 我家 车子 最近 感觉 有点 请问 謝謝
		麻烦 看看 好的 收到 这个 还是 已经 可能 一直 上次 师傅 老婆 孩子 上班 路上 早上 晚上 下雨 高速 小区
		對了 另外 顺便 大概 应该 不太 比较 特别 真的 說 的 了 吧 呢 啊 嗯 哦 我 他 她 也 都 很 太 在 去 来 想 要`)
	punctuation    = strings.Fields(`， 。 ？ ！ 、 ～ , . ? ! … ：`)
	decorations    = []string{"😀", "👍", "🙏", "🚗", "❤️", "👨‍👩‍👧", " ", "\u3000", "  "}
	regexTemplates = []string{
		`订单号?\d{%d,}`, `^\d{11}$`, `(车牌|牌照).{0,4}[a-z]\d{%d}`, `vin[a-z0-9]{%d}`,
		`保养.{0,%d}多少钱`, `(几点|什么时候).{0,%d}(开门|营业)`, `(?:app|小程序).{0,%d}(登录|登陆)`,
	}
)

// corpus is a deterministic rule library and message set.
type corpus struct {
	rules    []Rule
	messages []string
	exact    []string // exact-mode keywords, to build messages that equal them
	keywords []string // contains and all-of keywords, to plant in messages
}

// newCorpus generates nRules rules (about 3 keywords each, mostly
// contains, some all-of and exact, a few regex) and nMessages messages of
// about 100 characters.
func newCorpus(seed uint64, nRules, nRegex, nMessages int) *corpus {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c := &corpus{}
	for id := 1; id <= nRules; id++ {
		c.rules = append(c.rules, c.rule(rng, int64(id), id <= nRegex))
	}
	for range nMessages {
		c.messages = append(c.messages, c.message(rng))
	}
	return c
}

func pick(rng *rand.Rand, s []string) string { return s[rng.IntN(len(s))] }

func (c *corpus) rule(rng *rand.Rand, id int64, regex bool) Rule {
	r := Rule{ID: id, Priority: rng.IntN(6)}
	if regex {
		r.Mode = ModeRegex
		r.Pattern = pick(rng, regexTemplates)
		if strings.Contains(r.Pattern, "%d") {
			r.Pattern = fmt.Sprintf(r.Pattern, 2+rng.IntN(8))
		}
		return r
	}
	switch p := rng.IntN(100); {
	case p < 10:
		r.Mode = ModeExact
	case p < 22:
		r.Mode = ModeAll
	default:
		r.Mode = ModeContains
	}
	n := 1 + rng.IntN(5)
	if r.Mode == ModeAll {
		n = 2 + rng.IntN(2)
	}
	for range n {
		k := keyword(rng)
		r.Keywords = append(r.Keywords, k)
		if r.Mode == ModeExact {
			c.exact = append(c.exact, k)
		} else {
			c.keywords = append(c.keywords, k)
		}
	}
	return r
}

// keyword builds a 2-6 character keyword from the pools: a few single
// words, more word+suffix phrases, mostly two or three words combined.
func keyword(rng *rand.Rand) string {
	switch p := rng.IntN(1000); {
	case p < 10:
		return pick(rng, poolWords)
	case p < 50:
		return pick(rng, poolASCII) + pick(rng, poolWords)
	case p < 250:
		return pick(rng, poolWords) + pick(rng, poolSuffixes)
	}
	for {
		k := pick(rng, poolWords) + pick(rng, poolWords)
		if rng.IntN(3) == 0 {
			k += pick(rng, poolWords)
		}
		if n := len([]rune(k)); n <= 6 {
			return k
		}
	}
}

// message builds a message of about 100 characters: mostly filler, some
// library words, punctuation, emoji and mentions; a few equal an exact
// keyword.
func (c *corpus) message(rng *rand.Rand) string {
	if len(c.exact) > 0 && rng.IntN(20) == 0 {
		return pick(rng, decorations[:3]) + strings.ToUpper(pick(rng, c.exact)) + "！"
	}
	var b strings.Builder
	if rng.IntN(5) == 0 {
		b.WriteString("@客服小" + pick(rng, []string{"王", "李", "張"}) + "\u2005")
	}
	hits := rng.IntN(3) > 0 // a third of messages use no library words
	for n := 0; n < 100; {
		var s string
		switch p := rng.IntN(100); {
		case hits && p < 3 && len(c.keywords) > 0:
			s = pick(rng, c.keywords)
		case hits && p < 8:
			s = pick(rng, poolWords)
		case hits && p < 10:
			s = pick(rng, poolSuffixes)
		case p < 18:
			s = pick(rng, poolASCII)
		case p < 28:
			s = pick(rng, punctuation)
		case p < 31:
			s = pick(rng, decorations)
		default:
			s = pick(rng, fillers)
		}
		b.WriteString(s)
		n += len([]rune(s))
	}
	return b.String()
}

// keywordsOf returns every normalised keyword of the corpus rules, as the
// naive loop checks them.
func (c *corpus) keywordsOf() []string {
	var out []string
	for _, r := range c.rules {
		out = append(out, normalizeKeywords(r.Keywords)...)
	}
	return out
}
