ALTER TABLE {{table .Table}} DROP COLUMN {{.Column}}
