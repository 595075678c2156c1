package jobs

import (
	"github.com/crmkit/crmkit/config"
)

// PublishJob constructs the publish job; the publish package installs it
// from init (it needs the reports package, which jobs does not import).
var PublishJob func(cfg *config.Config) *Job

// Nightly builds the full chain for cfg: ingest per source, stitch, core,
// every registered model job, then publish.
func Nightly(cfg *config.Config) *Graph {
	var sources []string
	for _, s := range cfg.Sources {
		sources = append(sources, s.Name)
	}
	var publish *Job
	if PublishJob != nil {
		publish = PublishJob(cfg)
	}
	return BuildGraph(sources, StitchJob(), publish, registeredModels(cfg))
}
