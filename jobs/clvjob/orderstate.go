package clvjob

import (
	"context"
	"fmt"

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

// updateOrderState brings customer_order_state up to date in tx: the rows
// of the customers in customer_changes when changed, else every row. It
// runs before the changes are cleared.
func updateOrderState(ctx context.Context, wh warehouse.Warehouse, tx warehouse.Tx, changed bool) error {
	if err := warehouse.CreateTable(ctx, tx, "customer_order_state", OrderStateSchema); err != nil {
		return fmt.Errorf("create customer_order_state: %w", err)
	}
	args := orderStateArgs{Changed: changed, LastChannel: warehouse.SQLOf(wh.Dialect()).ArgMax("channel", "order_ts")}
	for _, name := range []string{"clear_order_state", "order_state"} {
		q, err := render(wh, name, stateReads, args)
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("customer_order_state (%s): %w", name, err)
		}
	}
	return nil
}
