package identity

import (
	"math"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func identityMapBatch(t *testing.T, rows [][3]string) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, IdentityMapSchema)
	defer b.Release()
	for _, r := range rows {
		for i, v := range r {
			b.Field(i).(*array.StringBuilder).Append(v)
		}
		b.Field(3).AppendNull()
		b.Field(4).AppendNull()
		b.Field(5).(*array.Int64Builder).Append(1)
	}
	return b.NewRecordBatch()
}

// TestEvaluateHandWorked scores testdata/truth_example.csv against a small
// prediction. Worked out by hand:
//
// Truth, after normalisation (the second spelling of P1's phone collapses
// into the first; "0086 138 0000 0002" is P2's phone again but labelled P9:
// a conflict, the first label P2 is kept; "not-an-email" is invalid;
// tmall:zz is not in the prediction, so it is missing and not scored):
//
//	P1: phone +8613800000001, email a@x.com, member_card M1
//	P2: phone +8613800000002, email b@x.com
//	P3: member_card M3, email c@x.com
//
// Prediction:
//
//	C1: phone +8613800000001, email a@x.com
//	C2: member_card M1, phone +8613800000002, email b@x.com, email c@x.com
//	C3: member_card M3
//
// Contingency table n(person, customer) over the 7 scored identifiers:
//
//	      C1  C2  C3 | row
//	P1     2   1   0 |  3
//	P2     0   2   0 |  2
//	P3     0   1   1 |  2
//	col    2   4   1 |  7
//
// True pairs      = C(3,2)+C(2,2)+C(2,2)            = 3+1+1 = 5
// Predicted pairs = C(2,2)+C(4,2)+C(1,2)            = 1+6+0 = 7
// Both            = C(2,2) [P1,C1] + C(2,2) [P2,C2] = 1+1   = 2
// Precision = 2/7 = 0.285714..., Recall = 2/5 = 0.4,
// F1 = 2PR/(P+R) = (8/35)/(24/35) = 1/3.
func TestEvaluateHandWorked(t *testing.T) {
	f, err := os.Open("testdata/truth_example.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	truth, err := ReadTruthCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(truth) != 11 || truth[1].Value != "+86 138 0000 0001" || truth[0].Person != "P1" {
		t.Fatalf("truth = %+v", truth)
	}
	pred := identityMapBatch(t, [][3]string{
		{"phone", "+8613800000001", "C00000001"},
		{"email", "a@x.com", "C00000001"},
		{"member_card", "M1", "C00000002"},
		{"phone", "+8613800000002", "C00000002"},
		{"email", "b@x.com", "C00000002"},
		{"email", "c@x.com", "C00000002"},
		{"member_card", "M3", "C00000003"},
		{"device_id", "d-unlabelled", "C00000003"},
	})
	defer pred.Release()
	sc, err := Evaluate(truth, []arrow.RecordBatch{pred}, "CN")
	if err != nil {
		t.Fatal(err)
	}
	want := Scores{
		Precision: 2.0 / 7, Recall: 0.4, F1: 1.0 / 3,
		TruePositivePairs: 2, PredictedPairs: 7, TruePairs: 5,
		Scored: 7, Persons: 3, Clusters: 3, TruthIDs: 8, Missing: 1, Invalid: 1, Conflicts: 1,
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if !near(sc.Precision, want.Precision) || !near(sc.Recall, want.Recall) || !near(sc.F1, want.F1) {
		t.Errorf("P/R/F1 = %v/%v/%v, want %v/%v/%v", sc.Precision, sc.Recall, sc.F1, want.Precision, want.Recall, want.F1)
	}
	sc.Precision, sc.Recall, sc.F1 = want.Precision, want.Recall, want.F1
	if sc != want {
		t.Errorf("scores = %+v\nwant     %+v", sc, want)
	}
}

func TestEvaluatePerfectAndEmpty(t *testing.T) {
	truth := []LabeledID{{"phone", "13800000001", "A"}, {"email", "a@x.com", "A"}, {"phone", "13800000002", "B"}}
	pred := map[IDKey]string{{"phone", "+8613800000001"}: "C1", {"email", "a@x.com"}: "C1", {"phone", "+8613800000002"}: "C2"}
	sc := EvaluateMap(truth, pred, "")
	if sc.Precision != 1 || sc.Recall != 1 || sc.F1 != 1 || sc.TruePairs != 1 {
		t.Errorf("perfect: %+v", sc)
	}
	// everything merged: precision 1/3, recall 1
	for k := range pred {
		pred[k] = "C1"
	}
	sc = EvaluateMap(truth, pred, "")
	if math.Abs(sc.Precision-1.0/3) > 1e-12 || sc.Recall != 1 {
		t.Errorf("merged: %+v", sc)
	}
	// nothing in common
	sc = EvaluateMap(truth, map[IDKey]string{}, "")
	if sc.Scored != 0 || sc.Missing != 3 || sc.Precision != 1 || sc.Recall != 1 {
		t.Errorf("empty: %+v", sc)
	}
}

func TestReadTruthCSVErrors(t *testing.T) {
	for _, in := range []string{"", "id_type,value\nphone,1\n", "id_type,value,person_id\nphone\n"} {
		if _, err := ReadTruthCSV(strings.NewReader(in)); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
	got, err := ReadTruthCSV(strings.NewReader("ID_TYPE, Value ,Person_ID\nemail,x@y.com,p\n"))
	if err != nil || len(got) != 1 || got[0] != (LabeledID{"email", "x@y.com", "p"}) {
		t.Errorf("got %v %v", got, err)
	}
}

// TestEvaluateStitchedSynthetic is the end-to-end check that Evaluate
// accepts a Stitch result directly.
func TestEvaluateStitchedSynthetic(t *testing.T) {
	syn := GenerateSynthetic(SynthOptions{Persons: 2000, Seed: 5, Truth: true})
	defer syn.Release()
	res := stitch(t, syn.Evidence, nil, syn.Config, "r1")
	sc, err := Evaluate(syn.Truth, res.IdentityMap, "CN")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Scored < len(syn.Truth)*9/10 || sc.Precision < 0.99 || sc.Recall < 0.98 {
		t.Errorf("scores %+v", sc)
	}
}
