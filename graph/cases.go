package graph

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"tradeguard/aftersales"
	"tradeguard/graph/model"
	"tradeguard/internal/changefeed"
	"tradeguard/money"
	"tradeguard/tenants"
)

const kindCase = "AfterSalesCase"

// caseKey decodes a case id from an input; anything malformed is "not found", like a case the caller
// cannot see.
func caseKey(id string) (aftersales.Key, error) {
	ids, ok := parseID(id, kindCase, 2)
	if !ok {
		return aftersales.Key{}, tenants.ErrNotFound
	}
	return aftersales.Key{StoreID: ids[0], ID: ids[1]}, nil
}

// casePayload turns a domain result into the mutation payload; a partner token without CASES_READ gets no
// case back. Curried like orderPayload.
func casePayload(ctx context.Context) func(aftersales.Case, error) (*model.AfterSalesCasePayload, error) {
	return func(c aftersales.Case, err error) (*model.AfterSalesCasePayload, error) {
		ues, err := userErrors(err)
		if err != nil || ues != nil {
			return &model.AfterSalesCasePayload{UserErrors: ues}, err
		}
		out := &model.AfterSalesCasePayload{UserErrors: []model.UserError{}}
		if tenants.PrincipalFrom(ctx).Allows(tenants.ScopeCasesRead) {
			out.Case = &c
		}
		return out, nil
	}
}

// caseAmount reads a decimal amount in the case's currency (the case is read through the loader, so an
// invisible case is "not found" first).
func caseAmount(ctx context.Context, k aftersales.Key, amount *string) (*int64, error) {
	if amount == nil {
		return nil, nil
	}
	c, err := load(ctx, loadersFrom(ctx).kase, k)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, tenants.ErrNotFound
	}
	m, err := money.ParseDecimal(*amount, c.Currency)
	if err != nil {
		return nil, tenants.Refuse("INVALID_AMOUNT", err.Error(), "input", "amount")
	}
	return &m.Minor, nil
}

// caseCursor encodes the keyset position of a case in the deadline order ("inf" for no deadline).
func caseCursor(c aftersales.Case) string {
	cur := aftersales.CursorOf(c)
	at := "inf"
	if cur.DeadlineAt != nil {
		at = strconv.FormatInt(cur.DeadlineAt.UnixNano(), 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(at + "|" + cur.ID.String()))
}

func parseCaseCursor(after *string) (*aftersales.Cursor, error) {
	if after == nil || *after == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*after)
	at, idText, found := strings.Cut(string(raw), "|")
	id, err2 := uuid.Parse(idText)
	if err != nil || !found || err2 != nil {
		return nil, badInput("after", "is not a cursor from this connection")
	}
	cur := &aftersales.Cursor{ID: id}
	if at != "inf" {
		n, err := strconv.ParseInt(at, 10, 64)
		if err != nil {
			return nil, badInput("after", "is not a cursor from this connection")
		}
		t := time.Unix(0, n).UTC()
		cur.DeadlineAt = &t
	}
	return cur, nil
}

func caseFilter(f *model.AfterSalesCaseFilter) (aftersales.Filter, error) {
	var out aftersales.Filter
	if f == nil {
		return out, nil
	}
	out.Types, out.Statuses, out.Reasons = f.Type, f.Status, f.Reason
	out.OpenOnly, out.Overdue = f.OpenOnly != nil && *f.OpenOnly, f.Overdue != nil && *f.Overdue
	out.UpdatedSince = f.UpdatedSince
	if f.StoreID != nil {
		ids, ok := parseID(*f.StoreID, kindStore, 1)
		if !ok {
			return out, badInput("filter.storeId", "is not a store id")
		}
		out.StoreID = &ids[0]
	}
	if f.OrderID != nil {
		ids, ok := parseID(*f.OrderID, kindOrder, 2)
		if !ok {
			return out, badInput("filter.orderId", "is not an order id")
		}
		out.StoreID, out.OrderID = &ids[0], &ids[1]
	}
	return out, nil
}

// caseConnection pages a list of cases given by list (the store/buyer/admin list or a platform queue); feed:
// the list is in change order (filter.updatedSince), with change cursors.
func caseConnection(ctx context.Context, first *int, after *string, feed bool, list func(cur *aftersales.Cursor, limit int) ([]aftersales.Case, bool, error), count func() (int, error)) (*model.AfterSalesCaseConnection, error) {
	cur, err := parseCaseCursor(after)
	if feed {
		var pos *changefeed.Position
		pos, err = parseChangeCursor(after)
		cur = &aftersales.Cursor{Change: pos}
	}
	if err != nil {
		return nil, err
	}
	rows, more, err := list(cur, pageSize(first))
	if err != nil {
		return nil, err
	}
	if err := prefetchCases(ctx, rows); err != nil {
		return nil, err
	}
	c := &model.AfterSalesCaseConnection{Nodes: rows, Edges: make([]model.AfterSalesCaseEdge, len(rows))}
	cursors := make([]string, len(rows))
	for i := range rows {
		cursors[i] = caseCursor(rows[i])
		if feed {
			cursors[i] = changeCursor(rows[i].ChangeXID, rows[i].ID)
		}
		c.Edges[i] = model.AfterSalesCaseEdge{Cursor: cursors[i], Node: &rows[i]}
	}
	c.PageInfo = pageInfo(cursors, more)
	if wantsTotal(ctx) {
		c.TotalCount, err = count()
	}
	return c, err
}

// shipment names the carrier and tracking number of a case's return or reshipment.
func caseDeadline(c *aftersales.Case, now time.Time) *model.CaseDeadline {
	at, action, ok := aftersales.Deadline(*c, now)
	if !ok {
		return nil
	}
	return &model.CaseDeadline{At: at, Action: action}
}

// orderItemKeys decodes OrderItem ids of one store; ids of other stores are dropped (they match nothing).
func orderItemIDs(ids []string, store uuid.UUID) []uuid.UUID {
	var out []uuid.UUID
	for _, id := range ids {
		if parts, ok := parseID(id, kindOrderItem, 2); ok && parts[0] == store {
			out = append(out, parts[1])
		}
	}
	return out
}

// platformQueue pages one of the platform's queues (arbitration, complaints).
func platformQueue(ctx context.Context, first *int, after *string, status aftersales.Status, now time.Time) (*model.AfterSalesCaseConnection, error) {
	s := tenants.SessionFrom(ctx)
	queue := aftersales.ArbitrationQueue
	if status == aftersales.PlatformReview {
		queue = aftersales.ComplaintQueue
	}
	f := aftersales.Filter{Statuses: []aftersales.Status{status}}
	return caseConnection(ctx, first, after, false,
		func(cur *aftersales.Cursor, limit int) ([]aftersales.Case, bool, error) {
			return queue(ctx, s, cur, limit)
		},
		func() (int, error) { return aftersales.Count(ctx, s, f, now) })
}

func caseOpenInput(ctx context.Context, in model.AfterSalesCaseCreateInput) (aftersales.OpenInput, error) {
	k, err := orderKey(in.OrderID)
	if err != nil {
		return aftersales.OpenInput{}, err
	}
	out := aftersales.OpenInput{Order: k, Type: in.Type, Reason: in.Reason}
	if in.Description != nil {
		out.Description = *in.Description
	}
	for _, it := range in.Items {
		id := uuid.Nil
		if ids := orderItemIDs([]string{it.OrderItemID}, k.StoreID); len(ids) == 1 {
			id = ids[0]
		}
		out.Items = append(out.Items, aftersales.OpenItem{OrderItemID: id, Quantity: it.Quantity, Unopened: it.Unopened != nil && *it.Unopened})
	}
	if in.Amount != nil {
		// The order's currency decides how many decimals the amount may have.
		o, err := load(ctx, loadersFrom(ctx).order, k)
		if err != nil {
			return out, err
		}
		if o == nil {
			return out, tenants.ErrNotFound
		}
		m, err := money.ParseDecimal(*in.Amount, o.Currency)
		if err != nil {
			return out, tenants.Refuse("INVALID_AMOUNT", err.Error(), "input", "amount")
		}
		out.AmountMinor = &m.Minor
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
