package main

// Model job packages register themselves with the job graph from init.
import (
	_ "github.com/crmkit/crmkit/jobs/clvjob"
	_ "github.com/crmkit/crmkit/jobs/lifecyclejobs"
	_ "github.com/crmkit/crmkit/jobs/metricjobs"
	_ "github.com/crmkit/crmkit/jobs/publish"
	_ "github.com/crmkit/crmkit/jobs/valuejobs"
)
