{{- /* kept_order_lines with the tied return lines relabelled (kept_lines.sql). */ -}}
CREATE OR REPLACE VIEW kept_order_lines AS {{template "kept_lines" .}}
