// Package generate writes realistic, deterministic sample exports for every
// source family crmkit ingests (Tmall NDJSON, Shopify CSV, JD Parquet, GBK
// POS receipts, ERP XLSX masters, social, marketing and service CSVs) plus
// the ground truth needed to score identity stitching and ingest:
// truth/identities.csv, truth/junk.csv and truth/bad_rows.csv.
//
// The same Options (Seed included) always produce byte-identical files,
// whatever the number of CPUs: people are simulated in fixed-size chunks,
// each with its own PCG stream, and chunks are written in order.
package generate

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Options controls a generation run.
type Options struct {
	// Dir is the output folder (created if missing). Existing files with
	// the same names are overwritten; other files are left alone.
	Dir string
	// Customers is the number of true people (buyers and social-only
	// followers); default 5000, at most 20,000,000.
	Customers int
	// Seed selects the data set; the same seed gives the same bytes.
	Seed uint64
	// From and To are the first and last calendar day of the period
	// (inclusive; only the date part is used, times are Asia/Shanghai).
	// Default 2024-01-01 .. 2025-12-31.
	From, To time.Time
	// Progress, when set, is called after each chunk of people is written.
	Progress func(done, total int)
}

// FileSummary describes one written source file.
type FileSummary struct {
	// Path is relative to Options.Dir, with forward slashes.
	Path string
	// Rows is the number of data rows (bad rows included, CSV/XLSX header
	// excluded).
	Rows int
	// BadRows is the number of rows listed for this file in truth/bad_rows.csv.
	BadRows int
	// DuplicateOf is set on the byte-identical copy of another file; its
	// BadRows is 0 because a correct ingest skips it as already loaded.
	DuplicateOf string
}

// Summary reports what Generate wrote.
type Summary struct {
	Dir               string
	Persons           int // true people (rows of the person universe)
	Buyers            int // people with at least one order
	AnonymousReceipts int // POS receipts with no member (not people in the truth)
	OrderLines        int // good order lines over tmall, shopify, jd and pos
	Rows              int // data rows over all source files except the duplicate
	BadRows           int // == rows of truth/bad_rows.csv
	Identities        int // rows of truth/identities.csv
	JunkValues        int // rows of truth/junk.csv
	Files             []FileSummary
	Elapsed           time.Duration
}

// MaxCustomers bounds Options.Customers (identifier spaces are sized for it).
const MaxCustomers = 20_000_000

type junkVal struct {
	idType, value string
}

type gen struct {
	opts                                     Options
	start, end                               int64 // local seconds, [start, end)
	y0, m0, months                           int
	cat                                      *catalog
	allStores                                []int
	ids                                      *idGen
	orderScr                                 [nCh]scrambler
	ticketScr                                scrambler
	nChunks                                  int
	plans                                    [][]plan
	junk                                     []junkVal
	junkHotline, junkTestEmail, junkZeroCard int
}

// Generate writes the sample exports and truth files under opts.Dir.
func Generate(opts Options) (*Summary, error) {
	began := time.Now()
	if opts.Dir == "" {
		return nil, errors.New("generate: Options.Dir is required")
	}
	if opts.Customers == 0 {
		opts.Customers = 5000
	}
	if opts.Customers < 0 || opts.Customers > MaxCustomers {
		return nil, fmt.Errorf("generate: Customers must be between 1 and %d", MaxCustomers)
	}
	if opts.From.IsZero() {
		opts.From = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if opts.To.IsZero() {
		opts.To = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	g := &gen{opts: opts}
	fy, fm, fd := opts.From.Date()
	ty, tm, td := opts.To.Date()
	g.start = daysFromCivil(fy, int(fm), fd) * 86400
	g.end = (daysFromCivil(ty, int(tm), td) + 1) * 86400
	if g.end-g.start < 28*86400 {
		return nil, errors.New("generate: the period From..To must cover at least 28 days")
	}
	var m1, y1 int
	g.y0, g.m0, _ = civil(g.start / 86400)
	y1, m1, _ = civil((g.end - 1) / 86400)
	g.months = (y1-g.y0)*12 + m1 - g.m0 + 1

	master := rand.New(rand.NewPCG(opts.Seed, 0x63726d6b6974))
	g.cat = buildCatalog(master, g.start, g.end)
	for i := range g.cat.stores {
		g.allStores = append(g.allStores, i)
	}
	g.ids = newIDGen(master)
	g.orderScr[chTmall] = newScrambler(master, 1e12)
	g.orderScr[chShopify] = newScrambler(master, 1e12)
	g.orderScr[chJD] = newScrambler(master, 1e11)
	g.orderScr[chPOS] = newScrambler(master, 1e10)
	g.ticketScr = newScrambler(master, 1e10)
	g.nChunks = (opts.Customers + chunkSize - 1) / chunkSize

	// junk identifiers
	g.junkHotline = len(g.junk)
	g.junk = append(g.junk, junkVal{"phone", junkHotline})
	for i := range g.cat.stores {
		g.cat.stores[i].junkIdx = len(g.junk)
		g.junk = append(g.junk, junkVal{"phone", g.cat.stores[i].Landline})
	}
	g.junkTestEmail = len(g.junk)
	g.junk = append(g.junk, junkVal{"email", junkTestEmail})
	g.junkZeroCard = len(g.junk)
	g.junk = append(g.junk, junkVal{"member_card", junkZeroCard})

	// bad row plans: a fixed, small number per source and kind
	g.plans = make([][]plan, g.nChunks)
	for src := 0; src < nSrc; src++ {
		for _, bp := range sources[src].bad {
			for k := 0; k < bp.n; k++ {
				c := master.IntN(g.nChunks)
				spec := badSpec{kind: bp.kind, col: bp.cols[k%len(bp.cols)], extra: k%2 == 0}
				switch bp.kind {
				case bkDate:
					d := badDates[sources[src].tsStyle]
					spec.val = d[k%len(d)]
				case bkNumber:
					spec.val = badNumbers[master.IntN(len(badNumbers))]
				}
				g.plans[c] = append(g.plans[c], plan{src: src, after: 3 + master.IntN(60), spec: spec})
			}
		}
	}

	w := &writer{g: g, dir: opts.Dir}
	if err := w.run(); err != nil {
		w.abort()
		return nil, err
	}
	sum := w.summary
	sum.Dir = opts.Dir
	sum.Persons = opts.Customers
	sum.Elapsed = time.Since(began)
	return &sum, nil
}
