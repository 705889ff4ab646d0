package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// DefaultMaxUpload is the largest evidence file accepted by default.
const DefaultMaxUpload = 10 << 20

// isUpload reports whether a request is an evidence upload, which may be
// larger than other requests.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/p/") && strings.HasSuffix(r.URL.Path, "/evidence")
}

// evidenceBlock is the evidence part of one question on a section page,
// which htmx replaces after an upload or removal.
type evidenceBlock struct {
	PracticeID, QuestionID string
	Files                  []*store.Evidence
	CanWrite               bool
	MaxUpload              string
	Error, Notice          string
}

// partial reports whether a request comes from htmx for a part of a page
// (not a whole boosted page).
func partial(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true"
}

// evidenceDone answers an upload or removal: the question's refreshed
// evidence block for htmx, or back to the page otherwise.
func (s *Server) evidenceDone(w http.ResponseWriter, r *http.Request, status int, q *hipaa.Question, msg string, failed bool) {
	in := info(r)
	if !partial(r) {
		if msg != "" {
			s.sessions.Put(r.Context(), sessFlash, msg)
		}
		redirect(w, r, "/p/"+in.Practice.ID+"/assessment/"+q.Section+"#q-"+q.ID)
		return
	}
	b := evidenceBlock{PracticeID: in.Practice.ID, QuestionID: q.ID, CanWrite: true, MaxUpload: sizeLabel(s.cfg.MaxUpload)}
	if failed {
		b.Error = msg
	} else {
		b.Notice = msg
	}
	svc := s.service(r)
	if a, err := svc.Current(r.Context(), ""); err == nil {
		files, err := svc.Scope.EvidenceList(r.Context(), a.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, f := range files {
			if f.QuestionID == q.ID {
				b.Files = append(b.Files, f)
			}
		}
	}
	var buf bytes.Buffer
	if err := s.pages.byName["section"].ExecuteTemplate(&buf, "evidence", b); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// evidenceUpload attaches a file to an answer of the current draft.
func (s *Server) evidenceUpload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in := info(r)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, fileTooLarge(s.cfg.MaxUpload))
			return
		}
		s.fail(w, r, hipaa.Errorf(hipaa.EInvalid, "the upload could not be read: choose the file again and press Attach"))
		return
	}
	defer r.MultipartForm.RemoveAll()
	q, ok := s.cat.Question(r.FormValue("question_id"))
	if !ok {
		s.fail(w, r, hipaa.Errorf(hipaa.EInvalid, "unknown question %q", r.FormValue("question_id")))
		return
	}
	svc := s.service(r)
	a, err := svc.Current(ctx, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a.Status != hipaa.StatusDraft {
		s.fail(w, r, hipaa.Errorf(hipaa.EConflict, "this risk analysis is finalized and cannot change: start a new one to attach files"))
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.evidenceDone(w, r, http.StatusUnprocessableEntity, q, "No file was attached to "+q.ID+": choose a file first, then press Attach.", true)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, s.cfg.MaxUpload+1))
	if err != nil {
		s.fail(w, r, hipaa.Errorf(hipaa.EInvalid, "the upload could not be read: try again"))
		return
	}
	if int64(len(data)) > s.cfg.MaxUpload {
		if partial(r) {
			s.evidenceDone(w, r, http.StatusRequestEntityTooLarge, q, "Not attached: "+fileTooLarge(s.cfg.MaxUpload).Error()+".", true)
			return
		}
		s.fail(w, r, fileTooLarge(s.cfg.MaxUpload))
		return
	}
	if len(data) == 0 {
		s.evidenceDone(w, r, http.StatusUnprocessableEntity, q, "The file "+cleanFilename(hdr.Filename)+" is empty and was not attached.", true)
		return
	}
	e := &store.Evidence{AssessmentID: a.ID, QuestionID: q.ID, Filename: cleanFilename(hdr.Filename),
		ContentType: hdr.Header.Get("Content-Type"), UploadedBy: in.User.Name, Data: data}
	if err := svc.Scope.AddEvidence(ctx, e); err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, "evidence.added", e.ID, nil, map[string]any{"question": q.ID, "filename": e.Filename, "size": e.Size, "sha256": e.SHA256})
	s.evidenceDone(w, r, http.StatusOK, q, fmt.Sprintf("Attached %s to %s.", e.Filename, q.ID), false)
}

// cleanFilename keeps the base name of an uploaded file, without control
// characters, quotes or path separators, at most 150 characters long.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '/' || r == '\\' {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 150 {
		name = string(r[:150])
	}
	if name == "" || name == "." || name == ".." {
		name = "evidence"
	}
	return name
}

// safeTypes are the file types served with their own type; anything else
// is sent as plain bytes.
var safeTypes = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true, "text/plain": true, "text/csv": true}

// evidenceDownload sends a file, always as a download and never run by the browser.
func (s *Server) evidenceDownload(w http.ResponseWriter, r *http.Request) {
	e, err := s.service(r).Scope.EvidenceFile(r.Context(), r.PathValue("eid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ct, _, _ := mime.ParseMediaType(e.ContentType)
	if !safeTypes[ct] {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.Filename}))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Length", fmt.Sprint(len(e.Data)))
	_, _ = w.Write(e.Data)
}

// evidenceDelete removes a file from the current draft.
func (s *Server) evidenceDelete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	svc := s.service(r)
	e, err := svc.Scope.EvidenceFile(ctx, r.PathValue("eid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := svc.Scope.Assessment(ctx, e.AssessmentID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a.Status != hipaa.StatusDraft {
		s.fail(w, r, hipaa.Errorf(hipaa.EConflict, "this file belongs to a finalized risk analysis and is kept with it"))
		return
	}
	if err := svc.Scope.DeleteEvidence(ctx, e.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, "evidence.removed", e.ID, map[string]any{"question": e.QuestionID, "filename": e.Filename, "sha256": e.SHA256}, nil)
	q, ok := s.cat.Question(e.QuestionID)
	if !ok {
		redirect(w, r, "/p/"+info(r).Practice.ID+"/assessment")
		return
	}
	s.evidenceDone(w, r, http.StatusOK, q, "Removed "+e.Filename+".", false)
}

// sizeLabel says how big a file is, in words a person reads.
func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
