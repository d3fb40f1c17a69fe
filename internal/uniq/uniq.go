// Package uniq numbers strings in order of first appearance without
// hashing them while they come sorted.
//
// Front-ends meet the same question once per tensor or layer: is this
// name new, and if not, which one is it? A map answers it at the cost
// of a hash and a probe a name; the names of generated and written
// models usually come in increasing order, plain (as safetensors writers
// sort header keys) or natural ("layers.9" before "layers.10"), and then
// a comparison with the previous name answers it. Index keeps both
// orders' check and makes its map at the first name out of both orders.
//
// The package uses the standard library only.
package uniq

// Index assigns each distinct string a number, 0, 1, 2, … in order of
// first appearance. The zero value is empty and ready to use.
type Index struct {
	keys []string
	m    map[string]int32 // nil while keys increase in some order
	// Which orders keys have increased in strictly, from the first:
	// while one holds, a key past the last is new.
	unsorted, unnatural bool
	hint                int
}

// New is an empty index expecting about n keys.
func New(n int) *Index { return &Index{hint: n} }

// Len is the number of distinct keys.
func (x *Index) Len() int { return len(x.keys) }

// Key is the key numbered i.
func (x *Index) Key(i int) string { return x.keys[i] }

// Add returns k's number, and whether k is new (numbered len-1 now).
func (x *Index) Add(k string) (int, bool) {
	n := len(x.keys)
	if n > 0 && x.keys[n-1] == k {
		return n - 1, false
	}
	if x.m == nil {
		if n == 0 {
			x.keys = make([]string, 0, max(x.hint, 1))
			x.keys = append(x.keys, k)
			return 0, true
		}
		last := x.keys[n-1]
		sorted := !x.unsorted && last < k
		natural := !x.unnatural && Natural(last, k) < 0
		if sorted || natural {
			x.unsorted, x.unnatural = !sorted, !natural
			x.keys = append(x.keys, k)
			return n, true
		}
		x.m = make(map[string]int32, max(x.hint, 2*n))
		for i, key := range x.keys {
			x.m[key] = int32(i)
		}
	}
	if i, ok := x.m[k]; ok {
		return int(i), false
	}
	x.m[k] = int32(n)
	x.keys = append(x.keys, k)
	return n, true
}

// Natural compares a and b in natural order: runs of ASCII digits
// compare by their value ("9" < "10"), other bytes by value. Two strings
// are equal only when they are the same string: equal values compare by
// the run's length ("1" < "01"). It is a total order, so keys that
// increase in it are distinct.
func Natural(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if !digit(ca) || !digit(cb) {
			if ca != cb {
				if ca < cb {
					return -1
				}
				return 1
			}
			i++
			j++
			continue
		}
		// Two digit runs: by value (length without leading zeros,
		// then digits), then by length.
		si, sj := i, j
		for i < len(a) && digit(a[i]) {
			i++
		}
		for j < len(b) && digit(b[j]) {
			j++
		}
		ra, rb := a[si:i], b[sj:j]
		za, zb := trimZeros(ra), trimZeros(rb)
		if len(za) != len(zb) {
			if len(za) < len(zb) {
				return -1
			}
			return 1
		}
		if za != zb {
			if za < zb {
				return -1
			}
			return 1
		}
		if len(ra) != len(rb) {
			if len(ra) < len(rb) {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a)-i < len(b)-j:
		return -1
	case len(a)-i > len(b)-j:
		return 1
	}
	return 0
}

func digit(c byte) bool { return '0' <= c && c <= '9' }

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
