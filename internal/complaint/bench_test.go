package complaint

import (
	"fmt"
	"testing"
	"unicode/utf8"
)

// benchMessages are realistic group messages of about 100 characters: most
// are ordinary chat, some complain, some deny or ask.
var benchMessages = []string{
	"大家好,请问周六的车友会活动几点开始?在哪里集合?我想带家人一起去,需要提前报名吗?停车方便不方便?活动结束大概几点?有没有统一的午饭安排?谢谢群主和各位车友!另外提醒一下大家最近降温了,出门记得多穿衣服。",
	"今天去4S店做了首保,服务顾问很热情,整个流程一个多小时就搞定了,还送了洗车券,顺便问了一下下次保养的时间和费用,感觉挺好的。休息区的咖啡也不错,推荐大家周末人少的时候去。另外提醒一下大家最近降温了,出门记得多穿衣服。",
	"新车才提了三个月,最近发现发动机下面漏油,地库地面上都有油渍了,去店里看了两次都说正常,让我再观察观察,可是油渍越来越多,到底怎么回事?谁能给个说法!!!另外提醒一下大家最近降温了,出门记得多穿衣服。",
	"我的车开了两万公里,不漏油不异响,油耗也还行,百公里七个油左右,就是后备箱小了点,周末出去玩装不下太多东西,婴儿车和露营装备只能塞后座,其他方面都挺满意的。另外提醒一下大家最近降温了,出门记得多穿衣服。",
	"有没有车友知道冬天会不会漏水?我看网上有人说天窗排水管容易堵,想提前去店里检查一下,顺便问下大家平时多久清理一次天窗?需要自己买工具吗还是店里免费弄?另外提醒一下大家最近降温了,出门记得多穿衣服。",
	"反复维修了五次还是修不好,售后态度差,打电话没人理,再不给解决我就去315投诉,找律师起诉,还要发微博曝光你们这个品牌!大家买车之前一定要想清楚,别再上当了!另外提醒一下大家最近降温了,出门记得多穿衣服。",
	"早上送孩子上学的路上看到好多同款车,颜色都挺好看的,我们家选的是珍珠白,开了半年了还是很喜欢,群里有没有一起拼单贴膜的?人多的话可以找店里谈个团购价格。另外提醒一下大家最近降温了,出门记得多穿衣服。",
	"分享一下自驾游路线:从市区出发走高速到山脚下,大概两个小时,路况很好,风景也不错,中午可以在农家乐吃饭,下午去水库边露营看日落,推荐给大家周末带家人去玩。另外提醒一下大家最近降温了,出门记得多穿衣服。",
}

// extraTerms makes n more lexicon terms, part × problem, as a large
// operator lexicon would have.
func extraTerms(n int) []Term {
	parts := []string{"雨刮", "天窗", "车门", "车窗", "座椅", "方向盘", "仪表盘", "中控屏", "空调", "暖风", "大灯", "尾灯",
		"轮胎", "轮毂", "刹车片", "减震", "底盘", "变速箱", "离合", "发动机", "电瓶", "充电口", "充电桩", "倒车影像", "雷达",
		"后视镜", "安全带", "气囊", "喇叭", "油箱盖", "引擎盖", "后备箱盖", "脚垫", "内饰板", "门把手", "钥匙", "车机系统",
		"导航", "蓝牙", "行车记录仪"}
	problems := []string{"异响", "松动", "失灵", "进水", "开裂", "掉漆", "起泡", "变形", "卡死", "漏风", "发烫", "异味",
		"黑屏", "死机", "断电", "报警", "抖动", "生锈", "脱落", "磨损", "老化", "褪色", "渗水", "打滑", "不灵敏", "延迟",
		"闪烁", "不亮", "偏软", "偏硬", "跑偏", "咯吱响", "吱吱响", "嗡嗡响", "哒哒响", "咔咔响", "漏气", "漏液", "结霜",
		"起雾", "掉线", "连不上", "识别不了", "充不进电", "充电慢", "不出风", "不制冷", "不制热", "有杂音", "关不严"}
	out := make([]Term, 0, n)
	for _, p := range parts {
		for _, q := range problems {
			if len(out) == n {
				return out
			}
			out = append(out, Term{Term: p + q, Category: "部件"})
		}
	}
	return out
}

func benchClassifier(b *testing.B) *Classifier {
	b.Helper()
	r := DefaultRules()
	r.Tiers[1].Terms = append(r.Tiers[1].Terms, extraTerms(2000)...)
	return mustCompile(b, r)
}

// BenchmarkClassify decides one ~100-character message per op with the
// default lexicon plus 2,000 terms, reusing the Decision (the hot path).
func BenchmarkClassify(b *testing.B) {
	c := benchClassifier(b)
	chars := 0
	for _, m := range benchMessages {
		chars += utf8.RuneCountInString(m)
	}
	b.Logf("messages: %d, average %d characters, terms: %d", len(benchMessages), chars/len(benchMessages), len(c.entries))
	var d Decision
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Evaluate(&d, benchMessages[i%len(benchMessages)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkClassify_PerMessage shows the cost of each kind of message.
func BenchmarkClassify_PerMessage(b *testing.B) {
	c := benchClassifier(b)
	for i, m := range benchMessages {
		b.Run(fmt.Sprintf("msg%d", i), func(b *testing.B) {
			var d Decision
			b.ReportAllocs()
			for b.Loop() {
				c.Evaluate(&d, m)
			}
		})
	}
}

// BenchmarkClassify_Explained is Classify with its explanation, what the
// "try it" API and a detected complaint pay.
func BenchmarkClassify_Explained(b *testing.B) {
	c := benchClassifier(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = c.Classify(benchMessages[i%len(benchMessages)])
	}
}

// BenchmarkCompile measures building the classifier when rules change.
func BenchmarkCompile(b *testing.B) {
	r := DefaultRules()
	r.Tiers[1].Terms = append(r.Tiers[1].Terms, extraTerms(2000)...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(r); err != nil {
			b.Fatal(err)
		}
	}
}
