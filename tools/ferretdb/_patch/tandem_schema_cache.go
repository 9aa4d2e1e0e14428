// Tandem patch, copied into FerretDB 1.24's internal/handler/sjson by scripts/stack.sh (build_ferretdb); the
// directory's leading underscore keeps it out of tools/ferretdb's own build.
//
// Why: FerretDB 1.24 stores each document as JSON with its schema (`$s`: every field's type, nested as deep as the
// document) and decodes that schema with encoding/json's reflection every time it reads the document: an update
// reads its document first, so each alert update decoded the alert's ~2.7 KB schema again — about a third of
// sjson.Unmarshal and ~8 % of FerretDB's CPU in a profile of bench:alertmanager. Documents of one collection mostly
// share a few schemas, so the decoded schema is kept by its exact JSON text. Nothing changes a decoded schema
// (Unmarshal only reads it), so one value serves every reader.
package sjson

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
)

const (
	// tandemSchemaCacheMax bounds the schemas kept; the cache starts afresh when it is full.
	tandemSchemaCacheMax = 256

	// tandemSchemaCacheMaxLen keeps larger schemas out of the cache, so it holds at most 4 MiB of their text.
	tandemSchemaCacheMaxLen = 16 << 10
)

var tandemSchemas struct {
	sync.RWMutex
	m map[string]*schema
}

// tandemSchema returns the schema encoded in raw, decoded as sjson.Unmarshal always did (unknown fields refused,
// nothing after the value), from the cache when this exact text was decoded before. The result must not be changed.
func tandemSchema(raw []byte) (*schema, error) {
	tandemSchemas.RLock()
	sch := tandemSchemas.m[string(raw)]
	tandemSchemas.RUnlock()

	if sch != nil {
		return sch, nil
	}

	sch = new(schema)
	r := bytes.NewReader(raw)
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()

	if err := dec.Decode(sch); err != nil {
		return nil, lazyerrors.Error(err)
	}

	if err := checkConsumed(dec, r); err != nil {
		return nil, lazyerrors.Error(err)
	}

	if len(raw) <= tandemSchemaCacheMaxLen {
		tandemSchemas.Lock()
		if tandemSchemas.m == nil || len(tandemSchemas.m) >= tandemSchemaCacheMax {
			tandemSchemas.m = make(map[string]*schema, tandemSchemaCacheMax)
		}
		tandemSchemas.m[string(raw)] = sch
		tandemSchemas.Unlock()
	}

	return sch, nil
}
