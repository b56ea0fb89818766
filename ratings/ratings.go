// Package ratings is buyer ratings (DESIGN §3.3): once per delivered order, overall stars plus three dimensions
// (description match, service attitude, logistics speed) and a comment; one revision by the buyer within 30
// days; one reply by the store. 1–2 stars overall is a negative rating. Ratings are public; a store's averages
// are computed over the 180 days before any as-of date.
package ratings

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/internal/sqlq"
	"tradeguard/orders"
	"tradeguard/tenants"
)

// Key names a rating inside its store; lookups use the (tenant_id, id) primary key.
type Key struct {
	StoreID uuid.UUID
	ID      uuid.UUID
}

// Input is what the buyer gives: four star values (1–5) and a comment (at most 1000 characters, may be empty),
// stored exactly as given.
type Input struct {
	Overall          int
	DescriptionMatch int
	ServiceAttitude  int
	LogisticsSpeed   int
	Comment          string
}

// Rating as stored. The stars and comment are the current ones (revised, if the buyer revised); the Initial*
// fields keep the rating as first given. Buyer identity (BuyerID) is for the buyer itself and the platform:
// ratings are public, and the API never shows whose rating it is to anyone else.
type Rating struct {
	StoreID          uuid.UUID `db:"tenant_id"`
	ID               uuid.UUID `db:"id"`
	OrderID          uuid.UUID `db:"order_id"`
	BuyerID          uuid.UUID `db:"buyer_id"`
	Overall          int       `db:"overall"`
	DescriptionMatch int       `db:"description_match"`
	ServiceAttitude  int       `db:"service_attitude"`
	LogisticsSpeed   int       `db:"logistics_speed"`
	Comment          string    `db:"comment"`
	// Negative is overall ≤ 2, computed by the database.
	Negative                bool       `db:"negative"`
	InitialOverall          int        `db:"initial_overall"`
	InitialDescriptionMatch int        `db:"initial_description_match"`
	InitialServiceAttitude  int        `db:"initial_service_attitude"`
	InitialLogisticsSpeed   int        `db:"initial_logistics_speed"`
	InitialComment          string     `db:"initial_comment"`
	CreatedAt               time.Time  `db:"created_at"`
	RevisedAt               *time.Time `db:"revised_at"`
	Reply                   *string    `db:"reply"`
	RepliedAt               *time.Time `db:"replied_at"`
	// RepliedBy is the staff member who replied; RepliedByToken the partner API token (exactly one is set).
	RepliedBy      *uuid.UUID `db:"replied_by"`
	RepliedByToken *uuid.UUID `db:"replied_by_token"`
}

// KeyOf returns the rating's key.
func KeyOf(r Rating) Key { return Key{StoreID: r.StoreID, ID: r.ID} }

// OrderKey returns the key of the rated order.
func (r Rating) OrderKey() orders.Key { return orders.Key{StoreID: r.StoreID, ID: r.OrderID} }

// Revised reports whether the buyer has used its one revision.
func (r Rating) Revised() bool { return r.RevisedAt != nil }

// Replied reports whether the store has replied.
func (r Rating) Replied() bool { return r.RepliedAt != nil }

// AsOf is the rating as it stood at t: the revised stars and comment from the revision on (revised_at < t,
// the same half-open rule as the averages), the first ones before.
func (r Rating) AsOf(t time.Time) Input {
	if r.RevisedAt != nil && r.RevisedAt.Before(t) {
		return Input{Overall: r.Overall, DescriptionMatch: r.DescriptionMatch, ServiceAttitude: r.ServiceAttitude,
			LogisticsSpeed: r.LogisticsSpeed, Comment: r.Comment}
	}
	return Input{Overall: r.InitialOverall, DescriptionMatch: r.InitialDescriptionMatch,
		ServiceAttitude: r.InitialServiceAttitude, LogisticsSpeed: r.InitialLogisticsSpeed, Comment: r.InitialComment}
}

const columns = `tenant_id, id, order_id, buyer_id, overall, description_match, service_attitude, logistics_speed,
	comment, negative, initial_overall, initial_description_match, initial_service_attitude, initial_logistics_speed,
	initial_comment, created_at, revised_at, reply, replied_at, replied_by, replied_by_token`

// Filter narrows a store's ratings. StoreID is required.
type Filter struct {
	StoreID uuid.UUID
	// Stars keeps ratings whose overall stars are one of these (each 1–5); empty keeps all.
	Stars []int
	// NegativeOnly keeps negative ratings (overall 1–2).
	NegativeOnly bool
	// Unanswered keeps ratings the store has not replied to.
	Unanswered bool
}

// Cursor is the keyset position after which a page starts (newest first).
type Cursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// CursorOf returns the position of r in a list.
func CursorOf(r Rating) Cursor { return Cursor{CreatedAt: r.CreatedAt, ID: r.ID} }

// where filters by store (explicitly: ratings are public, so row-level security lets every caller see every
// store's; the store's index leads every list).
func where(f Filter) (*sqlq.Where, error) {
	if f.StoreID == uuid.Nil {
		return nil, tenants.Refuse("STORE_REQUIRED", "ratings are listed per store: give the store", "filter", "storeId")
	}
	w := &sqlq.Where{}
	w.Add("tenant_id = ?", f.StoreID)
	if len(f.Stars) > 0 {
		for _, n := range f.Stars {
			if n < MinStars || n > MaxStars {
				return nil, tenants.Refuse("INVALID_STARS", "filter by overall stars from 1 to 5", "filter", "stars")
			}
		}
		w.Add("overall = any(?)", pq.Array(f.Stars))
	}
	if f.NegativeOnly {
		w.Add("negative")
	}
	if f.Unanswered {
		w.Add("replied_at is null")
	}
	return w, nil
}

// List returns up to limit of a store's ratings after the cursor, newest first; more tells whether another
// page exists. Ratings are public: anyone may list them.
func List(ctx context.Context, s *tenants.Session, f Filter, after *Cursor, limit int) (out []Rating, more bool, err error) {
	w, err := where(f)
	if err != nil {
		return nil, false, err
	}
	if after != nil {
		w.Add("(created_at, id) < (?, ?)", after.CreatedAt, after.ID)
	}
	q := `select ` + columns + ` from ratings where ` + w.SQL() + ` order by created_at desc, id desc limit ` + w.Arg(limit+1)
	err = s.Do(ctx, func(tx *sqlx.Tx) error { return tx.SelectContext(ctx, &out, q, w.Args...) })
	if err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// Count counts a store's ratings that the filter matches.
func Count(ctx context.Context, s *tenants.Session, f Filter) (n int, err error) {
	w, err := where(f)
	if err != nil {
		return 0, err
	}
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `select count(*) from ratings where `+w.SQL(), w.Args...)
	})
	return n, err
}

// ByKeys returns the ratings among keys (node lookups; a loader's batch).
func ByKeys(ctx context.Context, s *tenants.Session, keys []Key) ([]Rating, error) {
	stores, ids := make([]uuid.UUID, len(keys)), make([]uuid.UUID, len(keys))
	for i, k := range keys {
		stores[i], ids[i] = k.StoreID, k.ID
	}
	var out []Rating
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+columns+` from ratings
			where (tenant_id, id) in (select * from unnest($1::uuid[], $2::uuid[]))`, pq.Array(stores), pq.Array(ids))
	})
	return out, err
}

// ByOrders returns the ratings of the given orders in one query (a loader's batch for Order.rating); orders
// without a rating are absent from the map.
func ByOrders(ctx context.Context, s *tenants.Session, keys []orders.Key) (map[orders.Key]Rating, error) {
	stores, ids := make([]uuid.UUID, len(keys)), make([]uuid.UUID, len(keys))
	for i, k := range keys {
		stores[i], ids[i] = k.StoreID, k.ID
	}
	var rows []Rating
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select `+columns+` from ratings
			where (tenant_id, order_id) in (select * from unnest($1::uuid[], $2::uuid[]))`, pq.Array(stores), pq.Array(ids))
	})
	if err != nil {
		return nil, err
	}
	out := make(map[orders.Key]Rating, len(rows))
	for _, r := range rows {
		out[r.OrderKey()] = r
	}
	return out, nil
}

// StoreAverages are a store's ratings over a window: how many, the mean of each dimension (0 when there are
// none), and how many were negative. Each rating counts as it stood at the end of the window.
type StoreAverages struct {
	// From (inclusive) and To (exclusive, the as-of instant) bound when the ratings were given.
	From, To         time.Time
	Count            int
	Overall          float64
	DescriptionMatch float64
	ServiceAttitude  float64
	LogisticsSpeed   float64
	Negative         int
}

// Averages computes a store's rating averages over the ratings given in the AveragesWindow (180 days)
// before asOf: created at or after asOf − 180 × 24 h and before asOf. A rating revised before asOf counts
// with its revised stars, otherwise with its first ones, so any past date gives what that date showed.
func Averages(ctx context.Context, s *tenants.Session, storeID uuid.UUID, asOf time.Time) (StoreAverages, error) {
	a := StoreAverages{From: asOf.Add(-AveragesWindow), To: asOf}
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.QueryRowxContext(ctx, `
			with r as (
				select case when revised_at < $3 then overall else initial_overall end o,
					case when revised_at < $3 then description_match else initial_description_match end d,
					case when revised_at < $3 then service_attitude else initial_service_attitude end sa,
					case when revised_at < $3 then logistics_speed else initial_logistics_speed end ls
				from ratings where tenant_id = $1 and created_at >= $2 and created_at < $3)
			select count(*), coalesce(avg(o), 0)::float8, coalesce(avg(d), 0)::float8, coalesce(avg(sa), 0)::float8,
				coalesce(avg(ls), 0)::float8, count(*) filter (where o <= $4)
			from r`, storeID, a.From, a.To, NegativeAtMost).
			Scan(&a.Count, &a.Overall, &a.DescriptionMatch, &a.ServiceAttitude, &a.LogisticsSpeed, &a.Negative)
	})
	if err != nil {
		return StoreAverages{}, err
	}
	return a, nil
}
