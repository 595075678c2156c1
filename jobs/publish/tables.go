package publish

import "github.com/apache/arrow-go/v18/arrow"

// MailDeliveriesSchema is mail_deliveries, the delivery log: one row per
// message handed to the SMTP server, with what became of it. A message
// accepted for an as-of date is not sent again for that date (by a job
// retry or a rerun) unless the run asks for it (crmkit run --resend).
// Created through warehouse.CreateTable; a field that is not Nullable is
// NOT NULL (REQUIRED on BigQuery).
var MailDeliveriesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "run_id", Type: arrow.BinaryTypes.String},
	{Name: "partition", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "as_of", Type: arrow.BinaryTypes.String},
	{Name: "delivery", Type: arrow.BinaryTypes.String},
	{Name: "recipient", Type: arrow.BinaryTypes.String},
	{Name: "message_id", Type: arrow.BinaryTypes.String},
	{Name: "status", Type: arrow.BinaryTypes.String},
	{Name: "attempts", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "error", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "logged_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
}, nil)
