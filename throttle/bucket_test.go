package throttle

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func TestBucketTake(t *testing.T) {
	p := Policy{Capacity: 1000, RestorePerSecond: 50}
	for _, c := range []struct {
		name      string
		available float64
		since     time.Duration
		cost      float64
		ok        bool
		wait      time.Duration
		left      float64
	}{
		{"a full bucket pays", 1000, 0, 400, true, 0, 600},
		{"exactly what is left", 400, 0, 400, true, 0, 0},
		{"short by 100: two seconds at 50/s", 300, 0, 400, false, 2 * time.Second, 300},
		{"restored meanwhile", 300, 2 * time.Second, 400, true, 0, 0},
		{"restores up to the capacity only", 900, time.Hour, 1000, true, 0, 0},
		{"a clock gone back restores nothing", 100, -time.Minute, 200, false, 2 * time.Second, 100},
		{"more than a full bucket: never", 1000, 0, 1001, false, -1, 1000},
		{"in debt: waits it off", -200, 0, 100, false, 6 * time.Second, -200},
		{"a free request always passes", 0, 0, 0, true, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := bucket{available: c.available, at: t0}
			now := t0.Add(c.since)
			ok, wait := b.take(p, now, c.cost)
			if ok != c.ok || wait != c.wait {
				t.Fatalf("take(%v) = %v, %v; want %v, %v", c.cost, ok, wait, c.ok, c.wait)
			}
			if got := b.level(p, now); got != c.left {
				t.Fatalf("left %v, want %v", got, c.left)
			}
		})
	}
}

func TestBucketSettle(t *testing.T) {
	p := Policy{Capacity: 1000, RestorePerSecond: 50}
	for _, c := range []struct {
		name            string
		available       float64
		charged, actual float64
		left            float64
	}{
		{"refunds down to the actual cost", 200, 800, 300, 700},
		{"never past the capacity", 900, 500, 0, 1000},
		{"charges what was used beyond the estimate", 100, 100, 400, -200},
		{"exact estimate: nothing moves", 500, 500, 500, 500},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := bucket{available: c.available, at: t0}
			b.settle(p, t0, c.charged, c.actual)
			if b.available != c.left {
				t.Fatalf("left %v, want %v", b.available, c.left)
			}
		})
	}
}

func TestBucketsPerKeyAndSweep(t *testing.T) {
	now := t0
	bs := New(func() time.Time { return now })
	p := Policy{Capacity: 100, RestorePerSecond: 10}
	if ok, _, s := bs.Take("a", p, 100); !ok || s.CurrentlyAvailable != 0 || s.MaximumAvailable != 100 || s.RestoreRate != 10 {
		t.Fatalf("first take: %v %+v", ok, s)
	}
	if ok, wait, _ := bs.Take("a", p, 1); ok || wait != 100*time.Millisecond {
		t.Fatalf("empty bucket: ok %v, wait %v", ok, wait)
	}
	if ok, _, _ := bs.Take("b", p, 100); !ok {
		t.Fatal("another key has its own bucket")
	}
	if s := bs.Settle("b", p, 100, 30); s.CurrentlyAvailable != 70 {
		t.Fatalf("settled: %+v", s)
	}
	if ok, _, _ := bs.Take("x", Policy{}, 1e9); !ok || bs.Len() != 2 {
		t.Fatalf("an off policy passes and keeps no bucket: %v, %d buckets", ok, bs.Len())
	}
	// Ten seconds restore a's 100 points; the sweep a minute later drops both full buckets and keeps c's,
	// which is still short.
	now = now.Add(sweepEvery)
	bs.Take("c", Policy{Capacity: 1e6, RestorePerSecond: 1}, 1000)
	now = now.Add(time.Second)
	if n := bs.Len(); n != 1 {
		t.Fatalf("after the sweep %d buckets are kept, want 1 (c)", n)
	}
	now = now.Add(sweepEvery)
	bs.Take("d", p, 1)
	if n := bs.Len(); n != 2 {
		t.Fatalf("c (still restoring) and d are kept; got %d", n)
	}
}
