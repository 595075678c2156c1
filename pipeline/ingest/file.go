package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/source"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// A file's way through a load: admitted against the manifest, loaded in
// a group, settled (its manifest row written).

// groupFile is a file admitted to a group: checked against the manifest,
// opened and mapped. The counts are those of the group's transaction.
type groupFile struct {
	idx        int
	seq        int64
	path, name string
	hash       string
	loadID     string
	cfgHash    string
	// replaces is set when the manifest holds an earlier rejection of the
	// file (or, from older versions, a load of it whose every row was
	// quarantined): its manifest and quarantine rows are replaced in the
	// file's transaction.
	replaces bool
	replaced bool // done, in the group's transaction (replaceEarlier)
	// dialect is the warehouse's, for the statements replaceEarlier
	// renders inside a transaction.
	dialect warehouse.Dialect
	// firstProblem is the reason of its first quarantined row.
	firstProblem string
	size         int64
	mtime        time.Time
	rd           source.Reader
	m            *Mapping
	loaded       int64
	quarantined  int64
	ended        bool // its producer reached the end of the file
}

func (f *groupFile) close() {
	if f.rd != nil {
		f.rd.Close()
		f.rd = nil
	}
}

// admit checks a file against the manifest, then opens it and maps its
// header. It returns the file ready to load, or nil and the file's result
// when it needs no load (skipped, duplicate) or cannot be opened or mapped
// (rejected, and recorded so). The error is for warehouse failures.
func (in *Ingester) admit(ctx context.Context, src *config.Source, j fileJob) (*groupFile, FileResult, error) {
	name := in.rel(j.path)
	fr := FileResult{File: name}
	if j.err != nil {
		fr.Status, fr.Err = StatusRejected, fmt.Errorf("read %q: %w", name, j.err)
		return nil, fr, nil
	}
	fr.LoadID = LoadID(src.Name, j.hash)
	if j.loadedBefore {
		fr.Status = StatusSkipped
		return nil, fr, nil
	}

	cfgHash := ConfigHash(src)
	replaces := false

	// Already seen this content? A load whose every row was quarantined
	// counts as a rejection (older versions recorded it as loaded).
	var prevStatus, prevFile, prevCfg, prevErr *string
	var prevLoaded, prevQuar *int64
	err := in.WH.QueryRow(ctx, stmt(in.WH.Dialect(), "manifest_lookup", nil), []any{j.hash, name}, &prevStatus, &prevFile, &prevCfg, &prevErr, &prevLoaded, &prevQuar)
	if err != nil && !errors.Is(err, warehouse.ErrNoRows) {
		return nil, fr, fmt.Errorf("read manifest for %q: %w", name, err)
	}
	if prevStatus != nil && *prevStatus == StatusLoaded && *prevFile == name && prevLoaded != nil && *prevLoaded == 0 && prevQuar != nil && *prevQuar > 0 {
		s := StatusRejected
		prevStatus = &s
	}
	if prevStatus != nil && *prevStatus == StatusUnloaded {
		if *prevFile == name {
			fr.Status = StatusUnloaded
			return nil, fr, nil
		}
		prevStatus = nil // unloaded under another name: this copy loads
	}
	if prevStatus != nil {
		switch {
		case *prevStatus == StatusLoaded && *prevFile == name:
			fr.Status = StatusSkipped
			return nil, fr, nil
		case *prevStatus == StatusLoaded || *prevStatus == StatusDuplicate:
			fr.Status = StatusDuplicate
			if *prevStatus == StatusLoaded {
				in.logger().Warn("duplicate file not loaded", "source", src.Name, "file", name, "same_as", *prevFile)
				err := in.WH.Exec(ctx, stmt(in.WH.Dialect(), "record_duplicate", nil),
					fr.LoadID, src.Name, name, j.hash, j.size, "same content as "+*prevFile, in.RunID, j.mtime, cfgHash, j.seq, j.hash, name)
				if err != nil {
					return nil, fr, fmt.Errorf("record duplicate %q: %w", name, err)
				}
			}
			return nil, fr, nil
		case *prevFile == name && prevCfg != nil && *prevCfg == cfgHash:
			// Rejected with the same config: reading it again would
			// reject it again. A changed config (ConfigHash) or
			// `crmkit reload` makes it eligible.
			fr.Status = StatusRejected
			msg := "rejected before with the same source config"
			if prevErr != nil {
				msg += ": " + *prevErr
			}
			fr.Err = errors.New(msg)
			return nil, fr, nil
		}
		// Rejected under another config, or under another name: read
		// again (the mapping may have been fixed).
		replaces = *prevFile == name
	}

	f := &groupFile{idx: j.idx, seq: j.seq, path: j.path, name: name, hash: j.hash, loadID: fr.LoadID, cfgHash: cfgHash, replaces: replaces, size: j.size, mtime: j.mtime, dialect: in.WH.Dialect()}
	rd, err := source.Open(src.Format, j.path, SourceOptions(src))
	if err != nil {
		fr, err := in.settle(ctx, src, f, fmt.Errorf("%w: open %q as %s: %v", errUnreadable, name, src.Format, err))
		return nil, fr, err
	}
	m, err := NewMapping(src, name, rd.Header())
	if err != nil {
		rd.Close()
		fr, err := in.settle(ctx, src, f, err)
		return nil, fr, err
	}
	m.SetTimeRange(in.validRange(src))
	f.rd, f.m = rd, m
	return f, fr, nil
}

// settle makes a file's result from the outcome of its load: loaded, or
// rejected (and recorded so) when the file could not be read or mapped.
// Other errors are returned.
func (in *Ingester) settle(ctx context.Context, src *config.Source, f *groupFile, loadErr error) (FileResult, error) {
	fr := FileResult{File: f.name, LoadID: f.loadID}
	if loadErr == nil {
		fr.Status = StatusLoaded
		fr.RowsLoaded, fr.RowsQuarantined = f.loaded, f.quarantined
		fr.RowsRead = f.loaded + f.quarantined
		if f.allQuarantined() {
			// Recorded so by loadGroup, with its quarantined rows.
			fr.Status, fr.Err = StatusRejected, f.allQuarantinedErr()
			in.logger().Error("file rejected", "source", src.Name, "file", f.name, "rows_quarantined", f.quarantined, "error", fr.Err)
			return fr, nil
		}
		in.logger().Info("file loaded", "source", src.Name, "file", f.name, "rows_loaded", f.loaded, "rows_quarantined", f.quarantined)
		return fr, nil
	}
	var he *HeaderError
	if !errors.As(loadErr, &he) && !errors.Is(loadErr, errUnreadable) {
		return fr, loadErr
	}
	fr.Status, fr.Err = StatusRejected, loadErr
	in.logger().Error("file rejected", "source", src.Name, "file", f.name, "error", loadErr)
	record := func(q warehouse.Querier) error {
		return q.Exec(ctx, stmt(in.WH.Dialect(), "record_rejected", nil), f.loadID, src.Name, f.name, f.hash, f.size, loadErr.Error(), in.RunID, f.mtime, f.cfgHash, f.seq)
	}
	var err error
	if f.replaces {
		f.replaced = false // the load's transaction, if any, rolled back
		err = in.WH.InTx(ctx, func(tx warehouse.Tx) error {
			if err := replaceEarlier(ctx, tx, f); err != nil {
				return err
			}
			return record(tx)
		})
	} else {
		err = record(in.WH)
	}
	if err != nil {
		return fr, fmt.Errorf("record rejected %q: %w", f.name, err)
	}
	return fr, nil
}

var errUnreadable = errors.New("unreadable file")

// replaceEarlier removes, in tx, what the manifest and the quarantine hold
// of an earlier rejection of f (groupFile.replaces), once, before the
// first quarantined row of f is written in tx.
func replaceEarlier(ctx context.Context, tx warehouse.Tx, f *groupFile) error {
	if !f.replaces || f.replaced {
		return nil
	}
	f.replaced = true
	if err := tx.Exec(ctx, stmt(f.dialect, "forget_quarantine", nil), f.loadID, f.name); err != nil {
		return fmt.Errorf("remove earlier quarantined rows of %q: %w", f.name, err)
	}
	if err := tx.Exec(ctx, stmt(f.dialect, "forget_rejection", nil), f.hash, f.name); err != nil {
		return fmt.Errorf("remove earlier manifest row of %q: %w", f.name, err)
	}
	return nil
}

// allQuarantined reports a file of rows none of which could be loaded: it
// is recorded rejected, its rows kept in quarantine.
func (f *groupFile) allQuarantined() bool { return f.loaded == 0 && f.quarantined > 0 }

func (f *groupFile) allQuarantinedErr() error {
	return fmt.Errorf("file %q: every row (%d) was quarantined, the first as %s", f.name, f.quarantined, f.firstProblem)
}
