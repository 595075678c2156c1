package jobs

// The explain command's answers computed from the records read: the path of
// shared identifiers from the first record to every other, and the
// identifiers refused on them.

// explainLinks builds the breadth-first spanning tree of the records over
// their linked identifiers, from the first record.
func explainLinks(recs []ExplainRecord) []ExplainLink {
	byIdent := map[string][]int{}
	for i, r := range recs {
		for _, id := range r.Identifiers {
			if id.Status == "linked" {
				k := id.Type + ":" + id.Value
				if l := byIdent[k]; len(l) == 0 || l[len(l)-1] != i {
					byIdent[k] = append(byIdent[k], i)
				}
			}
		}
	}
	var links []ExplainLink
	seen := make([]bool, len(recs))
	for start := range recs {
		if seen[start] {
			continue
		}
		seen[start] = true
		queue := []int{start}
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			used := map[string]bool{}
			for _, id := range recs[i].Identifiers {
				k := id.Type + ":" + id.Value
				if id.Status != "linked" || used[k] {
					continue
				}
				used[k] = true
				for _, j := range byIdent[k] {
					if !seen[j] {
						seen[j] = true
						queue = append(queue, j)
						links = append(links, ExplainLink{From: recs[i].RecordRef, Identifier: k, To: recs[j].RecordRef})
					}
				}
			}
		}
	}
	return links
}

// explainRefused lists the refused and invalid identifiers of the records.
func explainRefused(recs []ExplainRecord, blocked map[explainKey]ExplainRefused) []ExplainRefused {
	var out []ExplainRefused
	idx := map[string]int{}
	for _, r := range recs {
		for _, id := range r.Identifiers {
			if id.Status != "refused" && id.Status != "invalid" {
				continue
			}
			k := id.Type + ":" + id.Value
			if id.Status == "invalid" {
				k = id.Column + ":" + id.Raw
			}
			i, ok := idx[k]
			if !ok {
				e := ExplainRefused{Identifier: k, Reason: id.Reason, Detail: id.Detail}
				if id.Status == "refused" {
					e = blocked[explainKey{id.Type, id.Value}]
				}
				i = len(out)
				idx[k] = i
				out = append(out, e)
			}
			if rs := out[i].Records; len(rs) == 0 || rs[len(rs)-1] != r.RecordRef {
				out[i].Records = append(out[i].Records, r.RecordRef)
			}
		}
	}
	return out
}
