package ai

import (
	"math"
	"math/bits"
	"strconv"
	"strings"

	"fedstack/platform/errs"
)

// Micros is an amount of US dollars in millionths (1 = $0.000001). Prices and costs are
// integers so that sums are exact.
type Micros int64

// Dollar is one dollar in Micros.
const Dollar Micros = 1_000_000

// String formats m as dollars with six decimals, e.g. "0.000150".
func (m Micros) String() string {
	neg := m < 0
	u := uint64(m)
	if neg {
		u = uint64(-m)
	}
	s := strconv.FormatUint(u/1_000_000, 10) + "." + pad6(u%1_000_000)
	if neg {
		return "-" + s
	}
	return s
}

func pad6(n uint64) string {
	s := strconv.FormatUint(n, 10)
	return strings.Repeat("0", 6-len(s)) + s
}

// ParseMicros reads a non-negative dollar amount written in decimal ("0.15", "3",
// "0.000001") exactly; more than six decimals, signs, exponents or other text are
// INVALID.
func ParseMicros(s string) (Micros, error) {
	bad := errs.E(errs.Invalid, "%q is not a dollar amount: write it like 0.15 (at most six decimals)", s)
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" && frac == "" || len(frac) > 6 || !digits(whole) || !digits(frac) {
		return 0, bad
	}
	var w uint64
	if whole != "" {
		var err error
		if w, err = strconv.ParseUint(whole, 10, 64); err != nil || w > math.MaxInt64/1_000_000-1 {
			return 0, bad
		}
	}
	f := uint64(0)
	if frac != "" {
		f, _ = strconv.ParseUint(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	}
	return Micros(w*1_000_000 + f), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Cost is the price of tokensIn prompt tokens at inPerMillion and tokensOut completion
// tokens at outPerMillion (both per million tokens): (tokensIn×inPerMillion +
// tokensOut×outPerMillion) / 1,000,000, computed exactly in 128 bits and rounded half up
// to whole micro-dollars once, on the sum. Negative inputs count as zero; a result
// beyond int64 saturates.
func Cost(tokensIn int64, inPerMillion Micros, tokensOut int64, outPerMillion Micros) Micros {
	hi1, lo1 := bits.Mul64(nonNeg(tokensIn), nonNeg(int64(inPerMillion)))
	hi2, lo2 := bits.Mul64(nonNeg(tokensOut), nonNeg(int64(outPerMillion)))
	lo, carry := bits.Add64(lo1, lo2, 0)
	hi, over := bits.Add64(hi1, hi2, carry)
	lo, carry = bits.Add64(lo, 500_000, 0) // half of the divisor: round half up
	hi, over2 := bits.Add64(hi, 0, carry)
	if over != 0 || over2 != 0 || hi >= 1_000_000 { // quotient would not fit in 64 bits
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, 1_000_000)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return Micros(q)
}

func nonNeg(n int64) uint64 {
	if n < 0 {
		return 0
	}
	return uint64(n)
}
