// Tandem patch, copied into FerretDB 1.24's internal/backends/sqlite by scripts/stack.sh (build_ferretdb); the
// directory's leading underscore keeps it out of tools/ferretdb's own build.
//
// Why: FerretDB 1.24's find, explain and aggregate handlers ask the backend for the one collection they read
// (ListCollections with a name, for its capped settings), and the SQLite backend answers by deep-copying and sorting
// the metadata of every collection of the database, then picking the one named. With Tandem's ~60 collections that
// was 7.7 % of FerretDB's CPU through a check-in fan-out, whose commands are mostly `_id` reads (bench/README.md,
// "KPI samples to breach alerts", 2026-11-27). The registry can copy the one collection directly.
package sqlite

import (
	"context"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
)

// tandemCollectionList answers what db.r.CollectionList(ctx, dbName) would, restricted to params.Name when it is set
// (what ListCollections keeps of the list then): nil when the database does not exist, as CollectionList answers.
func tandemCollectionList(ctx context.Context, r *metadata.Registry, dbName string, params *backends.ListCollectionsParams) ([]*metadata.Collection, error) {
	if params == nil || params.Name == "" {
		return r.CollectionList(ctx, dbName)
	}

	if r.DatabaseGetExisting(ctx, dbName) == nil {
		return nil, nil
	}

	if c := r.CollectionGet(ctx, dbName, params.Name); c != nil {
		return []*metadata.Collection{c}, nil
	}

	return nil, nil
}
