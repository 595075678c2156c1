package metrics

import "math"

// z95 is the standard normal quantile for a two-sided 95% interval.
const z95 = 1.959963984540054

// wilson returns the 95% Wilson score interval of x successes in n trials.
func wilson(x, n int64) (lo, hi float64) {
	p, nf := float64(x)/float64(n), float64(n)
	z2 := z95 * z95
	d := 1 + z2/nf
	c := (p + z2/(2*nf)) / d
	h := z95 / d * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return c - h, c + h
}

// diffProportions returns p1 - p2 and its 95% interval by Newcombe's
// hybrid score method (Newcombe 1998, method 10): with the Wilson
// intervals (l1, u1) and (l2, u2) of each proportion, the interval is
// [d - sqrt((p1-l1)² + (u2-p2)²), d + sqrt((u1-p1)² + (p2-l2)²)]. Unlike
// the Wald interval it stays honest for small groups and rates near 0 or
// 1 (control groups are often small). NaN when a group is empty.
func diffProportions(x1, n1, x2, n2 int64) (diff, lo, hi float64) {
	if n1 == 0 || n2 == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	l1, u1 := wilson(x1, n1)
	l2, u2 := wilson(x2, n2)
	diff = p1 - p2
	lo = diff - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	hi = diff + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	return diff, lo, hi
}

// meanVar accumulates a mean and sample variance (Welford).
type meanVar struct {
	n    int64
	mean float64
	m2   float64
}

func (a *meanVar) add(x float64) {
	a.n++
	d := x - a.mean
	a.mean += d / float64(a.n)
	a.m2 += d * (x - a.mean)
}

// variance is the sample variance (n-1), NaN below two values.
func (a *meanVar) variance() float64 {
	if a.n < 2 {
		return math.NaN()
	}
	return a.m2 / float64(a.n-1)
}

// diffMeans returns mean1 - mean2 and its 95% interval from the normal
// approximation with unequal variances (Welch's standard error, the delta
// method for a difference of two independent means); NaN when a group has
// fewer than two values.
func diffMeans(a, b meanVar) (diff, lo, hi float64) {
	if a.n == 0 || b.n == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	diff = a.mean - b.mean
	se := math.Sqrt(a.variance()/float64(a.n) + b.variance()/float64(b.n))
	return diff, diff - z95*se, diff + z95*se
}
