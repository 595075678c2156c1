package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/reports"
)

// Nightly builds the full chain for cfg.
func Nightly(cfg *config.Config) *Graph {
	var sources []string
	for _, s := range cfg.Sources {
		sources = append(sources, s.Name)
	}
	publish := &Job{Name: JobPublish, Group: "publish", Run: runPublish}
	return BuildGraph(sources, nil, publish, registeredModels(cfg))
}

func runPublish(ctx context.Context, env *Env) (Result, error) {
	out := env.Cfg.Resolve(env.Cfg.OutputDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return Result{}, err
	}
	start := time.Now()
	mr, err := reports.QueryMonthlyRevenue(ctx, env.WH, env.Cfg.Timezone)
	if err != nil {
		return Result{}, err
	}
	x := filepath.Join(out, "revenue_by_channel.xlsx")
	h := filepath.Join(out, "revenue_by_channel.html")
	if err := reports.WriteRevenueXLSX(mr, x); err != nil {
		return Result{}, fmt.Errorf("write %s: %w", x, err)
	}
	if err := reports.WriteRevenueHTML(mr, h); err != nil {
		return Result{}, fmt.Errorf("write %s: %w", h, err)
	}
	return Result{RowsOut: int64(len(mr.Months)), Message: fmt.Sprintf("wrote %s and %s in %.2fs", x, h, time.Since(start).Seconds())}, nil
}
