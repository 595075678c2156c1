package warehouse

// Capabilities are the engine differences that jobs decide on and that SQL
// text alone does not express. Jobs branch on these, never on Name(), so the
// engines stay known only to this package.
type Capabilities struct {
	// InsertIntoDeclared: a table created from its DDL (with storage
	// hints) and then filled by INSERT keeps those hints. Where false,
	// jobs use CREATE OR REPLACE TABLE ... AS.
	InsertIntoDeclared bool
	// IncrementalUpdates: many small keyed DELETE/INSERT statements in one
	// transaction are cheap. Where false (each statement a billed job),
	// jobs rebuild whole tables instead.
	IncrementalUpdates bool
	// TxDropTable: DROP TABLE runs inside a transaction and DROP TABLE IF
	// EXISTS accepts a missing table; a warehouse file made by an older
	// version may hold a table where a view now goes. Where false, jobs
	// look a table up before dropping it.
	TxDropTable bool
	// SlowZonedDayDiff: a day difference on TIMESTAMPTZ goes through the
	// time-zone library row by row; the same day boundaries are counted
	// faster on wall-clock TIMESTAMPs of the session zone.
	SlowZonedDayDiff bool
}

// CapabilitiesOf returns what the engine behind d can do.
func CapabilitiesOf(d Dialect) Capabilities {
	if d.Name() == "duckdb" {
		return Capabilities{InsertIntoDeclared: true, IncrementalUpdates: true, TxDropTable: true, SlowZonedDayDiff: true}
	}
	return Capabilities{}
}
