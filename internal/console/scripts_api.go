package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/script"
)

// page is a list answer: one page of items and how many there are in all.
type page[T any] struct {
	Items []T   `json:"items"`
	Total int64 `json:"total"`
}

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request) error {
	cats, err := s.opts.Scripts.Categories(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[script.Category]{Items: cats, Total: int64(len(cats))})
	return nil
}

func (s *Server) createCategory(w http.ResponseWriter, r *http.Request) error {
	var c script.Category
	if err := decode(w, r, &c); err != nil {
		return err
	}
	c.ID = 0
	if err := s.opts.Scripts.CreateCategory(r.Context(), &c); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) updateCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var c script.Category
	if err := decode(w, r, &c); err != nil {
		return err
	}
	c.ID = id
	if err := s.opts.Scripts.UpdateCategory(r.Context(), &c); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.opts.Scripts.DeleteCategory(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listScripts(w http.ResponseWriter, r *http.Request) error {
	f, err := scriptFilter(r)
	if err != nil {
		return err
	}
	items, total, err := s.opts.Scripts.List(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[script.Script]{Items: items, Total: total})
	return nil
}

func scriptFilter(r *http.Request) (script.Filter, error) {
	q := r.URL.Query()
	f := script.Filter{Query: q.Get("q")}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return f, err
	}
	if f.Offset, err = queryInt(r, "offset"); err != nil {
		return f, err
	}
	category, err := queryInt(r, "category_id")
	if err != nil {
		return f, err
	}
	f.CategoryID = int64(category)
	if v := q.Get("enabled"); v != "" {
		enabled, err := strconv.ParseBool(v)
		if err != nil {
			return f, fmt.Errorf("%w: enabled=%q is not true or false", errBadRequest, v)
		}
		f.Enabled = &enabled
	}
	return f, nil
}

func (s *Server) createScript(w http.ResponseWriter, r *http.Request) error {
	var sc script.Script
	if err := decode(w, r, &sc); err != nil {
		return err
	}
	sc.ID = 0
	if err := s.opts.Scripts.Create(r.Context(), actor(r), &sc); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, sc)
	return nil
}

func (s *Server) getScript(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sc, err := s.opts.Scripts.Get(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, sc)
	return nil
}

// updateScript saves a whole script. It must carry the version it was read
// at: a change saved meanwhile by someone else answers 409.
func (s *Server) updateScript(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var sc script.Script
	if err := decode(w, r, &sc); err != nil {
		return err
	}
	sc.ID = id
	if err := s.opts.Scripts.Update(r.Context(), actor(r), &sc); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, sc)
	return nil
}

func (s *Server) deleteScript(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.opts.Scripts.Delete(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) scriptHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	changes, err := s.opts.Scripts.History(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[script.Change]{Items: changes, Total: int64(len(changes))})
	return nil
}

// tryRequest is a message to try against the library.
type tryRequest struct {
	Text    string         `json:"text"`
	ChatID  string         `json:"chat_id"`
	Channel script.Channel `json:"channel"`
	Tags    []string       `json:"tags"`
	Store   string         `json:"store"`
	At      time.Time      `json:"at"`
}

// tryScript says which script would answer a message, with what and why,
// or why none would; it changes nothing.
func (s *Server) tryScript(w http.ResponseWriter, r *http.Request) error {
	var req tryRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Text) == "" {
		return script.ValidationErrors{{Field: "text", Message: "消息內(nèi)容不能為空 (text is required)"}}
	}
	// Try with the library as saved now, not as last polled.
	if _, err := s.opts.Engine.Refresh(r.Context()); err != nil {
		return err
	}
	d, err := s.opts.Engine.Try(r.Context(), req.Text, req.ChatID, req.Channel, req.Tags, req.Store, req.At)
	if err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) listUnanswered(w http.ResponseWriter, r *http.Request) error {
	f := script.QuestionFilter{State: script.QuestionState(r.URL.Query().Get("state"))}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	if f.Offset, err = queryInt(r, "offset"); err != nil {
		return err
	}
	qs, err := s.opts.Scripts.ListUnanswered(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page[script.Unanswered]{Items: qs, Total: int64(len(qs))})
	return nil
}

func (s *Server) dismissUnanswered(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.opts.Scripts.Dismiss(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// promoteUnanswered turns a collected question into a script in one step;
// the body is the script (title and keywords may be left empty: they come
// from the question).
func (s *Server) promoteUnanswered(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var sc script.Script
	if err := decode(w, r, &sc); err != nil {
		return err
	}
	sc.ID = 0
	if err := s.opts.Scripts.Promote(r.Context(), actor(r), id, &sc); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, sc)
	return nil
}
