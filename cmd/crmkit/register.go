package main

import (
	"fmt"
	"sync"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/jobs/clvjob"
	"github.com/crmkit/crmkit/jobs/lifecyclejobs"
	"github.com/crmkit/crmkit/jobs/metricjobs"
	"github.com/crmkit/crmkit/jobs/publish"
	"github.com/crmkit/crmkit/jobs/valuejobs"
	"github.com/crmkit/crmkit/pipeline/source"
)

var (
	registerOnce sync.Once
	registerErr  error
)

// registerPlugins is the one place the binary wires its plugins: the source
// formats the config accepts (config cannot import pipeline/source), the
// model jobs, the publish job and the failure-alert sender. run calls it
// before any command; a registration left out here stops every command
// with an error naming it (jobs.CheckRegistered) instead of a chain that
// silently skips a step.
func registerPlugins() error {
	registerOnce.Do(func() {
		for _, f := range source.Formats() {
			config.RegisterFormat(f)
		}
		clvjob.Register()
		lifecyclejobs.Register()
		metricjobs.Register()
		valuejobs.Register()
		publish.Register()
		if len(source.Formats()) == 0 {
			registerErr = fmt.Errorf("no source formats registered (pipeline/source)")
			return
		}
		if err := jobs.CheckRegistered(); err != nil {
			registerErr = fmt.Errorf("plugin registration: %w", err)
		}
	})
	return registerErr
}
