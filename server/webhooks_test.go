package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"tradeguard/internal/clock"
	"tradeguard/webhooks"
)

// Webhooks (README: Webhooks) against a real local receiver that fails, answers slowly and times out:
// events written with their facts, delivered at least once, in order per subject, signed, retried with
// backoff, given up after 24 hours (the subscription disabled and its owner told), sent again on request;
// two deliverers at once send each event once.

// receiver is the partner's endpoint: it verifies every request's signature and records what came.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	secrets []string
	got     []webhooks.Body
	raws    [][]byte
	headers []http.Header
	// answer decides each request's fate: a status, or a delay before 200.
	answer func(b webhooks.Body, n int) (status int, delay time.Duration)
	seen   map[string]int
	bad    []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{seen: map[string]int{}, answer: func(webhooks.Body, int) (int, time.Duration) { return 200, 0 }}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, _ := io.ReadAll(req.Body)
		var b webhooks.Body
		_ = json.Unmarshal(raw, &b)
		r.mu.Lock()
		ok := false
		for _, s := range r.secrets {
			ok = ok || webhooks.Verify(s, req.Header.Get(webhooks.HeaderSignature), req.Header.Get(webhooks.HeaderTimestamp), raw, time.Unix(mustInt(req.Header.Get(webhooks.HeaderTimestamp)), 0), time.Minute)
		}
		if !ok || req.Header.Get(webhooks.HeaderEventID) != b.ID || req.Header.Get(webhooks.HeaderTopic) != b.Topic {
			r.bad = append(r.bad, b.ID)
		}
		r.seen[b.ID]++
		n := r.seen[b.ID]
		status, delay := r.answer(b, n)
		if status == 200 {
			r.got = append(r.got, b)
			r.raws = append(r.raws, raw)
			r.headers = append(r.headers, req.Header.Clone())
		}
		r.mu.Unlock()
		time.Sleep(delay)
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func mustInt(s string) int64 {
	var n int64
	_ = json.Unmarshal([]byte(s), &n)
	return n
}

func (r *receiver) delivered() []webhooks.Body {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhooks.Body(nil), r.got...)
}

func subscribe(t *testing.T, h *harness, token, url string, topics ...string) (id, secret string) {
	t.Helper()
	r := ok(t, h.post(t, token, `mutation($i: WebhookSubscriptionCreateInput!) { webhookSubscriptionCreate(input: $i) {
		subscription { id url topics status store { id } } secret userErrors { code field message } } }`,
		map[string]any{"i": map[string]any{"url": url, "topics": topics}}))
	var p struct {
		Subscription *struct{ ID, Status string }
		Secret       *string
		UserErrors   []userError
	}
	field(t, r, "webhookSubscriptionCreate", &p)
	if p.Subscription == nil || p.Secret == nil || !strings.HasPrefix(*p.Secret, "whsec_") || p.Subscription.Status != "ACTIVE" {
		t.Fatalf("webhookSubscriptionCreate: %+v", p)
	}
	return p.Subscription.ID, *p.Secret
}

func TestWebhooksDeliverSignedInOrderWithRetries(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	ticks := clock.NewFake(h.Clock.Now().Add(time.Second))
	d := &webhooks.Deliverer{DB: h.App, Endpoints: webhooks.Endpoints{AllowLoopback: true}, Now: ticks.Now,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Timeout: 300 * time.Millisecond}
	tick := func() int {
		t.Helper()
		n, err := d.Tick(context.Background())
		if err != nil {
			t.Fatalf("tick: %v", err)
		}
		return n
	}
	rcv := newReceiver(t)
	subID, secret := subscribe(t, h, w.owner, rcv.URL+"/hooks", "order.paid", "order.shipped", "case.created", "case.status_changed")
	rcv.secrets = []string{secret}

	// Every first attempt fails with 503; the order's shipment waits behind its payment.
	rcv.answer = func(b webhooks.Body, n int) (int, time.Duration) {
		if n == 1 {
			return 503, 0
		}
		return 200, 0
	}
	oid := csPaidOrder(t, w, csLines(w.st))
	w.h.mutateOrder(t, w.owner, "orderShip", map[string]any{"orderId": oid, "carrier": "Black Cat", "trackingNumber": "BC-20261207"})
	other := h.newOrder(t, w.buyer, w.st).ID // placed, never paid: no topic it subscribed to
	_ = other
	if n := tick(); n != 1 {
		t.Fatalf("first tick claimed %d deliveries; want 1 (the payment; the shipment waits behind it)", n)
	}
	if n := tick(); n != 0 {
		t.Fatalf("a failed delivery was tried again before its backoff: %d", n)
	}
	ticks.Advance(webhooks.Backoff(1))
	if n := tick(); n != 1 { // the payment, now delivered
		t.Fatalf("after the backoff: %d", n)
	}
	tick()                             // the shipment's first attempt (fails)
	ticks.Advance(webhooks.Backoff(1)) // and its second
	tick()
	got := rcv.delivered()
	if len(got) != 2 || got[0].Topic != "order.paid" || got[1].Topic != "order.shipped" {
		t.Fatalf("delivered %+v", got)
	}
	var data struct{ Status, PreviousStatus, Number string }
	_ = json.Unmarshal(got[1].Data, &data)
	if data.Status != "SHIPPED" || data.PreviousStatus != "PAID" || got[1].SubjectID != got[0].SubjectID || got[0].SubjectID != oid || got[0].StoreID != w.st.StoreID {
		t.Fatalf("the shipment's body: %+v %+v", got[1], data)
	}
	if len(rcv.bad) > 0 {
		t.Fatalf("requests without a valid signature or with wrong headers: %v", rcv.bad)
	}

	// The deliveries as the owner sees them: each attempt with its status.
	r := ok(t, h.post(t, w.owner, `query($s: ID!) { webhookDeliveries(subscriptionId: $s, first: 10) { nodes { eventId topic status
		attempts { n statusCode latencyMs error } } } }`, map[string]any{"s": subID}))
	var dc struct {
		Nodes []struct {
			EventID, Topic, Status string
			Attempts               []struct {
				N          int
				StatusCode *int
				Error      *string
			}
		}
	}
	field(t, r, "webhookDeliveries", &dc)
	if len(dc.Nodes) != 2 || dc.Nodes[0].Topic != "order.shipped" || dc.Nodes[0].Status != "DELIVERED" || len(dc.Nodes[0].Attempts) != 2 ||
		*dc.Nodes[0].Attempts[0].StatusCode != 503 || *dc.Nodes[0].Attempts[1].StatusCode != 200 || dc.Nodes[0].EventID != got[1].ID {
		t.Fatalf("deliveries: %+v", dc.Nodes)
	}

	// A slow answer within the timeout is delivered; one past it is an attempt with no status, then retried.
	rcv.answer = func(b webhooks.Body, n int) (int, time.Duration) {
		if n == 1 {
			return 200, time.Second // past the 300 ms timeout
		}
		return 200, 100 * time.Millisecond
	}
	cid := csOpen(t, w, csPaidOrder(t, w, csLines(w.st)), "ORDER_CANCEL", "NO_REASON", nil, nil).Case
	if cid == nil {
		t.Fatal("the case was refused")
	}
	tick()
	ticks.Advance(webhooks.Backoff(1))
	tick()
	r = ok(t, h.post(t, w.owner, `query($s: ID!) { webhookDeliveries(subscriptionId: $s, first: 2) { nodes { topic status attempts { statusCode latencyMs error } } } }`, map[string]any{"s": subID}))
	field(t, r, "webhookDeliveries", &dc)
	// The newest two: the new order's payment and its case, each timed out once, then delivered.
	for i, topic := range []string{"case.created", "order.paid"} {
		if n := dc.Nodes[i]; n.Topic != topic || n.Status != "DELIVERED" || len(n.Attempts) != 2 || n.Attempts[0].StatusCode != nil || n.Attempts[0].Error == nil {
			t.Fatalf("a timed-out attempt, then delivered: %+v", dc.Nodes)
		}
	}

	// Sent again on request: the same event id, a second time.
	r = ok(t, h.post(t, w.owner, `mutation($i: WebhookRedeliverInput!) { webhookRedeliver(input: $i) { queued } }`,
		map[string]any{"i": map[string]any{"eventId": got[0].ID}}))
	var rq struct{ Queued int }
	field(t, r, "webhookRedeliver", &rq)
	rcv.answer = func(webhooks.Body, int) (int, time.Duration) { return 200, 0 }
	if rq.Queued != 1 || tick() != 1 || rcv.delivered()[len(rcv.delivered())-1].ID != got[0].ID {
		t.Fatalf("redelivery: queued %d, delivered %+v", rq.Queued, rcv.delivered())
	}

	// A rotated secret: both secrets sign during the overlap.
	r = ok(t, h.post(t, w.owner, `mutation($i: WebhookSubscriptionUpdateInput!) { webhookSubscriptionUpdate(input: $i) {
		subscription { previousSecretUntil } secret userErrors { code } } }`, map[string]any{"i": map[string]any{"id": subID, "rotateSecret": true}}))
	var rot struct {
		Subscription struct{ PreviousSecretUntil *time.Time }
		Secret       *string
	}
	field(t, r, "webhookSubscriptionUpdate", &rot)
	if rot.Secret == nil || *rot.Secret == secret || rot.Subscription.PreviousSecretUntil == nil {
		t.Fatalf("rotation: %+v", rot)
	}
	rcv.mu.Lock()
	rcv.secrets = []string{*rot.Secret} // a receiver that switched at once still verifies
	rcv.mu.Unlock()
	csStep(t, h, w.owner, "afterSalesCaseReject", map[string]any{"caseId": cid.ID, "reason": "the photos show no defect"}, "REJECTED")
	tick()
	last := rcv.headers[len(rcv.headers)-1]
	if rcv.delivered()[len(rcv.delivered())-1].Topic != "case.status_changed" || strings.Count(last.Get(webhooks.HeaderSignature), "v1=") != 2 {
		t.Fatalf("after rotation: %s %q", rcv.delivered()[len(rcv.delivered())-1].Topic, last.Get(webhooks.HeaderSignature))
	}
	raw, at := rcv.raws[len(rcv.raws)-1], time.Unix(mustInt(last.Get(webhooks.HeaderTimestamp)), 0)
	for _, sec := range []string{secret, *rot.Secret} {
		if !webhooks.Verify(sec, last.Get(webhooks.HeaderSignature), last.Get(webhooks.HeaderTimestamp), raw, at, time.Minute) {
			t.Errorf("during the overlap the delivery does not verify with %s…", sec[:10])
		}
	}
	if len(rcv.bad) > 0 {
		t.Fatalf("requests without a valid signature: %v", rcv.bad)
	}
}

func TestWebhooksGiveUpAfterADayAndTwoDeliverersSendOnce(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	ticks := clock.NewFake(h.Clock.Now().Add(time.Second))
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	newDeliverer := func() *webhooks.Deliverer {
		return &webhooks.Deliverer{DB: h.App, Endpoints: webhooks.Endpoints{AllowLoopback: true}, Now: ticks.Now, Log: log}
	}
	d1, d2 := newDeliverer(), newDeliverer()

	// Two processes' deliverers at once, on twelve orders' payments: each event arrives once.
	good := newReceiver(t)
	_, secret := subscribe(t, h, w.owner, good.URL, "order.paid")
	good.secrets = []string{secret}
	for range 12 {
		csPaidOrder(t, w, csLines(w.st))
	}
	var wg sync.WaitGroup
	for _, d := range []*webhooks.Deliverer{d1, d2, d1, d2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Tick(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := d1.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := good.delivered(); len(got) != 12 {
		t.Fatalf("twelve payments, %d deliveries", len(got))
	}
	for id, n := range good.seen {
		if n != 1 {
			t.Errorf("event %s was sent %d times", id, n)
		}
	}

	// An endpoint that always fails: retried with backoff for a day, then the subscription is disabled, its
	// owner told in the store's history, and new events no longer go to it.
	bad := newReceiver(t)
	bad.answer = func(webhooks.Body, int) (int, time.Duration) { return 500, 0 }
	badID, badSecret := subscribe(t, h, w.owner, bad.URL, "order.shipped")
	bad.secrets = []string{badSecret}
	oid := csPaidOrder(t, w, csLines(w.st))
	w.h.mutateOrder(t, w.owner, "orderShip", map[string]any{"orderId": oid, "carrier": "Black Cat", "trackingNumber": "BC-20261208"})
	for start := ticks.Now(); ticks.Now().Sub(start) < webhooks.GiveUpAfter+2*time.Hour; {
		if _, err := d1.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		bad.mu.Lock()
		tried := len(bad.seen)
		for _, n := range bad.seen {
			tried = n
		}
		bad.mu.Unlock()
		ticks.Advance(webhooks.Backoff(max(tried, 1)))
	}
	r := ok(t, h.post(t, w.owner, `{ webhookSubscriptions { id status disabledReason } }`, nil))
	var subs []struct {
		ID, Status     string
		DisabledReason *string
	}
	field(t, r, "webhookSubscriptions", &subs)
	var disabled bool
	for _, s := range subs {
		if s.ID == badID {
			disabled = s.Status == "DISABLED" && s.DisabledReason != nil && strings.Contains(*s.DisabledReason, "HTTP 500")
		}
	}
	if !disabled {
		t.Fatalf("after a day of failures: %+v", subs)
	}
	if n := bad.seen; len(n) != 1 {
		t.Fatalf("the failing endpoint got %d events, want the one shipment", len(n))
	}
	for _, n := range bad.seen {
		if n < 20 || n > 40 {
			t.Errorf("%d attempts in a day", n)
		}
	}
	r = ok(t, h.post(t, w.owner, `query($id: ID!) { store(id: $id) { history { action reason } } }`, map[string]any{"id": w.st.StoreID}))
	var st struct {
		History []struct{ Action, Reason string }
	}
	field(t, r, "store", &st)
	told := false
	for _, e := range st.History {
		told = told || (e.Action == "WEBHOOK_DISABLED" && strings.Contains(e.Reason, bad.URL))
	}
	if !told {
		t.Fatalf("the owner was not told: %+v", st.History)
	}
	before := len(bad.seen)
	oid = csPaidOrder(t, w, csLines(w.st))
	w.h.mutateOrder(t, w.owner, "orderShip", map[string]any{"orderId": oid, "carrier": "Black Cat", "trackingNumber": "BC-20261209"})
	if _, err := d1.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(bad.seen) != before {
		t.Fatal("a disabled subscription still receives events")
	}

	// Who may: another store's owner sees none of these, staff agents and API tokens may not manage them,
	// and bad input is refused with its field.
	if r := h.post(t, h.login(t, mapleOwner), `mutation($i: WebhookSubscriptionDeleteInput!) { webhookSubscriptionDelete(input: $i) { deletedId } }`,
		map[string]any{"i": map[string]any{"id": badID}}); r.code() != "NOT_FOUND" {
		t.Errorf("another store's owner deleting: %+v", r.Errors)
	}
	_, token := isoCreateToken(t, h, w.owner, "webhooks test", "ORDERS_READ")
	for _, tok := range []string{h.login(t, lotusAgent), token} {
		if r := h.post(t, tok, `{ webhookSubscriptions { id } }`, nil); r.code() != "FORBIDDEN" {
			t.Errorf("a non-owner lists subscriptions: %+v", r.Errors)
		}
	}
	r = ok(t, h.post(t, w.owner, `mutation { webhookSubscriptionCreate(input: {url: "ftp://x.example", topics: ["order.paid", "order.lost"]}) {
		subscription { id } secret userErrors { code field } } }`, nil))
	var p struct {
		Subscription *struct{ ID string }
		Secret       *string
		UserErrors   []userError
	}
	field(t, r, "webhookSubscriptionCreate", &p)
	if p.Subscription != nil || p.Secret != nil || len(p.UserErrors) != 2 || p.UserErrors[0].Code != "INVALID_URL" || p.UserErrors[1].Code != "INVALID_TOPICS" {
		t.Fatalf("bad input: %+v", p)
	}
}

// case.deadline_near: 24 hours and one hour before a deadline the store must meet, once each.
func TestWebhooksRemindOfMerchantDeadlines(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	rcv := newReceiver(t)
	_, secret := subscribe(t, h, w.owner, rcv.URL, "case.deadline_near")
	rcv.secrets = []string{secret}
	c := csOpen(t, w, csPaidOrder(t, w, csLines(w.st)), "ORDER_CANCEL", "NO_REASON", nil, nil).Case
	if c == nil || c.Deadline == nil || c.Deadline.Action != "AUTO_APPROVE" {
		t.Fatalf("a cancel request awaits the store: %+v", c)
	}
	due := c.Deadline.At
	ticks := clock.NewFake(due.Add(-23 * time.Hour))
	d := &webhooks.Deliverer{DB: h.App, Endpoints: webhooks.Endpoints{AllowLoopback: true}, Now: ticks.Now,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	remind := func() int {
		t.Helper()
		n, err := d.Remind(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := remind(); n < 1 {
		t.Fatal("no reminder 23 hours before the deadline")
	}
	if n := remind(); n != 0 {
		t.Fatalf("the 24-hour reminder was written again: %d", n)
	}
	ticks.Set(due.Add(-50 * time.Minute))
	remind()
	ticks.Set(due.Add(-10 * time.Minute))
	if n := remind(); n != 0 {
		t.Fatalf("the one-hour reminder was written again: %d", n)
	}
	var windows []string
	for _, b := range rcv.delivered() {
		var data struct{ CaseID, Window, Action string }
		_ = json.Unmarshal(b.Data, &data)
		if b.SubjectID == c.ID {
			windows = append(windows, data.Window+":"+data.Action)
		}
	}
	if strings.Join(windows, ",") != "24h:AUTO_APPROVE,1h:AUTO_APPROVE" {
		t.Fatalf("reminders delivered for the case: %v", windows)
	}
}

// goexitTransport is a process that dies while sending: the goroutine ends without an answer, so nothing
// after the claim is recorded.
type goexitTransport struct{}

func (goexitTransport) RoundTrip(*http.Request) (*http.Response, error) {
	runtime.Goexit()
	return nil, nil
}

// A deliverer that dies after claiming a delivery loses nothing: the claim's lease ends and another
// deliverer sends it.
func TestWebhooksADeliveryClaimedByADeadProcessIsSentLater(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	rcv := newReceiver(t)
	_, secret := subscribe(t, h, w.owner, rcv.URL, "order.paid")
	rcv.secrets = []string{secret}
	csPaidOrder(t, w, csLines(w.st))
	ticks := clock.NewFake(h.Clock.Now().Add(time.Second))
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	dying := &webhooks.Deliverer{DB: h.App, Endpoints: webhooks.Endpoints{AllowLoopback: true}, Now: ticks.Now, Log: log,
		HTTP: &http.Client{Transport: goexitTransport{}}}
	if n, _ := dying.Tick(context.Background()); n != 1 {
		t.Fatalf("the dying deliverer claimed %d", n)
	}
	live := &webhooks.Deliverer{DB: h.App, Endpoints: webhooks.Endpoints{AllowLoopback: true}, Now: ticks.Now, Log: log}
	if n, err := live.Tick(context.Background()); n != 0 || err != nil {
		t.Fatalf("claimed again within the lease: %d %v", n, err)
	}
	ticks.Advance(time.Minute + time.Second)
	if n, err := live.Tick(context.Background()); n != 1 || err != nil || len(rcv.delivered()) != 1 {
		t.Fatalf("after the lease: claimed %d (%v), delivered %d", n, err, len(rcv.delivered()))
	}
}
