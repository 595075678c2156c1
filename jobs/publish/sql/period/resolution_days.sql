{{- /* Median days from opening to closing of the closed tickets opened in [from, to) (arguments: from, to); .MedianMinutes is the dialect's median of the minutes between opened_ts and closed_ts. */ -}}
SELECT {{.MedianMinutes}} / 1440.0 FROM service_tickets WHERE closed_ts IS NOT NULL AND opened_ts >= CAST(? AS TIMESTAMPTZ) AND opened_ts < CAST(? AS TIMESTAMPTZ)
