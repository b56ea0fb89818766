// Package exports makes bulk exports (README: Bulk export): a store's orders, cases, ratings or violations
// as one JSONL or CSV file, written in the background from one snapshot and downloaded in chunks, so that
// neither making nor serving a file of a million orders holds more than a chunk in memory.
package exports

import (
	"strings"

	"tradeguard/tenants"
)

// Kinds of export.
const (
	Orders     = "ORDERS"
	Cases      = "CASES"
	Ratings    = "RATINGS"
	Violations = "VIOLATIONS"
)

// Formats of export.
const (
	JSONL = "JSONL"
	CSV   = "CSV"
)

// column is one field of an exported row: its name (the JSON key and CSV header) and the SQL that reads it
// from the kind's table (alias t). IDs are the API's global ids (global_id, migration 00016), money is in
// minor units beside its currency, times are RFC 3339 in UTC.
type column struct{ name, expr string }

// kind is what one kind of export reads: its table, its columns, the scope a partner token needs, and
// whether it has the change feed's changed_at (updatedSince).
type kind struct {
	table        string
	scope        tenants.Scope
	created      string // the column createdFrom/createdTo compare
	updatedSince bool
	columns      []column
}

var kinds = map[string]kind{
	Orders: {table: "orders", scope: tenants.ScopeOrdersRead, created: "created_at", updatedSince: true, columns: []column{
		{"id", "global_id('Order', t.tenant_id, t.id)"}, {"number", "t.number"}, {"status", "t.status"},
		{"currency", "t.currency"}, {"subtotalMinor", "t.subtotal_minor"}, {"shippingMinor", "t.shipping_minor"},
		{"totalMinor", "t.total_minor"}, {"paidMinor", "t.paid_minor"}, {"refundedMinor", "t.refunded_minor"},
		{"paymentMethod", "t.payment_method"}, {"buyerName", "t.buyer_name"}, {"shipName", "t.ship_name"},
		{"shipPhone", "t.ship_phone"}, {"shipAddress", "t.ship_address"}, {"createdAt", "t.created_at"},
		{"paidAt", "t.paid_at"}, {"shipBy", "t.ship_by"}, {"shippedAt", "t.shipped_at"}, {"carrier", "t.carrier"},
		{"trackingNumber", "t.tracking_number"}, {"deliveredAt", "t.delivered_at"}, {"completedAt", "t.completed_at"},
		{"cancelledAt", "t.cancelled_at"}, {"cancelledBy", "t.cancelled_by"}, {"cancelReason", "t.cancel_reason"},
		{"updatedAt", "t.changed_at"},
		{"items", `(select coalesce(json_agg(json_build_object('id', global_id('OrderItem', i.tenant_id, i.id),
			'position', i.position, 'productId', global_id('Product', i.tenant_id, i.product_id), 'title', i.title,
			'quantity', i.quantity, 'unitPriceMinor', i.unit_price_minor,
			'giftOf', case when i.gift_of is not null then global_id('OrderItem', i.tenant_id, i.gift_of) end,
			'declaredValueMinor', i.declared_value_minor) order by i.position), '[]')
			from order_items i where i.tenant_id = t.tenant_id and i.order_id = t.id)`},
	}},
	Cases: {table: "cases", scope: tenants.ScopeCasesRead, created: "created_at", updatedSince: true, columns: []column{
		{"id", "global_id('AfterSalesCase', t.tenant_id, t.id)"}, {"number", "t.number"},
		{"orderId", "global_id('Order', t.tenant_id, t.order_id)"},
		{"orderNumber", "(select o.number from orders o where o.tenant_id = t.tenant_id and o.id = t.order_id)"},
		{"type", "t.type"}, {"status", "t.status"}, {"reason", "t.reason"}, {"reasonCategory", "t.reason_category"},
		{"description", "t.description"}, {"currency", "t.currency"}, {"requestedMinor", "t.requested_minor"},
		{"approvedMinor", "t.approved_minor"}, {"refundedMinor", "t.refunded_minor"}, {"respondBy", "t.respond_by"},
		{"createdAt", "t.created_at"}, {"approvedAt", "t.approved_at"}, {"rejectedAt", "t.rejected_at"},
		{"rejectionReason", "t.rejection_reason"}, {"firstResponseAt", "t.first_response_at"},
		{"escalatedAt", "t.escalated_at"}, {"refundedAt", "t.refunded_at"}, {"ruling", "t.ruling"},
		{"liability", "t.liability"}, {"ruledAt", "t.ruled_at"}, {"updatedAt", "t.changed_at"},
		{"items", `(select coalesce(json_agg(json_build_object('orderItemId', global_id('OrderItem', i.tenant_id, i.order_item_id),
			'quantity', i.quantity) order by i.order_item_id), '[]')
			from case_items i where i.tenant_id = t.tenant_id and i.case_id = t.id)`},
	}},
	Ratings: {table: "ratings", scope: tenants.ScopeRatingsRead, created: "created_at", columns: []column{
		{"id", "global_id('Rating', t.tenant_id, t.id)"}, {"orderId", "global_id('Order', t.tenant_id, t.order_id)"},
		{"overall", "t.overall"}, {"descriptionMatch", "t.description_match"}, {"serviceAttitude", "t.service_attitude"},
		{"logisticsSpeed", "t.logistics_speed"}, {"negative", "t.negative"}, {"comment", "t.comment"},
		{"createdAt", "t.created_at"}, {"revisedAt", "t.revised_at"}, {"reply", "t.reply"}, {"repliedAt", "t.replied_at"},
	}},
	Violations: {table: "violations", scope: tenants.ScopeMetricsRead, created: "issued_at", columns: []column{
		{"id", "global_id('Violation', t.tenant_id, t.id)"}, {"code", "t.code"}, {"track", "t.track"},
		{"points", "t.points"}, {"issuedAt", "t.issued_at"}, {"expiresAt", "t.expires_at"}, {"issuedBy", "t.issued_by"},
		{"note", "t.note"}, {"evidence", "t.evidence"},
		{"caseId", "case when t.case_id is not null then global_id('AfterSalesCase', t.tenant_id, t.case_id) end"},
		{"status", "t.status"}, {"appealReason", "t.appeal_reason"}, {"appealedAt", "t.appealed_at"},
		{"decidedAt", "t.decided_at"}, {"decisionNote", "t.decision_note"},
	}},
}

// Header is the CSV header (and the JSONL keys, in order) of a kind.
func Header(k string) []string {
	cols := kinds[k].columns
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.name
	}
	return h
}

// rowSQL is the select list of one exported row: a JSON object for JSONL, a JSON array (decoded into CSV
// fields) for CSV. Building the row's JSON in PostgreSQL keeps the Go side to copying text.
func (k kind) rowSQL(format string) string {
	var b strings.Builder
	if format == JSONL {
		b.WriteString("json_build_object(")
		for i, c := range k.columns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("'" + c.name + "', " + c.expr)
		}
	} else {
		b.WriteString("json_build_array(")
		for i, c := range k.columns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.expr)
		}
	}
	b.WriteString(")::text")
	return b.String()
}

// where is the filter of a kind's rows after the keyset position ($1: the last id written) and the
// filter's bounds ($2 created from, $3 created to, $4 updated since; null: none).
func (k kind) where() string {
	w := "t.tenant_id = app.tenant_id() and ($1::uuid is null or t.id > $1)" +
		" and ($2::timestamptz is null or t." + k.created + " >= $2) and ($3::timestamptz is null or t." + k.created + " < $3)"
	if k.updatedSince {
		w += " and ($4::timestamptz is null or t.changed_at >= $4)"
	} else {
		w += " and $4::timestamptz is null"
	}
	return w
}
