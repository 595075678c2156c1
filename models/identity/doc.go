// Package identity stitches customer identities (rules and examples: docs/identity.md): it
// normalises identifiers, links the identifiers that appear on the same
// record, refuses junk links, takes connected components as customers,
// keeps customer ids stable across runs, and builds a golden record per
// customer. It is pure: Arrow record batches in, Arrow record batches out,
// no I/O.
//
// # Identifiers
//
// The identifier types are IDTypes: phone, email, member_card, buyer_id
// (already "<channel>:<id>"), openid, unionid, device_id. Values are
// normalised with NormalizePhone (E.164, with a fast path for the usual
// spellings of Chinese mobiles and github.com/nyaruka/phonenumbers for the
// rest), NormalizeEmail (trim, lower-case, shape check), NormalizeBuyerID
// and NormalizeID (trim, placeholders refused). Values that fail are not
// identifiers and are counted per type in Stats.Invalid.
//
// Strong identifiers (member_card, buyer_id, unionid, and an openid not tied
// to a unionid) are what the cap counts; weak ones (phone, email,
// device_id) are what it may refuse. Strong identifiers are never capped;
// a junk strong value (a shared "VIP0000" card) needs the blocklist.
//
// # Junk
//
// Seven reasons refuse an identifier, reported in Result.Blocked:
// blocklist (Config.Blocklist, normalised like the data), pattern
// (Config.BlockPatterns on the normalised value, a phone's national digits
// and every raw spelling), phone_type (a phone whose number type, from
// github.com/nyaruka/phonenumbers, is not in Config.LinkPhoneTypes: fixed
// lines, 400/800 numbers, VoIP by default), many_names (a weak identifier
// seen with more than Config.MaxNames distinct names), velocity (a weak
// identifier on more purchases in a day, or in more stores in a month,
// than a person makes), cap (a weak identifier with more than
// Config.MaxStrongIDs distinct strong ids of one kind, or more than
// Config.MaxWeakIDs distinct phones or emails) and conflict (a weak
// identifier joining two strong ids of one kind that each carry a
// different phone or email of their own; Config.NoConflictRule turns it
// off). many_names and velocity need no strong id: they catch a store's
// phone typed for walk-ins who gave nothing else. A refused identifier
// links nothing and is not in the identity map; a record left with no
// usable identifier gets a null customer_id.
//
// # Untyped identifiers
//
// An evidence column identifier with its declared identifier_type carries
// values of any type (campaign contacts, service tickets). Classify says
// how one is read: a declared type or one of Config.TypeAliases is used as
// is; otherwise a value that normalises to a valid phone is a phone, else
// one that normalises to a valid email is an email, else it is of
// Config.UntypedFallback.
//
// # Stable ids
//
// Customer ids are "C" + a zero-padded sequence number ("C00000042"). The
// evidence of every run is complete (all records to date); the previous
// run's identity map is passed as prior and only names the components: a
// component keeps the id of the prior customer it holds most of, merges
// keep the oldest (smallest) id, split parts get new ids, new components
// get numbers after the largest ever issued, and all merges and splits are
// listed in Result.Changes. See Stitch for the exact rules.
//
// # Golden record
//
// Per customer: phone, email, name, home store, region (each with the
// source of the record it came from), first and last seen, first channel,
// number of identifiers. Survivorship is "best Config.SourcePriority rank,
// then most recent non-empty"; home store is the store with most records,
// ties to the most recent last record, then to the smallest store id.
//
// # Evaluation
//
// Evaluate scores an identity map against labelled truth (ReadTruthCSV
// reads id_type,value,person_id files) with pairwise precision and recall
// from a contingency table. GenerateSynthetic produces evidence with known
// truth and deliberate junk for tests and benchmarks.
//
// # Performance
//
// Values are read straight from the Arrow string buffers and interned into
// dense int32 ids with an open-addressing table (keys up to 23 bytes stored
// in the slot), by 2-4 workers over hash shards; ids are renumbered in order
// of first appearance so results do not depend on the number of workers.
// Lookups are done a block at a time, touching the block's slots first so
// that cache misses overlap. Records are kept as a CSR list of int32 ids;
// the cap, union-find and golden record work on int32 arrays. See
// BenchmarkStitch1M.
package identity
