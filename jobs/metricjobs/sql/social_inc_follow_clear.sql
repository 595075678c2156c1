{{- /* Drops the kept follows whose conversion may have changed: those no longer followed as kept (row gone, follow or
unfollow time or customer changed), those of the customers whose orders core changed after the watermark
(.Changed; every row when .All), and when the as-of day moved forward (.From) those whose window was still open at the
previous end. */ -}}
DELETE FROM {{table "social_follow"}} k
WHERE {{if .All}}true{{else}}NOT EXISTS (
	SELECT 1 FROM social_fn n WHERE n.platform = k.platform AND n.openid IS NOT DISTINCT FROM k.openid AND n.f = k.f
		AND n.u IS NOT DISTINCT FROM k.u AND n.customer_id IS NOT DISTINCT FROM k.customer_id
) OR k.customer_id IN ({{.Changed}}){{if .From}} OR epoch_us(k.f) + {{.Days}} * 86400000000 > epoch_us({{.From}}){{end}}{{end}}
