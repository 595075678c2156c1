package generate

import (
	"path/filepath"

	"github.com/xuri/excelize/v2"
)

// ERP sheet and header names.
const (
	SheetProducts = "商品"
	SheetStores   = "门店"
)

var productHeader = []any{"商品编码", "商品名称", "品类", "品牌", "单位成本", "零售价"}
var storeHeader = []any{"门店编号", "门店名称", "大区", "城市", "开业日期"}

// fixed document properties keep the XLSX bytes identical run to run
var xlsxProps = &excelize.DocProperties{
	Creator:        "crmkit ERP export",
	LastModifiedBy: "crmkit ERP export",
	Created:        "2024-01-01T00:00:00Z",
	Modified:       "2024-01-01T00:00:00Z",
	Title:          "ERP master export",
	Language:       "zh-CN",
}

func (w *writer) writeXLSX(rel, sheet string, rows [][]any, bad []badOut) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	if err := f.SetDocProps(xlsxProps); err != nil {
		return err
	}
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			return err
		}
	}
	p := filepath.Join(w.dir, filepath.FromSlash(rel))
	if err := mkdirFor(p); err != nil {
		return err
	}
	if err := f.SaveAs(p); err != nil {
		return err
	}
	w.bad = append(w.bad, bad...)
	w.summary.Files = append(w.summary.Files, FileSummary{Path: rel, Rows: len(rows) - 1, BadRows: len(bad)})
	return nil
}

func (w *writer) writeERP() error {
	c := w.g.cat
	const prodRel = "erp/products.xlsx"
	rows := [][]any{productHeader}
	var bad []badOut
	var inMaster []product
	for _, p := range c.products {
		if p.InMaster {
			inMaster = append(inMaster, p)
		}
	}
	for i, p := range inMaster {
		rows = append(rows, []any{p.SKU, p.Name, categories[p.Category], p.Brand,
			float64(p.Cost) / 100, float64(p.Price) / 100})
		// two deliberately bad rows for products that are never sold
		switch i {
		case len(inMaster) / 3:
			rows = append(rows, []any{"SG-SK-0001", "拾光 新品试用装 15ml", "护肤", "拾光", "待定", 99.0})
			bad = append(bad, badOut{path: prodRel, row: len(rows), col: "unit_cost", kind: bkNumber})
		case 2 * len(inMaster) / 3:
			rows = append(rows, []any{"", "悦肌 新品眼霜(待编码)", "护肤", "悦肌", 61.5, 259.0})
			bad = append(bad, badOut{path: prodRel, row: len(rows), col: "sku", kind: bkMissing})
		}
	}
	if err := w.writeXLSX(prodRel, SheetProducts, rows, bad); err != nil {
		return err
	}

	const storeRel = "erp/stores.xlsx"
	rows = [][]any{storeHeader}
	for _, s := range c.stores {
		rows = append(rows, []any{s.ID, s.Name, regions[s.Region], s.City, string(appendTS(nil, s.Opened*86400, tsDate))})
	}
	// a planned store with no opening date yet
	rows = append(rows, []any{"S024", "重庆观音桥店(筹)", "西南", "重庆", "待定"})
	bad = []badOut{{path: storeRel, row: len(rows), col: "opened", kind: bkDate}}
	return w.writeXLSX(storeRel, SheetStores, rows, bad)
}
