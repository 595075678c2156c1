package identity

import (
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Incremental stitch. A run whose evidence only grew (new records, none
// gone or changed, the same Config) can be stitched from part of the
// evidence: the records of every customer a new record touches (a
// customer holding one of the new records' identifiers) plus the new
// records, with the prior map of those customers only and IssuedUpTo set
// to the whole map's largest number. Every usable identifier of that part
// has all its records in it (a record with a usable identifier belongs to
// that identifier's customer), so its counters for the cap, many_names
// and velocity rules are exact, and so are the links, ids, merges and
// golden records of the touched customers. What the part cannot see is
// the counters of identifiers the whole evidence refused: their records
// span customers outside it. Those are refused in the part through the
// blocklist (ForcedBlocklist), which is right while a refusal cannot be
// undone by more evidence; IncrementalCheck lists when it can, and when
// the part refuses something new, so that the caller rebuilds instead.

// Refused is an identifier the last stitch of the whole evidence refused:
// type (one of IDTypes), normalised value, reason (BlockedSchema).
type Refused struct {
	Type, Value, Reason string
}

// Key is "type:value", the form of Blocklist entries and of
// identity_changes.identifier.
func (r Refused) Key() string { return r.Type + ":" + r.Value }

// ForcedBlocklist returns cfg with every refused identifier added to its
// blocklist as a typed entry, so that a stitch of part of the evidence
// refuses them whatever part of their records it sees. Normalisation is
// idempotent, so the normalised value as entry finds the same identifier.
func ForcedBlocklist(cfg Config, refused []Refused) Config {
	bl := make([]string, 0, len(cfg.Blocklist)+len(refused))
	bl = append(bl, cfg.Blocklist...)
	for _, r := range refused {
		bl = append(bl, r.Key())
	}
	cfg.Blocklist = bl
	return cfg
}

// IncrementalCheck returns why a Stitch over part of the evidence, run
// with ForcedBlocklist(refused), may differ from the stitch of the whole
// evidence; "" when it cannot. refused maps Key() to reason. newTies says
// the new records tie an openid seen before to a unionid (the cap then
// counts the openid as the unionid: a count can go down).
//
// The part differs when:
//   - it refuses an identifier the whole evidence did not (a cap,
//     many_names, velocity or conflict threshold crossed by the new
//     records): that can split a customer;
//   - it splits a customer (a safety net: without a new refusal the
//     records of a customer only grow);
//   - one of its records carries an identifier refused by the conflict
//     rule, which more evidence can undo (a phone of one of the strong ids
//     starts to count as shared and stops counting as "another phone");
//   - newTies and one of its records carries a cap-refused identifier.
//
// Reasons name the identifier. The first reason found in a fixed order
// (Blocked rows by key) is returned.
func IncrementalCheck(res *Result, refused map[string]string, newTies bool) string {
	type hit struct{ key, why string }
	var hits []hit
	for _, b := range res.Blocked {
		t, v := utf8Of(b, "id_type"), utf8Of(b, "id_value")
		rs, ds := utf8Of(b, "reason"), utf8Of(b, "detail")
		for i := 0; i < int(b.NumRows()); i++ {
			key := t.Value(i) + ":" + v.Value(i)
			prior, was := refused[key]
			switch {
			case !was:
				why := rs.Value(i)
				if ds.IsValid(i) && ds.Value(i) != "" {
					why += ": " + ds.Value(i)
				}
				hits = append(hits, hit{key, fmt.Sprintf("identifier %s newly refused (%s)", key, why)})
			case prior == reasonNames[reasonConflict]:
				hits = append(hits, hit{key, fmt.Sprintf("identifier %s refused by the conflict rule is on a new or touched record", key)})
			case newTies && prior == reasonNames[reasonCap]:
				hits = append(hits, hit{key, fmt.Sprintf("identifier %s refused by the cap is on a touched record while an openid is newly tied to a unionid", key)})
			}
		}
	}
	if len(hits) > 0 {
		sort.Slice(hits, func(i, j int) bool { return hits[i].key < hits[j].key })
		return hits[0].why
	}
	for _, c := range res.Changes {
		k, sv, ab := utf8Of(c, "change"), utf8Of(c, "surviving_id"), utf8Of(c, "absorbed_id")
		for i := 0; i < int(c.NumRows()); i++ {
			if k.Value(i) == "split" {
				return fmt.Sprintf("customer %s splits (part %s)", sv.Value(i), ab.Value(i))
			}
		}
	}
	return ""
}

// utf8Of is a utf8 column of a batch this package built (Blocked,
// Changes); an empty array when absent.
func utf8Of(rec arrow.RecordBatch, name string) *array.String {
	if a, ok := column(rec, name).(*array.String); ok {
		return a
	}
	return array.NewStringData(array.NewData(arrow.BinaryTypes.String, 0, []*memory.Buffer{nil, nil, nil}, nil, 0, 0))
}
