package safetensors

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/internal/budget"
)

// decoded is what a reader made of a header.
type decoded struct {
	f    *File
	err  error
	used int64 // bytes left charged to the budget
}

// decodeBoth reads hdr as a header-only file through the fast path (with
// the slow one behind it) and through encoding/json alone.
func decodeBoth(hdr []byte, limit int64) (fast, slow decoded) {
	data := append(lenPrefix(uint64(len(hdr)), ""), hdr...)
	for _, slowOnly := range []bool{false, true} {
		b := budget.New(limit)
		d := Decoder{SkipSizeCheck: true, Budget: b, slowOnly: slowOnly}
		f, err := d.Decode(bytes.NewReader(data), int64(len(data)))
		if slowOnly {
			slow = decoded{f, err, b.Used()}
		} else {
			fast = decoded{f, err, b.Used()}
		}
	}
	return fast, slow
}

// sameDecode fails unless both readers give the same file, error and
// budget use.
func sameDecode(t *testing.T, hdr []byte, limit int64) {
	t.Helper()
	fast, slow := decodeBoth(hdr, limit)
	if fmt.Sprint(fast.err) != fmt.Sprint(slow.err) {
		t.Fatalf("header %q:\nfast error %v\nslow error %v", hdr, fast.err, slow.err)
	}
	if !reflect.DeepEqual(fast.f, slow.f) {
		t.Fatalf("header %q:\nfast %+v\nslow %+v", hdr, fast.f, slow.f)
	}
	if fast.used != slow.used {
		t.Fatalf("header %q: fast path charged %d, slow %d", hdr, fast.used, slow.used)
	}
}

// fastHeaders are headers as writers make them and others the scanner
// must take itself, without handing them to encoding/json.
var fastHeaders = []string{
	`{}`,
	` { } `,
	`{"__metadata__":null}`,
	`{"__metadata__":{}}`,
	`{"__metadata__":{"format":"pt","a":"b","a":"c"},"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`,
	"{\n \"b\" : { \"shape\" : [ 2 , 3 ] , \"data_offsets\" : [ 0 , 6 ] , \"dtype\" : \"U8\" } ,\t\"a\":{\"dtype\":\"BOOL\",\"shape\":[0],\"data_offsets\":[6,6]}\r\n}",
	`{"caf\u00e9 \"q\" \\ \/ \b\f\n\r\t \ud83d\ude00 \ud800":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`,
	"{\"naïve 名前 \xff\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}",
	`{"x":{"dtype":"\u0046\u0033\u0032","shape":[1],"data_offsets":[0,4]}}`,
	`{"model.layers.10.w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"model.layers.9.w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"__metadata__":{"k":"v"}}`,
}

func TestFastHeaderTakesWritersHeaders(t *testing.T) {
	hdrs := append([]string{string(header(map[string]string{"format": "pt"}, llama2_7B())), string(header(nil, mixed))}, fastHeaders...)
	for _, h := range hdrs {
		var f File
		d := Decoder{}
		if !d.fastHeader([]byte(h), &f) {
			t.Errorf("fast path gave up on %.200q", h)
		}
		sameDecode(t, []byte(h), 0)
	}
}

// slowHeaders are headers the fast path must leave to encoding/json:
// errors, and forms encoding/json gives a meaning the scanner does not
// reproduce (case-insensitive and unknown fields, null, -0, repeated
// fields).
var slowHeaders = []string{
	``, `[]`, `{`, `{"a"}`, `{"a":}`, `{,}`, `{"a":1,}`, `{} x`, `{}}`, `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},}`,
	`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`,
	`{"__metadata__":{},"__metadata__":{}}`, `{"__metadata__":{"a":1}}`, `{"__metadata__":[]}`, `{"__metadata__":"x"}`,
	`{"__metadata__":{"a":null}}`, `{"__metadata__":nul}`, `{"__metadata__":nullx}`,
	`{"x":{"DType":"F32","shape":[1],"data_offsets":[0,4]}}`,
	`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":[1,{"a":2}]}}`,
	`{"x":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`,
	`{"x":{"dtype":"F32","shape":[1],"shape":null,"data_offsets":[0,4]}}`,
	`{"x":{"dtype":null,"shape":[1],"data_offsets":[0,4]}}`,
	`{"x":null}`, `{"x":5}`, `{"x":[]}`, `{"x":{}}`,
	`{"x":{"dtype":"F32","shape":[-0],"data_offsets":[0,0]}}`,
	`{"x":{"dtype":"F32","shape":[01],"data_offsets":[0,4]}}`,
	`{"x":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}`,
	`{"x":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}`,
	`{"x":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}}`,
	`{"x":{"dtype":"F32","shape":[1,],"data_offsets":[0,4]}}`,
	`{"x":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,4]}}`,
	`{"x":{"dtype":"F32","shape":[9223372036854775807,2],"data_offsets":[0,4]}}`,
	`{"x":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}}`,
	`{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`,
	`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`,
	`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}` + "\x00",
	`{"\x01":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`,
	`{"\q":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`,
	`{"\u12":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`,
	`{"\u00e9\u00E9":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`,
	`{"a\`,
	"{\"x\":{\"dtype\":\"F32\",\"shape\":[" + strings.Repeat("1,", 64) + "1],\"data_offsets\":[0,4]}}",
	"{\"x\":{\"dtype\":\"F32\",\"shape\":[" + strings.Repeat("1,", 63) + "1],\"data_offsets\":[0,4]}}",
	strings.Repeat("[", 20000),
	"\ufeff{}",
	"{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}\v}",
}

func TestFastHeaderSameAsJSON(t *testing.T) {
	for _, h := range append(append([]string(nil), fastHeaders...), slowHeaders...) {
		sameDecode(t, []byte(h), 0)
	}
	// A budget that refuses the metadata part way: the same error, and
	// nothing left charged by the fast path.
	h := []byte(`{"__metadata__":{"a":"` + strings.Repeat("x", 1000) + `","b":"y"}}`)
	for _, limit := range []int64{1100, 1200, 2200} {
		sameDecode(t, h, limit)
	}
}

// FuzzFastHeader is the differential test of the two header readers:
// for any header, the fast path with encoding/json behind it gives the
// same tensors, metadata, error text and budget use as encoding/json
// alone.
func FuzzFastHeader(f *testing.F) {
	for _, h := range fastHeaders {
		f.Add([]byte(h), int64(0))
	}
	for _, h := range slowHeaders {
		f.Add([]byte(h), int64(0))
	}
	f.Add(header(map[string]string{"format": "pt"}, mixed), int64(0))
	f.Add([]byte(`{"__metadata__":{"a":"`+strings.Repeat("x", 100)+`","b":"y"}}`), int64(200))
	f.Fuzz(func(t *testing.T, hdr []byte, limit int64) {
		if len(hdr) > 1<<16 {
			return
		}
		if limit < 0 {
			limit = -limit
		}
		sameDecode(t, hdr, limit%(1<<20))
	})
}
