// Command ferretdb runs FerretDB 1.24 embedded, on its SQLite backend, as
// Tandem's local MongoDB-compatible server. Telemetry is always off in the
// embedded package.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only with -debug-addr
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "data/ferretdb", "directory for the SQLite databases")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	debugAddr := flag.String("debug-addr", "", "when set, serve Go's pprof profiles on this address (/debug/pprof/)")
	// FerretDB runs SQLite in WAL mode. SQLite's default, synchronous=FULL, waits for an fsync at every commit;
	// NORMAL writes each commit to the WAL at once and syncs at checkpoints, so a commit survives a crash of
	// this process and is at risk only if the machine itself goes down. That is MongoDB's own default
	// (w:1 without j: the journal is synced every 100 ms), and it nearly doubles the writes per second here.
	synchronous := flag.String("sqlite-synchronous", "normal", "SQLite's synchronous pragma: normal or full")
	// Go collects when the heap has grown by GOGC % since the last collection (100 by default). FerretDB decodes
	// and re-encodes whole documents on every write, so it allocates fast and keeps little: at 100, GC was ~11 % of
	// its CPU under bench:alertmanager, and 400 cut its CPU per alert by 20-37 % for ~20 MB more resident memory
	// (bench/README.md, "FerretDB writes"). The GOGC environment variable, when set, still wins.
	gcPercent := flag.Int("gc-percent", 400, "Go's GC target percentage (GOGC), unless GOGC is set")
	flag.Parse()
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(*gcPercent)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	if *synchronous != "normal" && *synchronous != "full" {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -sqlite-synchronous %q: normal or full\n", *synchronous)
		os.Exit(2)
	}

	dir, err := filepath.Abs(*dataDir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: data directory %q: %v\n", *dataDir, err)
		os.Exit(1)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/?_pragma=synchronous(" + *synchronous + ")",
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}

	if *debugAddr != "" {
		go func() {
			if err := http.ListenAndServe(*debugAddr, nil); err != nil {
				logger.Error("debug server", "err", err)
			}
		}()
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	logger.Warn("ferretdb listening", "addr", *listen, "data", dir)
	if err := f.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}
}
