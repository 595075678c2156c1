package clv

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/optimize"
)

// Errors returned (wrapped) by the model functions.
var (
	// ErrInvalidSummary reports a summary with negative, non-finite or
	// inconsistent values (for example TX > T).
	ErrInvalidSummary = errors.New("invalid customer summary")
	// ErrNoData reports that there is nothing to fit.
	ErrNoData = errors.New("no data to fit")
	// ErrFitFailed reports that maximum likelihood estimation failed to reach a
	// finite optimum.
	ErrFitFailed = errors.New("model fit failed")
	// ErrInvalidParams reports model parameters that are not positive and
	// finite, or an invalid argument to a model function.
	ErrInvalidParams = errors.New("invalid model parameters or arguments")
)

// BGNBDParams are the four parameters of the BG/NBD model. Purchase rates
// are gamma(R, Alpha) distributed across customers (Alpha is a rate, in the
// time unit of the data); the dropout probability after each repeat purchase
// is beta(A, B) distributed.
type BGNBDParams struct {
	R, Alpha, A, B float64
}

// Valid reports whether all parameters are positive and finite.
func (p BGNBDParams) Valid() bool {
	for _, v := range [...]float64{p.R, p.Alpha, p.A, p.B} {
		if !(v > 0) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// triple is one distinct (x, t_x, T) with the number of customers having it.
type triple struct {
	x     int
	tx, T float64
	n     float64
}

// validSummary checks the fields the BG/NBD uses.
func validSummary(s *Summary) error {
	ok := s.X >= 0 && s.T >= 0 && s.TX >= 0 && !math.IsInf(s.T, 0) && s.TX <= s.T*(1+1e-12)+1e-12 &&
		!math.IsNaN(s.MeanSpend) && !math.IsInf(s.MeanSpend, 0)
	if !ok {
		return fmt.Errorf("clv: customer %q (x=%d t_x=%v T=%v mean_spend=%v): %w",
			s.ID, s.X, s.TX, s.T, s.MeanSpend, ErrInvalidSummary)
	}
	return nil
}

// groupTriples validates the summaries and groups them by distinct
// (x, t_x, T). For x = 0 the recency is irrelevant and set to 0. The result
// is sorted by x so that per-x terms can be shared.
func groupTriples(sums []Summary) ([]triple, error) {
	type key struct {
		x     int
		tx, T float64
	}
	idx := make(map[key]int, 1024)
	var out []triple
	for i := range sums {
		s := &sums[i]
		if err := validSummary(s); err != nil {
			return nil, err
		}
		k := key{s.X, s.TX, s.T}
		if s.X == 0 {
			k.tx = 0
		}
		j, ok := idx[k]
		if !ok {
			j = len(out)
			idx[k] = j
			out = append(out, triple{x: k.x, tx: k.tx, T: k.T})
		}
		out[j].n++
	}
	slices.SortFunc(out, func(a, b triple) int { return a.x - b.x })
	return out, nil
}

// bgnbdLogLik returns the BG/NBD log-likelihood of the grouped data and, when
// grad is non-nil, stores its gradient with respect to (r, alpha, a, b).
//
// Per customer (FHL 2005, eq. 6), with A1 = lnΓ(r+x) − lnΓ(r) + r ln α,
// A2 = lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x), A3 = −(r+x) ln(α+T) and
// A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x):
//
//	ln L = A1 + A2 + ln(e^A3 + [x>0] e^A4)
//
// with the last term computed as a log-sum-exp.
func bgnbdLogLik(p BGNBDParams, data []triple, grad []float64) float64 {
	return sumChunks(len(data), 4, grad, func(lo, hi int, g []float64) float64 {
		return bgnbdLogLikRange(p, data[lo:hi], g)
	})
}

// bgnbdLogLikRange is bgnbdLogLik over one chunk of the data; grad, when
// non-nil, is overwritten.
func bgnbdLogLikRange(p BGNBDParams, data []triple, grad []float64) float64 {
	r, al, a, b := p.R, p.Alpha, p.A, p.B
	lgr, _ := math.Lgamma(r)
	lgb, _ := math.Lgamma(b)
	lgab, _ := math.Lgamma(a + b)
	lal := math.Log(al)
	la := math.Log(a)
	var psr, psb, psab float64
	if grad != nil {
		psr, psb, psab = mathext.Digamma(r), mathext.Digamma(b), mathext.Digamma(a+b)
		grad[0], grad[1], grad[2], grad[3] = 0, 0, 0, 0
	}
	var ll, comp float64
	curX := -1
	var xTerms, lc, psrx, psbx, psabx, rx, bx1 float64
	for i := range data {
		d := &data[i]
		if d.x != curX {
			curX = d.x
			fx := float64(d.x)
			rx = r + fx
			lgrx, _ := math.Lgamma(rx)
			lgbx, _ := math.Lgamma(b + fx)
			lgabx, _ := math.Lgamma(a + b + fx)
			xTerms = lgrx - lgr + r*lal + lgab + lgbx - lgb - lgabx
			if d.x > 0 {
				bx1 = b + fx - 1
				lc = la - math.Log(bx1)
			}
			if grad != nil {
				psrx, psbx, psabx = mathext.Digamma(rx), mathext.Digamma(b+fx), mathext.Digamma(a+b+fx)
			}
		}
		lT := math.Log(al + d.T)
		a3 := -rx * lT
		lse, w4 := a3, 0.0
		var ltx float64
		if d.x > 0 {
			ltx = math.Log(al + d.tx)
			a4 := lc - rx*ltx
			if a4 > a3 {
				e := math.Exp(a3 - a4)
				lse = a4 + math.Log1p(e)
				w4 = 1 / (1 + e)
			} else {
				e := math.Exp(a4 - a3)
				lse = a3 + math.Log1p(e)
				w4 = e / (1 + e)
			}
		}
		// Compensated accumulation: the total is large, the terms small.
		term := d.n * (xTerms + lse)
		y := term - comp
		t := ll + y
		comp = (t - ll) - y
		ll = t
		if grad != nil {
			w3 := 1 - w4
			grad[0] += d.n * (psrx - psr + lal - w3*lT - w4*ltx)
			grad[1] += d.n * (r/al - rx*(w3/(al+d.T)+w4/(al+d.tx)))
			ga := psab - psabx
			gb := psab + psbx - psb - psabx
			if d.x > 0 {
				ga += w4 / a
				gb -= w4 / bx1
			}
			grad[2] += d.n * ga
			grad[3] += d.n * gb
		}
	}
	return ll
}

// BGNBDLogLik returns the BG/NBD log-likelihood of the summaries under p
// (the sum over customers of ln L(p | x, t_x, T)). It fails on invalid
// summaries or parameters.
func BGNBDLogLik(p BGNBDParams, sums []Summary) (float64, error) {
	if !p.Valid() {
		return math.NaN(), fmt.Errorf("clv: %+v: %w", p, ErrInvalidParams)
	}
	data, err := groupTriples(sums)
	if err != nil {
		return math.NaN(), err
	}
	return bgnbdLogLik(p, data, nil), nil
}

// BGNBDFit is the result of FitBGNBD.
type BGNBDFit struct {
	// Params are the maximum likelihood estimates.
	Params BGNBDParams
	// LogLik is the maximised log-likelihood.
	LogLik float64
	// Iterations is the total number of major optimiser iterations.
	Iterations int
	// Evaluations is the number of log-likelihood evaluations.
	Evaluations int
	// DistinctTriples is the number of distinct (x, t_x, T) the likelihood
	// was evaluated over.
	DistinctTriples int
	// Customers is the number of customers fitted.
	Customers int
	// Method names the optimiser path that produced the estimate.
	Method string
	// Converged reports that the gradient tolerance was met. When false the
	// estimate is still an optimum the optimisers cannot improve on, with a
	// small gradient (typically a parameter running off to 0 or infinity).
	Converged bool
}

// FitOptions control Fit and FitBGNBD. The zero value is ready to use.
type FitOptions struct {
	// MaxIterations caps the major iterations of each optimiser run
	// (default 1000).
	MaxIterations int
	// GradTol is the convergence threshold on the largest absolute gradient
	// component of the mean log-likelihood per customer, with respect to the
	// log-parameters (default 1e-9). BFGS stops below it; a fit is reported
	// Converged when its final gradient is within 10×GradTol, and fails when
	// it is above max(1e-4, 1000×GradTol).
	GradTol float64
	// Init, when valid, is the starting point of the BG/NBD optimisation;
	// otherwise a data-driven start is used.
	Init BGNBDParams
	// SkipGammaGamma makes Fit skip the Gamma-Gamma spend model (its
	// parameters stay zero and ExpOrderValue in scores is then NaN).
	SkipGammaGamma bool
}

func (o FitOptions) withDefaults() FitOptions {
	if o.MaxIterations <= 0 {
		o.MaxIterations = 1000
	}
	if !(o.GradTol > 0) {
		o.GradTol = 1e-9
	}
	return o
}

// logObjective wraps a log-likelihood over log-parameters as a minimisation
// problem on the negative mean log-likelihood per unit of weight.
type logObjective struct {
	dim   int
	w     float64
	ll    func(theta, grad []float64) float64 // theta: natural parameters
	evals int
	theta []float64
	g     []float64
}

func newLogObjective(dim int, w float64, ll func(theta, grad []float64) float64) *logObjective {
	return &logObjective{dim: dim, w: w, ll: ll, theta: make([]float64, dim), g: make([]float64, dim)}
}

func (o *logObjective) eval(x, grad []float64) float64 {
	o.evals++
	for i, v := range x {
		if v > 40 || v < -40 {
			// Outside any sensible range; keep the optimiser away.
			if grad != nil {
				for j := range grad {
					grad[j] = 0
				}
			}
			return math.Inf(1)
		}
		o.theta[i] = math.Exp(v)
	}
	var g []float64
	if grad != nil {
		g = o.g
	}
	ll := o.ll(o.theta, g)
	if math.IsNaN(ll) {
		ll = math.Inf(-1)
	}
	if grad != nil {
		for i := range grad {
			grad[i] = -g[i] * o.theta[i] / o.w
		}
	}
	return -ll / o.w
}

func (o *logObjective) problem() optimize.Problem {
	return optimize.Problem{
		Func: func(x []float64) float64 { return o.eval(x, nil) },
		Grad: func(grad, x []float64) { o.eval(x, grad) },
	}
}

// maxAbsGrad returns the largest absolute gradient component at x.
func (o *logObjective) maxAbsGrad(x []float64) float64 {
	g := make([]float64, o.dim)
	o.eval(x, g)
	m := 0.0
	for _, v := range g {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// minimizeLog minimises the objective from x0 with BFGS, falling back to
// Nelder-Mead restarts followed by BFGS polishing when BFGS fails or stops
// short of the gradient tolerance. It returns the best point, the number of
// major iterations, a description of the path taken and whether the
// gradient tolerance was met.
func minimizeLog(o *logObjective, x0 []float64, opts FitOptions) ([]float64, int, string, bool, error) {
	settings := func() *optimize.Settings {
		return &optimize.Settings{
			GradientThreshold: opts.GradTol,
			MajorIterations:   opts.MaxIterations,
			Converger:         &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-15, Iterations: 25},
		}
	}
	best := slices.Clone(x0)
	bestF := o.eval(best, nil)
	iters := 0
	var path []string
	try := func(name string, start []float64, method optimize.Method) {
		res, err := optimize.Minimize(o.problem(), start, settings(), method)
		if res == nil {
			path = append(path, name+"(failed)")
			return
		}
		iters += res.MajorIterations
		if err != nil {
			path = append(path, name+"("+res.Status.String()+")")
		} else {
			path = append(path, name)
		}
		if res.F < bestF && !math.IsNaN(res.F) {
			bestF = res.F
			copy(best, res.X)
		}
	}
	converged := func() bool {
		return !math.IsInf(bestF, 0) && o.maxAbsGrad(best) <= opts.GradTol*10
	}
	try("bfgs", slices.Clone(best), &optimize.BFGS{})
	for round := 0; round < 3 && !converged(); round++ {
		nm := &optimize.NelderMead{SimplexSize: 0.5}
		try("nelder-mead", slices.Clone(best), nm)
		try("bfgs", slices.Clone(best), &optimize.BFGS{})
	}
	method := fmt.Sprint(path)
	if math.IsInf(bestF, 0) || math.IsNaN(bestF) {
		return nil, iters, method, false, fmt.Errorf("no finite optimum via %s: %w", method, ErrFitFailed)
	}
	if g := o.maxAbsGrad(best); !(g <= math.Max(acceptGrad, 1000*opts.GradTol)) {
		return nil, iters, method, false, fmt.Errorf("gradient %.3g above tolerance via %s: %w", g, method, ErrFitFailed)
	}
	return best, iters, method, converged(), nil
}

// acceptGrad is the largest gradient (of the mean log-likelihood per
// customer, in log-parameters) accepted from an optimiser that cannot
// improve further: such points are optima on or near the boundary of the
// parameter space (a parameter drifting towards 0 or infinity), reported
// with Converged false.
const acceptGrad = 1e-4

// FitBGNBD fits the BG/NBD model to the summaries by maximum likelihood.
//
// The likelihood is evaluated over the distinct (x, t_x, T) triples weighted
// by their counts, so the cost of one evaluation is proportional to the
// number of distinct triples. The optimiser works on log-parameters with the
// analytic gradient (gonum BFGS), with Nelder-Mead restarts as a fallback.
// TX and T may be in any time unit; Alpha is then per that unit. It returns
// an error wrapping ErrInvalidSummary, ErrNoData or ErrFitFailed.
func FitBGNBD(sums []Summary, opts FitOptions) (BGNBDFit, error) {
	opts = opts.withDefaults()
	data, err := groupTriples(sums)
	if err != nil {
		return BGNBDFit{}, err
	}
	if len(data) == 0 {
		return BGNBDFit{}, fmt.Errorf("clv: bg/nbd: %w", ErrNoData)
	}
	var w, sumX, sumT float64
	for _, d := range data {
		w += d.n
		sumX += d.n * float64(d.x)
		sumT += d.n * d.T
	}
	if sumT <= 0 {
		return BGNBDFit{}, fmt.Errorf("clv: bg/nbd: every customer has T=0: %w", ErrNoData)
	}
	obj := newLogObjective(4, w, func(th, grad []float64) float64 {
		return bgnbdLogLik(BGNBDParams{th[0], th[1], th[2], th[3]}, data, grad)
	})
	init := opts.Init
	if !init.Valid() {
		// r/alpha is the mean purchase rate: start from r = 1 with the
		// observed mean rate (at least one purchase per 10 customer ages).
		meanT := sumT / w
		rate := math.Max(sumX/sumT, 0.1/meanT)
		init = BGNBDParams{R: 1, Alpha: 1 / rate, A: 1, B: 1}
	}
	x0 := []float64{math.Log(init.R), math.Log(init.Alpha), math.Log(init.A), math.Log(init.B)}
	x, iters, method, conv, err := minimizeLog(obj, x0, opts)
	fit := BGNBDFit{Iterations: iters, DistinctTriples: len(data), Customers: int(w), Method: method,
		Evaluations: obj.evals, Converged: conv}
	if err != nil {
		return fit, fmt.Errorf("clv: bg/nbd: %w", err)
	}
	fit.Params = BGNBDParams{math.Exp(x[0]), math.Exp(x[1]), math.Exp(x[2]), math.Exp(x[3])}
	fit.LogLik = bgnbdLogLik(fit.Params, data, nil)
	return fit, nil
}

// PAlive returns P(alive | x, t_x, T), the probability that a customer with
// x repeat purchases, the last at t_x, observed for T time units is still
// active (FHL 2005 / Fader, Hardie & Lee 2008 note):
//
//	1 / (1 + [x>0] a/(b+x−1) ((α+T)/(α+t_x))^(r+x))
//
// computed in log space so that it never overflows. For x = 0 it is 1.
func (p BGNBDParams) PAlive(x int, tx, T float64) float64 {
	if x <= 0 {
		return 1
	}
	return 1 / (1 + math.Exp(p.logOddsDead(x, tx, T)))
}

// logOddsDead is ln(a/(b+x−1)) + (r+x) ln((α+T)/(α+t_x)) for x > 0.
func (p BGNBDParams) logOddsDead(x int, tx, T float64) float64 {
	fx := float64(x)
	return math.Log(p.A) - math.Log(p.B+fx-1) + (p.R+fx)*(math.Log(p.Alpha+T)-math.Log(p.Alpha+tx))
}

// aliveExpectation returns E[Y(t) | alive at T, x] · P(alive)^-1 factor, i.e.
// the numerator of FHL 2005 eq. 10:
//
//	(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x−1; z)],
//
// z = t/(α+T+t). Euler's transformation 2F1(A,B;C;z) =
// (1−z)^(C−A−B) 2F1(C−A, C−B; C; z) turns the bracket into
// 1 − (1−z)^(a−1) 2F1(a+b−1−r, a−1; a+b+x−1; z); writing that 2F1 as
// 1 + (a−1) G(z) removes the 1/(a−1) singularity:
//
//	(a+b+x−1) · [−expm1((a−1) ln(1−z))/(a−1) − (1−z)^(a−1) G(z)],
//	G(z) = Σ_{n≥1} (a+b−1−r)_n (a)_{n−1} / ((a+b+x−1)_n n!) z^n.
//
// The transformed series has no overflow for large x and converges faster.
// It depends on (x, T, t) only, not on t_x.
func (p BGNBDParams) aliveExpectation(t float64, x int, T float64) (float64, error) {
	if t <= 0 {
		return 0, nil
	}
	fx := float64(x)
	a := p.A
	c := a + p.B + fx - 1
	L := math.Log(p.Alpha+T) - math.Log(p.Alpha+T+t) // ln(1−z)
	z := t / (p.Alpha + T + t)
	A := a + p.B - 1 - p.R
	if a+p.B > degenerateBeta {
		return p.aliveExpectationFixedP(t, x, T), nil
	}
	g, gScale, err := hypTailScaled(A, a-1, c, z, A/c*z)
	if err != nil {
		return math.NaN(), fmt.Errorf("clv: E[Y(%v)|x=%d,T=%v]: %w", t, x, T, err)
	}
	var h float64 // −expm1((a−1)L)/(a−1), → −L as a → 1
	if am1 := a - 1; am1*L == 0 {
		h = -L
	} else {
		h = -math.Expm1(am1*L) / am1
	}
	return c * (h - math.Exp((a-1)*L+gScale)*g), nil
}

// degenerateBeta is the a+b beyond which the Beta mixing of the dropout
// probability is treated as a point mass (a fit running to the boundary
// when the data show no heterogeneity in dropout).
const degenerateBeta = 1e4

// aliveExpectationFixedP is the limit of aliveExpectation as a, b grow with
// the dropout probability p = a/(a+b+x) (the posterior mean after x
// survived purchases) held fixed: a customer alive at T with purchase rate
// λ ~ Gamma(r+x, α+T) makes (1 − e^(−λpt))/p purchases in expectation, so
//
//	E = (1/p) [1 − ((α+T)/(α+T+p·t))^(r+x)].
func (p BGNBDParams) aliveExpectationFixedP(t float64, x int, T float64) float64 {
	fx := float64(x)
	q := p.A / (p.A + p.B + fx)
	if q <= 0 {
		return (p.R + fx) / (p.Alpha + T) * t
	}
	return -math.Expm1((p.R+fx)*(math.Log(p.Alpha+T)-math.Log(p.Alpha+T+q*t))) / q
}

// ConditionalExpected returns E[Y(t) | x, t_x, T], the expected number of
// purchases in the next t time units by a customer with x repeat purchases,
// the last at t_x, observed for T units (FHL 2005, eq. 10):
//
//	(a+b+x−1)/(a−1) [1 − ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))]
//	/ (1 + [x>0] a/(b+x−1) ((α+T)/(α+t_x))^(r+x))
//
// i.e. PAlive(x, t_x, T) times the expectation given alive. The 2F1 term is
// evaluated through Euler's transformation as a series that cannot overflow
// and has no singularity at a = 1. t, t_x and T must satisfy t >= 0 and
// 0 <= t_x <= T. The error wraps ErrInvalidParams or ErrSeriesDiverged.
func (p BGNBDParams) ConditionalExpected(t float64, x int, tx, T float64) (float64, error) {
	if !p.Valid() || !(t >= 0) || x < 0 || !(tx >= 0) || !(T >= tx) {
		return math.NaN(), fmt.Errorf("clv: params %+v, t=%v x=%d t_x=%v T=%v: %w", p, t, x, tx, T, ErrInvalidParams)
	}
	e, err := p.aliveExpectation(t, x, T)
	if err != nil {
		return math.NaN(), err
	}
	return e * p.PAlive(x, tx, T), nil
}

// Expected returns E[X(t)], the expected number of repeat purchases in
// (0, t] of a customer who has just made the first purchase (FHL 2005,
// eq. 9):
//
//	(a+b−1)/(a−1) [1 − (α/(α+t))^r 2F1(r, b; a+b−1; t/(α+t))]
//
// evaluated as ConditionalExpected(t, 0, 0, 0).
func (p BGNBDParams) Expected(t float64) (float64, error) {
	return p.ConditionalExpected(t, 0, 0, 0)
}

// PMF returns P(X(t) = x), the probability that a customer who has just made
// the first purchase makes exactly x repeat purchases in (0, t] (FHL 2005,
// eq. 8):
//
//	B(a,b+x)/B(a,b) · Γ(r+x)/(Γ(r) x!) (α/(α+t))^r (t/(α+t))^x
//	+ [x>0] B(a+1,b+x−1)/B(a,b) · [1 − (α/(α+t))^r Σ_{j<x} Γ(r+j)/(Γ(r) j!) (t/(α+t))^j]
//
// The bracket, the upper tail of a negative binomial, is evaluated as the
// regularised incomplete beta I_{t/(α+t)}(x, r) to avoid cancellation.
func (p BGNBDParams) PMF(t float64, x int) (float64, error) {
	if !p.Valid() || !(t >= 0) || x < 0 {
		return math.NaN(), fmt.Errorf("clv: params %+v, t=%v x=%d: %w", p, t, x, ErrInvalidParams)
	}
	r, al, a, b := p.R, p.Alpha, p.A, p.B
	fx := float64(x)
	if t == 0 {
		if x == 0 {
			return 1, nil
		}
		return 0, nil
	}
	lq := math.Log(al) - math.Log(al+t) // ln(α/(α+t))
	lz := math.Log(t) - math.Log(al+t)  // ln(t/(α+t))
	lbab := mathext.Lbeta(a, b)
	lgrx, _ := math.Lgamma(r + fx)
	lgr, _ := math.Lgamma(r)
	lgx1, _ := math.Lgamma(fx + 1)
	first := math.Exp(mathext.Lbeta(a, b+fx) - lbab + lgrx - lgr - lgx1 + r*lq + fx*lz)
	if x == 0 {
		return first, nil
	}
	tail := mathext.RegIncBeta(fx, r, t/(al+t))
	return first + math.Exp(mathext.Lbeta(a+1, b+fx-1)-lbab)*tail, nil
}

// evalChunk is the number of data items per unit of parallel likelihood
// work. It is fixed so that the summation order, and so the result, does
// not depend on the number of CPUs.
const evalChunk = 16384

// sumChunks evaluates f over consecutive chunks of [0, n) of evalChunk items
// on up to GOMAXPROCS goroutines and adds the chunk values (and, when grad
// is non-nil, the chunk gradients of length dim) in chunk order. f must
// overwrite its gradient argument when that is non-nil.
func sumChunks(n, dim int, grad []float64, f func(lo, hi int, g []float64) float64) float64 {
	nc := (n + evalChunk - 1) / evalChunk
	if nc <= 1 {
		return f(0, n, grad)
	}
	vals := make([]float64, nc)
	var grads []float64
	if grad != nil {
		grads = make([]float64, nc*dim)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := min(runtime.GOMAXPROCS(0), nc); w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= nc {
					return
				}
				var g []float64
				if grad != nil {
					g = grads[c*dim : (c+1)*dim]
				}
				vals[c] = f(c*evalChunk, min((c+1)*evalChunk, n), g)
			}
		}()
	}
	wg.Wait()
	var sum, comp float64
	for _, v := range vals {
		t := sum + v
		if math.Abs(sum) >= math.Abs(v) {
			comp += (sum - t) + v
		} else {
			comp += (v - t) + sum
		}
		sum = t
	}
	if grad != nil {
		for i := range grad {
			grad[i] = 0
		}
		for c := 0; c < nc; c++ {
			for i := range grad {
				grad[i] += grads[c*dim+i]
			}
		}
	}
	return sum + comp
}

// elapsed returns seconds since start.
func elapsed(start time.Time) float64 { return time.Since(start).Seconds() }
