// Command gen writes the character folding table used by match.Normalize.
//
// The table folds every rune below foldLimit in one lookup: NFKC
// (full-width to half-width and other compatibility forms), lower case and
// traditional to simplified Chinese at character level (the first candidate
// of OpenCC's TSCharacters dictionary, read from the module cache of
// github.com/longbridgeapp/opencc), and classifies what remains as kept,
// removed (symbols, emoji, controls, unassigned) or whitespace. Folds are
// resolved to a fixpoint so that normalising twice changes nothing.
//
// Usage (from the match package): go run ./internal/gen -o fold_table.go
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

const (
	openccModule  = "github.com/longbridgeapp/opencc"
	openccVersion = "v0.3.13"
	// foldLimit is the first rune the table does not cover: planes 4 and up
	// hold only unassigned, tag, variation-selector and private-use runes,
	// all of which Normalize removes.
	foldLimit = 0x40000
	maxDepth  = 8
)

// Actions stored in the table for non-ASCII runes; values from actFold on
// index the fold strings.
const (
	actKeep = iota
	actRemove
	actSpace
	actAt
	actFold
)

func main() {
	out := flag.String("o", "fold_table.go", "output file")
	dict := flag.String("dict", "", "path to TSCharacters.txt (default: from the module cache)")
	flag.Parse()
	if err := run(*out, *dict); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out, dict string) error {
	if dict == "" {
		dir, err := moduleDir()
		if err != nil {
			return err
		}
		dict = filepath.Join(dir, "dictionary", "TSCharacters.txt")
	}
	t2s, err := readTSCharacters(dict)
	if err != nil {
		return err
	}
	f := folder{t2s: t2s}
	tab, err := f.build()
	if err != nil {
		return err
	}
	src, err := tab.source()
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// moduleDir asks the go command where the pinned OpenCC module lives,
// downloading it if needed.
func moduleDir() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", openccModule+"@"+openccVersion)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locate %s: %w", openccModule, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, `"Dir": "`); ok {
			return strings.TrimSuffix(v, `",`), nil
		}
	}
	return "", errors.New("locate opencc: no Dir in go mod download output")
}

// readTSCharacters reads "traditional<TAB>simplified [alternatives]" lines
// and keeps the first candidate, as OpenCC does.
func readTSCharacters(path string) (map[rune]rune, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read dictionary: %w", err)
	}
	defer fh.Close()
	m := make(map[rune]rune)
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		to, _, _ = strings.Cut(to, " ")
		fr, tr := []rune(from), []rune(to)
		if len(fr) != 1 || len(tr) != 1 {
			return nil, fmt.Errorf("read dictionary: line %q is not one character to one character", sc.Text())
		}
		if fr[0] != tr[0] {
			m[fr[0]] = tr[0]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read dictionary: %w", err)
	}
	if len(m) < 1000 {
		return nil, fmt.Errorf("read dictionary: only %d entries in %s", len(m), path)
	}
	return m, nil
}

type folder struct {
	t2s map[rune]rune
}

// fold returns the runes r becomes: NFKC, then lower case and
// traditional→simplified per rune, repeated until nothing changes.
func (f folder) fold(r rune, depth int) ([]rune, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("fold U+%04X: no fixpoint after %d steps", r, maxDepth)
	}
	var out []rune
	for _, x := range norm.NFKC.String(string(r)) {
		y := unicode.ToLower(x)
		if t, ok := f.t2s[y]; ok {
			y = t
		}
		if y == x && norm.NFKC.String(string(x)) == string(x) {
			out = append(out, x)
			continue
		}
		more, err := f.fold(y, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// class says what Normalize does with a rune that folds to itself.
func class(r rune) int {
	switch {
	case r == '@':
		return actAt
	case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
		return actSpace
	case unicode.Is(unicode.Variation_Selector, r), unicode.Is(unicode.Me, r):
		return actRemove
	case unicode.IsLetter(r), unicode.IsNumber(r), unicode.IsPunct(r), unicode.IsMark(r):
		return actKeep
	default:
		return actRemove
	}
}

type table struct {
	ascii  [128]byte
	acts   []uint16 // per rune below foldLimit
	folds  []string // fold outputs, index = act - actFold
	shift  uint
	index  []uint16
	blocks []uint16
}

func (f folder) build() (*table, error) {
	t := &table{acts: make([]uint16, foldLimit)}
	foldIdx := map[string]uint16{}
	for r := rune(0); r < foldLimit; r++ {
		act, s, err := f.action(r)
		if err != nil {
			return nil, err
		}
		if act == actFold {
			k, ok := foldIdx[s]
			if !ok {
				k = uint16(actFold + len(t.folds))
				foldIdx[s] = k
				t.folds = append(t.folds, s)
			}
			act = int(k)
		}
		t.acts[r] = uint16(act)
		if r < 128 {
			t.ascii[r] = asciiOut(r, act, s)
		}
	}
	if len(t.folds) > 0xFFFF-actFold {
		return nil, fmt.Errorf("build: %d fold strings do not fit in uint16", len(t.folds))
	}
	if err := t.checkFixpoint(); err != nil {
		return nil, err
	}
	t.compress()
	return t, nil
}

// action decides the table entry for r and, for actFold, the output text.
func (f folder) action(r rune) (int, string, error) {
	if r >= 0xD800 && r <= 0xDFFF {
		return actRemove, "", nil
	}
	out, err := f.fold(r, 0)
	if err != nil {
		return 0, "", err
	}
	if len(out) == 1 {
		c := class(out[0])
		switch {
		case c == actKeep && out[0] == r:
			return actKeep, "", nil
		case c == actSpace || c == actAt || c == actRemove:
			return c, "", nil
		}
	}
	var b strings.Builder
	for _, x := range out {
		if class(x) == actKeep {
			b.WriteRune(x)
		}
	}
	if b.Len() == 0 {
		return actRemove, "", nil
	}
	return actFold, b.String(), nil
}

// asciiOut encodes the ASCII fast path: 0 removes, ' ' is whitespace, '@'
// starts a mention, anything else is the output byte.
func asciiOut(r rune, act int, s string) byte {
	switch act {
	case actKeep:
		return byte(r)
	case actSpace:
		return ' '
	case actAt:
		return '@'
	case actRemove:
		return 0
	}
	return s[0]
}

// checkFixpoint proves idempotence: every rune the table outputs is kept
// as itself.
func (t *table) checkFixpoint() error {
	for _, s := range t.folds {
		for _, x := range s {
			if x >= foldLimit || t.acts[x] != actKeep {
				return fmt.Errorf("check: fold output U+%04X in %q is not a fixpoint", x, s)
			}
		}
	}
	return nil
}

// compress splits acts into deduplicated blocks, choosing the block size
// that gives the smallest table.
func (t *table) compress() {
	best := -1
	for shift := uint(5); shift <= 9; shift++ {
		index, blocks := split(t.acts, shift)
		size := 2*len(index) + 2*len(blocks)
		if best < 0 || size < best {
			best, t.shift, t.index, t.blocks = size, shift, index, blocks
		}
	}
}

func split(acts []uint16, shift uint) (index, blocks []uint16) {
	n := 1 << shift
	seen := map[string]uint16{}
	for off := 0; off < len(acts); off += n {
		blk := acts[off : off+n]
		key := fmt.Sprint(blk)
		id, ok := seen[key]
		if !ok {
			id = uint16(len(blocks) >> shift)
			seen[key] = id
			blocks = append(blocks, blk...)
		}
		index = append(index, id)
	}
	return index, blocks
}

func (t *table) source() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/gen from OpenCC " + openccVersion + " TSCharacters and Unicode " + unicode.Version + " (x/text norm " + norm.Version + "); DO NOT EDIT.\n\n")
	b.WriteString("package match\n\n")
	fmt.Fprintf(&b, "// foldShift is the block size (1<<foldShift runes) of foldIndex.\nconst foldShift = %d\n\n", t.shift)
	fmt.Fprintf(&b, "// foldLimit is the first rune outside the table; all later runes are removed.\nconst foldLimit = %#x\n\n", foldLimit)
	fmt.Fprintf(&b, "// foldASCII maps an ASCII byte to its output byte: 0 removes it, ' ' is whitespace, '@' may start a mention.\nconst foldASCII = %s\n\n", quoteBytes(t.ascii[:]))
	fmt.Fprintf(&b, "// foldIndex holds, per block of runes, the little-endian uint16 block number in foldBlocks.\nconst foldIndex = %s\n\n", quoteU16(t.index))
	fmt.Fprintf(&b, "// foldBlocks holds little-endian uint16 actions: 0 keep, 1 remove, 2 whitespace, 3 '@', 4+ foldStrings entry.\nconst foldBlocks = %s\n\n", quoteU16(t.blocks))
	text, spans, err := joinFolds(t.folds)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "// foldText holds the outputs of folded runes back to back.\nconst foldText = %s\n\n", quoteBytes([]byte(text)))
	fmt.Fprintf(&b, "// foldSpans holds, per fold action, little-endian uint16 offset and one byte length into foldText.\nconst foldSpans = %s\n", quoteBytes(spans))
	return format.Source(b.Bytes())
}

func joinFolds(folds []string) (string, []byte, error) {
	var text strings.Builder
	var spans []byte
	for _, s := range folds {
		off := text.Len()
		spans = append(spans, byte(off), byte(off>>8), byte(len(s)))
		text.WriteString(s)
	}
	if text.Len() > 0xFFFF {
		return "", nil, fmt.Errorf("source: fold text is %d bytes, over 64 KiB", text.Len())
	}
	return text.String(), spans, nil
}

func quoteU16(v []uint16) string {
	b := make([]byte, 0, 2*len(v))
	for _, x := range v {
		b = append(b, byte(x), byte(x>>8))
	}
	return quoteBytes(b)
}

// quoteBytes writes a string literal split into lines of 32 bytes.
func quoteBytes(b []byte) string {
	var s strings.Builder
	s.WriteString("\"\" +\n")
	for i := 0; i < len(b); i += 32 {
		end := min(i+32, len(b))
		s.WriteString("\t\"")
		for _, c := range b[i:end] {
			fmt.Fprintf(&s, "\\x%02x", c)
		}
		s.WriteString("\"")
		if end < len(b) {
			s.WriteString(" +\n")
		}
	}
	return s.String()
}
