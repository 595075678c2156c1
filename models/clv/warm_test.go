package clv

import (
	"math"
	"testing"
)

// warmTol is how close a warm-started fit's parameters come to the cold
// fit's on the same data: both are polished by Newton steps to a gradient
// of 1e-3 × GradTol, so they agree to about 1e-12 relative (1e-7 without
// the polish, along the flat directions of the likelihood).
const warmTol = 1e-9

// TestFitWarmStartCDNOW: a fit started from other parameters (the last
// run's, on the same or slightly different data) converges to the cold
// fit's optimum and keeps the published CDNOW figures.
func TestFitWarmStartCDNOW(t *testing.T) {
	sums := cdnowSummaries(t)
	cold, err := Fit(sums, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	half, err := Fit(sums[:len(sums)/2], FitOptions{SkipGammaGamma: true})
	if err != nil {
		t.Fatal(err)
	}
	p := cold.BGNBD
	for _, tc := range []struct {
		name string
		init BGNBDParams
		gg   GGParams
		// near: the start is near the optimum (as last night's fit is),
		// where the warm fit takes Newton steps and fewer evaluations
		// than the cold fit.
		near bool
	}{
		{"published parameters", publishedBGNBD, GGParams{P: 6.25, Q: 3.74, Gamma: 15.44}, true},
		{"the cold fit's own", p, cold.GG, true},
		{"30% off", BGNBDParams{R: p.R * 1.3, Alpha: p.Alpha * 0.7, A: p.A * 1.3, B: p.B * 0.7}, GGParams{P: cold.GG.P * 0.7, Q: cold.GG.Q * 1.3, Gamma: cold.GG.Gamma * 0.7}, false},
		{"the fit to half the customers", half.BGNBD, GGParams{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Fit(sums, FitOptions{Init: tc.init, GGInit: tc.gg})
			if err != nil {
				t.Fatal(err)
			}
			got := m.BGNBD
			for _, c := range []struct {
				name           string
				got, want, pub float64
			}{
				{"r", got.R, p.R, publishedBGNBD.R}, {"alpha", got.Alpha, p.Alpha, publishedBGNBD.Alpha},
				{"a", got.A, p.A, publishedBGNBD.A}, {"b", got.B, p.B, publishedBGNBD.B},
				{"gg p", m.GG.P, cold.GG.P, 6.25}, {"gg q", m.GG.Q, cold.GG.Q, 3.74}, {"gg gamma", m.GG.Gamma, cold.GG.Gamma, 15.44},
			} {
				if relErr(c.got, c.want) > warmTol {
					t.Errorf("%s = %.12g, cold fit %.12g (relative difference %.2g)", c.name, c.got, c.want, relErr(c.got, c.want))
				}
				if relErr(c.got, c.pub) > 0.01 {
					t.Errorf("%s = %.7g, published %.7g", c.name, c.got, c.pub)
				}
			}
			if !m.Converged {
				t.Errorf("warm fit did not converge: %+v", m)
			}
			if tc.near && m.Evaluations >= cold.Evaluations {
				t.Errorf("warm fit from near the optimum: %d evaluations, the cold fit %d", m.Evaluations, cold.Evaluations)
			}
			t.Logf("%s: %d evaluations (cold %d), rel diff r %.2g, gg p %.2g", tc.name, m.Evaluations, cold.Evaluations, relErr(got.R, p.R), relErr(m.GG.P, cold.GG.P))
		})
	}
}

// TestNewtonReusesHessian: Newton iterations given a Hessian (the one the
// fit's first Newton phase ends with, passed to its polish) reach the same
// optimum as with a Hessian of their own, without the dim evaluations that
// make one; given a Hessian that does not fit (not positive definite, or
// pointing the wrong way) they make their own and still reach it.
func TestNewtonReusesHessian(t *testing.T) {
	data, err := groupTriples(cdnowSummaries(t))
	if err != nil {
		t.Fatal(err)
	}
	var w float64
	for _, d := range data.tr {
		w += d.n
	}
	newObj := func() *logObjective {
		return newLogObjective(4, w, func(th, grad []float64) float64 {
			return bgnbdLogLik(BGNBDParams{th[0], th[1], th[2], th[3]}, data, grad)
		})
	}
	// Near the published optimum (log-parameters), as a warm start is.
	x0 := []float64{math.Log(publishedBGNBD.R * 1.01), math.Log(publishedBGNBD.Alpha * 0.99), math.Log(publishedBGNBD.A * 1.01), math.Log(publishedBGNBD.B * 0.99)}
	const tol = 1e-12
	own := newObj()
	want, _, _, hess := newtonFD(own, x0, tol, newtonMaxIter, nil)
	if hess == nil || own.maxAbsGrad(want) > tol {
		t.Fatalf("own Hessian: no convergence (gradient %g)", own.maxAbsGrad(want))
	}
	negated := make([]float64, len(hess))
	for i, v := range hess {
		negated[i] = -v
	}
	for _, tc := range []struct {
		name  string
		h0    []float64
		fewer bool // fewer evaluations than with its own Hessian
	}{
		{"the last Hessian", hess, true},
		{"not positive definite", negated, false},
		{"identity (a wrong scale)", []float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newObj()
			got, _, _, _ := newtonFD(o, x0, tol, newtonMaxIter, tc.h0)
			if g := o.maxAbsGrad(got); g > tol {
				t.Fatalf("gradient %g above %g at %v", g, tol, got)
			}
			for i := range got {
				if relErr(math.Exp(got[i]), math.Exp(want[i])) > 1e-9 {
					t.Errorf("parameter %d: %.12g, with its own Hessian %.12g", i, math.Exp(got[i]), math.Exp(want[i]))
				}
			}
			if tc.fewer && o.evals > own.evals-4 {
				t.Errorf("%d evaluations, with its own Hessian %d: want at least 4 fewer", o.evals, own.evals)
			}
			t.Logf("%d evaluations (own Hessian %d)", o.evals, own.evals)
		})
	}
}
