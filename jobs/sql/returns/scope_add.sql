{{- /* The orders the ties made now touch, added to those of the ties before (scope.sql). */ -}}
INSERT INTO {{table "return_scope"}} {{template "scope" .}}
