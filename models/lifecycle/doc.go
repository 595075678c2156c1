// Package lifecycle assigns every customer one lifecycle stage per as-of
// date, in two views, and counts the flows between two dates.
//
// The AIPL view follows Alibaba's Data Bank / Quick Audience defaults
// (aware, interested, purchased, loyal; highest stage wins L > P > I > A).
// The pyramid view refines it (advocate > loyal > repeat > first_purchase >
// interested > aware) so that every pyramid stage maps onto exactly one AIPL
// stage: aware -> A, interested -> I, first_purchase and repeat -> P, loyal
// and advocate -> L. The precise definitions, windows and tie rules are in
// README.md next to this file and in the doc comment of Compute.
//
// The package is pure: Compute reads Arrow record batches (orders, social
// interactions, social accounts, campaign contacts) and returns stages,
// counts and flows; the job glue in jobs/lifecyclejobs reads the core
// tables and writes the lifecycle_stage, lifecycle_counts and
// lifecycle_flows marts.
//
// Scale: events are packed into one uint64 each (time in seconds, kind,
// channel) and spread over hash partitions of the customer id in one
// sequential read of the inputs; each partition then interns its ids into
// dense int32 indices with a small map, groups its events by customer with
// a counting sort, sorts each customer's events by time once and evaluates
// both dates in one pass, partitions running in parallel.
package lifecycle
