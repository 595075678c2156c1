{{/* The delta's records join the evidence. */}}
INSERT INTO {{table "identity_evidence"}} BY NAME SELECT * FROM stitch_delta
