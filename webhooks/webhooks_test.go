package webhooks

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url      string
		loopback bool
		problem  string // "" when allowed
	}{
		{"https://erp.example.com/hooks/tradeguard", false, ""},
		{"https://93.184.216.34:8443/in", false, ""},
		{"http://erp.example.com/in", false, "must be https://"},
		{"http://127.0.0.1:9000/in", true, ""},
		{"https://127.0.0.1/in", false, "not a public address"},
		{"https://localhost/in", false, "localhost"},
		{"https://10.1.2.3/in", false, "not a public address"},
		{"https://192.168.0.10/in", true, "not a public address"}, // loopback allowed; private never
		{"https://169.254.169.254/latest/meta-data", true, "not a public address"},
		{"https://[::1]/in", false, "not a public address"},
		{"https://[fe80::1]/in", true, "not a public address"},
		{"https://[fd00::1]/in", true, "not a public address"},
		{"https://100.64.0.1/in", false, "not a public address"},
		{"https://0.0.0.0/in", false, "not a public address"},
		{"https://[::ffff:127.0.0.1]/in", false, "not a public address"},
		{"ftp://erp.example.com/in", true, "must be https://"},
		{"https://user:pw@erp.example.com/in", false, "user name"},
		{"https://erp.example.com/in#x", false, "fragment"},
		{"/relative", false, "absolute"},
		{"https://erp.example.com/" + strings.Repeat("a", 2000), false, "longer than 2000"},
	} {
		err := Endpoints{AllowLoopback: c.loopback}.CheckURL(c.url)
		switch {
		case c.problem == "" && err != nil:
			t.Errorf("%s (loopback %v): refused: %v", c.url, c.loopback, err)
		case c.problem != "" && (err == nil || !strings.Contains(err.Error(), c.problem)):
			t.Errorf("%s (loopback %v): want %q, got %v", c.url, c.loopback, c.problem, err)
		}
	}
}

// The dialer checks the address it actually connects to, whatever name led there (DNS rebinding).
func TestDialRefusesWhatTheRulesRefuse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ctx := context.Background()
	if _, err := (Endpoints{}).DialContext(ctx, "tcp", ln.Addr().String()); err == nil || !strings.Contains(err.Error(), "not a public address") {
		t.Fatalf("loopback dialled without the flag: %v", err)
	}
	c, err := (Endpoints{AllowLoopback: true}).DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("loopback with the flag: %v", err)
	}
	c.Close()
}

func TestSignAndVerify(t *testing.T) {
	at := time.Unix(1_790_000_000, 0)
	body := []byte(`{"id":"e1"}`)
	h := SignatureHeader(at, body, "new-secret", "old-secret")
	if !strings.HasPrefix(h, "v1=") || strings.Count(h, "v1=") != 2 {
		t.Fatalf("header %q", h)
	}
	ts := "1790000000"
	for _, c := range []struct {
		name, secret, ts string
		body             []byte
		now              time.Time
		ok               bool
	}{
		{"the new secret", "new-secret", ts, body, at, true},
		{"the previous secret, during the overlap", "old-secret", ts, body, at, true},
		{"another secret", "other", ts, body, at, false},
		{"a changed body", "new-secret", ts, []byte(`{"id":"e2"}`), at, false},
		{"a changed timestamp", "new-secret", "1790000001", body, at, false},
		{"too old (a replay)", "new-secret", ts, body, at.Add(6 * time.Minute), false},
		{"not a number", "new-secret", "soon", body, at, false},
	} {
		if got := Verify(c.secret, h, c.ts, c.body, c.now, 5*time.Minute); got != c.ok {
			t.Errorf("%s: verified %v, want %v", c.name, got, c.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	total := time.Duration(0)
	for i, w := range want {
		if got := Backoff(i + 1); got != w {
			t.Errorf("after attempt %d: %s, want %s", i+1, got, w)
		}
	}
	n := 0
	for total < GiveUpAfter {
		n++
		total += Backoff(n)
	}
	if n < 20 || n > 40 {
		t.Errorf("%d attempts in %s; the README says about 30", n, GiveUpAfter)
	}
}
