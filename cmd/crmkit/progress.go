package main

import (
	"os"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/crmkit/crmkit/jobs"
)

// jobProgress draws a progress bar over jobs on a terminal; elsewhere it
// does nothing (logs carry the progress).
type jobProgress struct {
	p   *mpb.Progress
	bar *mpb.Bar
}

func newJobProgress(total int) *jobProgress {
	if !isTerminal(os.Stderr) || total == 0 {
		return &jobProgress{}
	}
	p := mpb.New(mpb.WithOutput(os.Stderr), mpb.WithWidth(40))
	bar := p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name("jobs "), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO)))
	return &jobProgress{p: p, bar: bar}
}

func (j *jobProgress) done(jobs.RunRecord) {
	if j.bar != nil {
		j.bar.Increment()
	}
}

func (j *jobProgress) wait() {
	if j.p != nil {
		j.bar.SetTotal(-1, true)
		j.p.Wait()
	}
}

// countProgress is a bar over a count (generation, backfill partitions).
type countProgress struct {
	p   *mpb.Progress
	bar *mpb.Bar
}

func newCountProgress(name string, total int64) *countProgress {
	if !isTerminal(os.Stderr) || total <= 0 {
		return &countProgress{}
	}
	p := mpb.New(mpb.WithOutput(os.Stderr), mpb.WithWidth(40))
	bar := p.AddBar(total, mpb.PrependDecorators(decor.Name(name+" "), decor.Percentage()),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO)))
	return &countProgress{p: p, bar: bar}
}

func (c *countProgress) set(done int64) {
	if c.bar != nil {
		c.bar.SetCurrent(done)
	}
}

func (c *countProgress) wait() {
	if c.p != nil {
		c.bar.SetTotal(-1, true)
		c.p.Wait()
	}
}
