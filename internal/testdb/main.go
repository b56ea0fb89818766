package testdb

import (
	"os"
	"testing"
)

// Main runs the tests, then Cleanup, and exits with the tests' status. A test package that uses testdb calls
// it as its whole TestMain: func TestMain(m *testing.M) { testdb.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}
