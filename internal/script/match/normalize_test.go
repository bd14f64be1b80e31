package match

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"full_width", "ＡＢＣ１２３，？", "abc123,?"},
		{"full_width_space", "保養\u3000價格", "保养 价格"},
		{"case", "APP Vip 4S店", "app vip 4s店"},
		{"traditional_leak", "漏油", "漏油"},
		{"traditional_hours", "營業時間", "营业时间"},
		{"traditional_store", "門市", "门市"},
		{"traditional_booking", "預約", "预约"},
		{"traditional_invoice", "發票", "发票"},
		{"traditional_sentence", "請問門市幾點開門?", "请问门市几点开门?"},
		{"mention_u2005", "@張三\u2005你好", "你好"},
		{"mention_space", "@客服小王 在嗎", "在吗"},
		{"mention_middle", "請問@小王\u2005保養多少錢", "请问 保养多少钱"},
		{"mention_end", "謝謝 @小王", "谢谢"},
		{"mention_full_width_at", "＠小王 你好", "你好"},
		{"mention_two", "@甲 @乙\u2005好的", "好的"},
		{"email_kept", "郵箱 a@b.com", "邮箱 a@b.com"},
		{"emoji", "好的👍😀謝謝🙏", "好的谢谢"},
		{"emoji_zwj_and_skin", "👨‍👩‍👧 👍🏽 ok", "ok"},
		{"flag_and_keycap", "🇨🇳 1️⃣ #️⃣", "1 #"},
		{"symbols", "價格$100+¥50 ©®™ ←→", "价格10050 tm"},
		{"whitespace_runs", "  保養 \t\n  價格  ", "保养 价格"},
		{"whitespace_around_removed", "a 😀 b", "a b"},
		{"punctuation_kept", "你好,請問。可以嗎?!", "你好,请问。可以吗?!"},
		{"question_full_width", "多少錢?", "多少钱?"},
		{"compat_forms", "①㍱ﬁ", "1hpafi"},
		{"half_width_katakana", "ｶﾀｶﾅ", "カタカナ"},
		{"invalid_utf8", "a\xffb\xe4", "ab"},
		{"controls", "a\x00b\x7fc\u200bd", "abcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeString(tt.in); got != tt.want {
				t.Errorf("NormalizeString(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalize_appends(t *testing.T) {
	got := Normalize([]byte("x:"), "  ＡＢ  ")
	if string(got) != "x:ab" {
		t.Errorf("Normalize appended %q, want %q", got, "x:ab")
	}
}

func TestNormalize_noAllocation(t *testing.T) {
	in := "@張三\u2005請問ＡＢＣ門市營業時間是幾點?👍 謝謝"
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() { buf = Normalize(buf[:0], in) })
	if allocs != 0 && !raceEnabled {
		t.Errorf("Normalize allocated %v times per run, want 0", allocs)
	}
}

func TestLooksLikeQuestion(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"门市几点开门", true},
		{"保养多少钱", true},
		{"怎么预约试驾", true},
		{"可以开发票吗", true},
		{"能不能退款", true},
		{"积分可不可以兑换", true},
		{"是不是要预约", true},
		{"有没有优惠", true},
		{"什么时候到货", true},
		{"为什么漏油", true},
		{"哪里可以充电", true},
		{"在店里等你?", true},
		{"到了? 好的", true},
		{"谢谢", false},
		{"好的,明天到店", false},
		{"", false},
		{"https://a.cn/p?id=1", false},
		{NormalizeString("營業時間是?"), true},
		{NormalizeString("請問門市在哪裡"), true},
	}
	for _, tt := range tests {
		if got := LooksLikeQuestion(tt.in); got != tt.want {
			t.Errorf("LooksLikeQuestion(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestFoldTable_openCC checks the generated table against OpenCC itself:
// wherever OpenCC's t2s turns one character into another, Normalize folds
// both to the same text.
func TestFoldTable_openCC(t *testing.T) {
	cc, err := opencc.New("t2s")
	if err != nil {
		t.Fatalf("opencc.New: %v", err)
	}
	var b strings.Builder
	var runes []rune
	for r := rune(0x4E00); r <= 0x9FFF; r++ {
		b.WriteRune(r)
		b.WriteByte('\n')
		runes = append(runes, r)
	}
	out, err := cc.Convert(b.String())
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(runes) {
		t.Fatalf("Convert returned %d lines, want %d", len(lines), len(runes))
	}
	changed := 0
	for i, r := range runes {
		if lines[i] == string(r) || utf8.RuneCountInString(lines[i]) != 1 {
			continue
		}
		changed++
		if got, want := NormalizeString(string(r)), NormalizeString(lines[i]); got != want {
			t.Errorf("U+%04X %c: Normalize = %q, OpenCC t2s gives %q (normalised %q)", r, r, got, lines[i], want)
		}
	}
	if changed < 2000 {
		t.Errorf("OpenCC converted only %d characters; the check did not run", changed)
	}
}

func TestDecodeRune(t *testing.T) {
	inputs := []string{"é", "保", "😀", "\xff", "\xe4\xbd", "\xed\xa0\x80", "\xe0\x80\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "\xf0\x9f\x98", "\xc3"}
	for _, s := range inputs {
		s := "x" + s
		r, n := decodeRune(s, 1)
		wr, wn := utf8.DecodeRuneInString(s[1:])
		if r != wr || n != wn {
			t.Errorf("decodeRune(%q) = %U, %d; utf8 says %U, %d", s[1:], r, n, wr, wn)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "ＡＢＣ１２３，？", "@張三\u2005營業時間?", "a@b @c", "👨‍👩‍👧 x", "\xff\xfe", "  a\t\nb  ", "①㍱ﬁ¨"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 0 && s[0] >= utf8.RuneSelf {
			r, n := decodeRune(s, 0)
			if wr, wn := utf8.DecodeRuneInString(s); r != wr || n != wn {
				t.Errorf("decodeRune(%q) = %U, %d; utf8 says %U, %d", s, r, n, wr, wn)
			}
		}
		once := NormalizeString(s)
		if twice := NormalizeString(once); twice != once {
			t.Errorf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
		if !utf8.ValidString(once) {
			t.Errorf("invalid UTF-8 output %q", once)
		}
		if strings.HasPrefix(once, " ") || strings.HasSuffix(once, " ") || strings.Contains(once, "  ") {
			t.Errorf("whitespace not folded: %q", once)
		}
	})
}
