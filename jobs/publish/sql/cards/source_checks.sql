{{- /* The last result of each check of each source, failed first. */ -}}
SELECT source, "check", value, threshold, ok FROM source_checks
			QUALIFY row_number() OVER (PARTITION BY source, "check" ORDER BY checked_at DESC) = 1 ORDER BY ok, source
