package tenants_test

import (
	"errors"
	"strings"
	"testing"

	"tradeguard/tenants"
)

func TestPasswordRoundTrip(t *testing.T) {
	for _, pw := range []string{"demo-password", "", "密碼-with-ünïcode", strings.Repeat("long", 64)} {
		h, err := tenants.HashPassword(pw)
		if err != nil {
			t.Fatalf("HashPassword(%q): %v", pw, err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$") {
			t.Errorf("hash %q is not an argon2id PHC string", h)
		}
		if strings.Contains(h, pw) && pw != "" {
			t.Errorf("hash contains the password")
		}
		ok, err := tenants.CheckPassword(h, pw)
		if err != nil || !ok {
			t.Errorf("CheckPassword(right password %q) = %v, %v", pw, ok, err)
		}
		ok, err = tenants.CheckPassword(h, pw+"x")
		if err != nil || ok {
			t.Errorf("CheckPassword(wrong password) = %v, %v", ok, err)
		}
	}
}

func TestPasswordWrongIsFalse(t *testing.T) {
	h, err := tenants.HashPassword("demo-password")
	if err != nil {
		t.Fatal(err)
	}
	for _, wrong := range []string{"Demo-password", "demo-passwor", "demo-password ", "", "DEMO-PASSWORD"} {
		if ok, err := tenants.CheckPassword(h, wrong); ok || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want false, nil", wrong, ok, err)
		}
	}
}

func TestPasswordHashesAreSalted(t *testing.T) {
	a, err := tenants.HashPassword("same")
	if err != nil {
		t.Fatal(err)
	}
	b, err := tenants.HashPassword("same")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("two hashes of the same password are identical: %q", a)
	}
	sa, sb := strings.Split(a, "$")[4], strings.Split(b, "$")[4]
	if sa == sb {
		t.Fatalf("two hashes share the salt %q", sa)
	}
	for _, h := range []string{a, b} {
		if ok, err := tenants.CheckPassword(h, "same"); !ok || err != nil {
			t.Fatalf("CheckPassword = %v, %v", ok, err)
		}
	}
}

func TestPasswordMalformedEncodings(t *testing.T) {
	good, err := tenants.HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=..,t=..,p=.., salt, key
	join := func(p ...string) string { return strings.Join(p, "$") }
	cases := map[string]string{
		"empty":                 "",
		"plain text":            "pw",
		"bcrypt":                "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i, not argon2id": join("", "argon2i", parts[2], parts[3], parts[4], parts[5]),
		"too few fields":        join("", "argon2id", parts[2], parts[3], parts[4]),
		"too many fields":       good + "$extra",
		"unsupported version":   join("", "argon2id", "v=16", parts[3], parts[4], parts[5]),
		"garbled version":       join("", "argon2id", "version", parts[3], parts[4], parts[5]),
		"garbled parameters":    join("", "argon2id", parts[2], "m=lots", parts[4], parts[5]),
		"salt not base64":       join("", "argon2id", parts[2], parts[3], "!!!not-base64!!!", parts[5]),
		"key not base64":        join("", "argon2id", parts[2], parts[3], parts[4], "!!!not-base64!!!"),
		// Degenerate parameters must be refused, not passed on to argon2 (which panics on them) and not
		// turned into a hash that every password matches.
		"zero passes":      join("", "argon2id", parts[2], "m=19456,t=0,p=1", parts[4], parts[5]),
		"zero parallelism": join("", "argon2id", parts[2], "m=19456,t=2,p=0", parts[4], parts[5]),
		"empty key":        join("", "argon2id", parts[2], parts[3], parts[4], ""),
	}
	for name, enc := range cases {
		t.Run(name, func(t *testing.T) {
			ok, err := checkNoPanic(t, enc, "pw")
			if err == nil {
				t.Fatalf("CheckPassword(%q) = %v, nil; want an error", enc, ok)
			}
			if ok {
				t.Fatalf("CheckPassword(%q) reported a match along with error %v", enc, err)
			}
		})
	}
}

// checkNoPanic calls CheckPassword and turns a panic into a test failure, so one bad case does not end the run.
func checkNoPanic(t *testing.T, enc, pw string) (ok bool, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("CheckPassword(%q) panicked: %v", enc, r)
			ok, err = false, errPanicked
		}
	}()
	return tenants.CheckPassword(enc, pw)
}

var errPanicked = errors.New("panicked")
