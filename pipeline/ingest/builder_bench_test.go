package ingest_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/source"
)

// posHeader and posRow are a POS receipt line as the generator writes it
// (decoded from GBK).
var posHeader = []string{"小票号", "门店编号", "门店名称", "会员卡号", "手机号", "导购编号", "交易时间", "商品编码", "商品名称", "数量", "单价", "折扣", "实收金额"}

func posRow(i int) []string {
	return []string{fmt.Sprintf("2025120801217694%05d", i/2), "S012", "石家庄万象城店", "8876162882", "", "SA01201",
		fmt.Sprintf("2025/12/8 20:%02d:41", (i/2)%60), "YJ-MU-0005", "悦肌 橙花睫毛膏", "1", "139.00", "0.00", "139.00"}
}

// BenchmarkBuilderAddPOS measures turning parsed POS lines into Arrow
// columns (trimming, number and time parsing, validation, appends): the
// Go side of ingest, without reading or loading. One op is one batch of
// 65,536 lines; rows/s is reported.
func BenchmarkBuilderAddPOS(b *testing.B) {
	src := posSource("unused")
	src.TimestampLayout = "2006/1/2 15:04:05"
	delete(src.Columns, "name")
	m, err := ingest.NewMapping(src, "receipts.csv", posHeader)
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]source.Row, 4096)
	for i := range rows {
		rows[i] = source.Row{Num: int64(i + 2), Fields: posRow(i)}
	}
	bl := m.NewRowBuilder(memory.NewGoAllocator())
	defer bl.Release()
	const batch = 65536
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < batch; j++ {
			r := &rows[j%len(rows)]
			if p := bl.Add(r); p != nil {
				b.Fatalf("row %d: %v", r.Num, p)
			}
		}
		rec := bl.Flush()
		if rec.NumRows() != batch {
			b.Fatalf("batch of %d rows, want %d", rec.NumRows(), batch)
		}
		rec.Release()
	}
	b.ReportMetric(float64(b.N)*batch/b.Elapsed().Seconds(), "rows/s")
}
