package generate

import (
	"math"
	"math/rand/v2"
)

// gammaRand draws from Gamma(shape, scale 1) (Marsaglia & Tsang).
func gammaRand(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		u := r.Float64()
		for u == 0 {
			u = r.Float64()
		}
		return gammaRand(r, shape+1) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x {
			return d * v
		}
		if u > 0 && math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

func betaRand(r *rand.Rand, a, b float64) float64 {
	x := gammaRand(r, a)
	y := gammaRand(r, b)
	if x+y == 0 {
		return 0.5
	}
	return x / (x + y)
}

func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean < 30 {
		l := math.Exp(-mean)
		k := 0
		p := r.Float64()
		for p > l {
			k++
			p *= r.Float64()
		}
		return k
	}
	v := math.Round(mean + math.Sqrt(mean)*r.NormFloat64())
	if v < 0 {
		return 0
	}
	return int(v)
}

// cumulative turns weights into a normalised cumulative table.
func cumulative(w []float64) []float64 {
	out := make([]float64, len(w))
	s := 0.0
	for _, v := range w {
		s += v
	}
	acc := 0.0
	for i, v := range w {
		acc += v / s
		out[i] = acc
	}
	out[len(out)-1] = 1
	return out
}

// pick draws an index from a cumulative table.
func pick(r *rand.Rand, cum []float64) int {
	u := r.Float64()
	for i, c := range cum {
		if u < c {
			return i
		}
	}
	return len(cum) - 1
}
