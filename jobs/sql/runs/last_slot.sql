{{- /* The newest chain id of a schedule: ids that start with its prefix and are as long as a slot's (placeholders: the prefix's length, the prefix, the id's length). */ -}}
SELECT max(chain_id) FROM job_runs WHERE substr(chain_id, 1, ?) = ? AND length(chain_id) = ?
