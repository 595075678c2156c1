DELETE FROM source_checks WHERE checked_at < CAST(? AS TIMESTAMPTZ)
