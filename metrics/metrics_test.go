package metrics

import (
	"testing"
	"time"
)

func TestWindowInTheStoresTimeZone(t *testing.T) {
	taipei, _ := time.LoadLocation("Asia/Taipei")
	la, _ := time.LoadLocation("America/Los_Angeles")
	for _, c := range []struct {
		asOf     string
		tz       *time.Location
		days     int
		wantFrom string
	}{
		// 2026-12-05 01:00 in Taipei: the 30 days are Nov 6 .. Dec 5, from midnight Taipei (16:00 UTC the day before).
		{"2026-12-04T17:00:00Z", taipei, 30, "2026-11-05T16:00:00Z"},
		{"2026-12-04T15:59:59Z", taipei, 30, "2026-11-04T16:00:00Z"}, // still Dec 4 in Taipei
		{"2026-12-04T17:00:00Z", time.UTC, 1, "2026-12-04T00:00:00Z"},
		// across the end of daylight saving time (Nov 1 2026): midnight of Oct 7 in LA is 07:00 UTC.
		{"2026-11-05T12:00:00Z", la, 30, "2026-10-07T07:00:00Z"},
	} {
		asOf, _ := time.Parse(time.RFC3339, c.asOf)
		from, to := Window(asOf, c.tz, c.days)
		if from.Format(time.RFC3339) != c.wantFrom || !to.Equal(asOf) {
			t.Errorf("Window(%s, %s, %d) = %s .. %s, want %s .. %s", c.asOf, c.tz, c.days, from.Format(time.RFC3339),
				to.Format(time.RFC3339), c.wantFrom, c.asOf)
		}
	}
}

func TestEndOfDayAndDay(t *testing.T) {
	taipei, _ := time.LoadLocation("Asia/Taipei")
	day := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	end := EndOfDay(day, taipei)
	if end.Format(time.RFC3339Nano) != "2026-12-04T15:59:59.999999Z" {
		t.Fatalf("EndOfDay = %s", end.Format(time.RFC3339Nano))
	}
	if !Day(end, taipei).Equal(day) || !Day(end.Add(time.Microsecond), taipei).Equal(day.AddDate(0, 0, 1)) {
		t.Fatalf("Day around the end of %s is wrong", day)
	}
}
