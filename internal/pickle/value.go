package pickle

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Values produced by the pickle machine: nil, bool, int64, *big.Int,
// float64, string, []byte, Tuple, *List, *Dict, *Set, Global, *Object,
// and what the caller's Call and PersistentLoad make.

// Global is a module.name reference found in the pickle (a class, function
// or constant); it is never resolved or called.
type Global struct{ Module, Name string }

func (g Global) String() string { return g.Module + "." + g.Name }

// Tuple is a pickled tuple.
type Tuple []any

// List is a pickled list.
type List struct{ Items []any }

// Set is a pickled set or frozenset.
type Set struct{ Items []any }

// Dict is a pickled dict or collections.OrderedDict, in insertion order.
type Dict struct {
	Keys    []any
	Values  []any
	Ordered bool // collections.OrderedDict
	State   any  // set by BUILD, e.g. a state_dict's {"_metadata": ...}
	index   map[string]int
}

// Get returns the value for a string key.
func (d *Dict) Get(key string) (any, bool) {
	if i, ok := d.index["s"+key]; ok {
		return d.Values[i], true
	}
	return nil, false
}

// Put sets key k to v, as Python's d[k] = v: a key equal to one already
// there (True == 1) replaces its value in place; an unhashable key is
// kept as a new item.
func (d *Dict) Put(k, v any) {
	if hk, ok := hashKey(k); ok {
		if d.index == nil {
			d.index = make(map[string]int)
		}
		if i, ok := d.index[hk]; ok {
			d.Values[i] = v
			return
		}
		d.index[hk] = len(d.Keys)
	}
	d.Keys = append(d.Keys, k)
	d.Values = append(d.Values, v)
}

// Object is an inert instance of a class the caller does not build (an
// instance of a class outside an allow-list): nothing is ever
// instantiated.
type Object struct {
	Class Global
	Args  Tuple
	State any
	Dict  *Dict // items added by SETITEM(S), e.g. for dict subclasses
	List  *List // items added by APPEND(S), e.g. for list subclasses
}

// hashKey returns a canonical string for a hashable key (Python equality:
// True == 1). Tuple keys are followed for at most 256 elements in all;
// larger ones count as unhashable (the item is kept, not deduplicated).
func hashKey(k any) (string, bool) {
	budget := 256
	return hashKeyB(k, &budget)
}

func hashKeyB(k any, budget *int) (string, bool) {
	*budget--
	if *budget < 0 {
		return "", false
	}
	switch x := k.(type) {
	case nil:
		return "n", true
	case bool:
		if x {
			return "i1", true
		}
		return "i0", true
	case int64:
		return "i" + strconv.FormatInt(x, 10), true
	case *big.Int:
		return "i" + x.String(), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return "i" + strconv.FormatInt(int64(x), 10), true
		}
		return "f" + strconv.FormatFloat(x, 'g', -1, 64), true
	case string:
		return "s" + x, true
	case []byte:
		return "b" + string(x), true
	case Global:
		return "g" + x.String(), true
	case Tuple:
		var sb strings.Builder
		sb.WriteString("t(")
		for _, e := range x {
			h, ok := hashKeyB(e, budget)
			if !ok {
				return "", false
			}
			sb.WriteString(strconv.Itoa(len(h)))
			sb.WriteByte(':')
			sb.WriteString(h)
		}
		sb.WriteByte(')')
		return sb.String(), true
	}
	return "", false
}

// TypeName names a value in messages, as Python would ("tuple", "global
// torch.Size", "argparse.Namespace object").
func TypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case Tuple:
		return "tuple"
	case *List:
		return "list"
	case *Dict:
		return "dict"
	case *Set:
		return "set"
	case Global:
		return "global " + x.String()
	case *Object:
		return x.Class.String() + " object"
	}
	return fmt.Sprintf("%T", v)
}
