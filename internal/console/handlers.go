package console

import (
	"context"
	"fmt"
	"net/http"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
)

// The JSON API's handlers mostly come in a few shapes: answer what a call
// makes of the route's {id}, delete by {id}, store the body as a new or a
// whole object, change an object in part. The helpers below are those
// shapes, so that a handler names only what is its own: the service, the
// call and (for a change) how the object is saved.
//
// A service is passed as a func returning it or its "not configured" error
// (liveCodes, orgDir, …; wired for the stores that are always set). The
// helpers ask for it before reading anything else, so an unconfigured
// capability answers 503 whatever the request says, as the handlers always
// did. Errors are returned to the route (authenticated), which maps them
// in writeError and records the audit entry.

// configured is svc, or when it is nil an unavailable error whose message
// is what.
func configured[S comparable](svc S, what string) (S, error) {
	var none S
	if svc == none {
		return none, fmt.Errorf("%s: %w", what, fault.ErrUnavailable)
	}
	return svc, nil
}

// wired is a store cmd/console always sets, in the form the helpers take.
// It is not checked: those handlers never answered "not configured".
func wired[S any](svc S) func() (S, error) {
	return func() (S, error) { return svc, nil }
}

// serviceAndID is a capability's service and the route's {id}, the
// service asked for first.
func serviceAndID[S any](r *http.Request, service func() (S, error)) (S, int64, error) {
	svc, err := service()
	if err != nil {
		return svc, 0, err
	}
	id, err := pathID(r)
	return svc, id, err
}

// answer writes v with status; when err is set it writes nothing and
// returns err for the route to map. Pass v and err as one call returned
// them: a call made inside the argument list may run before or after v is
// read, so answer(w, 200, v, save(&v)) could write v unsaved.
func answer[T any](w http.ResponseWriter, status int, v T, err error) error {
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, status, v)
	return nil
}

// noContent answers 204 once a change with nothing to show is done.
func noContent(w http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// page is a list answer: one page of items and how many there are in all.
type page[T any] struct {
	Items []T   `json:"items"`
	Total int64 `json:"total"`
}

// allOf is a list that is not paged: every item, counted.
func allOf[T any](items []T) page[T] {
	return page[T]{Items: items, Total: int64(len(items))}
}

// answerByID answers 200 with what call makes of the route's {id}: the
// object read, or acted on.
func answerByID[S, T any](w http.ResponseWriter, r *http.Request, service func() (S, error),
	call func(S, context.Context, int64) (T, error)) error {
	svc, id, err := serviceAndID(r, service)
	if err != nil {
		return err
	}
	v, err := call(svc, r.Context(), id)
	return answer(w, http.StatusOK, v, err)
}

// deleteByID answers 204 once del is done with the route's {id}.
func deleteByID[S any](w http.ResponseWriter, r *http.Request, service func() (S, error),
	del func(S, context.Context, int64) error) error {
	svc, id, err := serviceAndID(r, service)
	if err != nil {
		return err
	}
	return noContent(w, del(svc, r.Context(), id))
}

// saveBody decodes the body into a new object, has save store it and
// answers status with the object as stored (a create answers 201).
func saveBody[S, T any](w http.ResponseWriter, r *http.Request, service func() (S, error), status int,
	save func(S, context.Context, *T) error) error {
	svc, err := service()
	if err != nil {
		return err
	}
	var v T
	if err := decode(w, r, &v); err != nil {
		return err
	}
	if err := save(svc, r.Context(), &v); err != nil {
		return err
	}
	httpx.WriteJSON(w, status, v)
	return nil
}

// editByID answers PUT …/{id} for an object changed in part: the body is
// decoded over the object as get reads it, so a field left out keeps its
// value. save stores the result and must set the route's id on it again,
// since the body may name another. The answer is the object as saved.
//
// The object is read before the body: when it does not exist the body is
// never read (nor kept by the audit log).
func editByID[S, T any](w http.ResponseWriter, r *http.Request, service func() (S, error),
	get func(S, context.Context, int64) (T, error), save func(S, context.Context, int64, *T) error) error {
	svc, id, err := serviceAndID(r, service)
	if err != nil {
		return err
	}
	v, err := get(svc, r.Context(), id)
	if err != nil {
		return err
	}
	if err := decode(w, r, &v); err != nil {
		return err
	}
	if err := save(svc, r.Context(), id, &v); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

// replaceByID answers PUT …/{id} for an object sent whole: editByID over
// an empty object, so a field left out is emptied.
func replaceByID[S, T any](w http.ResponseWriter, r *http.Request, service func() (S, error),
	save func(S, context.Context, int64, *T) error) error {
	empty := func(S, context.Context, int64) (T, error) {
		var v T
		return v, nil
	}
	return editByID(w, r, service, empty, save)
}
