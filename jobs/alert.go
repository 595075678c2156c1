package jobs

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// NotifyFailure sends one alert to the configured operators naming each
// failed job, its partition, its error and the last log lines.
func NotifyFailure(ctx context.Context, cfg *config.Config, wh warehouse.Warehouse, log *slog.Logger, res *ChainResult) {
	send := registeredAlertSender()
	if len(cfg.Alerts.Operators) == 0 || send == nil {
		return
	}
	var lines []string
	subject := "crmkit: chain " + res.ChainID + " failed"
	for _, r := range res.Runs {
		if r.Status == StatusFailed {
			subject = "crmkit: job " + r.Job + " failed (run " + res.ChainID + ")"
			lines = append(lines, "job: "+r.Job, "partition: "+r.Partition, "attempts: "+strconv.Itoa(r.Attempt), "error: "+r.Error)
		}
	}
	lines = append(lines, "", "last runs:")
	for _, r := range res.Runs {
		lines = append(lines, r.Job+" "+r.Status+" "+r.Message+r.Error)
	}
	if err := send(ctx, cfg, subject, lines); err != nil {
		log.Error("failure alert not sent", "error", err)
	}
}
