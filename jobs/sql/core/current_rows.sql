{{- /* Per load (load_id, current_rows), the raw rows core holds as the current version: order lines of the kept export of their order, master rows of the newest export of their key, every event row. It reads the core tables and views, so it runs after core. The masters that keep their rows' _load_id (social_accounts, service_tickets) are counted from it: core chose their newest export by the rule newest_rows.sql applies, and the window over every raw account cost 0.75 s at 1M; the others have no _load_id and are newest_rows.sql of their raw table (.Products, .Stores, .Campaigns). */ -}}
SELECT load_id, CAST(sum(n) AS BIGINT) AS current_rows FROM (
		SELECT _load_id AS load_id, count(*) AS n FROM kept_order_lines GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM ({{.Products}}) p GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM ({{.Stores}}) s GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM ({{.Campaigns}}) c GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM social_accounts GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM service_tickets GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM raw_social_interactions GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM raw_campaign_contacts GROUP BY 1
	) u GROUP BY 1
