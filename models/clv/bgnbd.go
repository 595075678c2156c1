package clv

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
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
	// Sized for the summaries up front: growing a map of hundreds of
	// thousands of triples step by step rehashes it many times.
	idx := make(map[key]int, len(sums)/2+1)
	d.tr = make([]triple, 0, len(sums)/2+1)
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

// Large fits (newtonMinCustomers customers or more) and warm starts run
// Newton iterations (newtonFD) from a start near the optimum: opts.Init when
// valid, else the fit to every subsampleStride-th customer (to
// subsampleGradTol).
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
	// A warm start is near the optimum whatever the size, where Newton
	// steps converge in a few evaluations; BFGS from there can wander (on
	// 70K customers it took some 500 evaluations through Nelder-Mead
	// restarts where Newton takes about 12).
	newton := w >= newtonMinCustomers || opts.Init.Valid()
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
