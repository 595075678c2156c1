// Package segmentfile writes the customers of a segment to files for
// marketing: CSV (UTF-8 with a byte order mark so Excel shows Chinese, one
// header row), XLSX (header row frozen and bold) or Parquet (typed, via
// arrow-go's pqarrow).
//
// Identifier columns (see DefaultIdentifiers) are masked or hashed when
// Options.Privacy says so:
//
//	mode  phone            email              name   customer_id  member card, openid...
//	none  as is            as is              as is  as is        as is
//	mask  +86138****5678   a***e@example.com  张**   as is        M1******89
//	      (phones and emails are normalised first, as for hashing)
//	hash  sha256 hex       sha256 hex         张**   sha256 hex   sha256 hex
//
// where sha256 hex is the hex SHA-256 of Options.Salt followed by the
// normalised value (HashIdentifier). A masked or hashed column is text
// (utf8 in Parquet) whatever its input type; nulls and blank values stay
// null. Every text cell of a CSV or XLSX file
// goes through SafeCell against formula injection (a phone in clear reads
// "'+8613812345678"); numbers, booleans and Parquet files are written as
// typed values. Files are written to a temporary name in the target folder
// and renamed into place, so a failed export leaves no partial file.
package segmentfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DefaultColumns are the columns exported when Options.Columns is empty;
// those missing from the record batch are left out.
var DefaultColumns = []string{"customer_id", "name", "phone", "email", "region", "rfm_tier", "aipl_stage", "clv_decile"}

// Options says what to export and how.
type Options struct {
	// Columns to export, in order; empty means DefaultColumns. A column
	// named here that the record batch lacks is an error.
	Columns []string
	// Privacy is "none" (or empty), "mask" or "hash".
	Privacy string
	// Salt is prepended to each identifier before hashing; required in
	// hash mode.
	Salt []byte
	// Region is the default region for reading phone numbers without a
	// country code before hashing; empty means "CN".
	Region string
	// Identifiers maps column names to identifier kinds (KindPhone, ...);
	// nil means DefaultIdentifiers.
	Identifiers map[string]string
	// Sheet is the XLSX sheet name; empty means "segment".
	Sheet string
	// Platform is the ad platform of the ads privacy mode (see Platforms).
	Platform string
}

// Formats lists the supported file formats.
var Formats = []string{"csv", "xlsx", "parquet"}

// Write writes the rows of rec to path in format ("csv", "xlsx" or
// "parquet"; empty means the path's extension) and returns the number of
// data rows written.
func Write(rec arrow.RecordBatch, path, format string, opts Options) (rows int64, err error) {
	if rec == nil {
		return 0, errors.New("segmentfile: nil record batch")
	}
	return WriteAll([]arrow.RecordBatch{rec}, path, format, opts)
}

// WriteAll is Write for a segment held in several record batches with the
// same columns (as a warehouse query returns them).
func WriteAll(recs []arrow.RecordBatch, path, format string, opts Options) (rows int64, err error) {
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	}
	format = strings.ToLower(format)
	var write func(recs []arrow.RecordBatch, f *os.File, opts Options) error
	switch format {
	case "csv":
		write = writeCSV
	case "xlsx":
		write = writeXLSX
	case "parquet":
		write = writeParquet
	default:
		return 0, fmt.Errorf("segmentfile: unknown format %q (want csv, xlsx or parquet)", format)
	}
	switch opts.Privacy {
	case "", PrivacyNone, PrivacyMask:
	case PrivacyHash:
		if len(opts.Salt) == 0 {
			return 0, errors.New("segmentfile: hash privacy needs a salt")
		}
	case PrivacyAds:
		if len(opts.Salt) == 0 {
			return 0, errors.New("segmentfile: ads privacy needs a salt (for the customer key)")
		}
		ads, err := adsRecords(recs, opts)
		if err != nil {
			return 0, err
		}
		defer func() {
			for _, r := range ads {
				r.Release()
			}
		}()
		recs = ads
		// the file holds the prepared columns as they are
		opts.Privacy, opts.Columns, opts.Identifiers = PrivacyNone, AdsColumns(Platforms[opts.Platform]), map[string]string{}
	default:
		return 0, fmt.Errorf("segmentfile: unknown privacy mode %q (want none, mask or hash)", opts.Privacy)
	}
	if len(recs) == 0 {
		return 0, errors.New("segmentfile: no record batch to write")
	}

	prepared := make([]arrow.RecordBatch, 0, len(recs))
	defer func() {
		for _, r := range prepared {
			r.Release()
		}
	}()
	cols, err := selectColumns(recs[0].Schema(), opts)
	if err != nil {
		return 0, err
	}
	for _, rec := range recs {
		p, err := prepare(rec, cols, opts)
		if err != nil {
			return 0, err
		}
		prepared = append(prepared, p)
		rows += p.NumRows()
	}
	if format == "xlsx" && rows > maxXLSXRows {
		return 0, fmt.Errorf("segmentfile: %d rows do not fit an XLSX sheet (at most %d); use csv or parquet", rows, maxXLSXRows)
	}

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("segmentfile: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, fmt.Errorf("segmentfile: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(prepared, tmp, opts); err != nil {
		return 0, fmt.Errorf("segmentfile: write %s: %w", format, err)
	}
	if err := tmp.Sync(); err != nil {
		return 0, fmt.Errorf("segmentfile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("segmentfile: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, fmt.Errorf("segmentfile: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("segmentfile: %w", err)
	}
	return rows, nil
}

// maxXLSXRows is the number of data rows an XLSX sheet holds below its
// header (1,048,576 rows in all).
const maxXLSXRows = 1<<20 - 1

// selectColumns returns the names to export.
func selectColumns(schema *arrow.Schema, opts Options) ([]string, error) {
	if len(opts.Columns) > 0 {
		seen := map[string]bool{}
		for _, c := range opts.Columns {
			if seen[c] {
				return nil, fmt.Errorf("segmentfile: column %q listed twice", c)
			}
			seen[c] = true
		}
		return opts.Columns, nil
	}
	var cols []string
	for _, c := range DefaultColumns {
		if len(schema.FieldIndices(c)) > 0 {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return nil, errors.New("segmentfile: the record batch has none of the default columns; set Options.Columns")
	}
	return cols, nil
}

// prepare returns a record batch holding cols of rec in order, with the
// identifier columns masked or hashed as opts says (those become utf8).
func prepare(rec arrow.RecordBatch, cols []string, opts Options) (arrow.RecordBatch, error) {
	ids := opts.Identifiers
	if ids == nil {
		ids = DefaultIdentifiers
	}
	region := opts.Region
	if region == "" {
		region = "CN"
	}
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, c := range cols {
		idx := rec.Schema().FieldIndices(c)
		if len(idx) == 0 {
			return nil, fmt.Errorf("segmentfile: column %q is not in the record batch", c)
		}
		f := rec.Schema().Field(idx[0])
		arr := rec.Column(idx[0])
		fn := transform(ids[c], opts.Privacy, opts.Salt, region)
		if fn == nil {
			arr.Retain()
			fields[i], arrs[i] = f, arr
			continue
		}
		b := array.NewStringBuilder(memory.DefaultAllocator)
		b.Reserve(arr.Len())
		for r := 0; r < arr.Len(); r++ {
			if arr.IsNull(r) {
				b.AppendNull()
				continue
			}
			v := cellString(arr, r)
			if strings.TrimSpace(v) == "" {
				b.AppendNull() // nothing to protect, nothing to hash
				continue
			}
			b.Append(fn(v))
		}
		arrs[i] = b.NewArray()
		b.Release()
		fields[i] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	out := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, rec.NumRows())
	return out, nil
}

// cellString returns the text of a non-null cell.
func cellString(arr arrow.Array, i int) string {
	switch a := arr.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.StringView:
		return a.Value(i)
	}
	return arr.ValueStr(i)
}
