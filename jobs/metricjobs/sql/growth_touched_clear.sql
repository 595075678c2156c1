{{- /* Empties growth_touched (the growth job's scratch list of the customers it recomputes). */ -}}
DELETE FROM {{table "growth_touched"}} WHERE true
