// Package idem keeps the client's idempotency keys of money-moving requests, each with a fingerprint of the
// request it stands for, as payment APIs do: the same key with the same input is a retry (its answer is
// replayed by the domain, which knows what the first request did); the same key with different input — another
// amount, another order or case, another operation — is refused with IDEMPOTENCY_KEY_REUSED and changes
// nothing.
//
// A key belongs to its caller within a store: the person (user id) or partner API token that sent it, so two
// callers who pick the same key never collide and never learn of each other's requests (table
// idempotency_keys, unique on tenant_id, actor_id, idempotency_key).
package idem

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Request is what one key stands for.
type Request struct {
	// Operation is the action, as the domain names it (e.g. "PAY", "APPROVE").
	Operation string
	// StoreID and SubjectID are the order or case acted on; the store is the key's tenant.
	StoreID, SubjectID uuid.UUID
	// Subject names what SubjectID is ("order", "case"), for the refusal's message only.
	Subject string
	// Input holds the input fields that change what the request does, in canonical form: amounts in minor
	// units (nil when left out), sets sorted (see Set), texts as the domain reads them (trimmed). Not the key
	// itself, and not expectedVersion: that is a precondition of the request, not part of what it asks.
	Input map[string]any
}

// Fingerprint is the SHA-256 of the request's canonical encoding: JSON of operation, store, subject and
// input, whose object keys encoding/json writes in sorted order.
func (r Request) Fingerprint() ([]byte, error) {
	input := r.Input
	if input == nil {
		input = map[string]any{}
	}
	b, err := json.Marshal(struct {
		Operation string         `json:"operation"`
		Store     uuid.UUID      `json:"store"`
		Subject   uuid.UUID      `json:"subject"`
		Input     map[string]any `json:"input"`
	}{r.Operation, r.StoreID, r.SubjectID, input})
	if err != nil {
		return nil, fmt.Errorf("idem: fingerprint of %s: %w", r.Operation, err)
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// Set is ids as a set in canonical form: sorted, each once (the order a client lists them in means nothing).
func Set(ids []uuid.UUID) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, id.String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CodeReused is the refusal of a key already used for a different request.
const CodeReused = "IDEMPOTENCY_KEY_REUSED"

// Once claims key for the caller p and runs fn, in tx (the request's transaction, in which the caller has
// already locked r's subject, so it is known to exist and to be the caller's to act on).
//
//   - A new key is recorded with r's fingerprint, then fn runs. If fn fails, the key is given up again, so a
//     refused request (which may still be committed, as userErrors are) does not hold its key.
//   - A key this caller already used for the same request (same fingerprint) runs fn: a retry, which the
//     domain answers from its own records (the refund made, the charge declined) without acting twice.
//   - A key this caller already used for a different request is refused with IDEMPOTENCY_KEY_REUSED on
//     input.idempotencyKey; fn does not run.
//
// Keys recorded before fingerprints existed have none: such a key matches a request of the same operation
// on the same subject (whose input is not known), and refuses any other.
//
// Two requests with one key at once queue on the key's row (the second insert waits for the first
// transaction), so the second sees the first's fingerprint once the first has committed — or, if the first
// gave its key up, claims it itself.
func Once(ctx context.Context, tx *sqlx.Tx, p tenants.Principal, key string, r Request, now time.Time, fn func() error) error {
	actor := p.UserID
	if actor == uuid.Nil {
		actor = p.TokenID
	}
	if actor == uuid.Nil {
		return fmt.Errorf("idem: %s with an idempotency key needs a person or an API token as the caller", r.Operation)
	}
	fp, err := r.Fingerprint()
	if err != nil {
		return err
	}
	id := uuid.New()
	res, err := tx.ExecContext(ctx, `insert into idempotency_keys (tenant_id, id, actor_id, idempotency_key, operation,
			subject_id, fingerprint, created_at)
		values ($1, $2, $3, $4, $5, $6, $7, $8)
		on conflict (tenant_id, actor_id, idempotency_key) do nothing`,
		r.StoreID, id, actor, key, r.Operation, r.SubjectID, fp, now)
	if err != nil {
		return fmt.Errorf("idem: claim key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		var prev struct {
			Operation   string    `db:"operation"`
			SubjectID   uuid.UUID `db:"subject_id"`
			Fingerprint []byte    `db:"fingerprint"`
		}
		err := tx.GetContext(ctx, &prev, `select operation, subject_id, fingerprint from idempotency_keys
			where tenant_id = $1 and actor_id = $2 and idempotency_key = $3`, r.StoreID, actor, key)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("idem: key %q conflicted but is not there", key)
		}
		if err != nil {
			return err
		}
		same := prev.Operation == r.Operation && prev.SubjectID == r.SubjectID
		if prev.Fingerprint != nil {
			same = bytes.Equal(prev.Fingerprint, fp)
		}
		if !same {
			return reused(key, prev.Operation, prev.SubjectID, r)
		}
		return fn()
	}
	if err := fn(); err != nil {
		// Give the key up. If the transaction is already aborted this fails too, and the whole transaction
		// (the claim with it) is rolled back anyway.
		_, _ = tx.ExecContext(ctx, `delete from idempotency_keys where tenant_id = $1 and id = $2`, r.StoreID, id)
		return err
	}
	return nil
}

func reused(key, prevOperation string, prevSubject uuid.UUID, r Request) error {
	subject := r.Subject
	if subject == "" {
		subject = "subject"
	}
	what := fmt.Sprintf("%s of this %s with other input", prevOperation, subject)
	switch {
	case prevSubject != r.SubjectID:
		what = fmt.Sprintf("%s of another %s", prevOperation, subject)
	case prevOperation != r.Operation:
		what = fmt.Sprintf("%s of this %s", prevOperation, subject)
	}
	return tenants.Refuse(CodeReused, fmt.Sprintf("the idempotency key %q was already used for a different request (%s); "+
		"a key stands for one request: send that request unchanged to get its answer again, or use a new key", key, what),
		"input", "idempotencyKey")
}
