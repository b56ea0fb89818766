package main

import (
	"log/slog"
	"maps"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/lifecycle"
	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/retention"
	"tradeguard/scheduler"
	"tradeguard/scoring"
	"tradeguard/violations"
)

// newScheduler wires every domain's deadline handlers into the one runner.
func newScheduler(db *sqlx.DB, now func() time.Time, pay payments.Adapter, log *slog.Logger, m *scheduler.Metrics) *scheduler.Runner {
	handlers := map[string]scheduler.Handler{}
	maps.Copy(handlers, orders.Handlers(pay))
	maps.Copy(handlers, lifecycle.Handlers())
	maps.Copy(handlers, aftersales.Handlers(pay))
	maps.Copy(handlers, violations.Handlers())
	maps.Copy(handlers, scoring.Handlers())
	maps.Copy(handlers, retention.Handlers())
	return &scheduler.Runner{DB: db, Now: now, Handlers: handlers, Log: log, Metrics: m}
}

// schedulerWorkers: how many of a process's connections drain due deadlines at once (BenchmarkSchedulerDrain).
const schedulerWorkers = 2
