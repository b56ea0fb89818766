package partner

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event is a webhook delivery's body.
type Event struct {
	ID         string          `json:"id"`
	Topic      string          `json:"topic"`
	OccurredAt time.Time       `json:"occurredAt"`
	StoreID    string          `json:"storeId"`
	SubjectID  string          `json:"subjectId"`
	Data       json.RawMessage `json:"data"`
}

// Receiver is the partner's webhook endpoint: it answers 401 to a request whose Tradeguard-Signature does not
// verify with one of secrets (the new and the old one while rotating) or whose timestamp is more than five
// minutes off (a replay), and hands each event to handle once: deliveries are at least once, so an event id
// already handled is acknowledged and skipped. handle failing answers 500, and tradeguard tries again.
func Receiver(secrets []string, handle func(Event) error) http.Handler {
	var mu sync.Mutex
	done := map[string]bool{} // a real integration keeps these in its own database
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || !signed(secrets, r.Header.Get("Tradeguard-Signature"), r.Header.Get("Tradeguard-Timestamp"), body, time.Now()) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var e Event
		if err := json.Unmarshal(body, &e); err != nil || e.ID == "" {
			http.Error(w, "not an event", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if done[e.ID] {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if err := handle(e); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		done[e.ID] = true
		w.WriteHeader(http.StatusNoContent)
	})
}

// signed checks "v1=<hex HMAC-SHA256 of "<timestamp>.<body>">" against each secret.
func signed(secrets []string, header, timestamp string, body []byte, now time.Time) bool {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	for _, secret := range secrets {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(timestamp + "."))
		m.Write(body)
		want := hex.EncodeToString(m.Sum(nil))
		for _, p := range strings.Split(header, ",") {
			if sig, ok := strings.CutPrefix(strings.TrimSpace(p), "v1="); ok && hmac.Equal([]byte(sig), []byte(want)) {
				return true
			}
		}
	}
	return false
}
