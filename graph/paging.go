package graph

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"tradeguard/graph/limits"
	"tradeguard/graph/model"
	"tradeguard/internal/changefeed"
)

// MaxPageSize is the largest `first` any connection accepts (checked before execution, see limits.go).
const MaxPageSize = limits.MaxPageSize

func pageSize(first *int) int {
	if first == nil {
		return 20
	}
	return *first
}

// Keyset cursors: base64url("<unix nanos>|<uuid>") of the last row's sort key. Opaque to clients.
func timeCursor(t time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixNano(), 10) + "|" + id.String()))
}

func parseTimeCursor(after *string) (t time.Time, id uuid.UUID, ok bool, err error) {
	if after == nil || *after == "" {
		return time.Time{}, uuid.Nil, false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*after)
	nanos, idText, found := strings.Cut(string(raw), "|")
	n, err2 := strconv.ParseInt(nanos, 10, 64)
	id, err3 := uuid.Parse(idText)
	if err != nil || !found || err2 != nil || err3 != nil {
		return time.Time{}, uuid.Nil, false, badInput("after", "is not a cursor from this connection")
	}
	return time.Unix(0, n).UTC(), id, true, nil
}

// Change cursors, of lists with filter.updatedSince: base64url("c<transaction id>|<uuid>") of the last row's
// place in the change feed.
func changeCursor(xid uint64, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c" + strconv.FormatUint(xid, 10) + "|" + id.String()))
}

func parseChangeCursor(after *string) (*changefeed.Position, error) {
	if after == nil || *after == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*after)
	xid, idText, found := strings.Cut(strings.TrimPrefix(string(raw), "c"), "|")
	n, err2 := strconv.ParseUint(xid, 10, 64)
	id, err3 := uuid.Parse(idText)
	if err != nil || !found || !strings.HasPrefix(string(raw), "c") || err2 != nil || err3 != nil {
		return nil, badInput("after", "is not a cursor of this list with filter.updatedSince (a list without it has other cursors)")
	}
	return &changefeed.Position{XID: n, ID: id}, nil
}

func pageInfo(cursors []string, more bool) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: more}
	if len(cursors) > 0 {
		pi.StartCursor, pi.EndCursor = &cursors[0], &cursors[len(cursors)-1]
	}
	return pi
}

func badInput(arg, problem string) error {
	return &inputError{field: arg, msg: fmt.Sprintf("argument %q %s", arg, problem)}
}

// inputError is a malformed argument in a query (mutations report input problems as userErrors instead).
// field (extensions.field) names the argument, as the pre-execution value checks do.
type inputError struct{ field, msg string }

func (e *inputError) Error() string { return e.msg }
