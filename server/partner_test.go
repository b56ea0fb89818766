package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tradeguard/examples/partner"
	"tradeguard/internal/clock"
	"tradeguard/throttle"
	"tradeguard/webhooks"
)

// The example partner integration (examples/partner) against a real server: it copies a store's orders and
// cases with its API token, waits out the throttle as Retry-After says (on the buckets' own fake clock, so the
// test does not sleep), keeps its cursors, and on the next runs copies exactly what changed since.
func TestPartnerExampleSyncsThroughThrottling(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	ticks := clock.NewFake(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
	lim := unthrottled()
	// A small bucket, so pages of five orders with their lines run it dry within a run.
	lim.Throttle.Caller = throttle.Policy{Capacity: 600, RestorePerSecond: 100}
	srv := throttledServer(t, h, lim, ticks)
	_, token := isoCreateToken(t, h, w.owner, "partner example", "ORDERS_READ", "CASES_READ")

	var ids []string
	for range 12 {
		ids = append(ids, h.newOrder(t, w.buyer, w.st).ID)
	}
	for _, id := range ids[:3] {
		h.mutateOrder(t, w.buyer, "orderPay", map[string]any{"orderId": id, "idempotencyKey": "pay-" + id})
	}
	caseID := csOpen(t, w, ids[0], "ORDER_CANCEL", "NO_REASON", nil, nil).Case.ID

	c := &partner.Client{URL: srv.URL, Token: token, Sleep: ticks.Advance}
	state := partner.State{Since: time.Now().Add(-time.Hour)}
	var saved partner.State
	copied := map[string]json.RawMessage{}
	run := func() int {
		t.Helper()
		n, err := partner.Sync(context.Background(), c, &state, 5,
			func(ch partner.Change) error { copied[ch.ID] = ch.Node; return nil },
			func(s partner.State) error { saved = s; return nil })
		if err != nil {
			t.Fatalf("sync: %v (waited %+v)", err, c.Waited)
		}
		return n
	}

	if n := run(); n != 13 {
		t.Fatalf("the first run copied %d changes, want 12 orders and 1 case", n)
	}
	throttled := 0
	for _, wt := range c.Waited {
		if wt.Reason != "throttled" || wt.For <= 0 || wt.For > 10*time.Second {
			t.Errorf("an unexpected wait: %+v", wt)
		}
		throttled++
	}
	t.Logf("the first run waited %d times for the throttle (last bucket %+v)", throttled, c.Cost.Throttle)
	if throttled == 0 {
		t.Fatal("the small bucket never throttled the partner: the test proves nothing about waiting")
	}
	if saved.OrdersAfter == nil || saved.CasesAfter == nil {
		t.Fatalf("the state kept no cursors: %+v", saved)
	}
	for _, id := range append(ids, caseID) {
		if _, ok := copied[id]; !ok {
			t.Errorf("%s was not copied", id)
		}
	}

	// Nothing changed: nothing to copy. Then two changes, and exactly those come.
	if n := run(); n != 0 {
		t.Fatalf("a run with nothing changed copied %d", n)
	}
	h.mutateOrder(t, w.buyer, "orderPay", map[string]any{"orderId": ids[7], "idempotencyKey": "pay-" + ids[7]})
	csStep(t, h, w.owner, "afterSalesCaseReject", map[string]any{"caseId": caseID, "reason": "already handed to the carrier"}, "REJECTED")
	copied = map[string]json.RawMessage{}
	if n := run(); n != 2 {
		t.Fatalf("after two changes the run copied %d", n)
	}
	var o, cs struct{ Status string }
	_ = json.Unmarshal(copied[ids[7]], &o)
	_ = json.Unmarshal(copied[caseID], &cs)
	if o.Status != "PAID" || cs.Status != "REJECTED" {
		t.Fatalf("copied %s as %s and %s as %s", ids[7], o.Status, caseID, cs.Status)
	}
}

// The example's webhook receiver behind a real deliverer: it takes only requests signed with the
// subscription's secret and handles each event once, though redelivery sends it twice.
func TestPartnerExampleReceivesSignedWebhooksOnce(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	var handled []partner.Event
	var endpoint http.Handler // made once the secret is known; it keeps the ids it handled
	rcv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { endpoint.ServeHTTP(rw, r) }))
	t.Cleanup(rcv.Close)
	_, secret := subscribe(t, h, w.owner, rcv.URL, "order.paid")
	endpoint = partner.Receiver([]string{secret}, func(e partner.Event) error { handled = append(handled, e); return nil })
	d := &webhooks.Deliverer{DB: h.App, Endpoints: webhooks.Endpoints{AllowLoopback: true}, Now: time.Now,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	csPaidOrder(t, w, csLines(w.st))
	if _, err := d.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(handled) != 1 || handled[0].Topic != "order.paid" {
		t.Fatalf("handled %+v", handled)
	}
	ok(t, h.post(t, w.owner, `mutation($i: WebhookRedeliverInput!) { webhookRedeliver(input: $i) { queued } }`,
		map[string]any{"i": map[string]any{"eventId": handled[0].ID}}))
	if _, err := d.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(handled) != 1 {
		t.Fatalf("a redelivered event was handled twice: %+v", handled)
	}
	// A request signed with another secret is refused.
	res, err := http.Post(rcv.URL, "application/json", strings.NewReader(`{"id":"forged"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || len(handled) != 1 {
		t.Fatalf("an unsigned request: HTTP %d", res.StatusCode)
	}
}
