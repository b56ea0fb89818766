package aftersales

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/tenants"
)

// Evidence is a file attached to a case (photo, screenshot, receipt, chat log, technical report), as listed:
// its content is read only by EvidenceContent.
type Evidence struct {
	StoreID     uuid.UUID  `db:"tenant_id"`
	ID          uuid.UUID  `db:"id"`
	CaseID      uuid.UUID  `db:"case_id"`
	BuyerID     uuid.UUID  `db:"buyer_id"`
	UploadedBy  string     `db:"uploaded_by"` // BUYER, MERCHANT or ADMIN
	UploaderID  *uuid.UUID `db:"uploader_id"` // nil for a partner API token
	Kind        string     `db:"kind"`
	Filename    string     `db:"filename"`     // sanitized base name, for display and downloads only
	ContentType string     `db:"content_type"` // sniffed from the content, never the client's claim
	SizeBytes   int        `db:"size_bytes"`
	SHA256      string     `db:"sha256"` // lowercase hex of the content
	CreatedAt   time.Time  `db:"created_at"`
}

// MaxEvidenceBytes is the largest evidence file (10 MiB).
const MaxEvidenceBytes = 10 << 20

// Kinds of evidence.
const (
	EvidencePhoto           = "PHOTO"
	EvidenceScreenshot      = "SCREENSHOT"
	EvidenceReceipt         = "RECEIPT"
	EvidenceChatLog         = "CHAT_LOG"
	EvidenceTechnicalReport = "TECHNICAL_REPORT"
	EvidenceOther           = "OTHER"
)

// EvidenceKinds lists every kind of evidence.
var EvidenceKinds = []string{EvidencePhoto, EvidenceScreenshot, EvidenceReceipt, EvidenceChatLog, EvidenceTechnicalReport, EvidenceOther}

// evidenceTypes are the media types evidence may have, as http.DetectContentType names them (text/plain
// also with any charset).
var evidenceTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain"}

// maxFilenameChars bounds the stored file name (the table allows 255 characters).
const maxFilenameChars = 255

const evidenceColumns = `tenant_id, id, case_id, buyer_id, uploaded_by, uploader_id, kind, filename, content_type,
	size_bytes, sha256, created_at`

// AddEvidence attaches a file to a case. The case's buyer, the store's staff (API tokens need cases:write)
// and admins may add evidence while the case is not final; in arbitration each side only until its evidence
// window closes. The file is at most MaxEvidenceBytes and must be, by its content (the client's file name and
// declared type are never trusted), a JPEG, PNG, GIF or WebP image, a PDF or plain text. The content is
// stored with its SHA-256 and the case's history records EVIDENCE_ADDED. Nothing is written on any refusal.
func AddEvidence(ctx context.Context, s *tenants.Session, k Key, kind, filename string, r io.Reader, now time.Time) (Evidence, error) {
	p := s.Principal()
	if err := mayContribute(p); err != nil {
		return Evidence{}, err
	}
	if !slices.Contains(EvidenceKinds, kind) {
		return Evidence{}, tenants.Refuse("INVALID_KIND", fmt.Sprintf("evidence kind %q is not one of %s", kind, strings.Join(EvidenceKinds, ", ")), "input", "kind")
	}
	data, contentType, err := readEvidence(r)
	if err != nil {
		return Evidence{}, err
	}
	sum := sha256.Sum256(data)
	e := Evidence{StoreID: k.StoreID, ID: uuid.New(), CaseID: k.ID, Kind: kind, Filename: cleanFilename(filename),
		ContentType: contentType, SizeBytes: len(data), SHA256: hex.EncodeToString(sum[:]), CreatedAt: now}
	e.UploadedBy, e.UploaderID = tenants.ActorOf(p)
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		c, err := lockCase(ctx, tx, k)
		if err != nil {
			return err
		}
		if err := mayAddTo(p, c, now); err != nil {
			return err
		}
		if err := evidenceWindowOpen(p, c, now); err != nil {
			return err
		}
		e.BuyerID = c.BuyerID
		if err := tx.GetContext(ctx, &e, `insert into evidence (tenant_id, id, case_id, buyer_id, uploaded_by, uploader_id,
			kind, filename, content_type, size_bytes, sha256, data, created_at)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning `+evidenceColumns,
			e.StoreID, e.ID, e.CaseID, e.BuyerID, e.UploadedBy, e.UploaderID, e.Kind, e.Filename, e.ContentType,
			e.SizeBytes, e.SHA256, data, now); err != nil {
			return err
		}
		from := c.Status
		return appendEvent(ctx, tx, p, c, "EVIDENCE_ADDED", &from, nil, ptr(fmt.Sprintf("%s sha256:%s", e.Kind, e.SHA256[:12])), now)
	})
	if err != nil {
		return Evidence{}, err
	}
	return e, nil
}

// mayContribute: who may add evidence or messages at all (before any case is read).
func mayContribute(p tenants.Principal) error {
	if !p.Is(tenants.RoleBuyer, tenants.RoleMerchant, tenants.RoleAdmin) {
		return tenants.ErrForbidden
	}
	if p.Is(tenants.RoleMerchant) && !p.Allows(tenants.ScopeCasesWrite) {
		return tenants.ErrForbidden
	}
	return nil
}

// mayAddTo: the case (which row-level security let p see) must be p's own if p is a buyer, and not final.
func mayAddTo(p tenants.Principal, c Case, now time.Time) error {
	if p.Is(tenants.RoleBuyer) && c.BuyerID != p.UserID {
		return tenants.ErrNotFound
	}
	if p.Is(tenants.RoleMerchant) && c.StoreID != p.StoreID {
		return tenants.ErrNotFound
	}
	if c.Status.Final() {
		closed := ""
		if c.ClosedAt != nil {
			closed = " on " + c.ClosedAt.UTC().Format(time.RFC3339)
		}
		return tenants.Refuse("CASE_CLOSED", fmt.Sprintf("case %s is %s (closed%s); nothing more can be added to it", c.Number, c.Status, closed))
	}
	return nil
}

// evidenceWindowOpen: in arbitration the buyer and the store each add evidence until their own window closes
// (72 h from the escalation); admins are not limited.
func evidenceWindowOpen(p tenants.Principal, c Case, now time.Time) error {
	if c.Status != InArbitration {
		return nil
	}
	var due *time.Time
	switch {
	case p.Is(tenants.RoleBuyer):
		due = c.BuyerEvidenceDue
	case p.Is(tenants.RoleMerchant):
		due = c.MerchantEvidenceDue
	}
	if due != nil && !now.Before(*due) {
		return tenants.Refuse("EVIDENCE_WINDOW_CLOSED", fmt.Sprintf("case %s is in arbitration and your evidence window closed at %s; the admin rules on the evidence already there",
			c.Number, due.UTC().Format(time.RFC3339)), "input", "file")
	}
	return nil
}

// readEvidence reads at most MaxEvidenceBytes (one more byte tells a file that is too large) and sniffs its
// media type from the content.
func readEvidence(r io.Reader) ([]byte, string, error) {
	if r == nil {
		return nil, "", tenants.Refuse("EMPTY_FILE", "the file is empty", "input", "file")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxEvidenceBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("read evidence: %w", err)
	}
	switch {
	case len(data) > MaxEvidenceBytes:
		return nil, "", tenants.Refuse("TOO_LARGE", fmt.Sprintf("the file is larger than %d bytes (10 MB), the most a piece of evidence may be", MaxEvidenceBytes), "input", "file")
	case len(data) == 0:
		return nil, "", tenants.Refuse("EMPTY_FILE", "the file is empty", "input", "file")
	}
	ct := http.DetectContentType(data)
	if !allowedType(ct) {
		return nil, "", tenants.Refuse("UNSUPPORTED_TYPE", fmt.Sprintf("the file's content looks like %s; evidence may be a JPEG, PNG, GIF or WebP image, a PDF or plain text (whatever the file is named)", ct), "input", "file")
	}
	return data, ct, nil
}

func allowedType(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	return slices.Contains(evidenceTypes, strings.TrimSpace(base))
}

// cleanFilename keeps the client's file name for display only: its base name (either path separator), valid
// UTF-8 without control or formatting characters (no bidi overrides), at most 255 characters.
func cleanFilename(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "evidence"
	}
	if utf8.RuneCountInString(name) > maxFilenameChars {
		runes := []rune(name)
		ext := []rune{}
		if i := strings.LastIndexByte(name, '.'); i > 0 && utf8.RuneCountInString(name[i:]) <= 16 {
			ext = []rune(name[i:])
		}
		name = string(runes[:maxFilenameChars-len(ext)]) + string(ext)
	}
	return name
}

// ListEvidence returns the evidence of the given cases, oldest first, grouped by case, without content (a
// loader's batch). Row-level security shows only what the caller may see.
func ListEvidence(ctx context.Context, s *tenants.Session, keys []Key) (map[Key][]Evidence, error) {
	out := make(map[Key][]Evidence, len(keys))
	for _, k := range keys {
		out[k] = []Evidence{}
	}
	if !s.Principal().Allows(tenants.ScopeCasesRead) || len(keys) == 0 {
		return out, nil
	}
	stores, ids := splitKeys(keys)
	var rows []Evidence
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select `+evidenceColumns+` from evidence
			where (tenant_id, case_id) in (select * from unnest($1::uuid[], $2::uuid[]))
			order by tenant_id, case_id, created_at, id`, pq.Array(stores), pq.Array(ids))
	})
	if err != nil {
		return nil, err
	}
	for _, e := range rows {
		k := Key{StoreID: e.StoreID, ID: e.CaseID}
		out[k] = append(out[k], e)
	}
	return out, nil
}

// EvidenceContent returns one piece of evidence with its content. Evidence the caller may not see (another
// buyer's case, another store's) is tenants.ErrNotFound, exactly like a missing id.
func EvidenceContent(ctx context.Context, s *tenants.Session, storeID, evidenceID uuid.UUID) (Evidence, []byte, error) {
	if !s.Principal().Allows(tenants.ScopeCasesRead) {
		return Evidence{}, nil, tenants.ErrForbidden
	}
	var row struct {
		Evidence
		Data []byte `db:"data"`
	}
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &row, `select `+evidenceColumns+`, data from evidence where tenant_id = $1 and id = $2`, storeID, evidenceID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Evidence{}, nil, tenants.ErrNotFound
	}
	if err != nil {
		return Evidence{}, nil, err
	}
	return row.Evidence, row.Data, nil
}
