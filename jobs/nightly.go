package jobs

import (
	"github.com/crmkit/crmkit/config"
)

// Nightly builds the full chain for cfg: ingest per source, stitch, core,
// every registered model job, then publish.
func Nightly(cfg *config.Config) *Graph {
	var publish *Job
	if f := registeredPublish(); f != nil {
		publish = f(cfg)
	}
	return BuildGraph(cfg.Sources, StitchJob(), publish, registeredModels(cfg))
}
