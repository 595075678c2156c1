{{- /* The campaigns whose campaign_effect row at the base as-of date (.Base, its day ending at .BaseEnd) holds at the
new one:
- the row's window was complete;
- the campaign's contacts are the ones the base counted (its print in .Prints, campaign_prints.sql rendered, equals
  the one stored in campaign_contact_prints);
- every contact of the campaign is dated before .BaseEnd, an undated one (dated by the campaign's start date) only
  when every campaigns row of the id starts before .Base (a day of margin for a start_date held as a timestamp), so no
  contact entered with the new as-of date and no window reaches past the base;
- no order the model could count for it changed after the watermark (.From, .To): no contacted customer is in the
  change log, or, for a campaign whose contacts are all dated, no order time in the log (both versions of a changed
  order, and every moved order, are logged) falls in the span from a day before its first contact to .Days days
  after its last: the same superset of its windows that campaign_rest_orders.sql reads.
The campaigns themselves are fingerprinted by the job. */ -}}
WITH n AS ({{.Prints}}),
span AS (
	SELECT campaign_id, epoch_us(min(contacted_ts)) - 86400000000 AS lo, epoch_us(max(contacted_ts)) + {{.Days}} * 86400000000 AS hi,
		count(*) - count(contacted_ts) AS undated
	FROM {{table "campaign_contacts"}} WHERE campaign_id IS NOT NULL GROUP BY campaign_id
)
SELECT m.campaign_id FROM {{table "campaign_effect"}} m
	JOIN n ON n.campaign_id = m.campaign_id
	JOIN {{table "campaign_contact_prints"}} p ON p.campaign_id = m.campaign_id AND p.print = n.print
	JOIN span s ON s.campaign_id = m.campaign_id
WHERE m.as_of = CAST({{.Base}} AS DATE) AND m.window_complete AND m.campaign_id IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM {{table "campaign_contacts"}} c
		WHERE c.campaign_id = m.campaign_id AND (c.contacted_ts >= {{.BaseEnd}} OR c.contacted_ts IS NULL AND (
			NOT EXISTS (SELECT 1 FROM {{table "campaigns"}} k WHERE k.campaign_id = m.campaign_id)
			OR EXISTS (SELECT 1 FROM {{table "campaigns"}} k WHERE k.campaign_id = m.campaign_id
				AND (k.start_date IS NULL OR CAST(k.start_date AS DATE) >= CAST({{.Base}} AS DATE))))))
	AND (NOT EXISTS (SELECT 1 FROM {{table "campaign_contacts"}} c JOIN {{table "core_changes"}} x ON x.customer_id = c.customer_id
			WHERE c.campaign_id = m.campaign_id AND x.seq > {{.From}} AND x.seq <= {{.To}})
		OR s.undated = 0 AND NOT EXISTS (SELECT 1 FROM {{table "core_changes"}} x
			WHERE x.seq > {{.From}} AND x.seq <= {{.To}} AND x.order_ts IS NOT NULL
				AND epoch_us(x.order_ts) >= s.lo AND epoch_us(x.order_ts) < s.hi))
