package bridge

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The contract document is checked here so that its examples cannot drift
// from the code: each example sits in the fenced block after a marker
// "<!-- test: name -->".

const docPath = "../../docs/bridge.md"

// docBlock returns the body of the fenced block that follows the marker.
func docBlock(t *testing.T, name string) string {
	t.Helper()
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("read the contract document: %v", err)
	}
	_, after, ok := strings.Cut(string(doc), "<!-- test: "+name+" -->")
	if !ok {
		t.Fatalf("%s has no marker <!-- test: %s -->", docPath, name)
	}
	_, after, ok = strings.Cut(after, "```")
	if !ok {
		t.Fatalf("%s: no fenced block after marker %s", docPath, name)
	}
	_, after, _ = strings.Cut(after, "\n") // the fence's language tag
	block, _, ok := strings.Cut(after, "```")
	if !ok {
		t.Fatalf("%s: unterminated fenced block after marker %s", docPath, name)
	}
	return block
}

// signatureExample reads the worked example's "name value" lines.
func signatureExample(t *testing.T) map[string]string {
	t.Helper()
	fields := map[string]string{}
	for line := range strings.Lines(docBlock(t, "signature-example")) {
		name, value, _ := strings.Cut(strings.TrimSpace(line), " ")
		fields[name] = strings.TrimSpace(value)
	}
	for _, name := range []string{"secret", "timestamp", "body", "signature"} {
		if fields[name] == "" {
			t.Fatalf("worked example has no %q line", name)
		}
	}
	return fields
}

func TestDoc_SignatureExample(t *testing.T) {
	ex := signatureExample(t)
	if got := Sign([]byte(ex["secret"]), ex["timestamp"], []byte(ex["body"])); got != ex["signature"] {
		t.Fatalf("docs/bridge.md worked example: signature is %s, Sign computes %s", ex["signature"], got)
	}
	if _, err := ParseMessages([]byte(ex["body"])); err != nil {
		t.Fatalf("docs/bridge.md worked example body does not parse: %v", err)
	}
	if !strings.Contains(docBlock(t, "curl-example"), "body='"+ex["body"]+"'") {
		t.Error("the curl example does not post the worked example's body")
	}
}

// TestDoc_CurlSignatureLine runs the doc's shell recipe with the worked
// example's inputs and expects the worked example's signature.
func TestDoc_CurlSignatureLine(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	var sigLine string
	for line := range strings.Lines(docBlock(t, "curl-example")) {
		if strings.HasPrefix(line, "sig=") {
			sigLine = line
		}
	}
	if sigLine == "" {
		t.Fatal("the curl example has no sig= line")
	}
	ex := signatureExample(t)
	cmd := exec.Command("sh", "-c", sigLine+`printf '%s' "$sig"`)
	cmd.Env = append(os.Environ(), "secret="+ex["secret"], "ts="+ex["timestamp"], "body="+ex["body"])
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run the doc's sig= line: %v", err)
	}
	if string(out) != ex["signature"] {
		t.Fatalf("the doc's sig= line computes %q, want %q", out, ex["signature"])
	}
}

// TestDoc_CurlExample runs the whole curl script of the doc against a
// receiver that verifies it the way qunbot does.
func TestDoc_CurlExample(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	ex := signatureExample(t)
	received := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := Verify([]byte(ex["secret"]), r.Header, body, time.Now())
		if err == nil {
			_, err = ParseMessages(body)
		}
		received <- err
		_, _ = io.WriteString(w, `{"accepted":1,"duplicates":0}`)
	}))
	defer srv.Close()
	script := strings.ReplaceAll(docBlock(t, "curl-example"), "https://qunbot.example.com", srv.URL)
	if out, err := exec.Command("bash", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("run the doc's curl example: %v\n%s", err, out)
	}
	if err := <-received; err != nil {
		t.Fatalf("the doc's curl example was refused: %v", err)
	}
}

func TestDoc_InboundExample(t *testing.T) {
	msgs, err := ParseMessages([]byte(docBlock(t, "inbound-example")))
	if err != nil {
		t.Fatalf("docs/bridge.md inbound example: %v", err)
	}
	types := map[string]bool{}
	for _, m := range msgs {
		types[m.MsgType] = true
	}
	for _, want := range []string{"text", "image", "link", "system"} {
		if !types[want] {
			t.Errorf("the inbound example has no %s message", want)
		}
	}
}

func TestDoc_OutboundExample(t *testing.T) {
	var o Outgoing
	if err := json.Unmarshal([]byte(docBlock(t, "outbound-example")), &o); err != nil {
		t.Fatalf("docs/bridge.md outbound example: %v", err)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("docs/bridge.md outbound example: %v", err)
	}
}
