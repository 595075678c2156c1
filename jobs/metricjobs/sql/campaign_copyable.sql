{{- /* The campaigns whose campaign_effect row at the base as-of date (.Base, its day ending at .BaseEnd) holds at the
new one: the row's window was complete, every contact of the campaign is dated before .BaseEnd, an undated one
(dated by the campaign's start date) only when every campaigns row of the id starts before .Base (a day of margin for a start_date held as a timestamp; so no contact entered
with the new as-of date and no window reaches past the base), and no contacted customer's orders changed after the
watermark (.From, .To). The campaigns and contacts themselves are fingerprinted by the job. */ -}}
SELECT m.campaign_id FROM {{table "campaign_effect"}} m
WHERE m.as_of = CAST({{.Base}} AS DATE) AND m.window_complete AND m.campaign_id IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM {{table "campaign_contacts"}} c
		WHERE c.campaign_id = m.campaign_id AND (c.contacted_ts >= {{.BaseEnd}} OR c.contacted_ts IS NULL AND (
			NOT EXISTS (SELECT 1 FROM {{table "campaigns"}} k WHERE k.campaign_id = m.campaign_id)
			OR EXISTS (SELECT 1 FROM {{table "campaigns"}} k WHERE k.campaign_id = m.campaign_id
				AND (k.start_date IS NULL OR CAST(k.start_date AS DATE) >= CAST({{.Base}} AS DATE))))))
	AND NOT EXISTS (SELECT 1 FROM {{table "campaign_contacts"}} c JOIN {{table "core_changes"}} x ON x.customer_id = c.customer_id
		WHERE c.campaign_id = m.campaign_id AND x.seq > {{.From}} AND x.seq <= {{.To}})
