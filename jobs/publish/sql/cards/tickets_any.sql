{{- /* Every service ticket loaded (a brand without a ticket export has none). */ -}}
SELECT count(*) FROM service_tickets
