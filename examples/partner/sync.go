package partner

import (
	"context"
	"encoding/json"
	"time"
)

// State is what a sync keeps between runs: where it started, and each feed's last cursor. Saved after
// every page, so a run stopped half-way goes on from the last page it kept.
type State struct {
	Since       time.Time `json:"since"`
	OrdersAfter *string   `json:"ordersAfter,omitempty"`
	CasesAfter  *string   `json:"casesAfter,omitempty"`
}

// Change is one row the feed listed, as the API gave it.
type Change struct {
	Kind string          // "order" or "case"
	ID   string          // its global id
	Node json.RawMessage // the fields OrderFields / CaseFields ask for
}

// The fields copied of each row.
const (
	OrderFields = `id number status updatedAt createdAt total { amount currencyCode } buyer { displayName }
		items { title quantity unitPrice { amount currencyCode } product { sku } }`
	CaseFields = `id number type status updatedAt requested { amount currencyCode } order { id number }`
)

type feed struct {
	kind, conn, fields string
	after              func(*State) **string
}

var feeds = []feed{
	{"order", "orders", OrderFields, func(s *State) **string { return &s.OrdersAfter }},
	{"case", "afterSalesCases", CaseFields, func(s *State) **string { return &s.CasesAfter }},
}

// Sync copies every order and case changed since state.Since (on the first run) or since the cursors in
// state, page by page: each change goes to keep, then the state to save. It returns how many changes it
// kept. pageSize is `first` (1..100).
func Sync(ctx context.Context, c *Client, state *State, pageSize int, keep func(Change) error, save func(State) error) (int, error) {
	kept := 0
	for _, f := range feeds {
		q := `query Sync($after: String, $since: DateTime!, $first: Int!) { ` + f.conn + `(first: $first, after: $after,
			filter: {updatedSince: $since}) { edges { cursor node { ` + f.fields + ` } } pageInfo { hasNextPage endCursor } } }`
		for {
			var page map[string]struct {
				Edges []struct {
					Cursor string
					Node   json.RawMessage
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
			after := f.after(state)
			err := c.Do(ctx, q, map[string]any{"after": *after, "since": state.Since.UTC().Format(time.RFC3339Nano), "first": pageSize}, &page)
			if err != nil {
				return kept, err
			}
			p := page[f.conn]
			for _, e := range p.Edges {
				var id struct{ ID string }
				if err := json.Unmarshal(e.Node, &id); err != nil {
					return kept, err
				}
				if err := keep(Change{Kind: f.kind, ID: id.ID, Node: e.Node}); err != nil {
					return kept, err
				}
				kept++
			}
			if len(p.Edges) == 0 {
				break // up to date
			}
			*after = p.PageInfo.EndCursor
			if err := save(*state); err != nil {
				return kept, err
			}
			if !p.PageInfo.HasNextPage {
				break
			}
		}
	}
	return kept, nil
}
