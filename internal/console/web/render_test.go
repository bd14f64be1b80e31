package web

import (
	"strings"
	"testing"
)

func TestParseViews(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		names []string
		err   string
	}{
		{viewNames, ""},
		{[]string{"login", "no_such_page"}, "no_such_page"},
		{[]string{"partials"}, `defines no "content"`},
	}
	for _, c := range cases {
		_, err := parseViews(a, c.names)
		if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Fatalf("parse %v: %v, want %q", c.names, err, c.err)
		}
	}
}

func TestSafeNext(t *testing.T) {
	cases := map[string]string{
		"/tickets?state=new": "/tickets?state=new", "": "/", "https://evil.example/": "/",
		"//evil.example/": "/", "/\\evil.example": "/", "tickets": "/",
	}
	for in, want := range cases {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
