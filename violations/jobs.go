package violations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// KindScan is the scheduler kind of the platform's violations scan (FromCaseEvents every ScanEvery).
const KindScan = "violations.scan"

const (
	// ScanEvery is how often the scan runs.
	ScanEvery = 10 * time.Minute
	// ScanLookback is how far before its due time a scan looks. Issuing is exactly once per cause whatever
	// the window (the unique cause), so the overlap between runs only costs reading: it lets a scan find facts
	// committed late (a long transaction) or written while no scheduler ran (the due time stays where it was
	// until a runner acts). Facts older than this when the job first runs are not turned into violations.
	ScanLookback = 7 * 24 * time.Hour
)

// ScanSubject is the fixed subject id of the scan's one deadline row. The scan belongs to no store and no
// person: the row has neither tenant_id nor user_id (migration 00008 allows that for kind violations.scan
// only), so only platform contexts see it.
var ScanSubject = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:tradeguard:violations.scan"))

// The after-sales facts that become system violations. Case events carry the reasons the after-sales jobs
// write (aftersales.ReasonMerchantNoResponse, aftersales.ReasonMerchantLateReship, read here as SQL values).
const (
	reasonMerchantNoResponse = "MERCHANT_NO_RESPONSE"
	reasonMerchantLateReship = "MERCHANT_LATE_RESHIP"
)

// codeForReason maps a fact's reason to the violation code it brings.
var codeForReason = map[string]string{
	reasonMerchantNoResponse:      CodeMissedResponse,
	reasonMerchantLateReship:      CodeLateReship,
	CodeLostArbitrationNoEvidence: CodeLostArbitrationNoEvidence,
}

// Cause is the cause of a system violation for a case fact: "case:<case id>:<reason>".
func Cause(caseID uuid.UUID, reason string) string { return "case:" + caseID.String() + ":" + reason }

// Handlers are the scheduler's actions of this package: violations.recompute (a store's penalties at the next
// expiry or penalty end) and violations.scan (FromCaseEvents, then the next scan ScanEvery later).
func Handlers() map[string]scheduler.Handler {
	return map[string]scheduler.Handler{
		KindRecompute: func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
			if d.TenantID == nil {
				return scheduler.Permanent{Err: errors.New("violations.recompute deadline without a store")}
			}
			return Recompute(ctx, s, *d.TenantID, now)
		},
		KindScan: func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
			if _, err := FromCaseEvents(ctx, s, d.DueAt.Add(-ScanLookback), now); err != nil {
				return err
			}
			return scheduleScan(ctx, s, now.Add(ScanEvery), now)
		},
	}
}

// EnsureScan makes sure the scan is scheduled (right away if it was not, and every ScanEvery after): call it
// at start-up as the system (tenants.Run with tenants.System, or a session of it). Several processes and
// restarts may call it; there is one scan row whatever happens, and a pending one keeps its time.
func EnsureScan(ctx context.Context, s *tenants.Session, now time.Time) error {
	if !s.Principal().Is(tenants.RoleSystem) {
		return tenants.ErrForbidden
	}
	return scheduler.Ensure(ctx, s, scheduler.Deadline{Kind: KindScan, SubjectID: ScanSubject, DueAt: now}, now)
}

func scheduleScan(ctx context.Context, s *tenants.Session, at, now time.Time) error {
	return scheduler.Schedule(ctx, s, scheduler.Deadline{Kind: KindScan, SubjectID: ScanSubject, DueAt: at}, now)
}

// fact is one after-sales fact that calls for a system violation.
type fact struct {
	StoreID uuid.UUID `db:"tenant_id"`
	CaseID  uuid.UUID `db:"case_id"`
	Reason  string    `db:"reason"`
}

// FromCaseEvents issues the system violations that after-sales facts from since to now call for, each exactly
// once (IssueSystem with cause "case:<case id>:<reason>"), and returns how many it issued:
//
//   - a case event written by the system with reason MERCHANT_NO_RESPONSE (the store did not answer before its
//     deadline) → MISSED_RESPONSE;
//   - one with reason MERCHANT_LATE_RESHIP (an exchange or repair not reshipped in time, converted to a
//     refund) → LATE_RESHIP;
//   - a case whose ruling went for the buyer and is final (the case has left arbitration, after the appeal
//     window or the appeal's decision), that the store had rejected (rejected_at, or a REJECT event by the
//     store) without ever uploading evidence → LOST_ARBITRATION_NO_EVIDENCE; its time is the case's
//     updated_at, which the final ruling sets.
//
// Only reasons written by the system count (a store's free-text rejection reason cannot fake one). The
// violation's issued_at is now, when it is issued. Facts are issued store by store in id order, so concurrent
// scans take the stores' locks in one order. The system only.
func FromCaseEvents(ctx context.Context, s *tenants.Session, since, now time.Time) (issued int, err error) {
	if !s.Principal().Is(tenants.RoleSystem) {
		return 0, tenants.ErrForbidden
	}
	var facts []fact
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &facts, `select tenant_id, case_id, reason from (
				select e.tenant_id, e.case_id, e.reason, min(e.at) as at
				from case_events e
				where e.actor = 'SYSTEM' and e.reason in ('MERCHANT_NO_RESPONSE', 'MERCHANT_LATE_RESHIP')
					and e.at >= $1 and e.at <= $2
				group by e.tenant_id, e.case_id, e.reason
				union all
				select c.tenant_id, c.id, 'LOST_ARBITRATION_NO_EVIDENCE', c.updated_at
				from cases c
				where c.ruling = 'FOR_BUYER' and c.status <> 'IN_ARBITRATION' and c.updated_at >= $1 and c.updated_at <= $2
					and (c.rejected_at is not null or exists (select 1 from case_events r
						where r.tenant_id = c.tenant_id and r.case_id = c.id and r.actor = 'MERCHANT' and r.action = 'REJECT'))
					and not exists (select 1 from evidence ev
						where ev.tenant_id = c.tenant_id and ev.case_id = c.id and ev.uploaded_by = 'MERCHANT')
			) f
			where not exists (select 1 from violations v
				where v.tenant_id = f.tenant_id and v.cause = 'case:' || f.case_id::text || ':' || f.reason)
			order by tenant_id, case_id, reason`, since, now)
	})
	if err != nil {
		return 0, err
	}
	for _, f := range facts {
		code, ok := codeForReason[f.Reason]
		if !ok {
			return issued, fmt.Errorf("violations: no code for reason %q", f.Reason)
		}
		caseID := f.CaseID
		_, created, err := IssueSystem(ctx, s, f.StoreID, code, Cause(f.CaseID, f.Reason), &caseID, now)
		if err != nil {
			return issued, err
		}
		if created {
			issued++
		}
	}
	return issued, nil
}
