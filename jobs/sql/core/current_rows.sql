{{- /* Per load (load_id, current_rows), the raw rows core holds as the current version: order lines of the kept export of their order, master rows of the newest export of their key (.Products, .Stores, .Campaigns, .Accounts, .Tickets: newest_rows.sql of each raw table), every event row. It reads the core views. */ -}}
SELECT load_id, CAST(sum(n) AS BIGINT) AS current_rows FROM (
		SELECT _load_id AS load_id, count(*) AS n FROM kept_order_lines GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM ({{.Products}}) p GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM ({{.Stores}}) s GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM ({{.Campaigns}}) c GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM ({{.Accounts}}) a GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM ({{.Tickets}}) t GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM raw_social_interactions GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM raw_campaign_contacts GROUP BY 1
	) u GROUP BY 1
