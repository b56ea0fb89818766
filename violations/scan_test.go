package violations_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/scheduler"
	"tradeguard/tenants"
	"tradeguard/violations"
)

// caseFacts writes, as the system, an order of the store and cases with the after-sales facts the scan reads,
// at `at`. It returns the causes the scan must issue, sorted.
func (e *env) caseFacts(st store, at time.Time) []string {
	e.t.Helper()
	orderID := uuid.New()
	buyer := e.buyer.UserID
	var want []string
	n := 0
	e.system(func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`insert into orders (tenant_id, id, number, buyer_id, status, currency, subtotal_minor,
				total_minor, paid_minor, buyer_name, ship_name, ship_phone, ship_address, created_at)
			values ($1, $2, $3, $4, 'DELIVERED', 'TWD', 1000, 1000, 1000, 'Buyer', 'Buyer', '0912345678', 'Somewhere 1', $5)`,
			st.id, orderID, "V-"+st.slug, buyer, at.Add(-10*day)); err != nil {
			return err
		}
		newCase := func(status string, ruling *string, rejected bool) uuid.UUID {
			n++
			id := uuid.New()
			var rejectedAt *time.Time
			if rejected {
				r := at.Add(-5 * day)
				rejectedAt = &r
			}
			e.must2(tx.Exec(`insert into cases (tenant_id, id, number, order_id, buyer_id, type, status, reason, reason_category,
					currency, requested_minor, respond_by, ruling, rejected_at, created_at, updated_at)
				values ($1, $2, $3, $4, $5, 'REFUND_ONLY', $6, 'DEFECTIVE', 'QUALITY', 'TWD', 500, $7, $8, $9, $10, $11)`,
				st.id, id, fmt.Sprintf("C-%s-%d", st.slug, n), orderID, buyer, status, at.Add(-6*day), ruling, rejectedAt,
				at.Add(-7*day), at))
			return id
		}
		event := func(caseID uuid.UUID, actor, action, reason string, when time.Time) {
			e.must2(tx.Exec(`insert into case_events (tenant_id, id, case_id, buyer_id, at, actor, action, reason)
				values ($1, $2, $3, $4, $5, $6, $7, $8)`, st.id, uuid.New(), caseID, buyer, when, actor, action, reason))
		}
		evidence := func(caseID uuid.UUID, by string) {
			e.must2(tx.Exec(`insert into evidence (tenant_id, id, case_id, buyer_id, uploaded_by, kind, filename, content_type,
					size_bytes, sha256, data, created_at)
				values ($1, $2, $3, $4, $5, 'PHOTO', 'p.jpg', 'image/jpeg', 1, $6, '\x00', $7)`,
				st.id, uuid.New(), caseID, buyer, by, strings.Repeat("a", 64), at.Add(-5*day)))
		}
		forBuyer, forMerchant := "FOR_BUYER", "FOR_MERCHANT"

		// The store did not answer: approved by the system (two events with the reason: one violation).
		c := newCase("REFUNDED", nil, false)
		event(c, "SYSTEM", "APPROVE", "MERCHANT_NO_RESPONSE", at)
		event(c, "SYSTEM", "ESCALATE", "MERCHANT_NO_RESPONSE", at.Add(time.Minute))
		want = append(want, violations.Cause(c, "MERCHANT_NO_RESPONSE"))
		// An exchange not reshipped in time, converted to a refund.
		c = newCase("REFUNDING", nil, false)
		event(c, "SYSTEM", "RESHIP", "MERCHANT_LATE_RESHIP", at)
		want = append(want, violations.Cause(c, "MERCHANT_LATE_RESHIP"))
		// Rejected without evidence, lost the arbitration for good.
		c = newCase("REFUNDING", &forBuyer, true)
		evidence(c, "BUYER")
		want = append(want, violations.Cause(c, violations.CodeLostArbitrationNoEvidence))
		// Rejected (the event says so; a revision cleared rejected_at), no evidence, lost.
		c = newCase("REFUNDED", &forBuyer, false)
		event(c, "MERCHANT", "REJECT", "not defective", at.Add(-5*day))
		want = append(want, violations.Cause(c, violations.CodeLostArbitrationNoEvidence))

		// None of these is a violation:
		c = newCase("REFUNDING", &forBuyer, true) // the store gave evidence
		evidence(c, "MERCHANT")
		newCase("IN_ARBITRATION", &forBuyer, true)         // the ruling may still be appealed
		newCase("CLOSED_FOR_MERCHANT", &forMerchant, true) // the store won
		newCase("REFUNDING", &forBuyer, false)             // the store never rejected (e.g. the buyer escalated)
		c = newCase("REJECTED", nil, true)
		event(c, "MERCHANT", "REJECT", "MERCHANT_NO_RESPONSE", at) // a store's free text, not the system's reason
		return nil
	})
	sort.Strings(want)
	return want
}

func (e *env) must2(_ any, err error) { e.must(err) }

// causes lists the store's system violations' causes, sorted, as the admin sees them.
func (e *env) causes(st store) []string {
	e.t.Helper()
	var out []string
	e.must(e.as(e.admin, func(s *tenants.Session) error {
		vs, _, err := violations.List(e.ctx, s, st.id, violations.Filter{}, nil, 100)
		for _, v := range vs {
			if v.Cause != nil {
				out = append(out, *v.Cause+"="+v.Code)
			}
		}
		return err
	}))
	sort.Strings(out)
	return out
}

func withCodes(causes []string) []string {
	code := map[string]string{"MERCHANT_NO_RESPONSE": violations.CodeMissedResponse, "MERCHANT_LATE_RESHIP": violations.CodeLateReship,
		violations.CodeLostArbitrationNoEvidence: violations.CodeLostArbitrationNoEvidence}
	var out []string
	for _, c := range causes {
		out = append(out, c+"="+code[c[strings.LastIndex(c, ":")+1:]])
	}
	sort.Strings(out)
	return out
}

func TestScanIssuesSystemViolationsOnce(t *testing.T) {
	e := newEnv(t)
	st := e.newStore()
	at := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	want := e.caseFacts(st, at)
	scan := func(now time.Time) (n int) {
		e.must(e.as(tenants.System, func(s *tenants.Session) (err error) {
			n, err = violations.FromCaseEvents(e.ctx, s, at.Add(-day), now)
			return err
		}))
		return n
	}
	// Before the facts happened (as the clock sees it), nothing.
	if n := scan(at.Add(-time.Hour)); n != 0 {
		t.Fatalf("a scan before the facts issued %d", n)
	}
	if n := scan(at.Add(time.Hour)); n != len(want) {
		t.Fatalf("first scan issued %d, want %d", n, len(want))
	}
	if got := e.causes(st); strings.Join(got, " ") != strings.Join(withCodes(want), " ") {
		t.Fatalf("violations:\n got %v\nwant %v", got, withCodes(want))
	}
	if n := scan(at.Add(2 * time.Hour)); n != 0 {
		t.Fatalf("the second scan issued %d more", n)
	}
	if got := e.causes(st); len(got) != len(want) {
		t.Fatalf("after two scans: %v", got)
	}
	g, _ := e.points(st, at.Add(2*time.Hour))
	if g != 1+2+2+2 {
		t.Fatalf("general points %d, want 7 (1 + 2 + 2 + 2)", g)
	}
	// IssueSystem itself: the same cause again returns the first violation, not created.
	var first violations.Violation
	e.must(e.as(tenants.System, func(s *tenants.Session) error {
		v, created, err := violations.IssueSystem(e.ctx, s, st.id, violations.CodeMissedResponse, want[0], nil, at.Add(3*time.Hour))
		if created {
			t.Error("IssueSystem created a second violation for a cause")
		}
		first = v
		return err
	}))
	if first.Cause == nil || *first.Cause != want[0] || !first.IssuedAt.Equal(at.Add(time.Hour)) {
		t.Fatalf("IssueSystem of a known cause returned %+v", first)
	}
	// Only the system issues system violations; the admin may not, nor issue system codes through Issue.
	if err := e.as(e.admin, func(s *tenants.Session) error {
		_, _, err := violations.IssueSystem(e.ctx, s, st.id, violations.CodeMissedResponse, "case:x:y", nil, at)
		return err
	}); !isErr(err, tenants.ErrForbidden) {
		t.Fatalf("admin IssueSystem: %v", err)
	}
	if err := e.as(e.admin, func(s *tenants.Session) error {
		_, err := violations.FromCaseEvents(e.ctx, s, at, at)
		return err
	}); !isErr(err, tenants.ErrForbidden) {
		t.Fatalf("admin FromCaseEvents: %v", err)
	}
}

// TestConcurrentScansIssueOnce: two scans at once (two scheduler processes) still issue each cause once.
func TestConcurrentScansIssueOnce(t *testing.T) {
	e := newEnv(t)
	stores := []store{e.newStore(), e.newStore(), e.newStore()}
	at := time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)
	total := 0
	for _, st := range stores {
		total += len(e.caseFacts(st, at))
	}
	var wg sync.WaitGroup
	issued := make([]int, 4)
	errs := make([]error, 4)
	for i := range issued {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := tenants.NewSession(e.app, tenants.System, false)
			issued[i], errs[i] = violations.FromCaseEvents(e.ctx, s, at.Add(-day), at.Add(time.Hour))
			if errs[i] != nil {
				_ = s.Rollback()
				return
			}
			errs[i] = s.Commit()
		}()
	}
	wg.Wait()
	sum := 0
	for i := range issued {
		if errs[i] != nil {
			t.Fatalf("scan %d: %v", i, errs[i])
		}
		sum += issued[i]
	}
	if sum != total {
		t.Fatalf("concurrent scans issued %d in all (%v), want %d", sum, issued, total)
	}
	for _, st := range stores {
		if got := e.causes(st); len(got) != total/len(stores) {
			t.Fatalf("store %s: %v", st.slug, got)
		}
	}
}

// TestScanDeadline: the scan is one store-less deadline row that runs FromCaseEvents and reschedules itself
// ScanEvery later; a run that comes twice issues nothing twice.
func TestScanDeadline(t *testing.T) {
	e := newEnv(t)
	st := e.newStore()
	at := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)
	want := e.caseFacts(st, at)
	e.must(e.as(tenants.System, func(s *tenants.Session) error { return violations.EnsureScan(e.ctx, s, at) }))
	if err := e.as(e.admin, func(s *tenants.Session) error { return violations.EnsureScan(e.ctx, s, at) }); !isErr(err, tenants.ErrForbidden) {
		t.Fatalf("EnsureScan as admin: %v", err)
	}
	scanRow := func() scheduler.Deadline {
		var ds []scheduler.Deadline
		e.must(e.as(e.admin, func(s *tenants.Session) (err error) {
			ds, err = scheduler.Pending(e.ctx, s, violations.ScanSubject)
			return err
		}))
		if len(ds) != 1 || ds[0].Kind != violations.KindScan || ds[0].TenantID != nil || ds[0].UserID != nil {
			t.Fatalf("scan deadlines: %+v", ds)
		}
		return ds[0]
	}
	if d := scanRow(); !d.DueAt.Equal(at) {
		t.Fatalf("scan due %s, want %s", rfc(d.DueAt), rfc(at))
	}
	// A store's staff never see the platform's row.
	e.must(e.as(st.owner, func(s *tenants.Session) error {
		ds, err := scheduler.Pending(e.ctx, s, violations.ScanSubject)
		if len(ds) != 0 {
			t.Errorf("a merchant sees the scan deadline: %+v", ds)
		}
		return err
	}))
	e.runDue(at.Add(time.Minute))
	if got := e.causes(st); len(got) != len(want) {
		t.Fatalf("after the scan deadline: %v, want %v", got, want)
	}
	if d := scanRow(); !d.DueAt.Equal(at.Add(time.Minute + violations.ScanEvery)) {
		t.Fatalf("next scan due %s, want %s", rfc(d.DueAt), rfc(at.Add(time.Minute+violations.ScanEvery)))
	}
	// A process that starts now (EnsureScan again) leaves the pending scan where it is: a restart does not
	// scan again.
	e.must(e.as(tenants.System, func(s *tenants.Session) error { return violations.EnsureScan(e.ctx, s, at.Add(2*time.Minute)) }))
	if d := scanRow(); !d.DueAt.Equal(at.Add(time.Minute + violations.ScanEvery)) {
		t.Fatalf("after a restart the next scan is due %s, want %s", rfc(d.DueAt), rfc(at.Add(time.Minute+violations.ScanEvery)))
	}
	// The job runs again (and once more, as if a second process had it too): nothing new.
	e.runDue(at.Add(time.Minute + violations.ScanEvery))
	e.must(e.as(tenants.System, func(s *tenants.Session) error {
		n, err := violations.FromCaseEvents(e.ctx, s, at.Add(-violations.ScanLookback), at.Add(time.Hour))
		if n != 0 {
			t.Errorf("a repeated scan issued %d", n)
		}
		return err
	}))
	if got := e.causes(st); len(got) != len(want) {
		t.Fatalf("after running twice: %v", got)
	}
}
