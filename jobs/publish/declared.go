package publish

import "github.com/crmkit/crmkit/jobs"

// The tables the publish job declares (jobs.Job.Reads, MayRead, Writes):
// the core tables, the load records and the golden record always; each
// mart and the identity statistics when present (a missing one leaves its
// section out). The jobs that write these are its upstream.
var (
	// the raw tables for the freshness of each source
	reads = append([]string{"orders", "kept_order_lines", "products", "stores", "customers", "load_files", "quarantine",
		"service_tickets", "social_accounts", "campaign_contacts", "social_interactions"}, jobs.RawTables()...)
	mayRead = []string{"profit", "clv_fit", "customer_clv", "cohort_retention", "lifecycle_stage", "lifecycle_counts", "lifecycle_flows",
		"rfm", "campaign_effect", "channel_credit", "social_engagement", "segment_sizes", "source_checks",
		"identity_stats", "identity_changes", "blocked_identifiers",
		// first purchases, when customer_state is up to date (firsts.go)
		"customer_state", "customer_state_meta", "customer_changes",
		// the customer tags' order figures, when up to date (orderstate.go)
		"customer_order_state"}
	writes = []string{"publish_order_facts", "segment_sizes", "mail_deliveries", "publish_load_events"}
)
