{{- /* The orders a tie touches, as return_ties holds them now: the returns
and their originals. Run before and after return_ties is made again, so
that an order tied before and not now is aggregated again too. */ -}}
SELECT channel, order_id FROM {{table "return_ties"}}
UNION
SELECT channel, original_order_id FROM {{table "return_ties"}}
