//go:build !nobigquery

package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"strconv"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"google.golang.org/api/iterator"
)

// normalizedType is the Arrow type a column is written to Parquet as, so
// that BigQuery reads it as the GoogleSQL type of bigQueryTypeOf: every
// integer as int64, every float as float64, timestamps as UTC microseconds
// (a Parquet timestamp not adjusted to UTC would load as DATETIME),
// dictionaries as their values; dates as int64 day numbers when datesAsDays.
func normalizedType(t arrow.DataType, datesAsDays bool) arrow.DataType {
	if datesAsDays && (t.ID() == arrow.DATE32 || t.ID() == arrow.DATE64) {
		return arrow.PrimitiveTypes.Int64
	}
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return arrow.PrimitiveTypes.Int64
	case arrow.FLOAT16, arrow.FLOAT32:
		return arrow.PrimitiveTypes.Float64
	case arrow.DATE64:
		return arrow.FixedWidthTypes.Date32
	case arrow.TIMESTAMP:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case arrow.LARGE_STRING, arrow.STRING_VIEW:
		return arrow.BinaryTypes.String
	case arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return arrow.BinaryTypes.Binary
	case arrow.DICTIONARY:
		return normalizedType(t.(*arrow.DictionaryType).ValueType, datesAsDays)
	case arrow.STRING, arrow.BINARY, arrow.INT64, arrow.FLOAT64, arrow.BOOL, arrow.DATE32, arrow.DECIMAL128:
		return t
	default:
		return arrow.BinaryTypes.String
	}
}

func normalizedSchema(s *arrow.Schema, datesAsDays bool) *arrow.Schema {
	fs := make([]arrow.Field, len(s.Fields()))
	for i, f := range s.Fields() {
		fs[i] = arrow.Field{Name: f.Name, Type: normalizedType(f.Type, datesAsDays), Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

// normalize casts rec's columns to normalizedSchema; the caller releases the
// result.
func normalize(ctx context.Context, mem memory.Allocator, schema *arrow.Schema, rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	ctx = compute.WithAllocator(ctx, mem)
	for i, c := range rec.Columns() {
		want := schema.Field(i).Type
		switch {
		case arrow.TypeEqual(c.DataType(), want):
			c.Retain()
			cols[i] = c
		case c.DataType().ID() == arrow.DATE32 && want.ID() == arrow.INT64:
			d := c.(*array.Date32)
			b := array.NewInt64Builder(mem)
			for k := 0; k < d.Len(); k++ {
				if d.IsNull(k) {
					b.AppendNull()
				} else {
					b.Append(int64(d.Value(k)))
				}
			}
			cols[i] = b.NewArray()
			b.Release()
		case c.DataType().ID() == arrow.TIMESTAMP && c.DataType().(*arrow.TimestampType).Unit == arrow.Microsecond:
			// Same values, only the zone label changes: relabel the buffers.
			d := array.NewData(want, c.Len(), c.Data().Buffers(), nil, c.NullN(), c.Data().Offset())
			cols[i] = array.MakeFromData(d)
			d.Release()
		default:
			opts := compute.SafeCastOptions(want)
			opts.AllowTimeTruncate = true // BigQuery keeps microseconds
			out, err := compute.CastArray(ctx, c, opts)
			if err != nil {
				return nil, fmt.Errorf("column %s: cast %s to %s: %w", schema.Field(i).Name, c.DataType(), want, err)
			}
			cols[i] = out
		}
	}
	return array.NewRecordBatch(schema, cols, rec.NumRows()), nil
}

// writeParquet writes recs (all of one schema) as one Snappy Parquet file
// and returns the row count. DATE64 columns become date32 (or int64 day
// numbers when datesAsDays: DATE64 is then cast to date32 first).
func writeParquet(w io.Writer, schema *arrow.Schema, recs []arrow.RecordBatch, datesAsDays bool) (int64, error) {
	ns := normalizedSchema(schema, datesAsDays)
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithAllocator(memory.DefaultAllocator))
	aprops := pqarrow.NewArrowWriterProperties(pqarrow.WithCoerceTimestamps(arrow.Microsecond), pqarrow.WithTruncatedTimestamps(true))
	fw, err := pqarrow.NewFileWriter(ns, w, props, aprops)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, r := range recs {
		if r.NumRows() == 0 {
			continue
		}
		if !r.Schema().Equal(schema) && r.NumCols() != int64(len(schema.Fields())) {
			fw.Close()
			return 0, errors.New("batches of different schemas")
		}
		nr, err := normalize(context.Background(), memory.DefaultAllocator, ns, r)
		if err != nil {
			fw.Close()
			return 0, err
		}
		err = fw.Write(nr)
		nr.Release()
		if err != nil {
			fw.Close()
			return 0, err
		}
		n += r.NumRows()
	}
	return n, fw.Close()
}

// arrowTypeOfField is the Arrow type of a REST result column; it matches
// what the Storage Read API sends, except NUMERIC/BIGNUMERIC (float64 here).
func arrowTypeOfField(f *bigquery.FieldSchema) arrow.DataType {
	if f.Repeated || f.Type == bigquery.RecordFieldType {
		return arrow.BinaryTypes.String
	}
	switch f.Type {
	case bigquery.IntegerFieldType:
		return arrow.PrimitiveTypes.Int64
	case bigquery.FloatFieldType, bigquery.NumericFieldType, bigquery.BigNumericFieldType:
		return arrow.PrimitiveTypes.Float64
	case bigquery.BooleanFieldType:
		return arrow.FixedWidthTypes.Boolean
	case bigquery.DateFieldType:
		return arrow.FixedWidthTypes.Date32
	case bigquery.TimestampFieldType:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case bigquery.DateTimeFieldType:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case bigquery.BytesFieldType:
		return arrow.BinaryTypes.Binary
	default:
		return arrow.BinaryTypes.String
	}
}

// rowsToArrow drains a REST row iterator into Arrow batches of at most
// batch rows.
func rowsToArrow(mem memory.Allocator, it *bigquery.RowIterator, batch int) ([]arrow.RecordBatch, error) {
	var out []arrow.RecordBatch
	var b *array.RecordBuilder
	release := func() {
		if b != nil {
			b.Release()
		}
		for _, r := range out {
			r.Release()
		}
	}
	flush := func() {
		if b != nil && b.Field(0).Len() > 0 {
			out = append(out, b.NewRecordBatch())
		}
	}
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			release()
			return nil, err
		}
		if b == nil {
			b = array.NewRecordBuilder(mem, restSchema(it.Schema))
		}
		for i, v := range row {
			if err := appendValue(b.Field(i), v); err != nil {
				release()
				return nil, fmt.Errorf("column %s: %w", it.Schema[i].Name, err)
			}
		}
		if b.Field(0).Len() >= batch {
			flush()
		}
	}
	flush()
	if b != nil {
		b.Release()
	}
	return out, nil
}

func restSchema(s bigquery.Schema) *arrow.Schema {
	fs := make([]arrow.Field, len(s))
	for i, f := range s {
		fs[i] = arrow.Field{Name: f.Name, Type: arrowTypeOfField(f), Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

func appendValue(b array.Builder, v bigquery.Value) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch b := b.(type) {
	case *array.Int64Builder:
		x, ok := v.(int64)
		if !ok {
			return fmt.Errorf("want int64, got %T", v)
		}
		b.Append(x)
	case *array.Float64Builder:
		switch x := v.(type) {
		case float64:
			b.Append(x)
		case *big.Rat:
			f, _ := x.Float64()
			b.Append(f)
		default:
			return fmt.Errorf("want float64, got %T", v)
		}
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return fmt.Errorf("want bool, got %T", v)
		}
		b.Append(x)
	case *array.Date32Builder:
		x, ok := v.(civil.Date)
		if !ok {
			return fmt.Errorf("want date, got %T", v)
		}
		b.Append(arrow.Date32FromTime(x.In(time.UTC)))
	case *array.TimestampBuilder:
		switch x := v.(type) {
		case time.Time:
			b.AppendTime(x)
		case civil.DateTime:
			b.AppendTime(x.In(time.UTC))
		default:
			return fmt.Errorf("want timestamp, got %T", v)
		}
	case *array.BinaryBuilder:
		x, ok := v.([]byte)
		if !ok {
			return fmt.Errorf("want bytes, got %T", v)
		}
		b.Append(x)
	case *array.StringBuilder:
		if s, ok := v.(string); ok {
			b.Append(s)
		} else {
			b.Append(fmt.Sprint(v))
		}
	default:
		return fmt.Errorf("unsupported builder %T", b)
	}
	return nil
}

// paramValue converts a query argument to a BigQuery parameter value;
// isNull reports a nil (or nil pointer) argument, rendered as NULL.
func paramValue(a any) (v any, isNull bool, err error) {
	if a == nil {
		return nil, true, nil
	}
	rv := reflect.ValueOf(a)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, true, nil
		}
		rv = rv.Elem()
	}
	switch x := rv.Interface().(type) {
	case time.Time:
		return x.UTC(), false, nil
	case civil.Date, civil.DateTime, civil.Time, []byte, *big.Rat, string, bool, int64, float64:
		return x, false, nil
	case sql.NullString:
		return x.String, !x.Valid, nil
	case sql.NullInt64:
		return x.Int64, !x.Valid, nil
	case sql.NullFloat64:
		return x.Float64, !x.Valid, nil
	case sql.NullBool:
		return x.Bool, !x.Valid, nil
	case sql.NullTime:
		return x.Time.UTC(), !x.Valid, nil
	}
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), false, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint()), false, nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), false, nil
	case reflect.String:
		return rv.String(), false, nil
	case reflect.Bool:
		return rv.Bool(), false, nil
	}
	return nil, false, fmt.Errorf("unsupported parameter type %T", a)
}

// scanValue stores a REST value into dest the way database/sql would: a
// pointer to a pointer receives nil for NULL; numbers convert between kinds;
// DATE becomes midnight UTC for a time.Time destination.
func scanValue(dest any, v bigquery.Value) error {
	if s, ok := dest.(sql.Scanner); ok {
		return s.Scan(driverValue(v))
	}
	rv := reflect.ValueOf(dest)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("destination %T is not a non-nil pointer", dest)
	}
	return setValue(rv.Elem(), v)
}

func driverValue(v bigquery.Value) any {
	switch x := v.(type) {
	case civil.Date:
		return x.In(time.UTC)
	case civil.DateTime:
		return x.In(time.UTC)
	case *big.Rat:
		f, _ := x.Float64()
		return f
	}
	return v
}

func setValue(e reflect.Value, v bigquery.Value) error {
	if e.Kind() == reflect.Pointer {
		if v == nil {
			e.Set(reflect.Zero(e.Type()))
			return nil
		}
		n := reflect.New(e.Type().Elem())
		if err := setValue(n.Elem(), v); err != nil {
			return err
		}
		e.Set(n)
		return nil
	}
	if v == nil {
		if e.Kind() == reflect.Interface || e.Kind() == reflect.Slice || e.Kind() == reflect.Map {
			e.Set(reflect.Zero(e.Type()))
			return nil
		}
		return fmt.Errorf("NULL into %s", e.Type())
	}
	v = driverValue(v)
	if e.Kind() == reflect.Interface {
		e.Set(reflect.ValueOf(v))
		return nil
	}
	if e.Type() == reflect.TypeOf(time.Time{}) {
		t, ok := v.(time.Time)
		if !ok {
			return fmt.Errorf("%T into time.Time", v)
		}
		e.Set(reflect.ValueOf(t))
		return nil
	}
	src := reflect.ValueOf(v)
	switch e.Kind() {
	case reflect.String:
		switch x := v.(type) {
		case string:
			e.SetString(x)
		case time.Time:
			e.SetString(x.Format(time.RFC3339Nano))
		case []byte:
			e.SetString(string(x))
		default:
			e.SetString(fmt.Sprint(v))
		}
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch x := v.(type) {
		case int64:
			e.SetInt(x)
		case float64:
			e.SetInt(int64(x))
		case string:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return err
			}
			e.SetInt(n)
		default:
			return fmt.Errorf("%T into %s", v, e.Type())
		}
		return nil
	case reflect.Float32, reflect.Float64:
		switch x := v.(type) {
		case int64:
			e.SetFloat(float64(x))
		case float64:
			e.SetFloat(x)
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return err
			}
			e.SetFloat(f)
		default:
			return fmt.Errorf("%T into %s", v, e.Type())
		}
		return nil
	case reflect.Bool:
		x, ok := v.(bool)
		if !ok {
			return fmt.Errorf("%T into bool", v)
		}
		e.SetBool(x)
		return nil
	}
	if src.Type().AssignableTo(e.Type()) {
		e.Set(src)
		return nil
	}
	return fmt.Errorf("%T into %s", v, e.Type())
}
