package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// applyYAML sets c from the YAML document data. A document that is not YAML
// is returned as err; unknown keys and values that do not parse are returned
// together as problems, each with its line, so one run shows them all.
func (c *Config) applyYAML(data []byte, path string, set map[string]bool) (problems []error, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("config file %q: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil // an empty file (or only comments) means defaults
	}
	root := resolveAlias(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("config file %q: line %d: the top level must be keys like \"http:\" and \"wecom:\"", path, root.Line)
	}
	r := yamlReader{path: path, c: c, set: set, byName: map[string]option{}, sections: map[string][]string{}}
	for _, o := range options() {
		r.byName[o.Name] = o
		if s := o.section(); s != "" {
			r.sections[s] = append(r.sections[s], o.leaf())
		}
	}
	r.readMapping(root, "")
	return r.problems, nil
}

// yamlReader walks the YAML tree against the option table.
type yamlReader struct {
	path     string
	c        *Config
	set      map[string]bool
	byName   map[string]option
	sections map[string][]string // section name → its leaf keys
	problems []error
}

// readMapping reads the keys of one mapping; prefix is "" at the top level
// and "wecom." inside a section.
func (r *yamlReader) readMapping(n *yaml.Node, prefix string) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		name := prefix + k.Value
		if seen[name] {
			// yaml.v3 only rejects duplicates when decoding into a map; a
			// second value would silently win.
			r.problem(k, "%s: set twice", name)
			continue
		}
		seen[name] = true
		// A dotted key ("wecom.token:" at the top) is not how the file is
		// written; rejecting it keeps one spelling per option.
		if o, ok := r.byName[name]; ok && !strings.Contains(k.Value, ".") {
			r.readValue(o, v)
			continue
		}
		if leaves, ok := r.sections[name]; ok {
			r.readSection(name, leaves, v)
			continue
		}
		r.problem(k, "%s: unknown key%s", name, r.hint(prefix))
	}
}

// readSection reads "wecom:" and the like. An empty section (all its keys
// commented out) is fine.
func (r *yamlReader) readSection(name string, leaves []string, v *yaml.Node) {
	switch {
	case isNull(v):
	case v.Kind == yaml.MappingNode:
		r.readMapping(v, name+".")
	default:
		r.problem(v, "%s: must be a section of keys (%s)", name, strings.Join(leaves, ", "))
	}
}

// readValue sets one option from a scalar. The raw text is used, so
// "token: 0123" stays "0123" instead of becoming a number.
func (r *yamlReader) readValue(o option, v *yaml.Node) {
	if isNull(v) {
		return // "corp_id:" with nothing after it means unset
	}
	if v.Kind != yaml.ScalarNode {
		r.problem(v, "%s: must be a single value, not a list or section", o.Name)
		return
	}
	if err := o.set(r.c, v.Value); err != nil {
		r.problem(v, "%s: %v", o.Name, err)
		return
	}
	r.set[o.Name] = true
}

// hint lists the keys a section takes, to point at the typo.
func (r *yamlReader) hint(prefix string) string {
	section := strings.TrimSuffix(prefix, ".")
	if leaves, ok := r.sections[section]; ok {
		return " (" + section + " takes " + strings.Join(leaves, ", ") + ")"
	}
	var top []string
	for _, o := range options() {
		if s := o.section(); s == "" {
			top = append(top, o.Name)
		} else if len(top) == 0 || top[len(top)-1] != s {
			top = append(top, s)
		}
	}
	return " (the top level takes " + strings.Join(top, ", ") + ")"
}

// problem records an error located at n.
func (r *yamlReader) problem(n *yaml.Node, format string, args ...any) {
	r.problems = append(r.problems, fmt.Errorf("%s:%d: "+format, append([]any{r.path, n.Line}, args...)...))
}

// resolveAlias follows a YAML alias (*name) to the node it names.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isNull reports an absent value: "key:" or "key: ~" or "key: null".
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}
