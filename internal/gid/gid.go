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
