package segment

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// testSchema is TagSchema plus a quoted-name column and a date column.
var testSchema = arrow.NewSchema(append(append([]arrow.Field(nil), TagSchema.Fields()...),
	arrow.Field{Name: "last purchase", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	arrow.Field{Name: "first_seen", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	arrow.Field{Name: "Tier", Type: arrow.BinaryTypes.String, Nullable: true},
	arrow.Field{Name: "TIER", Type: arrow.BinaryTypes.String, Nullable: true},
), nil)

func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"rfm_tier='dormant' and region='华东'", "rfm_tier = 'dormant' AND region = '华东'"},
		{"clv_decile <= 2 AND NOT contacted_90d", "clv_decile <= 2 AND NOT contacted_90d"},
		{"(aipl_stage IN ('I','P') OR social_engaged) AND last_purchase_days > 180",
			"(aipl_stage IN ('I', 'P') OR social_engaged) AND last_purchase_days > 180"},
		{"first_channel != 'pos'", "first_channel != 'pos'"},
		{"first_channel <> 'pos'", "first_channel != 'pos'"},
		{"clv_decile == 1", "clv_decile = 1"},
		// nested ORs and ANDs are flattened, needless parentheses dropped
		{"clv_decile = 1 OR (social_engaged OR contacted_90d)", "clv_decile = 1 OR social_engaged OR contacted_90d"},
		{"((social_engaged)) AND (contacted_90d AND clv_decile = 1)", "social_engaged AND contacted_90d AND clv_decile = 1"},
		// AND binds tighter than OR
		{"social_engaged OR contacted_90d AND clv_decile = 1", "social_engaged OR contacted_90d AND clv_decile = 1"},
		{"(social_engaged OR contacted_90d) AND clv_decile = 1", "(social_engaged OR contacted_90d) AND clv_decile = 1"},
		{"not not social_engaged", "NOT NOT social_engaged"},
		{"NOT (social_engaged AND contacted_90d)", "NOT (social_engaged AND contacted_90d)"},
		{"NOT social_engaged AND contacted_90d", "NOT social_engaged AND contacted_90d"},
		{"name = 'O''Brien'", "name = 'O''Brien'"},
		{"name = ''", "name = ''"},
		{`"last purchase" > 3`, `"last purchase" > 3`},
		{"clv >= 1e3", "clv >= 1000"},
		{"clv > -2.5", "clv > -2.5"},
		{"clv < .5", "clv < 0.5"},
		{"aipl_stage not in ('A', 'L')", "aipl_stage NOT IN ('A', 'L')"},
		{"aipl_stage is not null", "aipl_stage IS NOT NULL"},
		{"aipl_stage IS NULL", "aipl_stage IS NULL"},
		{"social_engaged = true", "social_engaged = TRUE"},
		{"TRUE", "TRUE"},
		{"  false  ", "FALSE"},
		{"region IN ('华东',\n'华北')", "region IN ('华东', '华北')"},
	}
	for _, tc := range tests {
		e, err := Compile(tc.in, testSchema)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.in, err)
			continue
		}
		if got := e.String(); got != tc.want {
			t.Errorf("Compile(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		// the canonical form compiles to itself
		e2, err := Compile(e.String(), testSchema)
		if err != nil {
			t.Errorf("recompile %q: %v", e.String(), err)
			continue
		}
		if e2.String() != tc.want {
			t.Errorf("recompile %q gave %q", tc.want, e2.String())
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		// positions are 1-based and count characters, not bytes
		{"clv_decile <=", "at column 14: expected value after '<=', got end of input"},
		{"", "at column 1: empty segment definition"},
		{"   ", "at column 1: empty segment definition"},
		{"rfm_tier = 'dormant", "at column 12: unterminated string literal"},
		{"(rfm_tier = 'dormant'", "at column 22: expected ')' to close '(' at column 1, got end of input"},
		{"rfm_tier = 'a' AND", "at column 19: expected column name, NOT or '(', got end of input"},
		{"region = '华东' AND", "at column 18: expected column name, NOT or '(', got end of input"},
		{"region = '华东' AND )", "at column 19: expected column name, NOT or '(', got ')'"},
		{"rfm_tier = 'a' b", "at column 16: expected AND, OR or end of input, got 'b'"},
		{"social_engaged)", "at column 15: unmatched ')'"},
		{"aipl_stage IN 'A'", "at column 15: expected '(' after IN, got string 'A'"},
		{"aipl_stage IN ()", "at column 16: empty IN list"},
		{"aipl_stage IN ('A' 'B')", "at column 20: expected ',' or ')' in IN list opened at column 15, got string 'B'"},
		{"aipl_stage IN ('A',)", "at column 20: expected value after ',', got ')'"},
		{"region = NULL", "at column 10: cannot compare with NULL; use IS NULL or IS NOT NULL"},
		{"region # 1", "at column 8: unexpected character '#'"},
		{"region = ‘华东’", "at column 10: unexpected character '‘' (string literals use ASCII single quotes)"},
		{"region IS 5", "at column 11: expected NULL after IS, got number 5"},
		{"region IS NOT 'x'", "at column 15: expected NULL after IS, got string 'x'"},
		{"region NOT 'x'", "at column 12: expected IN after 'region NOT', got string 'x'"},
		{"region 'x'", "at column 8: expected a comparison (=, !=, <, <=, >, >=, IN, IS) after column 'region', got string 'x'"},
		{"'x' = region", "at column 1: expected column name, got string 'x' (write the column on the left: column = value)"},
		{"region ! 'x'", "at column 8: unexpected character '!' (did you mean '!=' or NOT?)"},
		{"clv > 1.2.3", "at column 7: malformed number 1.2.3"},
		{`"last purchase > 3`, "at column 1: unterminated quoted column name"},
		{"clv_decile < AND", "at column 14: expected value after '<', got 'AND'"},
		{"NOT", "at column 4: expected column name, NOT or '(', got end of input"},
		{"(social_engaged OR (contacted_90d AND clv > 1)", "at column 47: expected ')' to close '(' at column 1, got end of input"},
	}
	for _, tc := range tests {
		_, err := Compile(tc.in, testSchema)
		if err == nil {
			t.Errorf("Compile(%q): no error, want %q", tc.in, tc.want)
			continue
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("Compile(%q): error %T, want *Error", tc.in, err)
		}
		if err.Error() != tc.want {
			t.Errorf("Compile(%q):\n got %q\nwant %q", tc.in, err.Error(), tc.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"regoin = '华东'", "at column 1: unknown column 'regoin' (did you mean 'region'?)"},
		{"clv_decile <= 2 AND xyzzy", "at column 21: unknown column 'xyzzy'"},
		{"rfm_tier = 1", "at column 12: column 'rfm_tier' is text; compare it with a quoted string, not number 1"},
		{"clv_decile = '2'", "at column 14: column 'clv_decile' is numeric (int64); compare it with a number, not string '2'"},
		{"clv_decile IN (1, 'x')", "at column 19: column 'clv_decile' is numeric (int64); compare it with a number, not string 'x'"},
		{"social_engaged > TRUE", "at column 1: column 'social_engaged' is boolean; only = and != apply, not >"},
		{"social_engaged = 1", "at column 18: column 'social_engaged' is boolean; compare it with TRUE or FALSE, not number 1"},
		{"region", "at column 1: column 'region' is utf8, not boolean; write a comparison such as region = ..."},
		{"NOT (clv)", "at column 6: column 'clv' is float64, not boolean; write a comparison such as clv = ..."},
		{"first_seen > 3", "at column 1: column 'first_seen' has type date32, which segments cannot compare (only IS NULL applies)"},
		{"tier = 'x'", "at column 1: column name 'tier' is ambiguous (differs only in case)"},
	}
	for _, tc := range tests {
		_, err := Compile(tc.in, testSchema)
		if err == nil {
			t.Errorf("Compile(%q): no error, want %q", tc.in, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Compile(%q):\n got %q\nwant %q", tc.in, err.Error(), tc.want)
		}
	}

	// IS NULL applies to any column type; names match case-insensitively
	// when unambiguous.
	for _, ok := range []string{"first_seen IS NULL", "REGION = '华东'", "Tier = 'x'"} {
		if _, err := Compile(ok, testSchema); err != nil {
			t.Errorf("Compile(%q): %v", ok, err)
		}
	}
}

func TestCompileNamed(t *testing.T) {
	_, err := CompileNamed("vip", "clv_decile <=", TagSchema)
	want := "segment vip: at column 14: expected value after '<=', got end of input"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	var se *Error
	if !errors.As(err, &se) || se.Segment != "vip" || se.Column != 14 {
		t.Fatalf("error fields: %+v", se)
	}
	if _, err := Compile("x = 1", nil); err == nil {
		t.Fatal("nil schema accepted")
	}
}

func TestColumns(t *testing.T) {
	e, err := Compile("(aipl_stage IN ('I','P') OR social_engaged) AND last_purchase_days > 180 AND social_engaged", TagSchema)
	if err != nil {
		t.Fatal(err)
	}
	got := e.Columns()
	want := []string{"aipl_stage", "last_purchase_days", "social_engaged"}
	if len(got) != len(want) {
		t.Fatalf("Columns() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Columns() = %v, want %v", got, want)
		}
	}
}

func TestIntBound(t *testing.T) {
	// integer column compared with non-integer or out-of-range numbers
	num := func(f float64) value { return value{kind: vNumber, f: f} }
	tests := []struct {
		op     cmpOp
		v      value
		wantOp cmpOp
		wantI  int64
	}{
		{opLt, num(2.5), opLe, 2},   // v < 2.5  <=> v <= 2
		{opLe, num(2.5), opLe, 2},   // v <= 2.5 <=> v <= 2
		{opGt, num(2.5), opGe, 3},   // v > 2.5  <=> v >= 3
		{opGe, num(2.5), opGe, 3},   // v >= 2.5 <=> v >= 3
		{opLt, num(-2.5), opLe, -3}, // v < -2.5 <=> v <= -3
		{opGt, num(-2.5), opGe, -2}, // v > -2.5 <=> v >= -2
		{opEq, num(2.5), opNone, 0},
		{opNe, num(2.5), opAll, 0},
		{opLt, num(1e30), opAll, 0},
		{opGt, num(1e30), opNone, 0},
		{opEq, num(1e30), opNone, 0},
		{opLe, num(-1e30), opNone, 0},
		{opGe, num(-1e30), opAll, 0},
		{opEq, num(4e18), opEq, 4e18}, // integral and in range
	}
	for _, tc := range tests {
		op, i := intBound(tc.op, tc.v)
		if op != tc.wantOp || (op != opAll && op != opNone && i != tc.wantI) {
			t.Errorf("intBound(%s, %g) = %s %d, want %s %d", tc.op, tc.v.f, op, i, tc.wantOp, tc.wantI)
		}
	}
}
