package model

import (
	"time"

	"tradeguard/metrics"
	"tradeguard/tenants"
)

// Metric is one rate metric as the API shows it. Store and AsOf let its orders and trend be resolved; Trends
// is shared by the metrics of one StoreMetrics, so a page asking every metric's trend computes them once.
type Metric struct {
	Key              string    `json:"key"`
	WindowDays       int       `json:"windowDays"`
	From             time.Time `json:"from"`
	To               time.Time `json:"to"`
	Numerator        int       `json:"numerator"`
	Denominator      int       `json:"denominator"`
	Rate             float64   `json:"rate"`
	InsufficientData bool      `json:"insufficientData"`
	Excellent        float64   `json:"excellent"`
	Threshold        float64   `json:"threshold"`
	Status           string    `json:"status"`

	Store  tenants.Store       `json:"-"`
	AsOf   time.Time           `json:"-"`
	Trends *metrics.TrendCache `json:"-"`
}
