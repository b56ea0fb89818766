package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// TRADEGUARD_JWT_PREVIOUS_KEYS: comma-separated keys in hex or base64, blanks ignored; a bad key is named by
// its position.
func TestPreviousKeys(t *testing.T) {
	a, b := bytes.Repeat([]byte("a"), 32), bytes.Repeat([]byte("b"), 48)
	for _, tc := range []struct {
		env     string
		want    [][]byte
		wantErr string
	}{
		{"", nil, ""},
		{hex.EncodeToString(a), [][]byte{a}, ""},
		{" " + hex.EncodeToString(a) + " , " + base64.StdEncoding.EncodeToString(b) + ",", [][]byte{a, b}, ""},
		{hex.EncodeToString(a) + ",abcd", nil, "key 2"},
	} {
		got, err := previousKeys(config{JWTPreviousKeys: tc.env})
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want one naming %q", tc.env, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("%q: %d keys, %v; want %d", tc.env, len(got), err, len(tc.want))
			continue
		}
		for i := range got {
			if !bytes.Equal(got[i], tc.want[i]) {
				t.Errorf("%q: key %d differs", tc.env, i+1)
			}
		}
	}
}
