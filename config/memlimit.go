package config

import "regexp"

// memoryLimitRe is the size syntax warehouse.ValidMemoryLimit accepts for
// DuckDB's memory_limit. It is repeated here, not imported, because
// importing pipeline/warehouse would make config build DuckDB (cgo) and the
// BigQuery client; config must stay a leaf. A warehouse test checks that
// both accept and reject the same sizes.
var memoryLimitRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

func validMemoryLimit(s string) bool { return memoryLimitRe.MatchString(s) }

// ValidMemoryLimit reports whether s is a memory_limit size such as 2GB or
// 512MiB, as config validation checks it.
func ValidMemoryLimit(s string) bool { return validMemoryLimit(s) }
