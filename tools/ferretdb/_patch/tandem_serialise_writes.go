// Tandem patch, copied into FerretDB 1.24's internal/handler by scripts/stack.sh (build_ferretdb); the directory's
// leading underscore keeps it out of tools/ferretdb's own build.
//
// Why: FerretDB 1.24 runs `update`, `findAndModify`, `delete` and `insert` as a read (query the matching documents),
// a change made in Go, and a write (by _id) — separate backend calls, with nothing between them. Two concurrent
// `$inc` on one document both read the same value and both write value+1, and a guarded findAndModify
// (`{count: {$lt: 5}}`) lets through every caller that read before the first write. MongoDB applies a write to one
// document atomically. This file serialises those four commands per database, so each read-modify-write runs
// alone among the writes to its database: SQLite (one file per FerretDB database) admits one writer per file at a
// time anyway, so writers only wait in Go instead of in SQLite's busy handler. Reads are not serialised: SQLite
// writes each document's row in one statement, so a reader sees a document before or after a write, never half.
package handler

import (
	"context"
	"sync"

	"github.com/FerretDB/wire"
)

// serialisedWrites names the commands that read, modify and write documents.
var serialisedWrites = []string{"delete", "findAndModify", "findandmodify", "insert", "update"}

// dbWriteLocks holds one lock per database name; a lock is a one-slot channel so that waiting ends when the
// client's connection does.
type dbWriteLocks struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

func (l *dbWriteLocks) acquire(ctx context.Context, db string) (release func(), err error) {
	l.mu.Lock()
	lock := l.locks[db]
	if lock == nil {
		lock = make(chan struct{}, 1)
		l.locks[db] = lock
	}
	l.mu.Unlock()

	select {
	case lock <- struct{}{}:
		return func() { <-lock }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// commandDB returns the command's `$db` (section 0 of OP_MSG, where drivers put it); "" when it cannot be read,
// which only means the command shares one lock with other such commands (the handler then reports the error).
func commandDB(msg *wire.OpMsg) string {
	doc, err := msg.RawSection0().Decode()
	if err != nil {
		return ""
	}

	db, _ := doc.Get("$db").(string)

	return db
}

// serialiseWrites wraps the handlers of serialisedWrites; called once, right after initCommands.
func (h *Handler) serialiseWrites() {
	locks := &dbWriteLocks{locks: map[string]chan struct{}{}}

	for _, name := range serialisedWrites {
		cmd := h.commands[name]
		if cmd == nil || cmd.Handler == nil {
			panic("tandem patch: FerretDB has no handler for " + name + ": review tools/ferretdb/_patch")
		}

		next := cmd.Handler
		cmd.Handler = func(ctx context.Context, msg *wire.OpMsg) (*wire.OpMsg, error) {
			release, err := locks.acquire(ctx, commandDB(msg))
			if err != nil {
				return nil, err
			}
			defer release()

			return next(ctx, msg)
		}
	}
}
