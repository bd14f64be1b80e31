package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/script"
)

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request) error {
	cats, err := s.opts.Scripts.Categories(r.Context())
	return answer(w, http.StatusOK, allOf(cats), err)
}

func (s *Server) createCategory(w http.ResponseWriter, r *http.Request) error {
	return saveBody(w, r, wired(s.opts.Scripts), http.StatusCreated,
		func(st *script.Store, ctx context.Context, c *script.Category) error {
			c.ID = 0
			return st.CreateCategory(ctx, c)
		})
}

func (s *Server) updateCategory(w http.ResponseWriter, r *http.Request) error {
	return replaceByID(w, r, wired(s.opts.Scripts),
		func(st *script.Store, ctx context.Context, id int64, c *script.Category) error {
			c.ID = id
			return st.UpdateCategory(ctx, c)
		})
}

func (s *Server) deleteCategory(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, wired(s.opts.Scripts), (*script.Store).DeleteCategory)
}

func (s *Server) listScripts(w http.ResponseWriter, r *http.Request) error {
	f, err := scriptFilter(r)
	if err != nil {
		return err
	}
	items, total, err := s.opts.Scripts.List(r.Context(), f)
	return answer(w, http.StatusOK, page[script.Script]{Items: items, Total: total}, err)
}

func scriptFilter(r *http.Request) (script.Filter, error) {
	f := script.Filter{Query: r.URL.Query().Get("q")}
	var err error
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return f, err
	}
	category, err := queryInt(r, "category_id")
	if err != nil {
		return f, err
	}
	f.CategoryID = int64(category)
	f.Enabled, err = queryBool(r, "enabled")
	return f, err
}

func (s *Server) createScript(w http.ResponseWriter, r *http.Request) error {
	return saveBody(w, r, wired(s.opts.Scripts), http.StatusCreated,
		func(st *script.Store, ctx context.Context, sc *script.Script) error {
			sc.ID = 0
			return st.Create(ctx, actor(r), sc)
		})
}

func (s *Server) getScript(w http.ResponseWriter, r *http.Request) error {
	return answerByID(w, r, wired(s.opts.Scripts), (*script.Store).Get)
}

// updateScript saves a whole script. It must carry the version it was read
// at: a change saved meanwhile by someone else answers 409.
func (s *Server) updateScript(w http.ResponseWriter, r *http.Request) error {
	return replaceByID(w, r, wired(s.opts.Scripts),
		func(st *script.Store, ctx context.Context, id int64, sc *script.Script) error {
			sc.ID = id
			return st.Update(ctx, actor(r), sc)
		})
}

func (s *Server) deleteScript(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return noContent(w, s.opts.Scripts.Delete(r.Context(), actor(r), id))
}

func (s *Server) scriptHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	changes, err := s.opts.Scripts.History(r.Context(), id)
	return answer(w, http.StatusOK, allOf(changes), err)
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
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return err
	}
	qs, err := s.opts.Scripts.ListUnanswered(r.Context(), f)
	return answer(w, http.StatusOK, allOf(qs), err)
}

func (s *Server) dismissUnanswered(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return noContent(w, s.opts.Scripts.Dismiss(r.Context(), actor(r), id))
}

// promoteUnanswered turns a collected question into a script in one step;
// the body is the script (title and keywords may be left empty: they come
// from the question).
func (s *Server) promoteUnanswered(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return saveBody(w, r, wired(s.opts.Scripts), http.StatusCreated,
		func(st *script.Store, ctx context.Context, sc *script.Script) error {
			sc.ID = 0
			return st.Promote(ctx, actor(r), id, sc)
		})
}
