package clv

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// GGParams are the parameters of the Gamma-Gamma model of spend per purchase
// (Fader & Hardie 2013, note 025): the value of each purchase of a customer is
// gamma(P, ν) distributed and ν is gamma(Q, Gamma) distributed across
// customers (both gammas in shape-rate form).
type GGParams struct {
	P, Q, Gamma float64
}

// Valid reports whether all parameters are positive and finite.
func (g GGParams) Valid() bool {
	for _, v := range [...]float64{g.P, g.Q, g.Gamma} {
		if !(v > 0) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// PopulationMean returns the mean spend per purchase of a randomly chosen
// customer, P·Gamma/(Q−1); +Inf when Q <= 1.
func (g GGParams) PopulationMean() float64 {
	if g.Q <= 1 {
		return math.Inf(1)
	}
	return g.P * g.Gamma / (g.Q - 1)
}

// ConditionalMean returns E[M | x, zbar], the expected spend per purchase of a
// customer whose x purchases had mean value zbar (note 025, eq. 5):
//
//	p (γ + x zbar) / (p x + q − 1),
//
// a weighted average of the population mean and zbar. For x = 0 it is the
// population mean p γ/(q−1). The result is +Inf when p x + q <= 1.
func (g GGParams) ConditionalMean(x int, zbar float64) float64 {
	fx := float64(x)
	den := g.P*fx + g.Q - 1
	if den <= 0 {
		return math.Inf(1)
	}
	if x == 0 {
		zbar = 0
	}
	return g.P * (g.Gamma + fx*zbar) / den
}

// pair is one distinct (x, zbar) with its count and ln zbar.
type pair struct {
	x        int
	zbar, lz float64
	n        float64
}

// ggLogLik returns the Gamma-Gamma log-likelihood of the grouped data and,
// when grad is non-nil, its gradient with respect to (p, q, γ). Per customer:
//
//	lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln zbar + px ln x − (px+q) ln(x zbar + γ)
func ggLogLik(g GGParams, data []pair, grad []float64) float64 {
	return sumChunks(len(data), 3, grad, func(lo, hi int, gr []float64) float64 {
		return ggLogLikRange(g, data[lo:hi], gr)
	})
}

// ggLogLikRange is ggLogLik over one chunk of the data; grad, when non-nil,
// is overwritten.
func ggLogLikRange(g GGParams, data []pair, grad []float64) float64 {
	p, q, gm := g.P, g.Q, g.Gamma
	lgq, _ := math.Lgamma(q)
	lgm := math.Log(gm)
	var psq float64
	if grad != nil {
		psq = mathext.Digamma(q)
		grad[0], grad[1], grad[2] = 0, 0, 0
	}
	var ll, comp float64
	curX := -1
	var px, xTerms, lx, pspxq, pspx float64
	for i := range data {
		d := &data[i]
		fx := float64(d.x)
		if d.x != curX {
			curX = d.x
			px = p * fx
			lgpxq, _ := math.Lgamma(px + q)
			lgpx, _ := math.Lgamma(px)
			lx = math.Log(fx)
			xTerms = lgpxq - lgpx - lgq + q*lgm + px*lx
			if grad != nil {
				pspxq, pspx = mathext.Digamma(px+q), mathext.Digamma(px)
			}
		}
		lz := d.lz
		lden := math.Log(fx*d.zbar + gm)
		term := d.n * (xTerms + (px-1)*lz - (px+q)*lden)
		y := term - comp
		t := ll + y
		comp = (t - ll) - y
		ll = t
		if grad != nil {
			grad[0] += d.n * fx * (pspxq - pspx + lz + lx - lden)
			grad[1] += d.n * (pspxq - psq + lgm - lden)
			grad[2] += d.n * (q/gm - (px+q)/(fx*d.zbar+gm))
		}
	}
	return ll
}

// GGFit is the result of FitGammaGamma.
type GGFit struct {
	// Params are the maximum likelihood estimates.
	Params GGParams
	// LogLik is the maximised log-likelihood.
	LogLik float64
	// Iterations is the total number of major optimiser iterations.
	Iterations int
	// Customers is the number of customers fitted (x > 0 and MeanSpend > 0).
	Customers int
	// Method names the optimiser path that produced the estimate.
	Method string
	// Converged reports that the gradient tolerance was met (see
	// BGNBDFit.Converged).
	Converged bool
}

// FitGammaGamma fits the Gamma-Gamma spend model by maximum likelihood on the
// customers with X > 0 and MeanSpend > 0, using (X, MeanSpend) as (x, zbar);
// the others carry no spend information and are ignored. Distinct (x, zbar)
// pairs are grouped with counts. The optimiser is the same as for FitBGNBD
// (BFGS on log-parameters with analytic gradient, Nelder-Mead fallback). It
// returns an error wrapping ErrNoData when no customer qualifies, or
// ErrFitFailed.
func FitGammaGamma(sums []Summary, opts FitOptions) (GGFit, error) {
	opts = opts.withDefaults()
	type key struct {
		x    int
		zbar float64
	}
	idx := map[key]int{}
	var data []pair
	var w, sumZ float64
	for i := range sums {
		s := &sums[i]
		if s.X <= 0 || !(s.MeanSpend > 0) || math.IsInf(s.MeanSpend, 0) {
			continue
		}
		k := key{s.X, s.MeanSpend}
		j, ok := idx[k]
		if !ok {
			j = len(data)
			idx[k] = j
			data = append(data, pair{x: s.X, zbar: s.MeanSpend, lz: math.Log(s.MeanSpend)})
		}
		data[j].n++
		w++
		sumZ += s.MeanSpend
	}
	if len(data) == 0 {
		return GGFit{}, fmt.Errorf("clv: gamma-gamma: no customer with repeat purchases and positive spend: %w", ErrNoData)
	}
	slices.SortFunc(data, func(a, b pair) int { return a.x - b.x })
	obj := newLogObjective(3, w, func(th, grad []float64) float64 {
		return ggLogLik(GGParams{th[0], th[1], th[2]}, data, grad)
	})
	// Start: p = 1 and q = 3, with γ matching the mean spend p γ/(q−1).
	mean := sumZ / w
	x0 := []float64{0, math.Log(3), math.Log(2 * mean)}
	if g := opts.GGInit; g.Valid() {
		x0 = []float64{math.Log(g.P), math.Log(g.Q), math.Log(g.Gamma)}
	}
	x, iters, method, conv, err := minimizeLog(obj, x0, opts)
	fit := GGFit{Iterations: iters, Customers: int(w), Method: method, Converged: conv}
	if err != nil {
		return fit, fmt.Errorf("clv: gamma-gamma: %w", err)
	}
	fit.Params = GGParams{math.Exp(x[0]), math.Exp(x[1]), math.Exp(x[2])}
	fit.LogLik = ggLogLik(fit.Params, data, nil)
	return fit, nil
}
