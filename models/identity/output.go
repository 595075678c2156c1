package identity

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

var tsType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

func utf8Field(name string, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: nullable}
}

// AssignmentsSchema: rec_table, rec_key, customer_id (null when the record
// has no usable identifier).
var AssignmentsSchema = arrow.NewSchema([]arrow.Field{
	utf8Field("rec_table", false),
	utf8Field("rec_key", false),
	utf8Field("customer_id", true),
}, nil)

// IdentityMapSchema (rows in order of first appearance in the evidence,
// then carried-forward identifiers by customer_id): id_type (one of IDTypes), id_value (normalised),
// customer_id, first_seen and last_seen (ts of the first and last record
// carrying the identifier, null when none has a ts), records (records of
// this run's evidence carrying it; 0 for identifiers carried forward from
// the prior map).
var IdentityMapSchema = arrow.NewSchema([]arrow.Field{
	utf8Field("id_type", false),
	utf8Field("id_value", false),
	utf8Field("customer_id", false),
	{Name: "first_seen", Type: tsType, Nullable: true},
	{Name: "last_seen", Type: tsType, Nullable: true},
	{Name: "records", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// BlockedSchema: id_type, id_value, reason (blocklist, pattern, phone_type,
// many_names, velocity, cap or conflict),
// strong_ids (distinct strong ids, all kinds together, that the value
// co-occurs with; blocklisted strong ids and openids tied to a unionid are
// not counted separately), weak_ids (the larger of the numbers of distinct
// phones and distinct emails it co-occurs with), records (records carrying
// it). The cap compares the largest per-kind count with MaxStrongIDs (see
// Config), so a "cap" row always has strong_ids > MaxStrongIDs or weak_ids >
// MaxWeakIDs. detail says more for some reasons: the number type for
// phone_type ("fixed_line"), the limit for many_names ("more than 3
// names"), the busiest day or month for velocity ("14 purchases on
// 2024-03-02", "9 stores in 2024-03"); null otherwise.
var BlockedSchema = arrow.NewSchema([]arrow.Field{
	utf8Field("id_type", false),
	utf8Field("id_value", false),
	utf8Field("reason", false),
	{Name: "strong_ids", Type: arrow.PrimitiveTypes.Int64},
	{Name: "weak_ids", Type: arrow.PrimitiveTypes.Int64},
	{Name: "records", Type: arrow.PrimitiveTypes.Int64},
	utf8Field("detail", true),
}, nil)

// ChangesSchema: run_id, change (merge or split), surviving_id (merge: the
// id kept; split: the id that split, kept by its largest part), absorbed_id
// (merge: the id that disappears; split: the id of the part that left),
// identifier ("type:value": merge: the identifier that linked; split: the
// blocked identifier the link relied on; null when not found, e.g. the
// evidence itself disappeared).
var ChangesSchema = arrow.NewSchema([]arrow.Field{
	utf8Field("run_id", false),
	utf8Field("change", false),
	utf8Field("surviving_id", false),
	utf8Field("absorbed_id", false),
	utf8Field("identifier", true),
}, nil)

// CustomersSchema is the golden record, one row per customer with evidence,
// in order of first appearance. phone and email are the normalised
// usable (not blocked) identifiers; name and region are the trimmed raw
// values; each is chosen among the customer's records that carry one by
// survivorship (Config.SourcePriority rank, then most recent ts, then later
// input order), and *_source is the source of the chosen record (its channel
// when source is null). home_store is the store_id with the most records
// (ties: the most recent record; then the smallest store_id), home_store_source
// the source of its most recent record there. first_seen and last_seen are
// the min and max ts of the customer's records; first_channel is the channel
// of the earliest record (ties: best rank, then input order). identifiers
// counts its usable identifiers in the evidence.
var CustomersSchema = arrow.NewSchema([]arrow.Field{
	utf8Field("customer_id", false),
	utf8Field("phone", true), utf8Field("phone_source", true),
	utf8Field("email", true), utf8Field("email_source", true),
	utf8Field("name", true), utf8Field("name_source", true),
	utf8Field("home_store", true), utf8Field("home_store_source", true),
	utf8Field("region", true), utf8Field("region_source", true),
	{Name: "first_seen", Type: tsType, Nullable: true},
	{Name: "last_seen", Type: tsType, Nullable: true},
	utf8Field("first_channel", true),
	{Name: "identifiers", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// StatsSchema is Stats in long form: metric, id_type (null for metrics that
// are not per type), value. Metrics: records, records_assigned,
// records_anonymous; values, invalid and identifiers per id_type;
// identifiers (total), carried_forward, blocked, blocked_blocklist,
// blocked_pattern, blocked_phone_type, blocked_many_names, blocked_velocity,
// blocked_cap, blocked_conflict, phones_<type> for each of PhoneTypeNames
// (distinct phones of that number type), blocked_records, customers, prior_customers,
// merges, splits, new_ids, retired, max_customer_number.
var StatsSchema = arrow.NewSchema([]arrow.Field{
	utf8Field("metric", false),
	utf8Field("id_type", true),
	{Name: "value", Type: arrow.PrimitiveTypes.Int64},
}, nil)

func (s *stitcher) build() (*Result, error) {
	res := &Result{}
	s.custIDs()
	rowComp, rowInfo := s.rowComps()
	s.valTyp = nil // no row pass reads it after rowComps
	W := readWorkers()
	gs := make([]*golden, W)
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	st := s.newGoldenState()
	for k := range gs {
		run(func() { gs[k] = s.goldenPass(st, rowComp, rowInfo, k, W) })
	}
	run(func() { res.Assignments = s.buildAssignments(rowComp) })
	parts := make([][]arrow.RecordBatch, 3)
	run(func() { parts[0] = s.buildIdentityMap() })
	run(func() { parts[1] = s.buildBlocked() })
	run(func() { parts[2] = s.buildChanges() })
	wg.Wait()
	res.IdentityMap, res.Blocked, res.Changes = parts[0], parts[1], parts[2]
	cust := make([]arrow.RecordBatch, W)
	per := (s.nComp + W - 1) / W
	for k := range cust {
		run(func() { cust[k] = s.buildCustomers(st, gs, k*per, min((k+1)*per, s.nComp)) })
	}
	wg.Wait()
	for _, b := range cust {
		if b.NumRows() > 0 || len(res.Customers) == 0 {
			res.Customers = append(res.Customers, b)
		} else {
			b.Release()
		}
	}
	res.StatsBatch = s.buildStats()
	res.Stats = s.stats
	return res, nil
}

// custIDs renders the customer id of every component once, into one
// buffer.
func (s *stitcher) custIDs() {
	buf := make([]byte, 0, s.nComp*9+16)
	ends := make([]int, s.nComp)
	for c, n := range s.compCust {
		buf = appendCustomerID(buf, n)
		ends[c] = len(buf)
	}
	s.custStr = make([]string, s.nComp)
	start := 0
	for c, end := range ends {
		s.custStr[c] = unsafe.String(&buf[start], end-start)
		start = end
	}
}

func appendTS(b *array.TimestampBuilder, ts int64) {
	if ts == noTS {
		b.AppendNull()
	} else {
		b.Append(arrow.Timestamp(ts))
	}
}

// buildIdentityMap writes the usable identifiers in order of first
// appearance, then the carried-forward ones ordered by customer and key.
func (s *stitcher) buildIdentityMap() []arrow.RecordBatch {
	type ghost struct {
		id   int32
		cust int64
	}
	var ghosts []ghost
	for id := range s.ghosts {
		if s.reason[id] != reasonNone {
			continue
		}
		// the id of the prior customer, or the id that now holds it
		p := s.prior[id]
		cust := s.priorNums[p]
		if h := s.pComp[p]; h >= 0 {
			cust = s.compCust[h]
		}
		ghosts = append(ghosts, ghost{id, cust})
	}
	slices.SortFunc(ghosts, func(a, b ghost) int {
		return cmp.Or(cmp.Compare(a.cust, b.cust), strings.Compare(s.keys[a.id], s.keys[b.id]))
	})
	var total, dataLen int
	byType := make([]int64, numTypes)
	for id, c := range s.compOf {
		if c >= 0 {
			total++
			dataLen += len(s.keys[id]) - 1
			byType[s.typ[id]]++
		}
	}
	for _, gh := range ghosts {
		dataLen += len(s.keys[gh.id]) - 1
	}
	s.stats.CarriedForward = int64(len(ghosts))
	s.stats.Identifiers = int64(total)
	s.stats.IdentifiersByType = map[string]int64{}
	for t := idType(0); t < numTypes; t++ {
		s.stats.IdentifiersByType[t.String()] = byType[t]
	}

	// rows: usable identifiers in id order, then ghosts
	order := make([]int32, 0, total+len(ghosts))
	for id, c := range s.compOf {
		if c >= 0 {
			order = append(order, int32(id))
		}
	}
	ghostCust := make([]string, len(ghosts))
	for i, gh := range ghosts {
		order = append(order, gh.id)
		ghostCust[i] = formatCustomerID(gh.cust)
	}
	rows := len(order)
	cols := []arrow.Array{
		stringArray(s.mem, rows, rows*len("member_card"), func(i int) (string, bool) {
			return IDTypes[s.typ[order[i]]], true
		}),
		stringArray(s.mem, rows, dataLen, func(i int) (string, bool) {
			return s.keys[order[i]][1:], true
		}),
		stringArray(s.mem, rows, rows*20, func(i int) (string, bool) {
			if i >= total {
				return ghostCust[i-total], true
			}
			return s.custStr[s.compOf[order[i]]], true
		}),
		timestampArray(s.mem, rows, func(i int) int64 {
			if i >= total {
				return s.ghosts[order[i]].first
			}
			return s.firstTs[order[i]]
		}),
		timestampArray(s.mem, rows, func(i int) int64 {
			if i >= total {
				return s.ghosts[order[i]].last
			}
			return s.lastTs[order[i]]
		}),
		int64Array(s.mem, rows, func(i int) int64 { return int64(s.records[order[i]]) }),
	}
	rec := array.NewRecordBatch(IdentityMapSchema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return []arrow.RecordBatch{rec}
}

func (s *stitcher) buildBlocked() []arrow.RecordBatch {
	var ids []int32
	s.stats.BlockedByReason = map[string]int64{}
	for _, r := range reasonOrder {
		s.stats.BlockedByReason[r] = 0
	}
	for id := int32(0); id < int32(len(s.keys)); id++ {
		if s.reason[id] != reasonNone && s.records[id] > 0 {
			ids = append(ids, id)
			s.stats.BlockedByReason[reasonNames[s.reason[id]]]++
		}
	}
	s.stats.Blocked = int64(len(ids))
	slices.SortFunc(ids, func(a, b int32) int {
		return cmp.Or(cmp.Compare(s.records[b], s.records[a]), strings.Compare(s.keys[a], s.keys[b]))
	})
	rb := array.NewRecordBuilder(s.mem, BlockedSchema)
	defer rb.Release()
	for _, id := range ids {
		k := s.keys[id]
		rb.Field(0).(*array.StringBuilder).Append(IDTypes[k[0]])
		rb.Field(1).(*array.StringBuilder).Append(k[1:])
		rb.Field(2).(*array.StringBuilder).Append(reasonNames[s.reason[id]])
		rb.Field(3).(*array.Int64Builder).Append(int64(s.strongCnt[id]))
		rb.Field(4).(*array.Int64Builder).Append(int64(s.weakCnt[id]))
		rb.Field(5).(*array.Int64Builder).Append(int64(s.records[id]))
		switch d := s.detail[id]; {
		case s.reason[id] == reasonPhoneType:
			rb.Field(6).(*array.StringBuilder).Append(PhoneTypeNames[s.phoneType[id]-1])
		case d != "":
			rb.Field(6).(*array.StringBuilder).Append(d)
		default:
			rb.Field(6).AppendNull()
		}
	}
	return []arrow.RecordBatch{rb.NewRecordBatch()}
}

// identString renders identifier id as "type:value".
func (s *stitcher) identString(id int32) string {
	k := s.keys[id]
	return IDTypes[k[0]] + ":" + k[1:]
}

func (s *stitcher) buildChanges() []arrow.RecordBatch {
	rb := array.NewRecordBuilder(s.mem, ChangesSchema)
	defer rb.Release()
	for _, ch := range s.changes {
		rb.Field(0).(*array.StringBuilder).Append(s.runID)
		rb.Field(1).(*array.StringBuilder).Append(ch.kind)
		rb.Field(2).(*array.StringBuilder).Append(formatCustomerID(ch.surviving))
		rb.Field(3).(*array.StringBuilder).Append(formatCustomerID(ch.absorbed))
		if ch.ident >= 0 {
			rb.Field(4).(*array.StringBuilder).Append(s.identString(ch.ident))
		} else {
			rb.Field(4).AppendNull()
		}
	}
	return []arrow.RecordBatch{rb.NewRecordBatch()}
}

func (s *stitcher) buildStats() []arrow.RecordBatch {
	st := &s.stats
	rb := array.NewRecordBuilder(s.mem, StatsSchema)
	defer rb.Release()
	add := func(metric, typ string, v int64) {
		rb.Field(0).(*array.StringBuilder).Append(metric)
		if typ == "" {
			rb.Field(1).AppendNull()
		} else {
			rb.Field(1).(*array.StringBuilder).Append(typ)
		}
		rb.Field(2).(*array.Int64Builder).Append(v)
	}
	add("records", "", st.Records)
	add("records_assigned", "", st.RecordsAssigned)
	add("records_anonymous", "", st.RecordsAnonymous)
	for _, t := range IDTypes {
		add("values", t, st.Values[t])
		add("invalid", t, st.Invalid[t])
		add("identifiers", t, st.IdentifiersByType[t])
	}
	add("identifiers", "", st.Identifiers)
	add("carried_forward", "", st.CarriedForward)
	add("blocked", "", st.Blocked)
	for _, r := range reasonOrder {
		add("blocked_"+r, "", st.BlockedByReason[r])
	}
	for _, n := range PhoneTypeNames {
		add("phones_"+n, "", st.PhoneTypes[n])
	}
	add("blocked_records", "", st.BlockedRecords)
	add("customers", "", st.Customers)
	add("prior_customers", "", st.PriorCustomers)
	add("merges", "", st.Merges)
	add("splits", "", st.Splits)
	add("new_ids", "", st.NewIDs)
	add("retired", "", st.Retired)
	add("max_customer_number", "", st.MaxCustomerNumber)
	return []arrow.RecordBatch{rb.NewRecordBatch()}
}
