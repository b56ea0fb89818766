package graph

import (
	"encoding/base64"
	"strings"

	"github.com/google/uuid"

	"tradeguard/internal/gid"
)

// Global ids are opaque to clients: base64url of "Kind:uuid[:uuid]". Store-owned objects carry their store
// id too, so a lookup by id uses the (tenant_id, id) primary key and a future Citus router knows the shard.
func globalID(kind string, ids ...uuid.UUID) string { return gid.Encode(kind, ids...) }

// parseID decodes a global id of the wanted kind with n uuids (gid.Decode).
func parseID(id, kind string, n int) (ids []uuid.UUID, ok bool) { return gid.Decode(id, kind, n) }

// idKind tells which kind a global id names ("" if it is not one of ours).
func idKind(id string) string {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return ""
	}
	kind, _, _ := strings.Cut(string(raw), ":")
	return kind
}

const (
	kindStore       = "Store"
	kindUser        = "User"
	kindProduct     = "Product"
	kindOrder       = "Order"
	kindOrderItem   = "OrderItem"
	kindAPIToken    = "ApiToken"
	kindStaffInvite = "StaffInvite"
)
