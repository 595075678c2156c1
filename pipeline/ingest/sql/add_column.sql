ALTER TABLE {{table .Table}} ADD COLUMN {{.Column}} {{.Type}}
