package throttle

import (
	"sync"
	"time"
)

// Buckets are every caller's buckets in this process, by key (an API token's or a user's id). A bucket
// that has restored to full is the same as none, so such buckets are dropped now and then: memory follows
// the callers active in the last restore period, not every caller ever seen.
type Buckets struct {
	now func() time.Time

	mu        sync.Mutex
	m         map[string]*bucket
	lastSweep time.Time
}

// sweepEvery is how often full buckets are dropped (at most once per period, by the request that notices).
const sweepEvery = time.Minute

// New makes empty buckets reading time from now (time.Now in production; a test's own clock in tests).
func New(now func() time.Time) *Buckets {
	return &Buckets{now: now, m: map[string]*bucket{}, lastSweep: now()}
}

// Take charges cost to key's bucket under p. ok is false when the bucket does not hold cost; then
// retryAfter is how long until it will (negative: never, the cost is above the capacity). Under an Off
// policy every request passes and the state is zero.
func (bs *Buckets) Take(key string, p Policy, cost int) (ok bool, retryAfter time.Duration, s State) {
	if p.Off() {
		return true, 0, State{}
	}
	now := bs.now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	bs.sweep(now)
	b := bs.m[key]
	if b == nil {
		b = &bucket{available: p.Capacity, at: now}
		bs.m[key] = b
	}
	b.policy = p
	ok, retryAfter = b.take(p, now, float64(cost))
	return ok, retryAfter, state(p, b.level(p, now))
}

// Settle refunds key's bucket down to the request's actual cost, after it ran, and returns the state.
func (bs *Buckets) Settle(key string, p Policy, charged, actual int) State {
	if p.Off() {
		return State{}
	}
	now := bs.now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.m[key]
	if b == nil { // swept in between: it was full, and stays so
		return state(p, p.Capacity)
	}
	b.settle(p, now, float64(charged), float64(actual))
	return state(p, b.available)
}

// Len is how many buckets are kept (for tests and the metrics).
func (bs *Buckets) Len() int {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return len(bs.m)
}

func (bs *Buckets) sweep(now time.Time) {
	if now.Sub(bs.lastSweep) < sweepEvery {
		return
	}
	bs.lastSweep = now
	for k, b := range bs.m {
		if b.level(b.policy, now) >= b.policy.Capacity {
			delete(bs.m, k)
		}
	}
}
