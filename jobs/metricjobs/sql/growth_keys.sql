{{- /* What the keys of growth_contrib stand for (growthKeysSchema). */ -}}
SELECT key, period, first_channel, region FROM {{table "growth_keys"}}
