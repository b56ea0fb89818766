package testdb

import (
	"testing"
	"time"
)

// TestReplica: the standby streams the primary's writes, holds them back while replay is paused, and comes
// back after a stop with what it missed.
func TestReplica(t *testing.T) {
	primary := open(t, New(t))
	if _, err := primary.Exec(`create table replicated (n int)`); err != nil {
		t.Fatal(err)
	}
	r := StartReplica(t)
	standby := open(t, r.DSN("postgres", ""))
	count := func() string { return scan(t, standby, `select count(*)::text from replicated`) }
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for got := count(); got != want; got = count() {
			if time.Now().After(deadline) {
				t.Fatalf("the replica has %s rows, want %s", got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	insert := func() {
		if _, err := primary.Exec(`insert into replicated values (1)`); err != nil {
			t.Fatal(err)
		}
	}
	insert()
	waitFor("1")
	if _, err := standby.Exec(`insert into replicated values (2)`); err == nil {
		t.Fatal("the replica accepted a write")
	}
	r.PauseReplay(t)
	insert()
	time.Sleep(300 * time.Millisecond)
	if got := count(); got != "1" {
		t.Fatalf("replay is paused, yet the replica has %s rows", got)
	}
	r.ResumeReplay(t)
	waitFor("2")
	r.Stop(t)
	insert()
	r.Start(t)
	waitFor("3")
}
