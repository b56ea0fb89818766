// Package partner is an example partner integration (an ERP's side): it calls tradeguard's GraphQL API with a
// store API token, copies the orders and cases that changed since its last run (filter.updatedSince and the
// cursor it keeps), waits out throttling and busy servers as the answers tell it, and retries what failed on
// the way. cmd/tradeguard-partner is the program; the server's tests run this package against a real server.
package partner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Client calls one tradeguard server's /graphql with a bearer token.
type Client struct {
	URL   string // the server, e.g. https://tradeguard.example.com
	Token string // a store API token (tgp_…)
	HTTP  *http.Client
	// Sleep waits between attempts (time.Sleep unless a test supplies its own clock).
	Sleep func(time.Duration)
	// MaxAttempts bounds the tries of one request (throttled, busy or failed on the network); 0: 8.
	MaxAttempts int
	// Waited records every wait and why, for the program's log and the tests.
	Waited []Wait
	// Cost is the throttle report of the last answer.
	Cost Cost
}

// Wait is one pause before trying again.
type Wait struct {
	For    time.Duration
	Reason string // "throttled", "busy" or "network"
}

// Cost is the answer's extensions.cost.
type Cost struct {
	Requested int `json:"requestedQueryCost"`
	Actual    int `json:"actualQueryCost"`
	Throttle  struct {
		Maximum   float64 `json:"maximumAvailable"`
		Available float64 `json:"currentlyAvailable"`
		Restore   float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

// GraphQLError is an error the API answered.
type GraphQLError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

func (e GraphQLError) Error() string {
	code, _ := e.Extensions["code"].(string)
	return fmt.Sprintf("%s: %s", code, e.Message)
}

// Do sends one query with variables and decodes data into out. Throttled (429) and busy (503) answers are
// tried again after their Retry-After; network errors and other 5xx after a doubling backoff from one second.
func (c *Client) Do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	attempts := c.MaxAttempts
	if attempts == 0 {
		attempts = 8
	}
	backoff := time.Second
	for try := 1; ; try++ {
		wait, reason, err := c.once(ctx, body, out)
		if err == nil || reason == "" || try == attempts {
			return err
		}
		if wait == 0 {
			wait, backoff = backoff, min(2*backoff, time.Minute)
		}
		c.Waited = append(c.Waited, Wait{For: wait, Reason: reason})
		c.sleep(wait)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// once is one attempt. A reason means it may be tried again, after wait (0: the caller's backoff).
func (c *Client) once(ctx context.Context, body []byte, out any) (wait time.Duration, reason string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, "network", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return 0, "network", err
	}
	var answer struct {
		Data       json.RawMessage `json:"data"`
		Errors     []GraphQLError  `json:"errors"`
		Extensions struct {
			Cost Cost `json:"cost"`
		} `json:"extensions"`
	}
	jsonErr := json.Unmarshal(raw, &answer)
	c.Cost = answer.Extensions.Cost
	switch {
	case res.StatusCode == http.StatusTooManyRequests:
		return retryAfter(res), "throttled", errors.New("throttled: " + firstError(answer.Errors))
	case res.StatusCode == http.StatusServiceUnavailable:
		return retryAfter(res), "busy", errors.New("server busy")
	case res.StatusCode >= 500:
		return 0, "network", fmt.Errorf("HTTP %d", res.StatusCode)
	case jsonErr != nil:
		return 0, "", fmt.Errorf("HTTP %d: the answer is not JSON: %w", res.StatusCode, jsonErr)
	case len(answer.Errors) > 0:
		return 0, "", answer.Errors[0]
	}
	return 0, "", json.Unmarshal(answer.Data, out)
}

func (c *Client) sleep(d time.Duration) {
	if c.Sleep != nil {
		c.Sleep(d)
		return
	}
	time.Sleep(d)
}

// retryAfter reads Retry-After in seconds (0 when absent or not a number: the caller backs off).
func retryAfter(res *http.Response) time.Duration {
	n, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

func firstError(errs []GraphQLError) string {
	if len(errs) == 0 {
		return "no message"
	}
	return errs[0].Message
}
