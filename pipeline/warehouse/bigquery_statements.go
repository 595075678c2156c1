//go:build !nobigquery

package warehouse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/api/iterator"
)

// --- statements ---------------------------------------------------------------

// prepared is a statement translated to GoogleSQL with its parameters.
type prepared struct {
	sql    string
	params []bigquery.QueryParameter
}

// prepare translates query and binds args to its '?' placeholders as named
// parameters @<prefix>N; nil (or a nil pointer) becomes a NULL literal.
func prepare(query, prefix string, args []any) (prepared, error) {
	if want := CountPlaceholders(query); want != len(args) {
		return prepared{}, fmt.Errorf("query has %d placeholders, got %d arguments", want, len(args))
	}
	var p prepared
	var bindErr error
	bound := map[int]bool{}
	p.sql = TranslateToBigQuery(query, func(i int) string {
		v, isNull, err := paramValue(args[i])
		if err != nil && bindErr == nil {
			bindErr = fmt.Errorf("argument %d: %w", i+1, err)
		}
		if isNull {
			return "NULL"
		}
		name := fmt.Sprintf("%sp%d", prefix, i)
		if !bound[i] { // $N may bind one argument several times
			bound[i] = true
			p.params = append(p.params, bigquery.QueryParameter{Name: name, Value: v})
		}
		return "@" + name
	})
	return p, bindErr
}

func (w *BigQuery) newQuery(c *bigquery.Client, p prepared) *bigquery.Query {
	q := c.Query(p.sql)
	q.DefaultProjectID = w.opts.Project
	q.DefaultDatasetID = w.opts.Dataset
	q.Location = w.opts.Location
	q.Parameters = p.params
	q.Labels = map[string]string{"app": "crmkit"}
	return q
}

// run runs a prepared statement to completion through the client's query
// path (jobs.query, falling back to a job when the statement needs one) and
// returns its rows. Results larger than one page come through the Storage
// Read API when it is enabled on c.
func (w *BigQuery) run(ctx context.Context, c *bigquery.Client, p prepared) (*bigquery.RowIterator, error) {
	it, err := w.newQuery(c, p).Read(ctx)
	if err != nil {
		return nil, err
	}
	w.jobs.Add(1)
	return it, nil
}

// Exec runs a statement.
func (w *BigQuery) Exec(ctx context.Context, query string, args ...any) error {
	p, err := prepare(query, "", args)
	if err != nil {
		return err
	}
	return w.exec(ctx, p)
}

// exec runs a translated statement. Tables are not created here from
// CREATE TABLE text: CreateTable and CreateTableAs make them with their
// layout.
func (w *BigQuery) exec(ctx context.Context, p prepared) error {
	_, err := w.run(ctx, w.client, p)
	return err
}

// Query runs a query and returns its result as Arrow record batches: read
// through the Storage Read API as an Arrow stream when the result spans
// pages, else built from the rows of the response. Should the Storage read
// fail, the query is read again through REST only (BigQuery answers a
// repeated deterministic query from its result cache, unbilled).
func (w *BigQuery) Query(ctx context.Context, query string, args ...any) ([]arrow.RecordBatch, error) {
	p, err := prepare(query, "", args)
	if err != nil {
		return nil, err
	}
	it, err := w.run(ctx, w.client, p)
	if err != nil {
		return nil, err
	}
	if it.IsAccelerated() {
		recs, serr := w.readArrow(it)
		if serr == nil {
			w.reads[0].Add(1)
			return recs, nil
		}
		if it, err = w.run(ctx, w.rest, p); err != nil {
			return nil, errors.Join(fmt.Errorf("storage read: %w", serr), err)
		}
	}
	w.reads[1].Add(1)
	return rowsToArrow(w.mem, it, 64*1024)
}

// ReadTable reads table (only columns, or all columns when none are given)
// as Arrow through a Storage Read API session: no query job, so no query
// bytes are billed, only the Storage API read of the selected columns. When
// the Storage API is off it reads the REST rows (tabledata.list) instead.
func (w *BigQuery) ReadTable(ctx context.Context, table string, columns ...string) ([]arrow.RecordBatch, error) {
	if w.read == nil {
		w.reads[1].Add(1)
		recs, err := rowsToArrow(w.mem, w.rest.Dataset(w.opts.Dataset).Table(table).Read(ctx), 64*1024)
		if err != nil {
			return nil, fmt.Errorf("read table %s: %w", table, err)
		}
		if len(columns) > 0 {
			return nil, fmt.Errorf("read table %s: column selection needs the Storage Read API", table)
		}
		return recs, nil
	}
	sess, err := w.read.CreateReadSession(ctx, &storagepb.CreateReadSessionRequest{
		Parent: "projects/" + w.opts.Project,
		ReadSession: &storagepb.ReadSession{
			Table:       fmt.Sprintf("projects/%s/datasets/%s/tables/%s", w.opts.Project, w.opts.Dataset, table),
			DataFormat:  storagepb.DataFormat_ARROW,
			ReadOptions: &storagepb.ReadSession_TableReadOptions{SelectedFields: columns},
		},
		MaxStreamCount: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("read table %s: storage session: %w", table, err)
	}
	schemaMsg := sess.GetArrowSchema().GetSerializedSchema()
	var out []arrow.RecordBatch
	fail := func(err error) ([]arrow.RecordBatch, error) {
		for _, r := range out {
			r.Release()
		}
		return nil, fmt.Errorf("read table %s: %w", table, err)
	}
	for _, st := range sess.GetStreams() {
		rows, err := w.read.ReadRows(ctx, &storagepb.ReadRowsRequest{ReadStream: st.GetName()})
		if err != nil {
			return fail(err)
		}
		for {
			resp, err := rows.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fail(err)
			}
			recs, err := decodeArrowPayload(w.mem, schemaMsg, resp.GetArrowRecordBatch().GetSerializedRecordBatch())
			if err != nil {
				return fail(err)
			}
			out = append(out, recs...)
		}
	}
	w.reads[0].Add(1)
	return out, nil
}

// decodeArrowPayload decodes one ReadRows payload. BigQuery sends bare IPC
// messages (the schema message once, then record batch messages); the
// emulator sends each as a whole IPC stream. A payload that reads as a
// stream on its own is taken as one, else it is read after the schema.
func decodeArrowPayload(mem memory.Allocator, schemaMsg, payload []byte) ([]arrow.RecordBatch, error) {
	rdr, err := ipc.NewReader(bytes.NewReader(payload), ipc.WithAllocator(mem))
	if err != nil {
		buf := make([]byte, 0, len(schemaMsg)+len(payload))
		buf = append(append(buf, schemaMsg...), payload...)
		if rdr, err = ipc.NewReader(bytes.NewReader(buf), ipc.WithAllocator(mem)); err != nil {
			return nil, err
		}
	}
	defer rdr.Release()
	var out []arrow.RecordBatch
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		out = append(out, rec)
	}
	if err := rdr.Err(); err != nil {
		for _, r := range out {
			r.Release()
		}
		return nil, err
	}
	return out, nil
}

// readArrow drains an accelerated iterator's Arrow IPC stream.
func (w *BigQuery) readArrow(it *bigquery.RowIterator) ([]arrow.RecordBatch, error) {
	ai, err := it.ArrowIterator()
	if err != nil {
		return nil, err
	}
	rdr, err := ipc.NewReader(&arrowStream{it: ai}, ipc.WithAllocator(w.mem))
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var out []arrow.RecordBatch
	for rdr.Next() {
		rec := rdr.RecordBatch()
		rec.Retain()
		out = append(out, rec)
	}
	if err := rdr.Err(); err != nil {
		for _, r := range out {
			r.Release()
		}
		return nil, err
	}
	return out, nil
}

// arrowStream turns an ArrowIterator into an Arrow IPC stream (schema
// message, then the record batch messages), passing errors on.
type arrowStream struct {
	it  bigquery.ArrowIterator
	buf bytes.Buffer
	hdr bool
}

func (s *arrowStream) Read(p []byte) (int, error) {
	if !s.hdr {
		s.hdr = true
		s.buf.Write(s.it.SerializedArrowSchema())
	}
	for s.buf.Len() == 0 {
		b, err := s.it.Next()
		if errors.Is(err, iterator.Done) {
			return 0, io.EOF
		}
		if err != nil {
			return 0, err
		}
		s.buf.Write(b.Data)
	}
	return s.buf.Read(p)
}

// QueryRow runs a query and scans its first row into dest.
func (w *BigQuery) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	p, err := prepare(query, "", args)
	if err != nil {
		return err
	}
	it, err := w.run(ctx, w.rest, p)
	if err != nil {
		return err
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		if errors.Is(err, iterator.Done) {
			return ErrNoRows
		}
		return err
	}
	if len(row) < len(dest) {
		return fmt.Errorf("query row: %d columns, %d destinations", len(row), len(dest))
	}
	for i, d := range dest {
		if err := scanValue(d, row[i]); err != nil {
			return fmt.Errorf("query row: column %d: %w", i+1, err)
		}
	}
	return nil
}
