package clvjob

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// customer_order_state is the other half of the per-customer state: one
// row per customer with an order in core (any order, not only purchases,
// whatever the as-of date): the number of orders, their net sales, the
// time of the newest and its channel. The customer_state job keeps it in
// step with customer_state, from the same change log: the rows of the
// customers in customer_changes are aggregated again from their orders in
// the warehouse (no rows leave it), the others kept; it is rebuilt from
// every order when customer_state is, and when it is missing. The publish
// job's customer tags read it instead of aggregating every order of the
// history (jobs/publish, segments.go says when).

// OrderStateSchema is the schema of customer_order_state.
var OrderStateSchema = arrow.NewSchema([]arrow.Field{
	{Name: "customer_id", Type: arrow.BinaryTypes.String},
	{Name: "orders", Type: arrow.PrimitiveTypes.Int64},
	{Name: "net_sales", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "last_order_ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	{Name: "last_channel", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// orderStateArgs are the parameters of sql/order_state.sql and
// sql/clear_order_state.sql.
type orderStateArgs struct {
	Changed     bool
	LastChannel string
}

// orderStateUpdate brings customer_order_state up to date: the rows of
// the customers in customer_changes when changed, else every row. It runs
// before the changes are cleared.
func orderStateUpdate(wh warehouse.Warehouse, changed bool) stateUpdate {
	return stateUpdate{
		what:   "customer_order_state",
		tables: []stateTable{{"customer_order_state", OrderStateSchema}},
		data:   orderStateArgs{Changed: changed, LastChannel: warehouse.SQLOf(wh.Dialect()).ArgMax("channel", "order_ts")},
		steps:  []stateStep{sqlStep("clear_order_state"), sqlStep("order_state")},
	}
}
