package complaint

import (
	"strings"
	"testing"
)

func mustCompile(t testing.TB, r Rules) *Classifier {
	t.Helper()
	c, err := Compile(r)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func terms(d Decision) string {
	var out []string
	for _, m := range d.Matches {
		out = append(out, m.Term)
	}
	return strings.Join(out, ",")
}

func suppressed(d Decision) string {
	var out []string
	for _, s := range d.Suppressed {
		out = append(out, s.Term+":"+s.Reason+":"+s.Cue)
	}
	return strings.Join(out, ",")
}

func raised(d Decision) string {
	var out []string
	for _, r := range d.Raised {
		out = append(out, r.Reason)
	}
	return strings.Join(out, ",")
}

func TestClassify(t *testing.T) {
	c := mustCompile(t, DefaultRules())
	tests := []struct {
		name, text string
		tier       Tier
		terms      string
		suppressed string
		raised     string
	}{
		{"nothing", "今天天气不错,周末一起去自驾吧", TierNone, "", "", ""},
		{"light gripe", "这车后备箱小,装不下婴儿车", TierLight, "后备箱小", "", ""},
		{"traditional folded", "發貨慢,等了兩個星期", TierLight, "发货慢", "", ""},
		{"medium defect", "新车才三个月就漏油了", TierMedium, "漏油", "", ""},
		{"medium beats light", "油耗高就算了,现在还有异响", TierMedium, "油耗高,异响", "", ""},
		{"serious", "再不解决我就去315投诉,找律师起诉你们", TierSerious, "315,投诉,律师,起诉", "", ""},
		{"negated", "开了两年,不漏油,很满意", TierNone, "", "漏油:negated:不", ""},
		{"negated longer cue", "没有异味,放心", TierNone, "", "异味:negated:没有", ""},
		{"question cue", "會不會漏油?", TierNone, "", "漏油:question:会不会", ""},
		{"question mark", "冬天容易漏水?", TierNone, "", "漏水:question:?", ""},
		{"question ma", "这个车漏油吗", TierNone, "", "漏油:question:吗", ""},
		{"rhetorical is a complaint", "为什么又漏油?", TierMedium, "漏油", "", ""},
		{"exception is not a negation", "不仅漏油还漏水", TierMedium, "漏油,漏水", "", ""},
		{"exception 不停", "不停地异响", TierMedium, "异响", "", ""},
		{"negation outside clause", "不好意思,漏油了", TierMedium, "漏油", "", ""},
		{"negated once counted later", "左边不漏油,右边漏油", TierMedium, "漏油", "", ""},
		{"315 inside a number", "我电话13153151234", TierNone, "", "", ""},
		{"punctuation raises", "又漏油了!!!", TierSerious, "漏油", "", "punctuation"},
		{"full-width punctuation raises", "后备箱小！！！", TierMedium, "后备箱小", "", "punctuation"},
		{"double question is intense not a question", "漏油??", TierMedium, "漏油", "", ""},
		{"triple question raises", "漏油???", TierSerious, "漏油", "", "punctuation"},
		{"caps raise", "THIS CAR IS BAD 异响", TierSerious, "异响", "", "caps"},
		{"caps alone is no complaint", "WHAT A NICE DAY", TierNone, "", "", ""},
		{"brand caps not shouting", "BMW的LED灯有异响", TierMedium, "异响", "", ""},
		{"contained term dropped", "车里味道大", TierLight, "味道大", "", ""},
		{"serious stays serious", "我要曝光!!!", TierSerious, "曝光", "", "punctuation"},
		{"mention removed", "@客服小王 态度差", TierMedium, "态度差", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := c.Classify(tt.text)
			if d.Tier != tt.tier || terms(d) != tt.terms || suppressed(d) != tt.suppressed || raised(d) != tt.raised {
				t.Errorf("Classify(%q) = tier %s terms %q suppressed %q raised %q; want %s %q %q %q\nexplain: %s",
					tt.text, d.Tier, terms(d), suppressed(d), raised(d), tt.tier, tt.terms, tt.suppressed, tt.raised, d.Explain)
			}
			if d.Explain == "" {
				t.Error("no explanation")
			}
		})
	}
}

func TestClassify_Signals(t *testing.T) {
	c := mustCompile(t, DefaultRules())
	tests := []struct{ text, want string }{
		{"同感,我家的也是", "echo:同感"},
		{"+1", "echo:+1"},
		{"别黑了,我的没问题", "defend:别黑,defend:没问题"},
		{"我要发微博", "spread:发微博"},
		{"不要转发", ""},
		{"今天天气好", ""},
	}
	for _, tt := range tests {
		d := c.Classify(tt.text)
		var got []string
		for _, s := range d.Signals {
			got = append(got, s.Kind+":"+s.Term)
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("signals of %q = %v, want %s", tt.text, got, tt.want)
		}
	}
}

func TestClassify_Explain(t *testing.T) {
	c := mustCompile(t, DefaultRules())
	d := c.Classify("没有异味,但是漏油了!!!")
	for _, want := range []string{"判定为重级投诉/舆情", "「漏油」(投诉/质量缺陷)", "「异味」(否定「没有」)", "由投诉升级", "连续标点"} {
		if !strings.Contains(d.Explain, want) {
			t.Errorf("explain %q lacks %q", d.Explain, want)
		}
	}
}

func TestClassify_DisabledTier(t *testing.T) {
	r := DefaultRules()
	r.Tiers[0].Enabled = false
	c := mustCompile(t, r)
	if d := c.Classify("后备箱小"); d.Tier != TierNone {
		t.Errorf("disabled light tier still decides: %s", d.Explain)
	}
}

func TestEvaluate_NoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	c := mustCompile(t, DefaultRules())
	var d Decision
	for _, text := range []string{"今天天气不错", "不漏油,但是异响!!!还要找律师", "会不会漏油?"} {
		c.Evaluate(&d, text)
		if n := testing.AllocsPerRun(100, func() { c.Evaluate(&d, text) }); n != 0 {
			t.Errorf("Evaluate(%q) allocates %v times", text, n)
		}
	}
}
