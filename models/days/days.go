// Package days converts between calendar dates and day numbers (days since
// 1970-01-01 in the proleptic Gregorian calendar), the keys the models
// group rows by. It is integer arithmetic after Howard Hinnant's
// days_from_civil and civil_from_days: the models convert once per row,
// where building a time.Time would cost an allocation-free but much longer
// path through the time package. No I/O, no time zones: a day number is
// already a local date.
package days

// FromCivil is the day number of year y, month m (1-12), day d.
func FromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(int64(y), 400)
	yoe := int64(y) - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// ToCivil is the date of day number z: year, month (1-12), day.
func ToCivil(z int64) (y, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

// Month numbers the calendar month of day number z as year*12 + month-1.
func Month(z int64) int64 {
	y, m, _ := ToCivil(z)
	return int64(y)*12 + int64(m) - 1
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
