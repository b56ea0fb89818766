package graph

import (
	"errors"

	"github.com/lib/pq"
)

// isSerializationFailure: PostgreSQL refused a commit because of a concurrent change (40001, 40P01).
func isSerializationFailure(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
