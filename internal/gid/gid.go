// Package gid encodes the API's global ids: base64url of "Kind:uuid[:uuid]" (graph decodes them; webhook
// payloads carry them so a partner can look the object up).
package gid

import (
	"encoding/base64"
	"strings"

	"github.com/google/uuid"
)

// Encode is the global id of an object of kind with its ids (a store-owned object: its store, then its own).
func Encode(kind string, ids ...uuid.UUID) string {
	parts := []string{kind}
	for _, id := range ids {
		parts = append(parts, id.String())
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ":")))
}

// Decode reads a global id of the wanted kind with n uuids; ok is false for anything else, which callers
// answer exactly like a missing object.
func Decode(id, kind string, n int) (ids []uuid.UUID, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return nil, false
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != n+1 || parts[0] != kind {
		return nil, false
	}
	for _, p := range parts[1:] {
		u, err := uuid.Parse(p)
		if err != nil {
			return nil, false
		}
		ids = append(ids, u)
	}
	return ids, true
}
