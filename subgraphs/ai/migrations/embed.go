// Package migrations holds the ai database's versioned SQL migrations (NNN_name.sql),
// applied at start-up with platform/postgres.Migrate.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed *.sql
var files embed.FS

// FS returns the migration files.
func FS() fs.FS { return files }
