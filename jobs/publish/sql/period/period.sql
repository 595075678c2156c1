{{- /*
Pieces the period queries share (this file renders as nothing):
  cur            order_ts in the report period [.CurFrom, .CurTo)
  both           order_ts in the report or the comparison period
  region         the order facts' region condition: with .Region the
                 query takes the region as an argument where it appears
  order_region   the region of an order o with its store s, the region
                 pr of its shipping province and its customer c: the
                 store's for receipts, else the province's for e-commerce
                 orders whose export carries one, else the customer's,
                 else 'unknown'
  province_map   the configured regions as rows (region, alias): alias a
                 province name in lower case (.Provinces, quoted by the
                 dialect)
*/ -}}
{{- define "cur"}}order_ts >= {{.CurFrom}} AND order_ts < {{.CurTo}}{{end -}}
{{- define "both"}}((order_ts >= {{.CurFrom}} AND order_ts < {{.CurTo}}) OR (order_ts >= {{.PrevFrom}} AND order_ts < {{.PrevTo}})){{end -}}
{{- define "region"}}{{if .Region}}region = ?{{else}}TRUE{{end}}{{end -}}
{{- define "order_region"}}coalesce(s.region, pr.region, c.region, 'unknown'){{end -}}
{{- define "province_map"}}{{range $i, $p := .Provinces}}{{if $i}} UNION ALL {{end}}SELECT {{$p.Region}} AS region, {{$p.Alias}} AS alias{{end}}{{end -}}
