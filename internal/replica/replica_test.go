package replica

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	fresh := state{up: true, checked: ago(100 * time.Millisecond), caughtUp: ago(300 * time.Millisecond), interval: 250 * time.Millisecond}
	with := func(f func(*state)) state { s := fresh; f(&s); return s }
	for _, c := range []struct {
		name    string
		s       state
		allowed time.Duration
		want    string
	}{
		{"caught up", fresh, 10 * time.Second, ""},
		{"down", with(func(s *state) { s.up = false }), 10 * time.Second, "replica_down"},
		{"checks stalled", with(func(s *state) { s.checked = ago(3 * time.Second) }), 10 * time.Second, "replica_unchecked"},
		{"never caught up", with(func(s *state) { s.caughtUp = time.Time{} }), 10 * time.Second, "too_stale"},
		{"staler than allowed", fresh, 200 * time.Millisecond, "too_stale"},
		{"primary asked for", fresh, 0, "too_stale"},
		{"exactly as stale as allowed", fresh, 300 * time.Millisecond, ""},
		{"own write not replayed", with(func(s *state) { s.wrote = ago(100 * time.Millisecond) }), 10 * time.Second, "own_write"},
		{"own write replayed", with(func(s *state) { s.wrote = ago(time.Second) }), 10 * time.Second, ""},
	} {
		if got := decide(c.s, now, c.allowed); got != c.want {
			t.Errorf("%s: decide = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCaughtUpTo(t *testing.T) {
	t0 := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	h := []sample{{t0, 100}, {t0.Add(time.Second), 200}, {t0.Add(2 * time.Second), 300}}
	for _, c := range []struct {
		replayed uint64
		want     time.Time
		ok       bool
	}{
		{99, time.Time{}, false},
		{100, t0, true},
		{250, t0.Add(time.Second), true},
		{300, t0.Add(2 * time.Second), true},
		{1 << 40, t0.Add(2 * time.Second), true},
	} {
		got, ok := caughtUpTo(h, c.replayed)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("caughtUpTo(%d) = %v, %v; want %v, %v", c.replayed, got, ok, c.want, c.ok)
		}
	}
}

func TestParseLSN(t *testing.T) {
	for in, want := range map[string]uint64{"0/0": 0, "16/B374D848": 0x16<<32 | 0xB374D848, "FFFFFFFF/FFFFFFFF": 1<<64 - 1} {
		if got, err := ParseLSN(in); err != nil || got != want {
			t.Errorf("ParseLSN(%q) = %x, %v; want %x", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "16", "x/1", "1/100000000", "1/-1"} {
		if _, err := ParseLSN(bad); err == nil {
			t.Errorf("ParseLSN(%q): no error", bad)
		}
	}
}

func TestParseStaleness(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "2.5": 2500 * time.Millisecond, " 10 ": 10 * time.Second} {
		if got, err := ParseStaleness(in); err != nil || got != want {
			t.Errorf("ParseStaleness(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "NaN", "1e9", "5s", "Inf"} {
		if _, err := ParseStaleness(bad); err == nil {
			t.Errorf("ParseStaleness(%q): no error", bad)
		}
	}
}
