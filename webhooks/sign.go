package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery. The signature covers the timestamp and the body: "<unix seconds>.<body>".
const (
	HeaderEventID   = "Tradeguard-Event-Id"
	HeaderTopic     = "Tradeguard-Topic"
	HeaderTimestamp = "Tradeguard-Timestamp"
	HeaderSignature = "Tradeguard-Signature"
)

// Sign is the hex HMAC-SHA256 of "<ts>.<body>" under secret.
func Sign(secret string, ts time.Time, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10) + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// SignatureHeader is "v1=<sig>" for each secret in force: during a rotation, the new and the previous one,
// so a receiver still holding the old secret keeps verifying until it switches.
func SignatureHeader(ts time.Time, body []byte, secrets ...string) string {
	parts := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if s != "" {
			parts = append(parts, "v1="+Sign(s, ts, body))
		}
	}
	return strings.Join(parts, ",")
}

// Verify is what a receiver does: the timestamp within tolerance of now, and one v1 signature matching.
func Verify(secret, header, timestamp string, body []byte, now time.Time, tolerance time.Duration) bool {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return false
	}
	want := Sign(secret, ts, body)
	for _, p := range strings.Split(header, ",") {
		if sig, ok := strings.CutPrefix(strings.TrimSpace(p), "v1="); ok && hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}
