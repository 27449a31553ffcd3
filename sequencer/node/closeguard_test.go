package node

import (
	"errors"
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
)

func openGuarded(t *testing.T) dbm.DB {
	t.Helper()
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(t.TempDir())
	db, err := closeGuardedDBProvider(cmtcfg.DefaultDBProvider)(&cmtcfg.DBContext{ID: "blockstore", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCloseGuardedDBAfterClose checks the contract CometBFT's shutdown needs:
// reads after Close find nothing instead of panicking, writes fail.
func TestCloseGuardedDBAfterClose(t *testing.T) {
	db := openGuarded(t)
	if err := db.Set([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Get([]byte("k")); err != nil || string(v) != "v" {
		t.Fatalf("Get before Close = %q, %v; want \"v\"", v, err)
	}
	b := db.NewBatch()
	if err := b.Set([]byte("b"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Get([]byte("k")); err != nil || v != nil {
		t.Fatalf("Get after Close = %q, %v; want nothing", v, err)
	}
	if ok, err := db.Has([]byte("k")); err != nil || ok {
		t.Fatalf("Has after Close = %v, %v; want false", ok, err)
	}
	if err := db.Set([]byte("k"), []byte("w")); !errors.Is(err, errDBClosed) {
		t.Fatalf("Set after Close = %v; want errDBClosed", err)
	}
	if err := db.DeleteSync([]byte("k")); !errors.Is(err, errDBClosed) {
		t.Fatalf("DeleteSync after Close = %v; want errDBClosed", err)
	}
	if _, err := db.Iterator(nil, nil); !errors.Is(err, errDBClosed) {
		t.Fatalf("Iterator after Close = %v; want errDBClosed", err)
	}
	if err := b.WriteSync(); !errors.Is(err, errDBClosed) {
		t.Fatalf("batch WriteSync after Close = %v; want errDBClosed", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close = %v; want nil", err)
	}
}

// TestCloseGuardedDBConcurrentClose races readers against Close; run with
// -race. Without the guard pebble panics ("pebble: closed").
func TestCloseGuardedDBConcurrentClose(t *testing.T) {
	db := openGuarded(t)
	if err := db.Set([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 2000 {
				v, err := db.Get([]byte("k"))
				if err != nil || (v != nil && string(v) != "v") {
					t.Errorf("Get = %q, %v", v, err)
					return
				}
			}
		}()
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		<-done
	}
}
