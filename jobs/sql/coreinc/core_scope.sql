{{- /* return_scope kept for the change log after foldReturns drops it. */ -}}
CREATE OR REPLACE TEMP TABLE core_scope AS SELECT * FROM return_scope
