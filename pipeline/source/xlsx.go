package source

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

func init() { Register("xlsx", openXLSX) }

type xlsxReader struct {
	f      *excelize.File
	rows   *excelize.Rows
	header []string
	row    Row
	n      int64
}

func openXLSX(path string, opts Options) (Reader, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, err
	}
	sheet := opts.Sheet
	if sheet == "" {
		sheet = f.GetSheetName(0)
	}
	if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		f.Close()
		return nil, fmt.Errorf("no sheet %q (have %s)", sheet, strings.Join(f.GetSheetList(), ", "))
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	r := &xlsxReader{f: f, rows: rows}
	if !rows.Next() {
		f.Close()
		return nil, fmt.Errorf("sheet %q is empty: no header row", sheet)
	}
	h, err := rows.Columns()
	if err != nil {
		f.Close()
		return nil, err
	}
	for _, s := range h {
		r.header = append(r.header, strings.TrimSpace(s))
	}
	r.n = 1
	return r, nil
}

func (r *xlsxReader) Header() []string { return r.header }

func (r *xlsxReader) Next() (*Row, error) {
	for r.rows.Next() {
		r.n++
		cols, err := r.rows.Columns()
		if err != nil {
			return nil, err
		}
		empty := true
		for _, c := range cols {
			if strings.TrimSpace(c) != "" {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		// Trailing empty cells are omitted by excelize: pad to the header.
		for len(cols) < len(r.header) {
			cols = append(cols, "")
		}
		r.row = Row{Num: r.n, Fields: cols}
		if len(cols) > len(r.header) {
			extra := false
			for _, c := range cols[len(r.header):] {
				if strings.TrimSpace(c) != "" {
					extra = true
				}
			}
			if extra {
				r.row.Err = fmt.Errorf("%w: %d cells, header has %d", ErrWrongColumns, len(cols), len(r.header))
				r.row.Raw = strings.Join(cols, "\t")
			} else {
				r.row.Fields = cols[:len(r.header)]
			}
		}
		return &r.row, nil
	}
	if err := r.rows.Error(); err != nil {
		return nil, err
	}
	return nil, io.EOF
}

func (r *xlsxReader) Close() error {
	r.rows.Close()
	return r.f.Close()
}
