package aftersales

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/tenants"
)

// Message is one entry of a case's thread between the buyer, the store and the platform.
type Message struct {
	StoreID   uuid.UUID  `db:"tenant_id"`
	ID        uuid.UUID  `db:"id"`
	CaseID    uuid.UUID  `db:"case_id"`
	Author    string     `db:"author"`    // BUYER, MERCHANT, ADMIN or SYSTEM
	AuthorID  *uuid.UUID `db:"author_id"` // nil for a partner API token or the system
	Body      string     `db:"body"`      // as written (trimmed); whoever renders it escapes it
	CreatedAt time.Time  `db:"created_at"`
}

// MaxMessageChars is the longest message, in characters.
const MaxMessageChars = 2000

const messageColumns = `tenant_id, id, case_id, author, author_id, body, created_at`

// PostMessage adds a message to a case's thread: by the case's buyer, the store's staff (API tokens need
// cases:write) or an admin, while the case is not final. The text is 1 to 2000 characters once trimmed. The
// store's first message counts as its first response (first_response_at) if it has not answered before.
func PostMessage(ctx context.Context, s *tenants.Session, k Key, body string, now time.Time) (Message, error) {
	p := s.Principal()
	if err := mayContribute(p); err != nil {
		return Message{}, err
	}
	body = strings.TrimSpace(body)
	switch n := utf8.RuneCountInString(body); {
	case !utf8.ValidString(body) || strings.ContainsRune(body, 0):
		return Message{}, tenants.Refuse("MESSAGE_INVALID_TEXT", "the message contains bytes that are not text (invalid UTF-8 or NUL)", "input", "body")
	case n == 0:
		return Message{}, tenants.Refuse("MESSAGE_EMPTY", "write a message (1 to 2000 characters)", "input", "body")
	case n > MaxMessageChars:
		return Message{}, tenants.Refuse("MESSAGE_TOO_LONG", fmt.Sprintf("the message has %d characters; the most is %d", n, MaxMessageChars), "input", "body")
	}
	m := Message{StoreID: k.StoreID, ID: uuid.New(), CaseID: k.ID, Body: body, CreatedAt: now}
	m.Author, m.AuthorID = tenants.ActorOf(p)
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		c, err := lockCase(ctx, tx, k)
		if err != nil {
			return err
		}
		if err := mayAddTo(p, c, now); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &m, `insert into case_messages (tenant_id, id, case_id, buyer_id, author, author_id, body, created_at)
			values ($1, $2, $3, $4, $5, $6, $7, $8) returning `+messageColumns,
			m.StoreID, m.ID, m.CaseID, c.BuyerID, m.Author, m.AuthorID, m.Body, now); err != nil {
			return err
		}
		if p.Is(tenants.RoleMerchant) && c.FirstResponseAt == nil {
			// The response-time metric counts the store's first answer, whether an action or a message.
			_, err = tx.ExecContext(ctx, `update cases set first_response_at = $3
				where tenant_id = $1 and id = $2 and first_response_at is null`, c.StoreID, c.ID, now)
		}
		return err
	})
	if err != nil {
		return Message{}, err
	}
	return m, nil
}

// MessagesByCases returns the threads of the given cases, oldest first (a loader's batch). Row-level
// security shows only what the caller may see.
func MessagesByCases(ctx context.Context, s *tenants.Session, keys []Key) (map[Key][]Message, error) {
	out := make(map[Key][]Message, len(keys))
	for _, k := range keys {
		out[k] = []Message{}
	}
	if !s.Principal().Allows(tenants.ScopeCasesRead) || len(keys) == 0 {
		return out, nil
	}
	stores, ids := splitKeys(keys)
	var rows []Message
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select `+messageColumns+` from case_messages
			where (tenant_id, case_id) in (select * from unnest($1::uuid[], $2::uuid[]))
			order by tenant_id, case_id, created_at, seq`, pq.Array(stores), pq.Array(ids))
	})
	if err != nil {
		return nil, err
	}
	for _, m := range rows {
		k := Key{StoreID: m.StoreID, ID: m.CaseID}
		out[k] = append(out[k], m)
	}
	return out, nil
}
