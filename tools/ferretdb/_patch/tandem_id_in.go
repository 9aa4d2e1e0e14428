// Tandem patch, copied into FerretDB 1.24's internal/backends/sqlite by scripts/stack.sh (build_ferretdb); the
// directory's leading underscore keeps it out of tools/ferretdb's own build.
//
// Why: FerretDB 1.24's SQLite backend narrows its SQL only for an `_id` equality, so `{_id: {$in: [a, b, ...]}}`
// (one read for many documents by id, as a check-in firing does for 25 members at a time) reads and decodes every
// row of the collection. MongoDB serves it from its _id index. Every handler filters what the backend returns again
// in Go, so narrowing the SQL to the rows whose _id is one of the listed values is right whatever else the filter
// says; FilterPushdown stays false (Explain still reports the pushdown as full only for a lone _id equality).
package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// tandemIDInMax bounds the values pushed down (SQL parameters); a longer list is filtered in Go as before.
const tandemIDInMax = 1000

// tandemIDIn returns `WHERE <_id> IN (?, ...)` and its arguments when filter's `_id` is `{$in: [...]}` of 1 to
// tandemIDInMax strings and ObjectIDs, and where and args unchanged otherwise (also when where is already set: an
// `_id` equality). Any other value type in the list keeps the scan, since SQL would compare it by its JSON text
// where MongoDB compares numbers across types.
func tandemIDIn(filter *types.Document, where string, args []any) (string, []any) {
	if where != "" || filter == nil {
		return where, args
	}

	v, _ := filter.Get("_id")
	ops, ok := v.(*types.Document)
	if !ok {
		return where, args
	}

	in, _ := ops.Get("$in")
	list, ok := in.(*types.Array)
	if !ok || list.Len() == 0 || list.Len() > tandemIDInMax {
		return where, args
	}

	ids := make([]any, 0, list.Len())

	for i := 0; i < list.Len(); i++ {
		id := must.NotFail(list.Get(i))
		switch id.(type) {
		case string, types.ObjectID:
			ids = append(ids, string(must.NotFail(sjson.MarshalSingleValue(id))))
		default:
			return where, args
		}
	}

	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")

	return fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, marks), append(ids, args...)
}
