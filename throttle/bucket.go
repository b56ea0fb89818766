// Package throttle keeps a cost-based leaky bucket per caller (README: Throttling). A request is charged
// its requested cost before it runs and refunded down to its actual cost after; the bucket restores at a
// steady rate up to its capacity. golang.org/x/time/rate's token bucket was the obvious library, but it
// cannot give back part of a charge, and charging the actual cost only after the fact would let many
// concurrent requests through on one full bucket.
package throttle

import (
	"math"
	"time"
)

// Policy is one kind of caller's bucket: Capacity points at most, RestorePerSecond added back each second.
// A zero Capacity means no throttling.
type Policy struct {
	Capacity         float64
	RestorePerSecond float64
}

// Off reports whether the policy throttles nothing.
func (p Policy) Off() bool { return p.Capacity <= 0 }

// State is what a caller sees of its bucket after a request.
type State struct {
	MaximumAvailable   float64
	CurrentlyAvailable float64
	RestoreRate        float64
}

// bucket is one caller's points at a moment; it restores lazily, when next touched.
type bucket struct {
	available float64
	at        time.Time
	policy    Policy // the one it was last charged under, for the sweep
}

// level is what b holds at now under p: what it held, plus what restored since, up to capacity. A clock
// that went back restores nothing.
func (b bucket) level(p Policy, now time.Time) float64 {
	elapsed := now.Sub(b.at).Seconds()
	if elapsed < 0 {
		elapsed = 0
	}
	return math.Min(p.Capacity, b.available+elapsed*p.RestorePerSecond)
}

// take charges cost if the bucket holds it at now. When it does not, wait is how long until it would.
func (b *bucket) take(p Policy, now time.Time, cost float64) (ok bool, wait time.Duration) {
	have := b.level(p, now)
	if cost <= have {
		b.available, b.at = have-cost, now
		return true, 0
	}
	if cost > p.Capacity || p.RestorePerSecond <= 0 {
		return false, -1 // never: no full bucket holds it
	}
	return false, time.Duration(math.Ceil((cost - have) / p.RestorePerSecond * float64(time.Second)))
}

// settle gives back what was charged beyond the actual cost (or charges what the request used beyond it;
// the bucket may then go below zero, and the caller waits that off).
func (b *bucket) settle(p Policy, now time.Time, charged, actual float64) {
	have := b.level(p, now)
	b.available, b.at = math.Min(p.Capacity, have+charged-actual), now
}

func state(p Policy, available float64) State {
	return State{MaximumAvailable: p.Capacity, CurrentlyAvailable: available, RestoreRate: p.RestorePerSecond}
}
