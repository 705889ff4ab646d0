package vendors

import (
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// MaxAgreementSize is the largest agreement file accepted: a scanned,
// signed BAA of many pages fits easily.
const MaxAgreementSize = 25 << 20

// FileRef names a stored file by its content: the SHA-256 of its bytes.
type FileRef struct {
	SHA256    string    `json:"sha256"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	AddedAt   time.Time `json:"added_at"`
	AddedBy   string    `json:"added_by,omitempty"`
}

// File is a stored file with its bytes.
type File struct {
	FileRef
	Content []byte `json:"-"`
}

// NewFile checks an agreement file read from disk and computes its SHA-256.
// name is the file's base name, kept for display and export.
func NewFile(name string, content []byte) (*File, error) {
	name = filepath.Base(strings.TrimSpace(name))
	if len(content) == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "agreement file %s is empty: attach the signed BAA (PDF or scan)", name)
	}
	if len(content) > MaxAgreementSize {
		return nil, hipaa.Errorf(hipaa.EInvalid, "agreement file %s is %d MB, more than the %d MB allowed: attach a smaller scan", name, len(content)>>20, MaxAgreementSize>>20)
	}
	sum := sha256.Sum256(content)
	mt := mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
	if mt == "" {
		mt = http.DetectContentType(content)
	}
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	return &File{FileRef: FileRef{SHA256: hex.EncodeToString(sum[:]), Name: name, MediaType: mt, Size: int64(len(content))}, Content: content}, nil
}

// Verify reports whether the bytes still match the recorded SHA-256.
func (f *File) Verify() bool {
	sum := sha256.Sum256(f.Content)
	return hex.EncodeToString(sum[:]) == f.SHA256
}
