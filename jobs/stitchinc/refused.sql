{{/* Identifiers the last stitch refused. */}}
SELECT id_type, id_value, reason FROM {{table "blocked_identifiers"}}
