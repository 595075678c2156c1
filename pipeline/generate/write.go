package generate

// Writing the generated rows: one sink per source file (text formats and
// Parquet), chunks written in order as the generators finish them, the
// deliberate bad rows and the duplicate file, and the summary of files.

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"

	"golang.org/x/text/encoding/simplifiedchinese"
)

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
