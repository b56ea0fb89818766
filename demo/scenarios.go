package demo

import (
	"time"

	"tradeguard/aftersales"
	"tradeguard/tenants"
)

// The scripts of the story's cases: what the buyer asks, and how the store, the buyer and the platform go on.
// Each opens its case on an order (open says when and what) and plays its steps; a script whose next step
// would lie after now stops there.

const hourD, dayD = time.Hour, 24 * time.Hour

// script is one kind of case: how to open it (from the order's delivery, or its payment for a cancellation)
// and its steps.
type script struct {
	typ     aftersales.Type
	reasons []aftersales.Reason
	// from is the instant the opening is counted from: the order's delivery, or its payment (cancellations).
	fromPayment bool
	openLo      time.Duration
	openHi      time.Duration
	warranty    bool // claims a line under warranty
	steps       func(p *play)
	what        string // the buyer's description
}

var scripts = map[string]script{
	"qualityRefund": {typ: aftersales.RefundOnly, reasons: []aftersales.Reason{aftersales.QualityDefect, aftersales.NotAsDescribed, aftersales.WrongItem},
		openLo: 2 * hourD, openHi: 5 * dayD, what: "The item does not work as it should; photos attached.",
		steps: func(p *play) { p.wait(hourD, 40*hourD); p.approve() }},
	"noResponse": {typ: aftersales.RefundOnly, reasons: []aftersales.Reason{aftersales.QualityDefect, aftersales.MissingItem},
		openLo: 2 * hourD, openHi: 6 * dayD, what: "Part of the order is missing or broken.",
		steps: func(p *play) {}}, // the store never answers: approved automatically when its 5 days pass
	"damagedReturn": {typ: aftersales.ReturnRefund, reasons: []aftersales.Reason{aftersales.DamagedInTransit},
		openLo: hourD, openHi: 3 * dayD, what: "The parcel arrived crushed and the item is damaged.",
		steps: func(p *play) { p.returnGoods() }},
	"noReasonReturn": {typ: aftersales.ReturnRefund, reasons: []aftersales.Reason{aftersales.NoReason},
		openLo: hourD, openHi: 6 * dayD, what: "Changed my mind; unused, in the original packaging.",
		steps: func(p *play) { p.returnGoods() }},
	"withdrawn": {typ: aftersales.ReturnRefund, reasons: []aftersales.Reason{aftersales.NoReason},
		openLo: hourD, openHi: 5 * dayD, what: "I would like to return this.",
		steps: func(p *play) { p.wait(2*hourD, 20*hourD); p.withdraw() }},
	"exchange": {typ: aftersales.Exchange, reasons: []aftersales.Reason{aftersales.QualityDefect, aftersales.WrongItem},
		openLo: hourD, openHi: 6 * dayD, what: "Wrong size/colour or faulty: please send a replacement.",
		steps: func(p *play) { p.returnGoods(); p.reship(4*hourD, 40*hourD) }},
	"warrantyRepair": {typ: aftersales.WarrantyRepair, reasons: []aftersales.Reason{aftersales.QualityDefect}, warranty: true,
		openLo: 16 * dayD, openHi: 70 * dayD, what: "Stopped working after a few weeks of normal use.",
		steps: func(p *play) { p.returnGoods(); p.reship(2*dayD, 10*dayD) }},
	"rejectedClosed": {typ: aftersales.RefundOnly, reasons: []aftersales.Reason{aftersales.NotAsDescribed},
		openLo: 2 * hourD, openHi: 5 * dayD, what: "Not what the listing shows.",
		steps: func(p *play) { p.wait(2*hourD, 40*hourD); p.reject() }}, // the buyer lets it close after 7 days
	"rejectedRevised": {typ: aftersales.RefundOnly, reasons: []aftersales.Reason{aftersales.QualityDefect},
		openLo: 2 * hourD, openHi: 5 * dayD, what: "Stitching came apart on the first wash.",
		steps: func(p *play) {
			p.wait(2*hourD, 30*hourD)
			p.reject()
			p.wait(3*hourD, 2*dayD)
			p.revise(p.c.RequestedMinor/2, "Half the price back would settle it; more photos attached.")
			p.wait(hourD, 20*hourD)
			p.approve()
		}},
	"complaintResolved": {typ: aftersales.Complaint, reasons: []aftersales.Reason{aftersales.ServiceAttitude, aftersales.PriceFraud},
		openLo: hourD, openHi: 5 * dayD, what: "The price went down the day after I paid, and the agent was rude about it.",
		steps: func(p *play) {
			p.wait(2*hourD, 40*hourD)
			p.resolve(p.merchant(), aftersales.ComplaintPriceDifference, "We refunded the price difference. Sorry for the experience.")
		}},
	"complaintRejected": {typ: aftersales.Complaint, reasons: []aftersales.Reason{aftersales.OtherComplaint},
		openLo: hourD, openHi: 5 * dayD, what: "The courier left the parcel at the door.",
		steps: func(p *play) {
			p.wait(2*hourD, 40*hourD)
			p.resolve(p.merchant(), aftersales.ComplaintRejected, "The carrier's proof of delivery shows a signature at the reception desk.")
		}},
	"complaintToPlatform": {typ: aftersales.Complaint, reasons: []aftersales.Reason{aftersales.OrderStatusAbnormal, aftersales.ServiceAttitude},
		openLo: hourD, openHi: 5 * dayD, what: "Marked delivered but nothing arrived, and the store does not answer.",
		steps: func(p *play) {
			p.waitThrough(49*hourD, 60*hourD) // the store lets its 48 h pass: the platform takes the complaint
			p.wait(2*hourD, 20*hourD)
			p.resolve(admin(), aftersales.ComplaintRefund, "The store did not answer; the platform refunds the order.")
		}},
	"arbitrationForBuyer": {typ: aftersales.RefundOnly, reasons: []aftersales.Reason{aftersales.NotAsDescribed, aftersales.QualityDefect},
		openLo: 2 * hourD, openHi: 5 * dayD, what: "The product is clearly different from the photos.",
		steps: func(p *play) { p.arbitrate(true) }},
	"arbitrationForMerchant": {typ: aftersales.RefundOnly, reasons: []aftersales.Reason{aftersales.NotAsDescribed},
		openLo: 2 * hourD, openHi: 5 * dayD, what: "The colour is not what I expected.",
		steps: func(p *play) { p.arbitrate(false) }},
	"arbitrationOverturned": {typ: aftersales.RefundOnly, reasons: []aftersales.Reason{aftersales.QualityDefect},
		openLo: 2 * hourD, openHi: 5 * dayD, what: "The zip broke on the second day.",
		steps: func(p *play) {
			p.appealed(false, "The store's photos are of a different batch; here is the label of mine.",
				false, "The buyer's label shows the faulty batch: the ruling is reversed, the buyer is refunded.")
		}},
	"arbitrationUpheld": {typ: aftersales.RefundOnly, reasons: []aftersales.Reason{aftersales.QualityDefect},
		openLo: 2 * hourD, openHi: 4 * dayD, what: "Arrived spoiled, photos attached.",
		steps: func(p *play) {
			p.appealed(true, "It was sent chilled; the carrier's delay is not the store's fault.",
				true, "The store chose the carrier and the packaging: the ruling stands.")
		}},
	"cancelRequest": {typ: aftersales.OrderCancel, reasons: []aftersales.Reason{aftersales.NoReason}, fromPayment: true,
		openLo: 20 * time.Minute, openHi: 20 * hourD, what: "Ordered by mistake, please cancel.",
		steps: func(p *play) {
			if p.st.r.Float64() >= p.st.spec.profile.ignores { // the others wait out the store's 24 h: approved automatically
				p.wait(20*time.Minute, 10*hourD)
				p.approve()
			}
		}},
}

// returnGoods: the store approves, the buyer ships the goods back, they arrive and the store receives them.
func (p *play) returnGoods() {
	p.wait(hourD, 30*hourD)
	p.approve()
	p.wait(6*hourD, 3*dayD)
	carrier := p.st.spec.carriers[p.st.r.IntN(len(p.st.spec.carriers))]
	tracking := trackingNumber(p.st.r, carrier)
	p.do(p.buyer(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.ShipReturn(p.st.ctx, s, k, carrier, tracking, nil, t)
	})
	p.wait(dayD, 3*dayD)
	p.do(p.merchant(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.MarkReturnDelivered(p.st.ctx, s, k, nil, t)
	})
	p.wait(2*hourD, 2*dayD)
	p.do(p.merchant(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.ReceiveReturn(p.st.ctx, s, p.pay(), k, nil, p.key("receive"), nil, t)
	})
}

// reship: the store sends the replacement or the repaired goods, and the buyer confirms them.
func (p *play) reship(lo, hi time.Duration) {
	p.wait(lo, hi)
	carrier := p.st.spec.carriers[p.st.r.IntN(len(p.st.spec.carriers))]
	tracking := trackingNumber(p.st.r, carrier)
	p.do(p.merchant(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.Reship(p.st.ctx, s, k, carrier, tracking, nil, t)
	})
	p.wait(dayD, 4*dayD)
	p.do(p.buyer(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.ConfirmReship(p.st.ctx, s, k, nil, t)
	})
}

// arbitrate: the store rejects, the buyer escalates, both write, and an admin rules once the evidence
// windows have closed. The ruling becomes final (and is carried out) 7 days later unless appealed.
func (p *play) arbitrate(forBuyer bool) {
	p.wait(2*hourD, 30*hourD)
	p.reject()
	p.wait(3*hourD, 2*dayD)
	p.do(p.buyer(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.Escalate(p.st.ctx, s, k, nil, t)
	})
	p.wait(hourD, 20*hourD)
	p.say(p.merchant(), "Our photos before packing show the item in perfect condition.")
	p.wait(hourD, 20*hourD)
	p.say(p.buyer(), "It arrived like this; the box was sealed.")
	p.wait(2*dayD, 3*dayD)
	ruling := aftersales.Ruling{ForBuyer: forBuyer, Liability: aftersales.LiabilityBuyer,
		Note: "The evidence shows the goods as described; the request is not supported."}
	if forBuyer {
		ruling.Liability = aftersales.LiabilityMerchant
		ruling.Note = "The buyer's photos show the defect and the store gave no evidence otherwise: refund in full."
	}
	p.do(admin(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.Rule(p.st.ctx, s, p.pay(), k, ruling, nil, t)
	})
}

// appealed: an arbitration ruled forBuyer, appealed by the losing side with reason, and the appeal decided
// by the second admin (uphold: the ruling stands).
func (p *play) appealed(forBuyer bool, reason string, uphold bool, note string) {
	p.arbitrate(forBuyer)
	p.wait(hourD, 5*dayD)
	loser := p.buyer()
	if forBuyer {
		loser = p.merchant()
	}
	p.appeal(loser, reason)
	p.wait(hourD, 3*dayD)
	p.decide(uphold, note)
}

func (p *play) decide(uphold bool, note string) {
	p.do(arbiter(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.DecideAppeal(p.st.ctx, s, p.pay(), k, uphold, note, p.key("decide"), nil, t)
	})
}

func (p *play) approve() {
	p.do(p.merchant(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.Approve(p.st.ctx, s, p.pay(), k, nil, p.key("approve"), nil, t)
	})
}

func (p *play) reject() {
	p.do(p.merchant(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.Reject(p.st.ctx, s, k, "Our inspection photos show the item as described and undamaged.", nil, t)
	})
}

func (p *play) resolve(who tenants.Principal, outcome, note string) {
	var amount *int64
	if outcome == aftersales.ComplaintPriceDifference {
		a := max(100, p.o.TotalMinor/10/100*100)
		amount = &a
	}
	p.do(who, func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.ResolveComplaint(p.st.ctx, s, p.pay(), k, aftersales.Resolution{Outcome: outcome, AmountMinor: amount, Note: note},
			p.key("resolve"), nil, t)
	})
}

// say posts a message on the case's thread (a step that leaves the case as it is).
func (p *play) say(who tenants.Principal, body string) {
	p.do(who, func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		if _, err := aftersales.PostMessage(p.st.ctx, s, k, body, t); err != nil {
			return p.c, err
		}
		return p.c, nil
	})
}

func (p *play) withdraw() {
	p.do(p.buyer(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.Withdraw(p.st.ctx, s, k, nil, t)
	})
}

func (p *play) revise(amount int64, description string) {
	p.do(p.buyer(), func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.Revise(p.st.ctx, s, k, &amount, &description, nil, t)
	})
}

func (p *play) appeal(who tenants.Principal, reason string) {
	p.do(who, func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error) {
		return aftersales.Appeal(p.st.ctx, s, k, reason, nil, t)
	})
}
