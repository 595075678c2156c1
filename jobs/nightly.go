package jobs

import (
	"github.com/crmkit/crmkit/config"
)

// Nightly builds the full chain for cfg: ingest per source, stitch, core,
// every registered model job, then publish.
func Nightly(cfg *config.Config) *Graph {
	var sources []string
	for _, s := range cfg.Sources {
		sources = append(sources, s.Name)
	}
	var publish *Job
	if f := registeredPublish(); f != nil {
		publish = f(cfg)
	}
	return BuildGraph(sources, StitchJob(), publish, registeredModels(cfg))
}
