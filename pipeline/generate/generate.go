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
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
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

// sink is one open monthly text file.
type sink struct {
	f    *os.File
	w    *bufio.Writer
	path string
	rows int
	bad  int
}

type badOut struct {
	path string
	row  int
	col  string
	kind int
}

type writer struct {
	g       *gen
	dir     string
	text    [nSrc][]*sink
	pq      []*pqSink
	pqFile  []*os.File
	pqBad   []int
	truth   *sink
	bad     []badOut
	junk    []int
	summary Summary
}

func (w *writer) rel(src, month int) string {
	s := &sources[src]
	y := w.g.y0 + (w.g.m0-1+month)/12
	m := (w.g.m0-1+month)%12 + 1
	b := append([]byte(s.dir+"/"+s.prefix), strconv.Itoa(y)...)
	b = append2(b, m)
	return string(b) + s.ext
}

func (w *writer) create(rel string) (*sink, error) {
	p := filepath.Join(w.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	return &sink{f: f, w: bufio.NewWriterSize(f, 256<<10), path: rel}, nil
}

func (w *writer) textSink(src, month int) (*sink, error) {
	if s := w.text[src][month]; s != nil {
		return s, nil
	}
	s, err := w.create(w.rel(src, month))
	if err != nil {
		return nil, err
	}
	if h := sources[src].header; h != "" {
		hb := []byte(h + "\n")
		if sources[src].gbk {
			if hb, err = simplifiedchinese.GBK.NewEncoder().Bytes(hb); err != nil {
				return nil, err
			}
		}
		if _, err := s.w.Write(hb); err != nil {
			return nil, err
		}
	}
	w.text[src][month] = s
	return s, nil
}

type bufFile struct {
	*bufio.Writer
	f *os.File
}

func (b *bufFile) Close() error {
	if err := b.Flush(); err != nil {
		b.f.Close()
		return err
	}
	return b.f.Close()
}

func (w *writer) pqSink(month int) (*pqSink, error) {
	if s := w.pq[month]; s != nil {
		return s, nil
	}
	rel := w.rel(srcJD, month)
	p := filepath.Join(w.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	s, err := newPQSink(&bufFile{Writer: bufio.NewWriterSize(f, 256<<10), f: f})
	if err != nil {
		f.Close()
		return nil, err
	}
	w.pq[month] = s
	w.pqFile[month] = f
	return s, nil
}

// rowNumber converts a 0-based data row index into the row a person sees.
func rowNumber(src, idx int) int {
	if sources[src].format == fmtCSV {
		return idx + 2 // header is row 1
	}
	return idx + 1 // NDJSON line number / Parquet record number
}

func (w *writer) run() error {
	g := w.g
	for s := range w.text {
		w.text[s] = make([]*sink, g.months)
	}
	w.pq = make([]*pqSink, g.months)
	w.pqFile = make([]*os.File, g.months)
	w.pqBad = make([]int, g.months)
	w.junk = make([]int, len(g.junk))
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return err
	}
	var err error
	if w.truth, err = w.create("truth/identities.csv"); err != nil {
		return err
	}
	if _, err := w.truth.w.WriteString("id_type,value,person_id\n"); err != nil {
		return err
	}
	if err := w.writeERP(); err != nil {
		return err
	}
	if err := w.writeCampaigns(); err != nil {
		return err
	}

	// simulate chunks in parallel, write them in order
	workers := runtime.GOMAXPROCS(0)
	if workers > g.nChunks {
		workers = g.nChunks
	}
	results := make([]chan *chunkOut, g.nChunks)
	for i := range results {
		results[i] = make(chan *chunkOut, 1)
	}
	jobs := make(chan int)
	stop := make(chan struct{})
	sem := make(chan struct{}, 2*workers)
	go func() {
		defer close(jobs)
		for c := 0; c < g.nChunks; c++ {
			select {
			case sem <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case jobs <- c:
			case <-stop:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				results[c] <- g.runChunk(c)
			}
		}()
	}
	done := 0
	for c := 0; c < g.nChunks; c++ {
		out := <-results[c]
		if err == nil {
			err = out.err
		}
		if err == nil {
			err = w.writeChunk(out)
		}
		if err != nil {
			close(stop)
			break
		}
		<-sem
		done += out.persons
		if g.opts.Progress != nil {
			g.opts.Progress(done, g.opts.Customers)
		}
	}
	if err != nil {
		// the dispatcher stops on stop; workers finish their current
		// chunk (results are buffered) and exit
		wg.Wait()
		return err
	}
	wg.Wait()
	return w.finish()
}

func (w *writer) writeChunk(out *chunkOut) error {
	g := w.g
	// index the chunk's bad rows by (src, month)
	for src := 0; src < nSrc; src++ {
		for m := 0; m < g.months; m++ {
			var rows int
			if src == srcJD {
				rows = out.jd[m].rows()
			} else {
				rows = out.bufs[src][m].rows
			}
			if rows == 0 {
				continue
			}
			var before int
			var path string
			if src == srcJD {
				s, err := w.pqSink(m)
				if err != nil {
					return err
				}
				before = s.rows
				path = w.rel(srcJD, m)
				if err := s.add(&out.jd[m]); err != nil {
					return err
				}
			} else {
				s, err := w.textSink(src, m)
				if err != nil {
					return err
				}
				before = s.rows
				path = s.path
				if _, err := s.w.Write(out.bufs[src][m].b); err != nil {
					return err
				}
				s.rows += rows
			}
			for _, b := range out.bad {
				if b.src == src && b.month == m {
					w.bad = append(w.bad, badOut{path: path, row: rowNumber(src, before+b.rel), col: b.col, kind: b.kind})
					if src == srcJD {
						w.pqBad[m]++
					} else {
						w.text[src][m].bad++
					}
				}
			}
		}
	}
	if _, err := w.truth.w.Write(out.truth); err != nil {
		return err
	}
	w.truth.rows += out.truthRows
	for i, n := range out.junk {
		w.junk[i] += n
	}
	w.summary.Buyers += out.buyers
	w.summary.AnonymousReceipts += out.anon
	w.summary.OrderLines += out.orderLines
	return nil
}

func (s *sink) close() error {
	if err := s.w.Flush(); err != nil {
		s.f.Close()
		return err
	}
	return s.f.Close()
}

// abort closes whatever is still open after an error.
func (w *writer) abort() {
	for src := range w.text {
		for _, s := range w.text[src] {
			if s != nil {
				s.f.Close()
			}
		}
	}
	for _, f := range w.pqFile {
		if f != nil {
			f.Close()
		}
	}
	if w.truth != nil {
		w.truth.f.Close()
	}
}

func (w *writer) finish() error {
	g := w.g
	files := w.summary.Files
	for src := 0; src < nSrc; src++ {
		for m := 0; m < g.months; m++ {
			if src == srcJD {
				s := w.pq[m]
				if s == nil {
					continue
				}
				if err := s.close(); err != nil {
					return err
				}
				w.pqFile[m] = nil
				files = append(files, FileSummary{Path: w.rel(srcJD, m), Rows: s.rows, BadRows: w.pqBad[m]})
				continue
			}
			s := w.text[src][m]
			if s == nil {
				continue
			}
			if err := s.close(); err != nil {
				return err
			}
			w.text[src][m] = nil
			files = append(files, FileSummary{Path: s.path, Rows: s.rows, BadRows: s.bad})
		}
	}
	if err := w.truth.close(); err != nil {
		return err
	}
	w.summary.Identities = w.truth.rows
	w.truth = nil

	// the duplicate: a byte-identical copy of one Shopify month
	dupOf := ""
	for m := 0; m < g.months; m++ {
		rel := w.rel(srcShopify, m)
		for _, f := range files {
			if f.Path == rel && (dupOf == "" || filepath.Base(rel) == "orders_202403.csv") {
				dupOf = rel
			}
		}
	}
	if dupOf != "" {
		b, err := os.ReadFile(filepath.Join(w.dir, filepath.FromSlash(dupOf)))
		if err != nil {
			return err
		}
		dup := dupOf[:len(dupOf)-len(".csv")] + " (1).csv"
		if err := os.WriteFile(filepath.Join(w.dir, filepath.FromSlash(dup)), b, 0o644); err != nil {
			return err
		}
		for _, f := range files {
			if f.Path == dupOf {
				files = append(files, FileSummary{Path: dup, Rows: f.Rows, DuplicateOf: dupOf})
				break
			}
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for _, f := range files {
		if f.DuplicateOf == "" {
			w.summary.Rows += f.Rows
			w.summary.BadRows += f.BadRows
		}
	}
	w.summary.Files = files

	// truth/junk.csv
	s, err := w.create("truth/junk.csv")
	if err != nil {
		return err
	}
	b := []byte("id_type,value,persons\n")
	for i, j := range g.junk {
		if w.junk[i] == 0 {
			continue
		}
		b = append(b, j.idType...)
		b = append(b, ',')
		b = appendCSV(b, j.value)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(w.junk[i]), 10)
		b = append(b, '\n')
		w.summary.JunkValues++
	}
	s.w.Write(b)
	if err := s.close(); err != nil {
		return err
	}

	// truth/bad_rows.csv
	sort.SliceStable(w.bad, func(i, j int) bool {
		if w.bad[i].path != w.bad[j].path {
			return w.bad[i].path < w.bad[j].path
		}
		return w.bad[i].row < w.bad[j].row
	})
	if s, err = w.create("truth/bad_rows.csv"); err != nil {
		return err
	}
	b = append(b[:0], "file,row,column,kind\n"...)
	for _, x := range w.bad {
		b = appendCSV(b, x.path)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(x.row), 10)
		b = append(b, ',')
		b = append(b, x.col...)
		b = append(b, ',')
		b = append(b, badKindNames[x.kind]...)
		b = append(b, '\n')
	}
	s.w.Write(b)
	return s.close()
}

func (w *writer) writeCampaigns() error {
	s, err := w.create("marketing/campaigns.csv")
	if err != nil {
		return err
	}
	b := []byte("campaign_id,campaign_name,channel,start_date,end_date,spend_cny\n")
	for _, c := range w.g.cat.camps {
		b = append(b, c.ID...)
		b = append(b, ',')
		b = appendCSV(b, c.Name)
		b = append(b, ',')
		b = append(b, c.Channel...)
		b = append(b, ',')
		b = appendTS(b, c.Start*86400, tsDate)
		b = append(b, ',')
		b = appendTS(b, c.End*86400, tsDate)
		b = append(b, ',')
		b = appendMoney(b, c.Spend)
		b = append(b, '\n')
	}
	s.w.Write(b)
	if err := s.close(); err != nil {
		return err
	}
	w.summary.Files = append(w.summary.Files, FileSummary{Path: "marketing/campaigns.csv", Rows: len(w.g.cat.camps)})
	return nil
}

func mkdirFor(p string) error { return os.MkdirAll(filepath.Dir(p), 0o755) }
