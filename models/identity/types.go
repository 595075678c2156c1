package identity

// Identifier types, as they appear in the id_type columns of IdentityMap and
// Blocked and as the names of the evidence columns that carry them.
const (
	IDPhone      = "phone"
	IDEmail      = "email"
	IDMemberCard = "member_card"
	IDBuyerID    = "buyer_id"
	IDOpenID     = "openid"
	IDUnionID    = "unionid"
	IDDeviceID   = "device_id"
)

// IDTypes lists the identifier types in their canonical order. Within a
// record, identifiers are considered in this order; identifier keys sort by
// this order first, then by value.
var IDTypes = []string{IDPhone, IDEmail, IDMemberCard, IDBuyerID, IDOpenID, IDUnionID, IDDeviceID}

type idType uint8

const (
	tPhone idType = iota
	tEmail
	tCard
	tBuyer
	tOpenID
	tUnionID
	tDevice
	numTypes
)

func (t idType) String() string { return IDTypes[t] }

// weak identifiers are subject to the cap; strong ones are what the cap
// counts. openid is strong only when it is not tied to a unionid.
func (t idType) weak() bool { return t == tPhone || t == tEmail || t == tDevice }

func typeByName(name string) (idType, bool) {
	for i, n := range IDTypes {
		if n == name {
			return idType(i), true
		}
	}
	return 0, false
}
