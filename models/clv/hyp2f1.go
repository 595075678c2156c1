package clv

import (
	"errors"
	"fmt"
	"math"
)

// ErrSeriesDiverged reports that a hypergeometric series could not be summed
// to full precision within its iteration budget (z too close to 1, or
// invalid parameters).
var ErrSeriesDiverged = errors.New("hypergeometric series did not converge")

const (
	seriesRelTol  = 1e-15
	seriesMaxIter = 5_000_000
)

// hypTail sums the series t_1 + t_2 + ... with t_1 = first and
//
//	t_{n+1} = t_n * (p1+n)(p2+n) / ((q1+n)(n+1)) * z,  0 <= z < 1,
//
// which is the tail (n >= 1) of 2F1(p1, p2; q1; z) up to a constant factor.
// Summation is compensated (Neumaier). It stops once every remaining term is
// provably covered: when all Pochhammer factors are positive from index n on,
// each of (p+m)/(1+m) and (p+m)/(q1+m) moves monotonically towards 1 as m
// grows, so every later ratio is at most zeta = z*max(1,.)*max(1,.) and the
// remaining sum is at most |t_{n+1}|/(1-zeta). The series is accepted when
// that bound is below seriesRelTol*|sum|; otherwise an error wrapping
// ErrSeriesDiverged is returned after seriesMaxIter terms.
func hypTail(p1, p2, q1, z, first float64) (float64, error) {
	sum, scale, err := hypTailScaled(p1, p2, q1, z, first)
	if err != nil {
		return math.NaN(), err
	}
	v := sum * math.Exp(scale)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return math.NaN(), fmt.Errorf("series sum overflows (log scale %v): %w", scale, ErrSeriesDiverged)
	}
	return v, nil
}

// hypTailScaled is hypTail returning the sum as sum·exp(logScale): terms
// that would overflow a float64 (large parameters, as a fit running to a
// boundary produces) are rescaled as they grow, so a caller that multiplies
// the series by a tiny factor can combine the logarithms instead.
func hypTailScaled(p1, p2, q1, z, first float64) (float64, float64, error) {
	logScale := 0.0
	if first == 0 || z == 0 {
		return 0, 0, nil
	}
	if !(z > 0 && z < 1) {
		return math.NaN(), 0, fmt.Errorf("series argument z=%v outside [0,1): %w", z, ErrSeriesDiverged)
	}
	// Index from which every factor p1+m, p2+m, q1+m is positive.
	n0 := 1 + int(math.Ceil(math.Max(0, math.Max(-q1, math.Max(-p1, -p2)))))
	sum, comp := 0.0, 0.0
	term := first
	for n := 1; n <= seriesMaxIter; n++ {
		s := sum + term
		if math.Abs(sum) >= math.Abs(term) {
			comp += (sum - s) + term
		} else {
			comp += (term - s) + sum
		}
		sum = s
		fn := float64(n)
		next := term * ((p1 + fn) * (p2 + fn) / ((q1 + fn) * (fn + 1)) * z)
		if next == 0 {
			return sum + comp, logScale, nil
		}
		if math.IsInf(next, 0) || math.Abs(next) > 1e280 {
			// Rescale everything by 2^-900 and recompute the term.
			const k = 900 * math.Ln2
			sum, comp, term = math.Ldexp(sum, -900), math.Ldexp(comp, -900), math.Ldexp(term, -900)
			logScale += k
			next = term * ((p1 + fn) * (p2 + fn) / ((q1 + fn) * (fn + 1)) * z)
		}
		if math.IsNaN(next) || math.IsInf(next, 0) {
			return math.NaN(), 0, fmt.Errorf("series term %d is %v: %w", n+1, next, ErrSeriesDiverged)
		}
		if m := fn + 1; n+1 >= n0 {
			// Bound on every ratio t_{k+1}/t_k for k >= n+1.
			b1 := math.Max(1, (p1+m)/(1+m)) * math.Max(1, (p2+m)/(q1+m))
			b2 := math.Max(1, (p2+m)/(1+m)) * math.Max(1, (p1+m)/(q1+m))
			if zeta := z * math.Min(b1, b2); zeta < 1 {
				total := sum + comp
				if math.Abs(next)/(1-zeta) <= seriesRelTol*math.Abs(total) {
					return total + next, logScale, nil
				}
			}
		}
		term = next
	}
	return math.NaN(), 0, fmt.Errorf("series not summed in %d terms: %w", seriesMaxIter, ErrSeriesDiverged)
}

// hyp2f1 evaluates the Gauss hypergeometric function 2F1(a, b; c; z) for
// real a, b, c and 0 <= z < 1 by its power series
//
//	sum_n (a)_n (b)_n / ((c)_n n!) z^n
//
// (see hypTail for the convergence test). c must not be a non-positive
// integer. It returns an error wrapping ErrSeriesDiverged when the series
// cannot be summed to full precision.
func hyp2f1(a, b, c, z float64) (float64, error) {
	if c <= 0 && c == math.Trunc(c) {
		return math.NaN(), fmt.Errorf("2F1 parameter c=%v is a non-positive integer: %w", c, ErrSeriesDiverged)
	}
	tail, err := hypTail(a, b, c, z, a*b/c*z)
	if err != nil {
		return math.NaN(), err
	}
	return 1 + tail, nil
}
