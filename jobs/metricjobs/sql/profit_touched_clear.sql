{{- /* Empties profit_touched, the customers whose lifetime rows this run recomputes. */ -}}
DELETE FROM profit_touched WHERE true
