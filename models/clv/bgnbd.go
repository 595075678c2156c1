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

// triple is one distinct (x, t_x, T) with the number of customers having
// it; t_x and T are indices into the distinct values of tripleData.
type triple struct {
	x       int32
	txi, ti int32
	n       float64
}

// tripleData is the summaries grouped by distinct (x, t_x, T). Recencies
// and ages are times of purchase days, so they take few distinct values:
// the likelihood's logarithms of α + t_x and α + T are computed once per
// distinct value and evaluation instead of once per triple.
type tripleData struct {
	tr  []triple  // sorted by x
	txs []float64 // distinct t_x values
	Ts  []float64 // distinct T values
}

func (d *tripleData) len() int { return len(d.tr) }

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
func groupTriples(sums []Summary) (*tripleData, error) {
	type key struct {
		x       int32
		txi, ti int32
	}
	d := &tripleData{}
	txIdx := make(map[float64]int32, 1024)
	tIdx := make(map[float64]int32, 1024)
	value := func(m map[float64]int32, vals *[]float64, v float64) int32 {
		j, ok := m[v]
		if !ok {
			j = int32(len(*vals))
			m[v] = j
			*vals = append(*vals, v)
		}
		return j
	}
	idx := make(map[key]int, 1024)
	for i := range sums {
		s := &sums[i]
		if err := validSummary(s); err != nil {
			return nil, err
		}
		if s.X > math.MaxInt32 {
			return nil, fmt.Errorf("clv: customer %q: x=%d: %w", s.ID, s.X, ErrInvalidSummary)
		}
		tx := s.TX
		if s.X == 0 {
			tx = 0
		}
		k := key{int32(s.X), value(txIdx, &d.txs, tx), value(tIdx, &d.Ts, s.T)}
		j, ok := idx[k]
		if !ok {
			j = len(d.tr)
			idx[k] = j
			d.tr = append(d.tr, triple{x: k.x, txi: k.txi, ti: k.ti})
		}
		d.tr[j].n++
	}
	slices.SortFunc(d.tr, func(a, b triple) int { return int(a.x) - int(b.x) })
	return d, nil
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
func bgnbdLogLik(p BGNBDParams, data *tripleData, grad []float64) float64 {
	al := p.Alpha
	// ln(α+v) and 1/(α+v) per distinct t_x and T.
	tab := func(vals []float64) []float64 {
		out := make([]float64, 2*len(vals))
		for i, v := range vals {
			out[2*i] = math.Log(al + v)
			out[2*i+1] = 1 / (al + v)
		}
		return out
	}
	txTab, tTab := tab(data.txs), tab(data.Ts)
	return sumChunks(len(data.tr), 4, grad, func(lo, hi int, g []float64) float64 {
		return bgnbdLogLikRange(p, data.tr[lo:hi], txTab, tTab, g)
	})
}

// bgnbdLogLikRange is bgnbdLogLik over one chunk of the data, with txTab
// and tTab holding ln(α+v), 1/(α+v) for each distinct t_x and T; grad, when
// non-nil, is overwritten.
func bgnbdLogLikRange(p BGNBDParams, data []triple, txTab, tTab []float64, grad []float64) float64 {
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
	var g0, g1, g2, g3 float64
	curX := int32(-1)
	var xTerms, lc, psrx, psbx, psabx, rx, bx1, ga0, gb0 float64
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
				ga0 = psab - psabx
				gb0 = psab + psbx - psb - psabx
			}
		}
		lT, iT := tTab[2*d.ti], tTab[2*d.ti+1]
		a3 := -rx * lT
		lse, w4 := a3, 0.0
		var ltx, itx float64
		if d.x > 0 {
			ltx, itx = txTab[2*d.txi], txTab[2*d.txi+1]
			a4 := lc - rx*ltx
			// ln(1+e) for e in [0, 1]: its rounding error (below 1.2e-16)
			// is far below the term's own.
			if a4 > a3 {
				e := math.Exp(a3 - a4)
				lse = a4 + math.Log(1+e)
				w4 = 1 / (1 + e)
			} else {
				e := math.Exp(a4 - a3)
				lse = a3 + math.Log(1+e)
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
			g0 += d.n * (psrx - psr + lal - w3*lT - w4*ltx)
			g1 += d.n * (r/al - rx*(w3*iT+w4*itx))
			ga, gb := ga0, gb0
			if d.x > 0 {
				ga += w4 / a
				gb -= w4 / bx1
			}
			g2 += d.n * ga
			g3 += d.n * gb
		}
	}
	if grad != nil {
		grad[0], grad[1], grad[2], grad[3] = g0, g1, g2, g3
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
	// GGInit, when valid, is the starting point of the Gamma-Gamma
	// optimisation (a warm start from the last fit); otherwise p = 1, q = 3
	// and γ matching the mean spend.
	GGInit GGParams
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
// problem on the negative mean log-likelihood per unit of weight. It keeps
// the value and gradient of the last point evaluated: gonum asks for the
// value and then the gradient of the same point, which one evaluation of
// both answers.
type logObjective struct {
	dim   int
	w     float64
	ll    func(theta, grad []float64) float64 // theta: natural parameters
	evals int
	theta []float64
	g     []float64

	lastX    []float64 // the last point evaluated with its gradient
	lastF    float64
	lastGrad []float64
	haveLast bool
}

func newLogObjective(dim int, w float64, ll func(theta, grad []float64) float64) *logObjective {
	return &logObjective{dim: dim, w: w, ll: ll, theta: make([]float64, dim), g: make([]float64, dim),
		lastX: make([]float64, dim), lastGrad: make([]float64, dim)}
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

// withGrad returns the value at x, evaluating it with its gradient unless x
// is the last point so evaluated.
func (o *logObjective) withGrad(x []float64) float64 {
	if !o.haveLast || !slices.Equal(x, o.lastX) {
		o.lastF = o.eval(x, o.lastGrad)
		copy(o.lastX, x)
		o.haveLast = true
	}
	return o.lastF
}

// problem is the objective for gonum; grad tells whether the method uses
// gradients (then every point is evaluated with its gradient, once).
func (o *logObjective) problem(grad bool) optimize.Problem {
	if !grad {
		return optimize.Problem{Func: func(x []float64) float64 { return o.eval(x, nil) }}
	}
	return optimize.Problem{
		Func: o.withGrad,
		Grad: func(grad, x []float64) {
			o.withGrad(x)
			copy(grad, o.lastGrad)
		},
	}
}

// maxAbsGrad returns the largest absolute gradient component at x.
func (o *logObjective) maxAbsGrad(x []float64) float64 {
	o.withGrad(x)
	return maxAbs(o.lastGrad)
}

// maxAbs returns the largest absolute value of v's components.
func maxAbs(v []float64) float64 {
	m := 0.0
	for _, e := range v {
		m = math.Max(m, math.Abs(e))
	}
	return m
}

// minimizeLog minimises the objective from x0 with BFGS, falling back to
// Nelder-Mead restarts followed by BFGS polishing when BFGS fails or stops
// short of the gradient tolerance. It returns the best point, the number of
// major iterations, a description of the path taken and whether the
// gradient tolerance was met.
func minimizeLog(o *logObjective, x0 []float64, opts FitOptions) ([]float64, int, string, bool, error) {
	return minimizeLogFrom(o, x0, opts, false)
}

// minimizeLogFrom is minimizeLog, starting with Newton iterations (see
// newtonFD) when newton is set: from a start near the optimum they need
// far fewer evaluations than BFGS, which then only runs when they do not
// meet the gradient tolerance.
func minimizeLogFrom(o *logObjective, x0 []float64, opts FitOptions, newton bool) ([]float64, int, string, bool, error) {
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
		_, nm := method.(*optimize.NelderMead)
		res, err := optimize.Minimize(o.problem(!nm), start, settings(), method)
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
	if newton {
		x, f, it := newtonFD(o, best, opts.GradTol, newtonMaxIter)
		iters += it
		path = append(path, "newton")
		if f < bestF || f == bestF && o.maxAbsGrad(x) < o.maxAbsGrad(best) {
			bestF = f
			copy(best, x)
		}
	}
	if !newton || !converged() {
		try("bfgs", slices.Clone(best), &optimize.BFGS{})
	}
	for round := 0; round < 3 && !converged(); round++ {
		nm := &optimize.NelderMead{SimplexSize: 0.5}
		try("nelder-mead", slices.Clone(best), nm)
		try("bfgs", slices.Clone(best), &optimize.BFGS{})
	}
	if !math.IsInf(bestF, 0) && !math.IsNaN(bestF) {
		// Polish with Newton steps to a gradient a thousand times smaller:
		// along a flat direction of the likelihood, a gradient of GradTol
		// still leaves the parameters some 1e-7 apart between two starts
		// (a warm start from the last run's fit and a cold one), and BFGS
		// may stop short of it; polished, fits of the same data agree to
		// about 1e-9 whatever the start.
		x, f, it := newtonFD(o, best, opts.GradTol*1e-3, newtonMaxIter)
		if it > 0 && f <= bestF+8*0x1p-52*math.Abs(bestF) && o.maxAbsGrad(x) < o.maxAbsGrad(best) {
			iters += it
			path = append(path, "polish")
			bestF = f
			copy(best, x)
		}
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

// newtonMaxIter caps the Newton iterations of newtonFD.
const newtonMaxIter = 30

// newtonFD minimises the objective from x0 by Newton steps, the Hessian
// being the forward difference of the analytic gradient (one evaluation per
// parameter), kept while the steps converge fast and recomputed when they
// do not. Steps are halved until the value decreases (or, at the noise
// level of the value, the gradient does). It stops when the largest
// gradient component is at most tol, or when no step helps, and returns the
// last point, its value and the number of iterations.
func newtonFD(o *logObjective, x0 []float64, tol float64, maxIter int) ([]float64, float64, int) {
	n := o.dim
	x := slices.Clone(x0)
	f := o.withGrad(x)
	g := slices.Clone(o.lastGrad)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return x, f, 0
	}
	var H []float64 // n×n, row-major; nil: to compute
	xs, d := make([]float64, n), make([]float64, n)
	for it := 0; it < maxIter; it++ {
		if maxAbs(g) <= tol {
			return x, f, it
		}
		fresh := H == nil
		if fresh {
			const h = 1e-4 // in log-parameters
			H = make([]float64, n*n)
			for j := 0; j < n; j++ {
				copy(xs, x)
				xs[j] += h
				if fj := o.withGrad(xs); math.IsInf(fj, 0) || math.IsNaN(fj) {
					return x, f, it
				}
				for i := 0; i < n; i++ {
					H[i*n+j] = (o.lastGrad[i] - g[i]) / h
				}
			}
			for i := 0; i < n; i++ {
				for j := 0; j < i; j++ {
					v := (H[i*n+j] + H[j*n+i]) / 2
					H[i*n+j], H[j*n+i] = v, v
				}
			}
		}
		for i := range d {
			d[i] = -g[i]
		}
		if !choleskySolve(H, d, n) {
			// Not positive definite: not near a minimum.
			return x, f, it
		}
		accepted := false
		for step := 1.0; step > 1.0/256; step /= 2 {
			for i := range xs {
				xs[i] = x[i] + step*d[i]
			}
			fn := o.withGrad(xs)
			gn := o.lastGrad
			noise := 8 * 0x1p-52 * math.Abs(f)
			if fn < f || fn <= f+noise && maxAbs(gn) < maxAbs(g) {
				if step < 1 || maxAbs(gn) > maxAbs(g)/4 {
					H = nil // slow progress: a new Hessian at the next point
				}
				copy(x, xs)
				copy(g, gn)
				f = fn
				accepted = true
				break
			}
		}
		if !accepted {
			if fresh {
				return x, f, it + 1
			}
			H = nil
		}
	}
	return x, f, maxIter
}

// choleskySolve solves A y = b in place of b for a symmetric positive
// definite n×n A (row-major, left unchanged); false when A is not positive
// definite.
func choleskySolve(A, b []float64, n int) bool {
	L := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			sum := A[i*n+j]
			for k := 0; k < j; k++ {
				sum -= L[i*n+k] * L[j*n+k]
			}
			if i == j {
				if !(sum > 0) {
					return false
				}
				L[i*n+i] = math.Sqrt(sum)
			} else {
				L[i*n+j] = sum / L[j*n+j]
			}
		}
	}
	for i := 0; i < n; i++ { // L z = b
		for k := 0; k < i; k++ {
			b[i] -= L[i*n+k] * b[k]
		}
		b[i] /= L[i*n+i]
	}
	for i := n - 1; i >= 0; i-- { // Lᵀ y = z
		for k := i + 1; k < n; k++ {
			b[i] -= L[k*n+i] * b[k]
		}
		b[i] /= L[i*n+i]
	}
	return true
}

// acceptGrad is the largest gradient (of the mean log-likelihood per
// customer, in log-parameters) accepted from an optimiser that cannot
// improve further: such points are optima on or near the boundary of the
// parameter space (a parameter drifting towards 0 or infinity), reported
// with Converged false.
const acceptGrad = 1e-4

// Large fits (newtonMinCustomers customers or more) run Newton iterations
// (newtonFD) from a start near the optimum: opts.Init when valid, else the
// fit to every subsampleStride-th customer (to subsampleGradTol).
const (
	newtonMinCustomers = 100_000
	subsampleStride    = 16
	subsampleGradTol   = 1e-7
)

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
	if data.len() == 0 {
		return BGNBDFit{}, fmt.Errorf("clv: bg/nbd: %w", ErrNoData)
	}
	var w, sumX, sumT float64
	for _, d := range data.tr {
		w += d.n
		sumX += d.n * float64(d.x)
		sumT += d.n * data.Ts[d.ti]
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
	newton := w >= newtonMinCustomers
	var pre string
	if newton && !opts.Init.Valid() {
		// Start the Newton iterations from the fit to every
		// subsampleStride-th customer: the subsample's optimum is close
		// to the full data's, and its evaluations are cheap.
		sub := make([]Summary, 0, len(sums)/subsampleStride+1)
		for i := 0; i < len(sums); i += subsampleStride {
			sub = append(sub, sums[i])
		}
		if sf, err := FitBGNBD(sub, FitOptions{MaxIterations: opts.MaxIterations, GradTol: subsampleGradTol}); err == nil {
			init = sf.Params
			pre = fmt.Sprintf("subsample/%d%s ", subsampleStride, sf.Method)
		}
	}
	x0 := []float64{math.Log(init.R), math.Log(init.Alpha), math.Log(init.A), math.Log(init.B)}
	x, iters, method, conv, err := minimizeLogFrom(obj, x0, opts, newton)
	method = pre + method
	fit := BGNBDFit{Iterations: iters, DistinctTriples: data.len(), Customers: int(w), Method: method,
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
