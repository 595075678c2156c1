package identity

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Default values used when the corresponding Config field is zero.
const (
	DefaultMaxStrongIDs  = 3
	DefaultMaxWeakIDs    = 10
	DefaultDefaultRegion = "CN"
	// DefaultMaxNames: more than 3 distinct names on one phone, email or
	// device is a shared identifier (a person's own spellings, a nickname
	// and a spouse's name fit within 3).
	DefaultMaxNames = 3
	// DefaultMaxOrdersPerDay: more than 10 purchases on one day.
	DefaultMaxOrdersPerDay = 10
	// DefaultMaxStoresPerMonth: purchases in more than 6 stores in one
	// calendar month.
	DefaultMaxStoresPerMonth = 6
	// DefaultUntypedFallback is the type of an untyped value that is
	// neither a phone nor an email.
	DefaultUntypedFallback = IDMemberCard
)

// DefaultPurchaseTables are the rec_table values whose records are
// purchases for the velocity rules.
var DefaultPurchaseTables = []string{"order_lines"}

// DefaultLinkPhoneTypes are the phone number types that link by default:
// numbers that belong to one person. Fixed lines, toll-free, shared-cost
// (China's 400 numbers), premium-rate and VoIP numbers are typically a
// store's, an office's or a service's.
var DefaultLinkPhoneTypes = []string{"mobile", "fixed_line_or_mobile"}

// Config configures Stitch.
type Config struct {
	// MaxStrongIDs is the cap: a weak identifier (phone, email, device_id)
	// that co-occurs, on the same records, with more than MaxStrongIDs
	// distinct strong identifiers of one kind is not used to link and is
	// reported in Blocked with reason "cap". The kinds are: member_card;
	// buyer_id of each channel (the part before ':', so tmall and jd buyer ids
	// are separate kinds); unionid; openid not tied to a unionid (an openid
	// seen on any record with a unionid counts as that unionid). Counting per
	// kind keeps the phone of a customer who shops on four channels (one
	// member card, one Tmall and one JD buyer id, one unionid) while a store
	// phone typed on the receipts of many members is refused. Blocklisted
	// strong ids are not counted. 0 means DefaultMaxStrongIDs (3); a
	// negative value disables the cap.
	MaxStrongIDs int
	// CapAcrossKinds makes the cap count all strong ids together instead of
	// per kind (the literal reading: more than MaxStrongIDs distinct strong
	// ids of any kind). It refuses more junk and more genuine multi-channel
	// phones.
	CapAcrossKinds bool
	// MaxWeakIDs guards links between weak identifiers where no strong id is
	// present (guest checkouts, anonymous receipts): a phone, email or
	// device_id that co-occurs with more than MaxWeakIDs distinct
	// identifiers of one other weak type (a phone with emails, an email with
	// phones, a device with phones or with emails) is refused with reason
	// "cap". Device ids are never counted as partners: people collect many
	// of them. 0 means DefaultMaxWeakIDs (10); negative disables.
	MaxWeakIDs int
	// NoConflictRule turns off the conflict rule: a weak identifier within
	// the cap that co-occurs with at least two strong ids of one kind (two
	// member cards, two Tmall buyers) is refused with reason "conflict" when
	// two of those strong ids each also carry another phone, or another
	// email, and these differ, i.e. it joins people who each have their own
	// phone. It catches junk too rare to reach the cap (a store phone typed
	// on two members' receipts). Phones and emails that are blocked or
	// themselves co-occur with two strong ids of one kind are not counted as
	// "another phone/email". A phone shared by two cards that carry no other
	// phone or email (a household, a reissued card) still links.
	NoConflictRule bool
	// Blocklist lists junk values (shared store phones, test emails). Each
	// entry is either "type:value" where type is one of IDTypes
	// ("phone:400 820 8820", "buyer_id:tmall:test") or a bare value, which is
	// tried as every identifier type. The entry is normalised like the data
	// and compared with the normalised value, so it matches the value
	// however it was typed, raw or normalised: the entry "021-62881234"
	// blocks "02162881234", "(021) 6288 1234" and "+86 21 6288 1234", and
	// the entry "+862162881234" blocks them too.
	Blocklist []string
	// BlockPatterns are regular expressions (Go RE2 syntax); "type:regex"
	// restricts a pattern to one identifier type. A pattern blocks an
	// identifier when it matches any of: the normalised value
	// ("+862162881234", "test@example.com"); for phones, the national
	// number in digits with its trunk prefix ("02162881234", "4008208820",
	// "13812345678"); or any raw spelling of the value in the evidence,
	// trimmed ("021-62881234", "Test@Example.com"). So `^0\d{2,3}-?\d{7,8}$`
	// blocks a landline typed "021-62881234", "02162881234" or
	// "+86 21 6288 1234", `^400-?\d{3}-?\d{4}$` blocks "400-820-8820" and
	// "4008208820", `phone:^\+86(400|800)` blocks both kinds of service
	// number, `email:@(example|test)\.com$` test addresses. Unanchored
	// patterns match anywhere in the value.
	BlockPatterns []string
	// MaxNames: a weak identifier (phone, email, device_id) seen on records
	// with more than MaxNames distinct names is refused with reason
	// "many_names" (a store's tablet phone typed for walk-ins who carry no
	// other identifier). Names are compared normalised: full-width folded,
	// lower-cased, spaces and punctuation removed ("Zhang Wei", "zhangwei"
	// and "ZHANG·WEI" are one name); blank, placeholder ("未知", "顾客",
	// "先生") and masked names ("张*", "j***n") are ignored. 0 means
	// DefaultMaxNames; negative disables.
	MaxNames int
	// MaxOrdersPerDay and MaxStoresPerMonth are the velocity rules: a weak
	// identifier on more than MaxOrdersPerDay purchase records on one day
	// (UTC), or on purchase records of more than MaxStoresPerMonth distinct
	// store_ids in one calendar month (UTC), is refused with reason
	// "velocity". Purchase records are those whose rec_table is one of
	// PurchaseTables (DefaultPurchaseTables when empty). 0 means the
	// default (DefaultMaxOrdersPerDay, DefaultMaxStoresPerMonth); negative
	// disables the rule.
	MaxOrdersPerDay   int
	MaxStoresPerMonth int
	PurchaseTables    []string
	// LinkPhoneTypes lists the phone number types (as classified by
	// github.com/nyaruka/phonenumbers) that link: mobile, fixed_line,
	// fixed_line_or_mobile, toll_free, premium_rate, shared_cost, voip,
	// personal_number, pager, uan, voicemail, unknown. A phone of another
	// type is refused with reason "phone_type" (its type in Blocked.detail).
	// Empty means DefaultLinkPhoneTypes.
	LinkPhoneTypes []string
	// TypeAliases maps declared identifier types to IDTypes names for the
	// untyped identifier column (see Stitch): {"mobile": "phone", "手机":
	// "phone", "邮箱": "email"}. Keys are compared trimmed and lower-cased.
	TypeAliases map[string]string
	// UntypedFallback is the type given to an untyped value that is
	// neither a valid phone nor a valid email (DefaultUntypedFallback when
	// empty).
	UntypedFallback string
	// DefaultRegion is the region used to read phone numbers written
	// without a country code ("CN" when empty).
	DefaultRegion string
	// SourcePriority ranks record sources for the golden record. A record's
	// rank is the position of the first entry equal to its source or to its
	// channel; records matching no entry rank after all listed ones. For each
	// golden field the candidate with the best (lowest) rank wins; among equal
	// ranks the most recent record (ts) wins, then the later record in input
	// order. With an empty list survivorship is simply "most recent
	// non-empty".
	SourcePriority []string
	// IssuedUpTo is the largest customer number issued so far when the
	// prior map passed to Stitch is only part of the whole map (a stitch of
	// the customers a delta touches, see IncrementalCheck): new ids are
	// numbered after the larger of it and the prior's largest, as the
	// stitch of the whole evidence with the whole map would number them.
	IssuedUpTo int64
	// Alloc allocates the output arrays (memory.DefaultAllocator when nil).
	Alloc memory.Allocator
}

// Result is what Stitch returns. Every batch must be released by the caller
// (Release releases them all).
type Result struct {
	// Assignments: one batch per evidence batch, same rows in the same
	// order, schema AssignmentsSchema (rec_table, rec_key, customer_id).
	// rec_table and rec_key are copies of the evidence columns (plain utf8;
	// a rec_table constant over a batch is shared between batches).
	// customer_id is null for a record with no
	// usable identifier (anonymous, only invalid or only blocked ids).
	Assignments []arrow.RecordBatch
	// IdentityMap (IdentityMapSchema): one row per usable identifier, in
	// order of first appearance in the evidence. Blocked identifiers are not
	// in it (they link nothing; see Blocked). Identifiers of the prior map
	// that no longer occur in the evidence are carried forward at the end
	// (records = 0, first/last seen from the prior map when it has them)
	// with their customer id, or the surviving id if that customer was
	// absorbed by a merge; so the map never forgets an id, a person whose
	// records were purged gets the same id back, and new ids never reuse a
	// number. Pass it as prior to the next run.
	IdentityMap []arrow.RecordBatch
	// Blocked (BlockedSchema): identifiers of the evidence refused for
	// linking, ordered by records descending then type and value.
	Blocked []arrow.RecordBatch
	// Changes (ChangesSchema): merges and splits of this run.
	Changes []arrow.RecordBatch
	// Customers (CustomersSchema): the golden record of every customer that
	// has evidence in this run, in order of first appearance (split in one
	// batch per worker).
	Customers []arrow.RecordBatch
	// StatsBatch is Stats in long form (StatsSchema), for the data-health
	// scorecard.
	StatsBatch []arrow.RecordBatch
	Stats      Stats
}

// Release releases all batches of the result.
func (r *Result) Release() {
	for _, bs := range [][]arrow.RecordBatch{r.Assignments, r.IdentityMap, r.Blocked, r.Changes, r.Customers, r.StatsBatch} {
		for _, b := range bs {
			b.Release()
		}
	}
}

// Stats summarises a run. Per-type maps are keyed by IDTypes names.
type Stats struct {
	Records          int64 // evidence records
	RecordsAssigned  int64 // records with a customer_id
	RecordsAnonymous int64 // records without a usable identifier
	// Values counts non-empty identifier values read (per record and type).
	Values map[string]int64
	// Invalid counts non-empty values that failed normalisation (letters in
	// a phone, too short, a malformed email, a placeholder such as "null").
	Invalid map[string]int64
	// Identifiers counts distinct usable identifiers of the evidence (rows
	// of IdentityMap that are not carried forward), per type in
	// IdentifiersByType.
	Identifiers       int64
	IdentifiersByType map[string]int64
	CarriedForward    int64            // identity_map rows kept from the prior map only
	Blocked           int64            // distinct blocked identifiers of the evidence
	BlockedByReason   map[string]int64 // blocklist, pattern, phone_type, many_names, velocity, cap, conflict
	// PhoneTypes counts the distinct phones of the evidence by number type
	// (LinkPhoneTypes names), blocked or not.
	PhoneTypes        map[string]int64
	BlockedRecords    int64 // records carrying at least one blocked identifier
	Customers         int64 // customers with evidence in this run
	PriorCustomers    int64 // distinct customer ids in the prior map
	Merges            int64 // merge changes (absorbed ids)
	Splits            int64 // split changes
	NewIDs            int64 // customer ids issued in this run
	Retired           int64 // prior ids with no usable identifier left in the evidence
	MaxCustomerNumber int64 // largest customer number issued so far
}

const (
	reasonNone uint8 = iota
	reasonBlocklist
	reasonPattern
	reasonCap
	reasonConflict
	reasonPhoneType
	reasonManyNames
	reasonVelocity
)

var reasonNames = [...]string{"", "blocklist", "pattern", "cap", "conflict", "phone_type", "many_names", "velocity"}

// reasonOrder is the order of the reasons in Stats and identity_stats.
var reasonOrder = []string{"blocklist", "pattern", "phone_type", "many_names", "velocity", "cap", "conflict"}

type ghostInfo struct {
	first, last int64
}

type stitcher struct {
	cfg                Config
	region             string
	mem                memory.Allocator
	runID              string
	pc                 phoneCache
	maxStrong, maxWeak int
	rules              rules

	// interning: key = type byte + normalised value
	dict *dict
	keys []string

	// per identifier
	typ             []uint8
	firstTs, lastTs []int64
	records         []int32
	prior           []int32 // dense prior customer index, -1
	reason          []uint8
	strongCnt       []int32          // distinct strong partners (for Blocked)
	weakCnt         []int32          // max distinct phones or emails co-occurring
	flags           []uint8          // fHit, fMultiName, fVelocity per identifier (nil when no rule needs them)
	phoneType       []uint8          // phone number type + 1 of phones in the evidence, 0 otherwise
	national        map[int32]string // national number in digits of phones not on the fast path (with phone patterns)
	detail          map[int32]string
	ghosts          map[int32]ghostInfo

	// rows (CSR of identifier ids per evidence row)
	batches    []*evidenceCols
	batchStart []int
	rowOff     []int32
	rowIDs     []int32
	// valTyp is the type of each value of rowIDs: the row passes (ties,
	// partners, golden) read it in sequence instead of typ[id], a cache
	// miss per value (measured: a tenth of the partner count's time)
	valTyp []uint8

	priorNums []int64
	maxPrior  int64

	// union-find and components
	parent    []int32
	compOf    []int32 // per identifier, -1 when not usable (blocked, ghost)
	nComp     int
	compSize  []int32
	compMinTs []int64
	compMinID []int32 // smallest identifier; computed on demand (-1)
	compCust  []int64
	custStr   []string // formatted compCust

	sink    uint64 // keeps prefetching loads alive
	changes []change
	pComp   []int32 // prior index -> component holding (most of) it, -1
	pMulti  map[int32]map[int32]int32
	stats   Stats
}

type change struct {
	kind      string
	surviving int64
	absorbed  int64
	ident     int32 // -1 when unknown
}

// Stitch links the identifiers of the evidence records into customers.
//
// Evidence batches carry the columns rec_table and rec_key (required,
// utf8), ts (timestamp, any unit, read as UTC; int64 is read as
// microseconds), source, channel, the identifier columns phone, email,
// member_card, buyer_id ("<channel>:<id>"), openid, unionid, device_id, and
// the attributes name, store_id, region, and an untyped identifier column
// identifier with its declared type identifier_type (as written: a type
// name, a Config.TypeAliases key, or null). An identifier whose declared
// type is empty or unknown is classified by Classify: a valid phone, else a
// valid email, else Config.UntypedFallback. Columns are found by name; a
// missing column reads as all-null; utf8, large_utf8, utf8_view, binary and
// dictionary-encoded strings are accepted. The evidence must be complete
// (all records to date), not a delta: links are recomputed from it on every
// run, and the prior map is only used to name the components.
//
// Prior is the previous run's IdentityMap (at least id_type, id_value and
// customer_id; first_seen and last_seen are used for carried-forward
// identifiers when present). It may be empty.
//
// Steps:
//  1. Each non-empty value is normalised (NormalizePhone with
//     cfg.DefaultRegion, NormalizeEmail, NormalizeBuyerID, NormalizeID);
//     failures are counted in Stats.Invalid and ignored. Values are
//     interned into dense int32 ids (2-4 workers over hash shards).
//  2. Junk is refused, in this order: blocklist and patterns, phone
//     number types, the names and velocity rules, then the cap and the
//     conflict rule (see Config). Blocked identifiers link nothing, are
//     left out of IdentityMap and are listed in Blocked.
//  3. The remaining identifiers of each record are united (union-find over
//     the int32 ids with path halving and union by size); customers are the
//     connected components. An openid is tied to its unionid simply by
//     appearing on a record with it.
//  4. Ids: each prior customer id c goes to the component holding most of
//     c's identifiers (ties: the larger component, then the earliest first
//     seen, then the smallest identifier). A component that receives
//     several prior ids keeps the smallest (oldest) one; each other one is
//     recorded as a merge. Its identifier is found by replaying the
//     component's records in ts order from groups of identifiers that share
//     a prior id: on the first record joining the absorbed id's group to a
//     group with an older id, the identifier from the older side is
//     reported, unless it is strong and the other is weak (phone, email or
//     device), then the weak one ("linked by phone"). A component holding
//     part of a prior customer without receiving its id is a split part: it
//     gets a new id (unless it is the heir of another prior id) and a split
//     change (surviving_id = the id that split, absorbed_id = the part's
//     id, identifier = a blocked identifier of that customer found on the
//     part's records, else any of its blocked identifiers, else null).
//     Components with no prior id get new ids numbered after the largest
//     prior one, in order of earliest ts (components without ts last), then
//     smallest identifier, so numbering does not depend on the order of the
//     evidence. Re-running on unchanged evidence with the result's
//     IdentityMap as prior changes no id and records no change.
//  5. The golden record of each customer is built from its records (see
//     Config.SourcePriority and CustomersSchema).
//
// Stitch reads the evidence but does not retain it: the caller may release
// the evidence and prior batches as soon as Stitch returns.
func Stitch(evidence, prior []arrow.RecordBatch, cfg Config, runID string) (*Result, error) {
	s := &stitcher{cfg: cfg, runID: runID, region: normRegion(cfg.DefaultRegion), mem: cfg.Alloc}
	if s.mem == nil {
		s.mem = memory.DefaultAllocator
	}
	s.maxStrong = cfg.MaxStrongIDs
	if s.maxStrong == 0 {
		s.maxStrong = DefaultMaxStrongIDs
	}
	s.maxWeak = cfg.MaxWeakIDs
	if s.maxWeak == 0 {
		s.maxWeak = DefaultMaxWeakIDs
	}
	pats, err := compilePatterns(cfg.BlockPatterns)
	if err != nil {
		return nil, err
	}
	if s.rules, err = newRules(cfg, pats); err != nil {
		return nil, err
	}
	defer func() { s.dict.release() }() // early returns; released after the blocklist otherwise
	if err := s.readEvidence(evidence); err != nil {
		return nil, err
	}
	if err := s.readPrior(prior); err != nil {
		return nil, err
	}
	s.maxPrior = max(s.maxPrior, cfg.IssuedUpTo)
	s.classifyPhones()
	s.applyBlocklist(pats)
	s.applyPhoneTypes()
	s.applyShared()
	s.applyCap()
	s.link()
	s.assignIDs()
	return s.build()
}
