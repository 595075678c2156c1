package clv

// The optimiser behind FitBGNBD: a log-likelihood over log-parameters
// (logObjective), gonum BFGS with Nelder-Mead restarts, Newton iterations
// with a finite-difference Hessian for large fits, and the fixed-order
// parallel sum of the likelihood over chunks of the data.

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/optimize"
)

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
	// With its gradient: the same value, and the first point of the Newton
	// iterations and of BFGS, which then need not evaluate it again.
	bestF := o.withGrad(best)
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
	var hess, hessAt []float64 // the Newton iterations' last Hessian and their end point
	if newton {
		x, f, it, h := newtonFD(o, best, opts.GradTol, newtonMaxIter, nil)
		hess, hessAt = h, x
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
		// The Hessian of the Newton iterations, when they ended at best,
		// starts the polish: near the optimum it barely changes, and a new
		// one costs an evaluation per parameter (newtonFD makes one when
		// its step does not help).
		if !slices.Equal(best, hessAt) {
			hess = nil
		}
		x, f, it, _ := newtonFD(o, best, opts.GradTol*1e-3, newtonMaxIter, hess)
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
// do not. h0, when not nil, is the Hessian to start with (one of a point
// near x0; it is recomputed like a kept one when its step does not help).
// Steps are halved until the value decreases (or, at the noise level of
// the value, the gradient does). It stops when the largest gradient
// component is at most tol, or when no step helps, and returns the last
// point, its value, the number of iterations and the Hessian it last used
// (nil when it made none).
func newtonFD(o *logObjective, x0 []float64, tol float64, maxIter int, h0 []float64) ([]float64, float64, int, []float64) {
	n := o.dim
	x := slices.Clone(x0)
	f := o.withGrad(x)
	g := slices.Clone(o.lastGrad)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return x, f, 0, nil
	}
	H := slices.Clone(h0) // n×n, row-major; nil: to compute
	last := H
	xs, d := make([]float64, n), make([]float64, n)
	for it := 0; it < maxIter; it++ {
		if maxAbs(g) <= tol {
			return x, f, it, last
		}
		fresh := H == nil
		if fresh {
			const h = 1e-4 // in log-parameters
			H = make([]float64, n*n)
			for j := 0; j < n; j++ {
				copy(xs, x)
				xs[j] += h
				if fj := o.withGrad(xs); math.IsInf(fj, 0) || math.IsNaN(fj) {
					return x, f, it, last
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
		last = H
		for i := range d {
			d[i] = -g[i]
		}
		if !choleskySolve(H, d, n) {
			if !fresh {
				H = nil // a kept Hessian: make one at x
				continue
			}
			// Not positive definite: not near a minimum.
			return x, f, it, last
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
				return x, f, it + 1, last
			}
			H = nil
		}
	}
	return x, f, maxIter, last
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
