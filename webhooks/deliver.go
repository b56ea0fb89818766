package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/internal/gid"
	"tradeguard/tenants"
)

// Delivery timing. A claim is a lease: a process that dies mid-send leaves the delivery to be claimed again
// when the lease ends (at least once); the lease is six request timeouts (a minute at the default), so two
// processes never send the same delivery at once.
const (
	RequestTimeout = 10 * time.Second
	GiveUpAfter    = 24 * time.Hour
	batch          = 20
)

// Backoff is the wait after the n-th failed attempt: 30 s, doubling, at most an hour (about 30 tries in the
// 24 hours before a subscription is disabled).
func Backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Deliverer posts due deliveries. Any number of processes may run one on the same database.
type Deliverer struct {
	DB        *sqlx.DB // the app role; it acts as the system
	Endpoints Endpoints
	Now       func() time.Time
	Log       *slog.Logger
	HTTP      *http.Client  // nil: one that dials through Endpoints.DialContext
	Timeout   time.Duration // of one request, at most RequestTimeout (0: that); a claim's lease is six of them
	once      sync.Once
}

func (d *Deliverer) client() *http.Client {
	d.once.Do(func() {
		if d.HTTP == nil {
			d.HTTP = &http.Client{Transport: &http.Transport{DialContext: d.Endpoints.DialContext,
				MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute, TLSHandshakeTimeout: RequestTimeout},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
	})
	return d.HTTP
}

// Run delivers every interval until ctx ends.
func (d *Deliverer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var reminded time.Time
	for {
		if d.Now().Sub(reminded) >= remindEvery {
			if _, err := d.Remind(ctx); err != nil && ctx.Err() == nil {
				d.Log.ErrorContext(ctx, "webhook deadline reminders", "error", err)
			}
			reminded = d.Now()
		}
		for {
			n, err := d.Tick(ctx)
			if err != nil && ctx.Err() == nil {
				d.Log.ErrorContext(ctx, "webhook deliveries", "error", err)
			}
			if n < batch || err != nil {
				break // caught up
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type claimed struct {
	SubscriptionID uuid.UUID  `db:"subscription_id"`
	EventID        uuid.UUID  `db:"event_id"`
	StoreID        uuid.UUID  `db:"tenant_id"` // the event's store
	Attempt        int        `db:"attempts"`
	FirstAttemptAt time.Time  `db:"first_attempt_at"`
	URL            string     `db:"url"`
	Secret         string     `db:"secret"`
	Previous       *string    `db:"previous_secret"`
	PreviousUntil  *time.Time `db:"previous_until"`
	SubStore       *uuid.UUID `db:"sub_tenant"`
	Topic          string     `db:"topic"`
	SubjectID      uuid.UUID  `db:"subject_id"`
	Payload        []byte     `db:"payload"`
	OccurredAt     time.Time  `db:"occurred_at"`
}

// Tick claims up to a batch of due deliveries, sends them at once, and records each result; it returns how
// many it claimed. A subject's deliveries go one at a time, in event order: a later one waits while an
// earlier one is pending.
func (d *Deliverer) Tick(ctx context.Context) (int, error) {
	now := d.Now()
	var due []claimed
	err := tenants.Run(ctx, d.DB, tenants.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &due, `with c as (
				select x.tenant_id, x.subscription_id, x.event_id from webhook_deliveries x
				where x.status = 'PENDING' and x.next_attempt_at <= $1
				  and not exists (select 1 from webhook_deliveries y where y.tenant_id = x.tenant_id and y.subscription_id = x.subscription_id
				    and y.subject_id = x.subject_id and y.status = 'PENDING' and y.seq < x.seq)
				order by x.next_attempt_at, x.seq limit $3 for update of x skip locked),
			u as (update webhook_deliveries d set next_attempt_at = $2, attempts = d.attempts + 1,
				first_attempt_at = coalesce(d.first_attempt_at, $1)
				from c where d.tenant_id = c.tenant_id and d.subscription_id = c.subscription_id and d.event_id = c.event_id
				returning d.subscription_id, d.event_id, d.tenant_id, d.attempts, d.first_attempt_at)
			select u.*, s.url, s.secret, s.previous_secret, s.previous_until, s.tenant_id sub_tenant,
				e.topic, e.subject_id, e.payload, e.occurred_at
			from u join webhook_subscriptions s on s.id = u.subscription_id
			join outbox_events e on e.tenant_id = u.tenant_id and e.id = u.event_id`, now, now.Add(6*d.timeout()), batch)
	})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(due))
	for i := range due {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.send(ctx, due[i])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return len(due), err
		}
	}
	return len(due), nil
}

// Body is what a delivery posts.
type Body struct {
	ID         string          `json:"id"` // the event's: the same on every retry, for de-duplication
	Topic      string          `json:"topic"`
	OccurredAt time.Time       `json:"occurredAt"`
	StoreID    string          `json:"storeId"`
	SubjectID  string          `json:"subjectId"`
	Data       json.RawMessage `json:"data"`
}

var subjectKinds = map[string]string{"order": "Order", "case": "AfterSalesCase", "rating": "Rating",
	"violation": "Violation", "penalty": "Penalty", "metric": "Store", "score": "Store", "bulk_export": "BulkExport"}

func body(c claimed) ([]byte, error) {
	kind := subjectKinds[strings.SplitN(c.Topic, ".", 2)[0]]
	subject := gid.Encode(kind, c.StoreID, c.SubjectID)
	if kind == "Store" {
		subject = gid.Encode(kind, c.StoreID)
	}
	return json.Marshal(Body{ID: c.EventID.String(), Topic: c.Topic, OccurredAt: c.OccurredAt.UTC(),
		StoreID: gid.Encode("Store", c.StoreID), SubjectID: subject, Data: c.Payload})
}

// send posts one delivery and records the attempt: delivered on 2xx, else retried after Backoff, and given
// up after GiveUpAfter, which also disables the subscription and tells its owner.
func (d *Deliverer) send(ctx context.Context, c claimed) error {
	b, err := body(c)
	if err != nil {
		return err
	}
	sentAt := d.Now()
	secrets := []string{c.Secret}
	if c.Previous != nil && c.PreviousUntil != nil && sentAt.Before(*c.PreviousUntil) {
		secrets = append(secrets, *c.Previous)
	}
	status, failure, took := d.post(ctx, c, b, sentAt, secrets)
	now := d.Now()
	return tenants.Run(ctx, d.DB, tenants.System, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `insert into webhook_attempts (tenant_id, subscription_id, event_id, n, at, status_code, latency_ms, error)
			values ($8, $1, $2, $3, $4, $5, $6, $7)`, c.SubscriptionID, c.EventID, c.Attempt, sentAt, status, took.Milliseconds(), failure, c.StoreID); err != nil {
			return err
		}
		switch {
		case failure == nil:
			_, err := tx.ExecContext(ctx, `update webhook_deliveries set status = 'DELIVERED', delivered_at = $3
				where tenant_id = $4 and subscription_id = $1 and event_id = $2`, c.SubscriptionID, c.EventID, now, c.StoreID)
			return err
		case now.Sub(c.FirstAttemptAt) < GiveUpAfter:
			_, err := tx.ExecContext(ctx, `update webhook_deliveries set next_attempt_at = $3
				where tenant_id = $4 and subscription_id = $1 and event_id = $2`, c.SubscriptionID, c.EventID, now.Add(Backoff(c.Attempt)), c.StoreID)
			return err
		}
		return giveUp(ctx, tx, c, *failure, now)
	})
}

// giveUp fails the delivery and every other pending one of the subscription, disables it, and writes the
// reason where its owner sees it (the store's history, for a store's subscription).
func giveUp(ctx context.Context, tx *sqlx.Tx, c claimed, failure string, now time.Time) error {
	reason := fmt.Sprintf("disabled on %s: deliveries failed for %s (last: %s)", now.UTC().Format(time.RFC3339), GiveUpAfter, failure)
	if _, err := tx.ExecContext(ctx, `update webhook_deliveries set status = 'FAILED'
		where subscription_id = $1 and status = 'PENDING'`, c.SubscriptionID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `update webhook_subscriptions set status = 'DISABLED', disabled_reason = $2, updated_at = $3
		where id = $1`, c.SubscriptionID, reason, now); err != nil {
		return err
	}
	if c.SubStore == nil {
		return nil
	}
	_, err := tx.ExecContext(ctx, `insert into lifecycle_events (id, tenant_id, at, actor, action, reason)
		values ($1, $2, $3, 'SYSTEM', 'WEBHOOK_DISABLED', $4)`, uuid.New(), *c.SubStore, now, c.URL+": "+reason)
	return err
}

func (d *Deliverer) timeout() time.Duration {
	if d.Timeout <= 0 || d.Timeout > RequestTimeout {
		return RequestTimeout
	}
	return d.Timeout
}

// post sends the request; failure is nil on a 2xx answer, else what went wrong (the status, or the error).
func (d *Deliverer) post(ctx context.Context, c claimed, b []byte, at time.Time, secrets []string) (status *int, failure *string, took time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(b))
	if err != nil {
		return nil, ptr(err.Error()), 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tradeguard-webhooks/1")
	req.Header.Set(HeaderEventID, c.EventID.String())
	req.Header.Set(HeaderTopic, c.Topic)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, SignatureHeader(at, b, secrets...))
	start := time.Now()
	res, err := d.client().Do(req)
	took = time.Since(start)
	if err != nil {
		return nil, ptr(err.Error()), took
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &res.StatusCode, ptr("HTTP " + strconv.Itoa(res.StatusCode)), took
	}
	return &res.StatusCode, nil, took
}
