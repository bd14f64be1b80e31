package callback

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// WeCom's callback documents are flat: an <xml> root whose children hold
// text, plus the odd list (MemChangeList>Item). encoding/xml spends most of
// a callback's time budget on them (reflection, a token per node), so this
// file scans them by hand. It follows encoding/xml's rules for what it
// accepts — entities, CDATA, \r\n folding, character checks, the local name
// after a prefix — and the tests compare the two on every testdata file and
// under fuzzing. It is stricter in places: nothing but whitespace, comments
// and processing instructions before the root, and no directives.

// maxXMLDepth bounds nesting; WeCom's documents are three levels deep.
const maxXMLDepth = 64

// xmlSink receives what scanXML finds below the root.
type xmlSink interface {
	// field is called when a child of the root closes, with its local name
	// and its own character data (text of nested elements excluded). Both
	// slices are only valid during the call.
	field(name, text []byte) error
	// item is called when a grandchild of the root closes, with the local
	// names of its parent and itself and its own character data.
	item(parent, name, text []byte) error
}

// scanXML scans one document and reports the root's children and
// grandchildren to sink. The root element must be named xml. Bytes after
// the root's end are ignored, as encoding/xml's Unmarshal ignores them.
func scanXML(doc []byte, sink xmlSink) error {
	s := xmlScanner{b: doc}
	if err := s.prolog(); err != nil {
		return err
	}
	name, self, err := s.startTag()
	if err != nil {
		return err
	}
	local, err := localName(name)
	if err != nil {
		return err
	}
	if string(local) != "xml" {
		return s.errorf("root element is <%s>, want <xml>", name)
	}
	if self {
		return nil
	}
	return s.root(name, sink)
}

type xmlScanner struct {
	b        []byte
	i        int
	sink     xmlSink
	rootName []byte
	depth    int // open elements below the root
	// stack holds the raw names of open elements below the root.
	stack [maxXMLDepth][]byte
	// texts gathers the text of the open child (1) and grandchild (2).
	texts [3]textAcc
}

// errorf reports malformed XML at the current position. The message is
// clipped: envelopes are scanned before their signature is checked.
func (s *xmlScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: xml at byte %d: %s", ErrMalformed, s.i, clip(fmt.Sprintf(format, args...), 160))
}

// prolog skips whitespace, comments and processing instructions before the
// root and leaves s at its '<'.
func (s *xmlScanner) prolog() error {
	for {
		s.skipSpace()
		switch {
		case s.i >= len(s.b):
			return s.errorf("no root element")
		case bytes.HasPrefix(s.b[s.i:], []byte("<!--")):
			if err := s.comment(); err != nil {
				return err
			}
		case bytes.HasPrefix(s.b[s.i:], []byte("<?")):
			if err := s.procInst(); err != nil {
				return err
			}
		case s.b[s.i] == '<':
			return nil
		default:
			return s.errorf("text before the root element")
		}
	}
}

// root scans the root's content up to its end tag.
func (s *xmlScanner) root(rootName []byte, sink xmlSink) error {
	s.rootName, s.sink = rootName, sink
	for {
		done, err := s.step()
		if err != nil || done {
			return err
		}
	}
}

// step consumes one piece of the root's content: text, markup, a start tag
// or an end tag. It reports whether the root has closed.
func (s *xmlScanner) step() (done bool, err error) {
	if s.i >= len(s.b) {
		return false, s.errorf("unexpected end of document")
	}
	// Only the text of the root's children and grandchildren is kept; the
	// rest is checked and dropped, as encoding/xml skips it.
	acc, keep := &s.texts[0], false
	if s.depth == 1 || s.depth == 2 {
		acc, keep = &s.texts[s.depth], true
	}
	if s.b[s.i] != '<' {
		return false, s.charData(acc, keep)
	}
	kind, err := s.markup(acc, keep)
	switch {
	case err != nil || kind == markupOther:
		return false, err
	case kind == markupEnd:
		return s.end()
	}
	return false, s.start()
}

// start consumes a start tag below the root.
func (s *xmlScanner) start() error {
	name, self, err := s.startTag()
	if err != nil {
		return err
	}
	if s.depth+1 >= maxXMLDepth {
		return s.errorf("nested deeper than %d", maxXMLDepth)
	}
	if _, err := localName(name); err != nil {
		return err
	}
	s.stack[s.depth] = name
	s.depth++
	if s.depth <= 2 {
		s.texts[s.depth].reset()
	}
	if !self {
		return nil
	}
	s.depth--
	return s.closed(s.depth + 1)
}

// end consumes an end tag, which must match the open element.
func (s *xmlScanner) end() (rootClosed bool, err error) {
	name, err := s.endTag()
	if err != nil {
		return false, err
	}
	open := s.rootName
	if s.depth > 0 {
		open = s.stack[s.depth-1]
	}
	if !bytes.Equal(name, open) {
		return false, s.errorf("<%s> closed by </%s>", open, name)
	}
	if s.depth == 0 {
		return true, nil
	}
	s.depth--
	return false, s.closed(s.depth + 1)
}

// closed reports the element at depth (1 = child of the root) that just
// closed.
func (s *xmlScanner) closed(depth int) error {
	switch depth {
	case 1:
		name, _ := localName(s.stack[0])
		return s.sink.field(name, s.texts[1].bytes())
	case 2:
		parent, _ := localName(s.stack[0])
		name, _ := localName(s.stack[1])
		return s.sink.item(parent, name, s.texts[2].bytes())
	}
	return nil
}

type markupKind int

const (
	markupStart markupKind = iota
	markupEnd
	markupOther // comment, CDATA or processing instruction, already consumed
)

// markup classifies the markup at s.i ('<'). CDATA goes into acc when keep
// is set (it is validated either way); comments and processing instructions
// are skipped.
func (s *xmlScanner) markup(acc *textAcc, keep bool) (markupKind, error) {
	rest := s.b[s.i:]
	switch {
	case bytes.HasPrefix(rest, []byte("</")):
		return markupEnd, nil
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		return markupOther, s.cdata(acc, keep)
	case bytes.HasPrefix(rest, []byte("<!--")):
		return markupOther, s.comment()
	case bytes.HasPrefix(rest, []byte("<?")):
		return markupOther, s.procInst()
	case bytes.HasPrefix(rest, []byte("<!")):
		return markupOther, s.errorf("directives are not supported")
	}
	return markupStart, nil
}

// charData consumes text up to the next '<'.
func (s *xmlScanner) charData(acc *textAcc, keep bool) error {
	end := bytes.IndexByte(s.b[s.i:], '<')
	if end < 0 {
		end = len(s.b) - s.i
	}
	seg := s.b[s.i : s.i+end]
	if err := acc.add(seg, false, keep); err != nil {
		return s.errorf("%v", err)
	}
	s.i += end
	return nil
}

func (s *xmlScanner) cdata(acc *textAcc, keep bool) error {
	start := s.i + len("<![CDATA[")
	end := bytes.Index(s.b[start:], []byte("]]>"))
	if end < 0 {
		return s.errorf("unterminated CDATA section")
	}
	if err := acc.add(s.b[start:start+end], true, keep); err != nil {
		return s.errorf("%v", err)
	}
	s.i = start + end + len("]]>")
	return nil
}

// comment skips <!-- ... -->; like encoding/xml it refuses "--" inside.
func (s *xmlScanner) comment() error {
	start := s.i + len("<!--")
	end := bytes.Index(s.b[start:], []byte("--"))
	if end < 0 {
		return s.errorf("unterminated comment")
	}
	if start+end+2 >= len(s.b) || s.b[start+end+2] != '>' {
		return s.errorf(`"--" inside a comment`)
	}
	s.i = start + end + len("-->")
	return nil
}

// procInst skips <?target ...?>.
func (s *xmlScanner) procInst() error {
	s.i += len("<?")
	if _, err := s.name(); err != nil {
		return err
	}
	end := bytes.Index(s.b[s.i:], []byte("?>"))
	if end < 0 {
		return s.errorf("unterminated processing instruction")
	}
	s.i += end + len("?>")
	return nil
}

// startTag consumes <name attr="v" ...> or <name .../> at s.i.
func (s *xmlScanner) startTag() (name []byte, self bool, err error) {
	s.i++ // '<'
	if name, err = s.name(); err != nil {
		return nil, false, err
	}
	for {
		s.skipSpace()
		if s.i >= len(s.b) {
			return nil, false, s.errorf("unexpected end in <%s>", name)
		}
		switch s.b[s.i] {
		case '>':
			s.i++
			return name, false, nil
		case '/':
			if s.i+1 >= len(s.b) || s.b[s.i+1] != '>' {
				return nil, false, s.errorf("expected /> in <%s>", name)
			}
			s.i += 2
			return name, true, nil
		}
		if err := s.attr(); err != nil {
			return nil, false, err
		}
	}
}

// attr consumes one name="value" (or 'value'); values are checked, not kept.
func (s *xmlScanner) attr() error {
	if _, err := s.name(); err != nil {
		return err
	}
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != '=' {
		return s.errorf("attribute without a value")
	}
	s.i++
	s.skipSpace()
	if s.i >= len(s.b) || (s.b[s.i] != '"' && s.b[s.i] != '\'') {
		return s.errorf("unquoted attribute value")
	}
	quote := s.b[s.i]
	end := bytes.IndexByte(s.b[s.i+1:], quote)
	if end < 0 {
		return s.errorf("unterminated attribute value")
	}
	val := s.b[s.i+1 : s.i+1+end]
	if bytes.IndexByte(val, '<') >= 0 {
		return s.errorf("'<' in an attribute value")
	}
	var acc textAcc
	if err := acc.add(val, false, false); err != nil {
		return s.errorf("%v", err)
	}
	s.i += end + 2
	return nil
}

// endTag consumes </name > at s.i.
func (s *xmlScanner) endTag() ([]byte, error) {
	s.i += len("</")
	name, err := s.name()
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != '>' {
		return nil, s.errorf("expected > after </%s", name)
	}
	s.i++
	return name, nil
}

// name consumes an XML name: ASCII name bytes or any multi-byte rune, the
// first not a digit, '.' or '-'.
func (s *xmlScanner) name() ([]byte, error) {
	start := s.i
	for s.i < len(s.b) && (isNameByte(s.b[s.i]) || s.b[s.i] >= utf8.RuneSelf) {
		s.i++
	}
	n := s.b[start:s.i]
	if len(n) == 0 {
		return nil, s.errorf("expected a name")
	}
	if c := n[0]; c >= '0' && c <= '9' || c == '.' || c == '-' {
		return nil, s.errorf("name %q starts with %q", n, c)
	}
	if !utf8.Valid(n) {
		return nil, s.errorf("name is not UTF-8")
	}
	return n, nil
}

func (s *xmlScanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' ||
		'0' <= c && c <= '9' || c == '_' || c == ':' || c == '.' || c == '-'
}

// localName drops a namespace prefix the way encoding/xml does: "a:b" is b,
// a name with two colons is an error, and ":b" or "a:" stay whole.
func localName(name []byte) ([]byte, error) {
	i := bytes.IndexByte(name, ':')
	if i < 0 {
		return name, nil
	}
	if bytes.IndexByte(name[i+1:], ':') >= 0 {
		return nil, fmt.Errorf("%w: xml name %q has two colons", ErrMalformed, clip(string(name), 64))
	}
	if i == 0 || i == len(name)-1 {
		return name, nil
	}
	return name[i+1:], nil
}

// textAcc gathers an element's character data. The common case — one plain
// segment — stays a slice of the document; anything else is decoded into
// buf.
type textAcc struct {
	one   []byte
	buf   []byte
	n     int
	inBuf bool
}

func (t *textAcc) reset() {
	t.one, t.buf, t.n, t.inBuf = nil, t.buf[:0], 0, false
}

func (t *textAcc) bytes() []byte {
	if t.inBuf {
		return t.buf
	}
	return t.one
}

// add checks one chardata or CDATA segment and, when keep is set, appends
// its decoded text.
func (t *textAcc) add(seg []byte, cdata, keep bool) error {
	if plainText(seg, cdata) {
		if !keep {
			return nil
		}
		if t.n == 0 && !t.inBuf {
			t.one, t.n = seg, 1
			return nil
		}
		t.toBuf()
		t.buf = append(t.buf, seg...)
		return nil
	}
	if !keep {
		_, err := appendText(nil, seg, cdata)
		return err
	}
	t.toBuf()
	var err error
	t.buf, err = appendText(t.buf, seg, cdata)
	return err
}

func (t *textAcc) toBuf() {
	if !t.inBuf {
		t.buf = append(t.buf[:0], t.one...)
		t.inBuf = true
	}
	t.n++
}

// plainText reports whether seg needs no decoding and holds only legal XML
// characters, so it can be used as it is.
func plainText(seg []byte, cdata bool) bool {
	for i := 0; i < len(seg); {
		c := seg[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' || c == '\r' || c == '&' && !cdata || c == '>' && !cdata {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(seg[i:])
		if !legalRune(r, size) {
			return false
		}
		i += size
	}
	return true
}

// appendText decodes seg the way encoding/xml does: entities (outside
// CDATA), \r\n and \r to \n, no "]]>" in chardata, and legal characters only.
func appendText(dst, seg []byte, cdata bool) ([]byte, error) {
	start := len(dst)
	var b0, b1 byte
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if !cdata && b0 == ']' && b1 == ']' && c == '>' {
			return dst, fmt.Errorf("unescaped ]]> outside CDATA")
		}
		if c == '&' && !cdata {
			var n int
			var err error
			dst, n, err = appendEntity(dst, seg[i:])
			if err != nil {
				return dst, err
			}
			i += n - 1
			b0, b1 = 0, 0
			continue
		}
		switch {
		case c == '\r':
			dst = append(dst, '\n')
		case b1 == '\r' && c == '\n':
		default:
			dst = append(dst, c)
		}
		b0, b1 = b1, c
	}
	return dst, checkChars(dst[start:])
}

// appendEntity decodes the entity at the start of s ("&lt;", "&#20013;",
// "&#x4e2d;") and returns how many bytes it used.
func appendEntity(dst, s []byte) ([]byte, int, error) {
	end := bytes.IndexByte(s, ';')
	if end < 0 {
		return dst, 0, fmt.Errorf("entity without a semicolon")
	}
	ref := string(s[1:end])
	switch ref {
	case "lt":
		return append(dst, '<'), end + 1, nil
	case "gt":
		return append(dst, '>'), end + 1, nil
	case "amp":
		return append(dst, '&'), end + 1, nil
	case "apos":
		return append(dst, '\''), end + 1, nil
	case "quot":
		return append(dst, '"'), end + 1, nil
	}
	r, ok := charRef(ref)
	if !ok {
		return dst, 0, fmt.Errorf("invalid character entity &%s;", ref)
	}
	return utf8.AppendRune(dst, r), end + 1, nil
}

// charRef parses "#123" or "#x7b" as encoding/xml does (digits only, up to
// the largest rune).
func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, base, 64)
	if err != nil || n > unicode.MaxRune {
		return 0, false
	}
	return rune(n), true
}

// checkChars refuses invalid UTF-8 and characters XML forbids.
func checkChars(b []byte) error {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if !legalRune(r, size) {
			return fmt.Errorf("illegal character %U", r)
		}
		b = b[size:]
	}
	return nil
}

func legalRune(r rune, size int) bool {
	if r == utf8.RuneError && size == 1 {
		return false
	}
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
