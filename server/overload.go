package main

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Work stops when nobody waits for it, and the server takes on no more than it can do.

// withDeadline gives each request a server-side deadline. Its database transaction inherits it (the
// session sets statement_timeout to the time left), and a client that disconnects cancels the same context,
// so its running SQL is cancelled too.
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// admission bounds the requests executing at once. Others wait in a bounded queue for at most queueWait
// (and never past their deadline); the rest are refused at once with 503 and Retry-After, which costs
// nothing, so a flood cannot pile up goroutines, memory or database connections.
type admission struct {
	slots     chan struct{}
	queued    atomic.Int64
	maxQueued int64
	queueWait time.Duration

	inFlight prometheus.Gauge
	waiting  prometheus.Gauge
	shed     *prometheus.CounterVec
}

func newAdmission(maxInFlight, maxQueued int, queueWait time.Duration, reg prometheus.Registerer) *admission {
	a := &admission{
		slots: make(chan struct{}, maxInFlight), maxQueued: int64(maxQueued), queueWait: queueWait,
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "http_requests_in_flight", Help: "API requests executing now."}),
		waiting:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "http_requests_queued", Help: "API requests waiting for a slot."}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_shed_total",
			Help: "API requests refused with 503 because the server was busy, by reason (queue_full, queue_timeout)."}, []string{"reason"}),
	}
	reg.MustRegister(a.inFlight, a.waiting, a.shed)
	return a
}

func (a *admission) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case a.slots <- struct{}{}:
		default:
			if !a.wait(w, r) {
				return
			}
		}
		a.inFlight.Inc()
		defer func() {
			a.inFlight.Dec()
			<-a.slots
		}()
		next.ServeHTTP(w, r)
	})
}

// wait queues the request for a slot; it answers 503 itself and returns false when none comes in time.
func (a *admission) wait(w http.ResponseWriter, r *http.Request) bool {
	if a.queued.Add(1) > a.maxQueued {
		a.queued.Add(-1)
		a.refuse(w, "queue_full")
		return false
	}
	a.waiting.Inc()
	defer func() {
		a.queued.Add(-1)
		a.waiting.Dec()
	}()
	timer := time.NewTimer(a.queueWait)
	defer timer.Stop()
	select {
	case a.slots <- struct{}{}:
		return true
	case <-timer.C:
		a.refuse(w, "queue_timeout")
	case <-r.Context().Done(): // the client left or the deadline passed while waiting
		a.refuse(w, "queue_timeout")
	}
	return false
}

func (a *admission) refuse(w http.ResponseWriter, reason string) {
	a.shed.WithLabelValues(reason).Inc()
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(a.queueWait.Round(time.Second)/time.Second))))
	writeError(w, http.StatusServiceUnavailable, "SERVER_BUSY", "the server is busy; retry after the number of seconds in Retry-After")
}
