package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"sync"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The inputs of a job downstream of ingest are the outputs of the jobs it
// depends on, the config it reads, the as-of date and the program itself.
// A job's output is identified by its last run that did the work
// (succeeded or partial): a job that was skipped produced nothing new, so
// the jobs after it see the same upstream run and skip in turn, and a job
// that ran (because a file was loaded, a config section changed or it was
// forced) gives everything downstream a new upstream run to compute from.
//
// Jobs that read the clock (checks: the age of the newest file) have no
// fingerprint and always run; the jobs that only wait for them (After)
// take their last status, not their run, so that a check that passes
// again does not rerun publish.

// fingerprintInputs says which inputs beside its upstream runs a job reads.
type fingerprintInputs struct {
	// noConfig and noAsOf leave the config and the as-of date out (core
	// reads neither).
	noConfig, noAsOf bool
	// extra adds inputs of the job's own (core: the loaded file set).
	extra func(ctx context.Context, env *Env, h hash.Hash) error
}

// upstreamFingerprint is the fingerprint of a job downstream of ingest:
// the job's name, the program (programDigest), the partition, the config
// (configDigest) and the as-of date unless in says otherwise, the last
// productive run of each of its dependencies, the last status of each job
// it runs After, and in.extra.
func upstreamFingerprint(j *Job, in fingerprintInputs) func(ctx context.Context, env *Env) (string, error) {
	return func(ctx context.Context, env *Env) (string, error) {
		h := sha256.New()
		fmt.Fprintf(h, "job %s\npartition %s\nprogram %s\n", j.Name, env.Partition, programDigest())
		if !in.noConfig {
			cd, err := configDigest(env.Cfg)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "config %s\n", cd)
		}
		if !in.noAsOf {
			asOf, err := env.ResolveAsOf(ctx)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "as_of %s\n", asOf.Format("2006-01-02"))
		}
		for _, d := range j.Deps {
			run, err := lastProductiveRun(ctx, env, d)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "dep %s %s\n", d, run)
		}
		for _, d := range j.After {
			var st *string
			if err := env.WH.QueryRow(ctx, runsSQL["last_status"], []any{d}, &st); err != nil {
				return "", fmt.Errorf("fingerprint of %s: last status of %s: %w", j.Name, d, err)
			}
			fmt.Fprintf(h, "after %s %s\n", d, deref(st))
		}
		if env.Resend {
			// mail is sent again only by a run that does the work
			fmt.Fprintf(h, "resend\n")
		}
		if in.extra != nil {
			if err := in.extra(ctx, env, h); err != nil {
				return "", err
			}
		}
		return hex.EncodeToString(h.Sum(nil))[:16], nil
	}
}

// lastProductiveRun names the last run of job that did its work (any
// partition: a backfilled partition rewrites outputs too), or "" when it
// never did.
func lastProductiveRun(ctx context.Context, env *Env, job string) (string, error) {
	var run, part *string
	var attempt *int64
	err := env.WH.QueryRow(ctx, runsSQL["last_productive"], []any{job}, &run, &part, &attempt)
	if err != nil {
		return "", fmt.Errorf("last run of %s: %w", job, err)
	}
	if run == nil {
		return "", nil
	}
	a := int64(1)
	if attempt != nil {
		a = *attempt
	}
	return fmt.Sprintf("%s/%s/%d", *run, deref(part), a), nil
}

// loadedFiles adds the set of loaded files to a fingerprint: their count,
// the XOR of their load ids' hashes (a file unloaded and another loaded
// changes it) and the newest load time.
func loadedFiles(ctx context.Context, env *Env, h hash.Hash) error {
	d := warehouse.SQLOf(env.WH.Dialect())
	var n, x, last *string
	q, err := inputsSQL.Render("loaded_files", d, struct{ LoadIDHash string }{d.Fingerprint("load_id")})
	if err != nil {
		return err
	}
	if err := env.WH.QueryRow(ctx, q, nil, &n, &x, &last); err != nil {
		return fmt.Errorf("fingerprint of the loaded files: %w", err)
	}
	fmt.Fprintf(h, "loads %s %s %s\n", deref(n), deref(x), deref(last))
	return nil
}

// configDigest hashes the parts of the config that can change what a job
// computes or writes. Left out: where the config file is, the warehouse
// connection and its resource limits, the job runner's settings,
// schedules and alerts; none of them changes a table or a report.
func configDigest(cfg *config.Config) (string, error) {
	if cfg == nil {
		return "", nil
	}
	c := *cfg
	c.Path = ""
	c.Warehouse = config.Warehouse{Kind: cfg.Warehouse.Kind}
	c.Jobs = config.Jobs{}
	c.Schedules = nil
	c.Alerts = config.Alerts{}
	c.Location = nil
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("fingerprint of the config: %w", err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8]), nil
}

var program struct {
	once sync.Once
	id   string
}

// programDigest identifies the running binary (size and modification
// time), so that a new build recomputes what the old one computed: its
// models may compute differently.
func programDigest() string {
	program.once.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			return
		}
		if st, err := os.Stat(exe); err == nil {
			program.id = fmt.Sprintf("%d-%d", st.Size(), st.ModTime().UnixNano())
		}
	})
	return program.id
}
