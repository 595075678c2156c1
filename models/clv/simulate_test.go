package clv

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
)

// gammaRand draws from gamma(shape, rate 1) (Marsaglia & Tsang 2000; shapes
// below 1 use the U^(1/shape) boost).
func gammaRand(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gammaRand(rng, shape+1) * math.Pow(1-rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := 1 - rng.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// simulate draws n customers from the BG/NBD generative process with
// parameters p and Gamma-Gamma spend with parameters g, observed like the
// CDNOW cohort: first purchases spread over 12 weeks, calibration ending on
// day 272 after the cohort start, times rounded down to whole days.
func simulate(n int, p BGNBDParams, g GGParams, seed uint64) []Summary {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]Summary, n)
	for i := range out {
		Tdays := 272 - rng.IntN(84)
		T := float64(Tdays) / 7
		lambda := gammaRand(rng, p.R) / p.Alpha
		ga, gb := gammaRand(rng, p.A), gammaRand(rng, p.B)
		drop := ga / (ga + gb)
		x, tx, t := 0, 0.0, 0.0
		for {
			t += rng.ExpFloat64() / lambda
			if t > T {
				break
			}
			x++
			tx = t
			if rng.Float64() < drop {
				break
			}
		}
		s := Summary{ID: strconv.Itoa(i), X: x, TX: math.Floor(tx*7) / 7, T: T}
		if x > 0 {
			nu := gammaRand(rng, g.Q) / g.Gamma
			s.MeanSpend = gammaRand(rng, g.P*float64(x)) / nu / float64(x)
		}
		out[i] = s
	}
	return out
}

var cdnowGG = GGParams{P: 6.25, Q: 3.74, Gamma: 15.44}

var (
	simOnce sync.Once
	simSums []Summary
)

// simulatedMillion returns 1,000,000 customers simulated with the CDNOW
// parameters (computed once per test binary).
func simulatedMillion() []Summary {
	simOnce.Do(func() { simSums = simulate(1_000_000, publishedBGNBD, cdnowGG, 2005) })
	return simSums
}

// TestFitRecoversSimulatedParams fits data simulated from known parameters.
func TestFitRecoversSimulatedParams(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	sums := simulate(200_000, publishedBGNBD, cdnowGG, 7)
	m, err := Fit(sums, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("model: %+v", *m)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"r", m.BGNBD.R, publishedBGNBD.R}, {"alpha", m.BGNBD.Alpha, publishedBGNBD.Alpha},
		{"a", m.BGNBD.A, publishedBGNBD.A}, {"b", m.BGNBD.B, publishedBGNBD.B},
		{"p", m.GG.P, cdnowGG.P}, {"q", m.GG.Q, cdnowGG.Q}, {"gamma", m.GG.Gamma, cdnowGG.Gamma},
	} {
		// Sampling error and day rounding of t_x: 10% is several standard
		// errors at this sample size.
		if relErr(c.got, c.want) > 0.10 {
			t.Errorf("%s = %.4g, simulated with %.4g", c.name, c.got, c.want)
		}
	}
}

// BenchmarkFit fits the BG/NBD and Gamma-Gamma models to 1,000,000
// simulated customers.
func BenchmarkFit(b *testing.B) {
	sums := simulatedMillion()
	b.ReportAllocs()
	var m *Model
	for b.Loop() {
		var err error
		if m, err = Fit(sums, FitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.DistinctTriples), "triples")
	b.ReportMetric(float64(m.Iterations), "bgnbd-iters")
	b.Logf("model: %+v", *m)
}

// BenchmarkScore scores 1,000,000 simulated customers (12-month CLV).
func BenchmarkScore(b *testing.B) {
	sums := simulatedMillion()
	m := &Model{BGNBD: publishedBGNBD, GG: cdnowGG}
	opts := ScoreOptions{HorizonMonths: 12, MonthlyDiscountRate: 0.01}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Score(sums, opts); err != nil {
			b.Fatal(err)
		}
	}
}
