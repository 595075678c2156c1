package clv

// Predictions of a fitted BG/NBD model: the probability a customer is
// alive, the expected purchases of a customer and of a new customer over a
// horizon, and the distribution of the purchase count.

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

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
