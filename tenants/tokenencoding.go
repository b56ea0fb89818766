package tenants

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// checkEncoding refuses what golang-jwt accepts but the RFCs do not, before the token is parsed (it costs
// one decode of at most MaxTokenBytes):
//   - a `crit` header parameter (RFC 7515 §4.1.11): this server understands no extension, so a token that
//     says one must be understood cannot be accepted;
//   - `exp`, `nbf` or `iat` that is not a JSON number (RFC 7519 §2, NumericDate): golang-jwt reads a quoted
//     "1700000000" as a date too.
func checkEncoding(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("not three segments")
	}
	var header map[string]json.RawMessage
	if err := decodeSegment(parts[0], &header); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if _, ok := header["crit"]; ok {
		return errors.New("header has crit, and no extension is understood")
	}
	var claims map[string]json.RawMessage
	if err := decodeSegment(parts[1], &claims); err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		v, ok := claims[name]
		if !ok {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(v))
		d.UseNumber()
		var x any
		if err := d.Decode(&x); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, isNumber := x.(json.Number); !isNumber {
			return fmt.Errorf("%s is not a number (RFC 7519 NumericDate)", name)
		}
	}
	return nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
