package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/script"
)

// importView is the script library's import page: the upload form and,
// after a rejected file, every problem of every row.
type importView struct {
	Problem string
	Errors  []script.RowError
}

// PageTitle names the page.
func (importView) PageTitle() string { return "导入话术" }

func (h *handler) importForm(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Scripts == nil {
		return errUnconfigured("话术库", "the script library")
	}
	h.render(w, r, http.StatusOK, "script_import", importView{})
	return nil
}

// importScripts is the upload without JavaScript: the whole file is
// imported, then the library list says what changed, or the page lists
// what is wrong with the file (nothing is saved then).
func (h *handler) importScripts(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Scripts == nil {
		return errUnconfigured("话术库", "the script library")
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return h.importRejected(w, r, "请选择要导入的 xlsx 或 csv 文件 (choose an xlsx or csv file)", nil)
	}
	defer file.Close()
	format, err := script.FormatOf(hdr.Filename)
	if err != nil {
		return h.importRejected(w, r, "只能导入 xlsx 或 csv 文件 (only xlsx and csv files can be imported): "+hdr.Filename, nil)
	}
	rep, err := h.opts.Scripts.Import(r.Context(), sessionOf(r).User.Name(), format, file, nil)
	switch {
	case len(rep.Errors) > 0:
		return h.importRejected(w, r, "文件有误,未导入任何内容 (nothing was imported)", rep.Errors)
	case errors.Is(err, fault.ErrInvalid):
		return h.importRejected(w, r, err.Error(), nil)
	case err != nil:
		return fmt.Errorf("import scripts: %w", err)
	}
	redirect(w, r, "/scripts", "ok", importSummary(rep))
	return nil
}

// importRejected shows the import page again with what is wrong.
func (h *handler) importRejected(w http.ResponseWriter, r *http.Request, problem string, rows []script.RowError) error {
	h.render(w, r, http.StatusUnprocessableEntity, "script_import", importView{Problem: problem, Errors: rows})
	return nil
}

// importSummary is the note an import leaves on the list.
func importSummary(rep script.ImportReport) string {
	return fmt.Sprintf("导入完成:新建 %d 条,更新 %d 条,未变 %d 条", rep.Created, rep.Updated, rep.Unchanged)
}
