package wecomtest

import (
	"encoding/json"
)

// maxWelcomeTemplates is WeCom's limit of group welcome templates per corp (doc 92366).
const maxWelcomeTemplates = 100

// welcomeContentKeys are the message parts a group welcome template may hold.
var welcomeContentKeys = []string{"text", "image", "link", "miniprogram", "file", "video"}

// WelcomeTemplate returns the stored content of a group welcome template as
// WeCom's group_welcome_template/get would answer it (text, image, link…).
func (s *Server) WelcomeTemplate(templateID string) (map[string]json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, found := s.st.templates[templateID]
	if !found {
		return nil, false
	}
	out := map[string]json.RawMessage{}
	for k, v := range t {
		out[k], _ = json.Marshal(v)
	}
	return out, true
}

// templateContent extracts the content parts of a template request.
func templateContent(body []byte) (map[string]any, int, string) {
	var req map[string]any
	if json.Unmarshal(body, &req) != nil {
		return nil, 47001, ""
	}
	content := map[string]any{}
	for _, k := range welcomeContentKeys {
		if v, found := req[k]; found {
			content[k] = v
		}
	}
	if text, isMap := content["text"].(map[string]any); isMap {
		if s, _ := text["content"].(string); len(s) > 4000 {
			return nil, 40058, "text.content longer than 4000 bytes"
		}
	}
	return content, 0, ""
}

// addWelcomeTemplate answers externalcontact/group_welcome_template/add.
func (s *Server) addWelcomeTemplate(r *request) result {
	content, code, detail := templateContent(r.body)
	switch {
	case code != 0:
		return fail(code, detail)
	case len(content) == 0:
		return fail(44004, "")
	case len(s.st.templates) >= maxWelcomeTemplates:
		return fail(40058, "group welcome template limit of 100 reached")
	}
	id := "msg" + md5hex(s.st.newID("tpl"))[:24]
	s.st.templates[id] = content
	return ok(map[string]any{"template_id": id})
}

// editWelcomeTemplate answers externalcontact/group_welcome_template/edit:
// the parts present in the request replace the stored ones.
func (s *Server) editWelcomeTemplate(r *request) result {
	id, res := s.templateID(r)
	if id == "" {
		return res
	}
	content, code, detail := templateContent(r.body)
	if code != 0 {
		return fail(code, detail)
	}
	for k, v := range content {
		s.st.templates[id][k] = v
	}
	return ok(nil)
}

// getWelcomeTemplate answers externalcontact/group_welcome_template/get.
func (s *Server) getWelcomeTemplate(r *request) result {
	id, res := s.templateID(r)
	if id == "" {
		return res
	}
	out := map[string]any{}
	for k, v := range s.st.templates[id] {
		out[k] = v
	}
	return ok(out)
}

// delWelcomeTemplate answers externalcontact/group_welcome_template/del.
func (s *Server) delWelcomeTemplate(r *request) result {
	id, res := s.templateID(r)
	if id == "" {
		return res
	}
	delete(s.st.templates, id)
	return ok(nil)
}

func (s *Server) templateID(r *request) (string, result) {
	var req struct {
		TemplateID string `json:"template_id"`
	}
	if !r.decode(&req) || req.TemplateID == "" {
		return "", fail(40058, "template_id is required")
	}
	if s.st.templates[req.TemplateID] == nil {
		return "", fail(40058, "invalid template_id")
	}
	return req.TemplateID, result{}
}
