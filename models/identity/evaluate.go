package identity

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// LabeledID is one line of a truth file: a raw identifier value of a type
// (one of IDTypes) and the person it truly belongs to.
type LabeledID struct {
	IDType string
	Value  string // raw; normalised like the evidence before scoring
	Person string
}

// IDKey is a normalised identifier.
type IDKey struct {
	Type  string
	Value string
}

// Scores are pairwise clustering scores. A pair is two distinct identifiers;
// it is a true pair when the truth gives both the same person and a
// predicted pair when the prediction gives both the same customer. Only
// identifiers present in both truth and prediction are scored.
type Scores struct {
	Precision float64 // TruePositivePairs / PredictedPairs (1 when there are none)
	Recall    float64 // TruePositivePairs / TruePairs (1 when there are none)
	F1        float64

	TruePositivePairs int64 // pairs together in truth and in prediction
	PredictedPairs    int64 // pairs together in prediction
	TruePairs         int64 // pairs together in truth

	Scored    int // identifiers scored (in truth and prediction)
	Persons   int // distinct persons among scored identifiers
	Clusters  int // distinct predicted customers among scored identifiers
	TruthIDs  int // distinct normalised identifiers in the truth
	Missing   int // truth identifiers absent from the prediction (blocked, not in the data)
	Invalid   int // truth values that do not normalise (not identifiers)
	Conflicts int // truth lines giving an identifier already labelled with another person (first kept)
}

func choose2(n int64) int64 { return n * (n - 1) / 2 }

// Evaluate scores an IdentityMap (batches with id_type, id_value,
// customer_id, as produced by Stitch) against labelled truth. Truth values
// are normalised with the same functions as Stitch (defaultRegion for
// phones; "" means "CN"); several raw spellings that normalise to one
// identifier count once, with the person of the first line, and lines that
// give it a different person are counted in Conflicts.
func Evaluate(truth []LabeledID, identityMap []arrow.RecordBatch, defaultRegion string) (Scores, error) {
	pred := map[IDKey]string{}
	for bi, rec := range identityMap {
		tc, err := bindStr(rec, "id_type")
		if err != nil {
			return Scores{}, err
		}
		vc, err := bindStr(rec, "id_value")
		if err != nil {
			return Scores{}, err
		}
		cc, err := bindStr(rec, "customer_id")
		if err != nil {
			return Scores{}, err
		}
		if tc == nil || vc == nil || cc == nil {
			return Scores{}, fmt.Errorf("identity: identity map batch %d needs id_type, id_value and customer_id", bi)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			t, ok1 := tc.get(i)
			v, ok2 := vc.get(i)
			c, ok3 := cc.get(i)
			if ok1 && ok2 && ok3 {
				pred[IDKey{strings.Clone(t), strings.Clone(v)}] = strings.Clone(c)
			}
		}
	}
	return EvaluateMap(truth, pred, defaultRegion), nil
}

// EvaluateMap is Evaluate over a prediction given as normalised identifier
// -> customer id.
func EvaluateMap(truth []LabeledID, pred map[IDKey]string, defaultRegion string) Scores {
	region := normRegion(defaultRegion)
	var sc Scores
	person := map[IDKey]string{}
	var order []IDKey
	var buf []byte
	for _, l := range truth {
		t, ok := typeByName(strings.TrimSpace(strings.ToLower(l.IDType)))
		if !ok {
			sc.Invalid++
			continue
		}
		nv, ok := appendNormalized(buf[:0], t, l.Value, region, nil)
		buf = nv[:0]
		if !ok {
			sc.Invalid++
			continue
		}
		k := IDKey{t.String(), string(nv)}
		if p, seen := person[k]; seen {
			if p != l.Person {
				sc.Conflicts++
			}
			continue
		}
		person[k] = l.Person
		order = append(order, k)
	}
	sc.TruthIDs = len(order)
	type cell struct{ p, c int32 }
	pIdx, cIdx := map[string]int32{}, map[string]int32{}
	cells := map[cell]int64{}
	var pCount, cCount []int64
	for _, k := range order {
		c, ok := pred[k]
		if !ok {
			sc.Missing++
			continue
		}
		sc.Scored++
		pi, ok := pIdx[person[k]]
		if !ok {
			pi = int32(len(pCount))
			pIdx[person[k]] = pi
			pCount = append(pCount, 0)
		}
		ci, ok := cIdx[c]
		if !ok {
			ci = int32(len(cCount))
			cIdx[c] = ci
			cCount = append(cCount, 0)
		}
		pCount[pi]++
		cCount[ci]++
		cells[cell{pi, ci}]++
	}
	for _, n := range cells {
		sc.TruePositivePairs += choose2(n)
	}
	for _, n := range pCount {
		sc.TruePairs += choose2(n)
	}
	for _, n := range cCount {
		sc.PredictedPairs += choose2(n)
	}
	sc.Persons, sc.Clusters = len(pCount), len(cCount)
	sc.Precision, sc.Recall = 1, 1
	if sc.PredictedPairs > 0 {
		sc.Precision = float64(sc.TruePositivePairs) / float64(sc.PredictedPairs)
	}
	if sc.TruePairs > 0 {
		sc.Recall = float64(sc.TruePositivePairs) / float64(sc.TruePairs)
	}
	if sc.Precision+sc.Recall > 0 {
		sc.F1 = 2 * sc.Precision * sc.Recall / (sc.Precision + sc.Recall)
	}
	return sc
}

// ReadTruthCSV reads a labelled file: CSV with a header naming the columns
// id_type, value and person_id (any order, case-insensitive, other columns
// ignored, UTF-8 BOM allowed).
func ReadTruthCSV(r io.Reader) ([]LabeledID, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("identity: truth file is empty")
		}
		return nil, fmt.Errorf("identity: truth header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, ok := col[h]; !ok {
			col[h] = i
		}
	}
	ti, ok1 := col["id_type"]
	vi, ok2 := col["value"]
	pi, ok3 := col["person_id"]
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("identity: truth header must name id_type, value and person_id, got %q", head)
	}
	var out []LabeledID
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("identity: truth line %d: %w", line, err)
		}
		need := max(ti, vi, pi)
		if len(rec) <= need {
			return nil, fmt.Errorf("identity: truth line %d: %d fields, want at least %d", line, len(rec), need+1)
		}
		out = append(out, LabeledID{IDType: rec[ti], Value: rec[vi], Person: rec[pi]})
	}
}
