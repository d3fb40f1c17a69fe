package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// torchZip lays a pickle out as torch.save's zip archive does, with one
// 4-byte storage "0".
func torchZip(t *testing.T, pkl []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, r := range []struct {
		name string
		data []byte
	}{{"archive/data.pkl", pkl}, {"archive/byteorder", []byte("little")}, {"archive/data/0", make([]byte, 4)}, {"archive/version", []byte("3\n")}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: r.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(r.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pklTensor is torch._utils._rebuild_tensor_v2 of storage "0" (one float),
// as torch.save pickles it; the tensor is memo 4.
const pklTensor = "ctorch._utils\n_rebuild_tensor_v2\nq\x00((X\x07\x00\x00\x00storageq\x01ctorch\nFloatStorage\nq\x02X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQK\x00K\x01\x85K\x01\x85\x89ccollections\nOrderedDict\n)Rtq\x03Rq\x04"

func le32(i int) string { return string(binary.LittleEndian.AppendUint32(nil, uint32(i))) }

func init() {
	hostileCases = append(hostileCases,
		// A tensor in a pair of pairs of pairs ... 60 levels deep: 2^60 paths
		// to one tensor, a DAG of 60 tuples.
		hostileCase{name: "torch pickle DAG", code: 1, want: `model\.pt: .*reachable by more than 64 paths`,
			make: func(t *testing.T, dir string) []string {
				var sb strings.Builder
				sb.WriteString("\x80\x02" + pklTensor + "r" + le32(256) + "0")
				for i := 0; i < 60; i++ {
					fmt.Fprintf(&sb, "j%sj%s\x86r%s0", le32(256+i), le32(256+i), le32(257+i))
				}
				fmt.Fprintf(&sb, "j%s.", le32(256+60))
				return []string{writeFile(t, dir, "model.pt", torchZip(t, []byte(sb.String())))}
			}},
		// A list nested a million deep (EMPTY_LIST a million times, then as
		// many APPENDs), holding a tensor at the bottom: no recursion may
		// follow it all the way.
		hostileCase{name: "torch pickle nesting", code: 1, want: `model\.pt`,
			make: func(t *testing.T, dir string) []string {
				const n = 1 << 19
				var b bytes.Buffer
				b.WriteString("\x80\x02")
				b.WriteString(strings.Repeat("]", n))
				b.WriteString(pklTensor)
				b.WriteString(strings.Repeat("a", n))
				b.WriteString(".")
				return []string{writeFile(t, dir, "model.pt", torchZip(t, b.Bytes()))}
			}},
		// A training checkpoint whose optimizer state holds 32768
		// parameters' states, each a dict of the same memoized tensor.
		hostileCase{name: "torch optimizer fan-out", code: 0, want: `^$`,
			make: func(t *testing.T, dir string) []string {
				var b bytes.Buffer
				b.WriteString("\x80\x02}(X\x05\x00\x00\x00model}X\x01\x00\x00\x00w" + pklTensor + "sX\x09\x00\x00\x00optimizer}(X\x05\x00\x00\x00state}(")
				for i := 0; i < 1<<15; i++ {
					b.WriteString("J" + le32(i) + "}X\x07\x00\x00\x00exp_avgh\x04s")
				}
				b.WriteString("uX\x0c\x00\x00\x00param_groups](}X\x06\x00\x00\x00params]seuu.")
				return []string{writeFile(t, dir, "model.pt", torchZip(t, b.Bytes()))}
			}},
		// A Git LFS pointer for a 10 TB file.
		hostileCase{name: "LFS pointer", code: 1, want: `model\.gguf is a Git LFS pointer for a 10\.0 TB file`,
			make: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "model.gguf", []byte("version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 10000000000000\n"))}
			}},
	)
}
