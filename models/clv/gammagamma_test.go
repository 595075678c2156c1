package clv

import (
	"errors"
	"math"
	"testing"
)

// TestFitGammaGammaCDNOW reproduces note 025's estimates on the 946 CDNOW
// customers with repeat purchases, and the published E[M | x, zbar] of the
// first ten customers of the file.
func TestFitGammaGammaCDNOW(t *testing.T) {
	sums := loadCDNOWZbar(t)
	fit, err := FitGammaGamma(sums, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fit: %+v", fit)
	if fit.Customers != 946 {
		t.Errorf("fitted %d customers, want 946", fit.Customers)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"p", fit.Params.P, 6.25}, {"q", fit.Params.Q, 3.74}, {"gamma", fit.Params.Gamma, 15.44},
	} {
		if relErr(c.got, c.want) > 0.01 {
			t.Errorf("%s = %.5g, want %.4g within 1%%", c.name, c.got, c.want)
		}
	}
	want := []float64{24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17}
	for i, w := range want {
		s := sums[i]
		if got := fit.Params.ConditionalMean(s.X, s.MeanSpend); math.Abs(got-w) > 0.01 {
			t.Errorf("customer %s (x=%d zbar=%.2f): E[M] = %.4f, want %.2f", s.ID, s.X, s.MeanSpend, got, w)
		}
	}
	if got, want := fit.Params.ConditionalMean(0, 123), fit.Params.PopulationMean(); got != want {
		t.Errorf("E[M | x=0] = %v, want population mean %v", got, want)
	}
}

func TestGammaGammaGradient(t *testing.T) {
	var data []pair
	for _, d := range []struct {
		x    int
		zbar float64
		n    float64
	}{{1, 11.77, 3}, {2, 22.35, 1}, {7, 73.74, 2}, {7, 20, 1}, {30, 5.5, 1}} {
		data = append(data, pair{x: d.x, zbar: d.zbar, lz: math.Log(d.zbar), n: d.n})
	}
	g := GGParams{P: 6.25, Q: 3.74, Gamma: 15.44}
	grad := make([]float64, 3)
	ggLogLik(g, data, grad)
	th := []float64{g.P, g.Q, g.Gamma}
	for i := range th {
		h := 1e-6 * th[i]
		up, dn := append([]float64(nil), th...), append([]float64(nil), th...)
		up[i] += h
		dn[i] -= h
		fd := (ggLogLik(GGParams{up[0], up[1], up[2]}, data, nil) - ggLogLik(GGParams{dn[0], dn[1], dn[2]}, data, nil)) / (2 * h)
		if math.Abs(fd-grad[i]) > 1e-6*math.Max(1, math.Abs(fd)) {
			t.Errorf("d/dθ%d analytic %.8g, finite difference %.8g", i, grad[i], fd)
		}
	}
}

func TestFitGammaGammaNoData(t *testing.T) {
	if _, err := FitGammaGamma([]Summary{{ID: "a", X: 0, T: 3}}, FitOptions{}); !errors.Is(err, ErrNoData) {
		t.Errorf("err = %v, want ErrNoData", err)
	}
}
