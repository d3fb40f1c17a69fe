package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Hostile binary checkpoints: amplification in the pickle, the zip, the
// report of a huge header, and shards that lead out of the model.

// record is a zip record whose contents write writes: generated as it is
// compressed, so that the test process (whose resident size a child
// inherits in its peak) never holds a bomb's contents.
type record struct {
	name  string
	write func(w io.Writer)
}

// deflateZip lays records out as torch.save's zip archive does,
// compressed, in the file dir/name, and returns its path.
func deflateZip(t *testing.T, dir, name string, records ...record) string {
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	zw := zip.NewWriter(bw)
	for _, r := range records {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: r.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		r.write(w)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return p
}

var version = record{"archive/version", func(w io.Writer) { io.WriteString(w, "3\n") }}

// pickle is archive/data.pkl written by write.
func pickle(write func(w io.Writer)) record { return record{"archive/data.pkl", write} }

// dups writes MARK, None and n-1 DUPs: n Nones on the stack.
func dups(w io.Writer, n int) {
	io.WriteString(w, "(N")
	chunk := bytes.Repeat([]byte{'2'}, 1<<16)
	for n--; n > 0; n -= min(n, len(chunk)) {
		w.Write(chunk[:min(n, len(chunk))])
	}
}

// safetensorsFile writes dir/file, a safetensors file of n F32 scalars
// named by name(i), with their data, and returns its path. It streams:
// the test process holds no header.
func safetensorsFile(t *testing.T, dir, file string, n int, name func(i int) string) string {
	entry := func(i int) string {
		sep := ","
		if i == 0 {
			sep = ""
		}
		return fmt.Sprintf(`%s%q:{"dtype":"F32","shape":[1],"data_offsets":[%d,%d]}`, sep, name(i), 4*i, 4*i+4)
	}
	size := 2
	for i := 0; i < n; i++ {
		size += len(entry(i))
	}
	p := filepath.Join(dir, file)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	w.Write(binary.LittleEndian.AppendUint64(nil, uint64(size)))
	w.WriteByte('{')
	for i := 0; i < n; i++ {
		w.WriteString(entry(i))
	}
	w.WriteByte('}')
	w.Write(make([]byte, 4*n))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return p
}

// shardedIndex writes model.safetensors.index.json naming one shard for
// tensor "w" and returns its path.
func shardedIndex(t *testing.T, dir, shard string) string {
	ix, _ := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": map[string]string{"w": shard}})
	return writeFile(t, dir, "model.safetensors.index.json", ix)
}

// zeros writes 256 MiB less a byte of zeros.
func zeros(w io.Writer) {
	chunk := make([]byte, 1<<16)
	for n := 256<<20 - 1; n > 0; n -= min(n, len(chunk)) {
		w.Write(chunk[:min(n, len(chunk))])
	}
}

func init() {
	hostileCases = append(hostileCases,
		// A pickle that builds tuples of a million Nones from DUP (one byte
		// an element, 16 in memory) and keeps each in the memo: 100 MB of
		// pickle that deflates to 100 KB and would hold 1.6 GB (the
		// issue's had 250 tuples: 4.1 GB).
		hostileCase{name: "torch pickle memo bomb", code: 1,
			want: `analysing .*model\.pt needs more than 1 GiB \(.*data\.pkl offset \d+: a tuple of 1,000,000 elements`,
			make: func(t *testing.T, dir string) []string {
				return []string{deflateZip(t, dir, "model.pt", pickle(func(w io.Writer) {
					io.WriteString(w, "\x80\x02")
					for i := 0; i < 100; i++ {
						dups(w, 1_000_000)
						io.WriteString(w, "tr"+le32(i)+"0")
					}
					io.WriteString(w, "N.")
				}), version)}
			}},
		// A list grown by APPENDS of a million DUPs, a hundred times over
		// into the same list: every element is counted, in bytes (under a
		// budget of 256 MiB, to be quick).
		hostileCase{name: "torch pickle appends bomb", code: 1, maxMiB: 256,
			want: `analysing .*model\.pt needs more than 256 MiB \(.*data\.pkl offset \d+: a list of \d[\d,]* elements`,
			make: func(t *testing.T, dir string) []string {
				return []string{"--max-memory", "256MiB", deflateZip(t, dir, "model.pt", pickle(func(w io.Writer) {
					io.WriteString(w, "\x80\x02]")
					for i := 0; i < 100; i++ {
						dups(w, 1_000_000)
						io.WriteString(w, "e")
					}
					io.WriteString(w, ".")
				}), version)}
			}},
		// A deflate bomb: data.pkl is 256 MB of zeros in 260 KB. It is
		// charged at its declared size and read into a buffer of exactly
		// that size: under the default budget it is read (and refused as
		// a pickle); under 64 MiB it is not read at all.
		hostileCase{name: "deflate bomb", code: 1, maxMiB: 700,
			want: `model\.pt: data\.pkl offset 0: unsupported pickle opcode 0x00`,
			make: func(t *testing.T, dir string) []string {
				return []string{deflateZip(t, dir, "model.pt", pickle(zeros), version)}
			}},
		hostileCase{name: "deflate bomb, small budget", code: 1, maxMiB: 200,
			want: `analysing .*model\.pt needs more than 64 MiB \(.*data\.pkl: 268,435,455 bytes decompressed`,
			make: func(t *testing.T, dir string) []string {
				return []string{"--max-memory", "64MiB", deflateZip(t, dir, "model.pt", pickle(zeros), version)}
			}},
		// A safetensors header of a million tensors (83 MB): legitimate,
		// and large. Its report needs about a kilobyte a tensor (1.0 GB
		// resident for the table, 1.7 GB for --json): refused before the
		// header is decoded. A quarter of it is analysed.
		hostileCase{name: "safetensors million tensors", code: 1,
			want: `analysing .*model\.safetensors needs more than 1 GiB \(offset 8: a header of 1,000,000 tensors\)`,
			make: func(t *testing.T, dir string) []string {
				return []string{"--json", safetensorsFile(t, dir, "model.safetensors", 1_000_000, func(i int) string { return fmt.Sprintf("layers.%d.w%d", i/4, i%4) })}
			}},
		hostileCase{name: "safetensors 250k tensors", code: 0, want: `^$`,
			make: func(t *testing.T, dir string) []string {
				return []string{safetensorsFile(t, dir, "model.safetensors", 250_000, func(i int) string { return fmt.Sprintf("layers.%d.w%d", i/4, i%4) })}
			}},
		// A GGUF whose metadata array and string declare 2^62 elements and
		// bytes.
		hostileCase{name: "gguf huge array", code: 1, want: `model\.gguf: offset \d+: a: array length 4611686018427387904 exceeds the \d+ bytes left in the file`,
			make: func(t *testing.T, dir string) []string {
				var b bytes.Buffer
				b.WriteString("GGUF")
				b.Write(binary.LittleEndian.AppendUint32(nil, 3))
				b.Write(binary.LittleEndian.AppendUint64(nil, 0)) // tensors
				b.Write(binary.LittleEndian.AppendUint64(nil, 1)) // metadata
				b.Write(binary.LittleEndian.AppendUint64(nil, 1))
				b.WriteString("a")
				b.Write(binary.LittleEndian.AppendUint32(nil, 9)) // array
				b.Write(binary.LittleEndian.AppendUint32(nil, 8)) // of strings
				b.Write(binary.LittleEndian.AppendUint64(nil, 1<<62))
				b.Write(make([]byte, 64))
				return []string{writeFile(t, dir, "model.gguf", b.Bytes())}
			}},
		hostileCase{name: "gguf huge string", code: 1, want: `model\.gguf: offset \d+: s length 4611686018427387904 exceeds limit`,
			make: func(t *testing.T, dir string) []string {
				var b bytes.Buffer
				b.WriteString("GGUF")
				b.Write(binary.LittleEndian.AppendUint32(nil, 3))
				b.Write(binary.LittleEndian.AppendUint64(nil, 0))
				b.Write(binary.LittleEndian.AppendUint64(nil, 1))
				b.Write(binary.LittleEndian.AppendUint64(nil, 1))
				b.WriteString("s")
				b.Write(binary.LittleEndian.AppendUint32(nil, 8)) // string
				b.Write(binary.LittleEndian.AppendUint64(nil, 1<<62))
				b.Write(make([]byte, 64))
				return []string{writeFile(t, dir, "model.gguf", b.Bytes())}
			}},
		// A GGUF of a million tensor infos (44 MB of header), each an
		// 8-element F32: refused as the safetensors header is.
		hostileCase{name: "gguf million tensors", code: 1,
			want: `analysing .*model\.gguf needs more than 1 GiB \(offset 8: a header of 1,000,000 tensors and 0 metadata entries\)`,
			make: func(t *testing.T, dir string) []string {
				const n = 1_000_000
				p := filepath.Join(dir, "model.gguf")
				f, err := os.Create(p)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				b := bufio.NewWriter(f)
				le := binary.LittleEndian
				b.WriteString("GGUF")
				b.Write(le.AppendUint32(nil, 3))
				b.Write(le.AppendUint64(nil, n))
				b.Write(le.AppendUint64(nil, 0))
				off := 24
				for i := 0; i < n; i++ {
					name := fmt.Sprintf("blk.%d.w%d", i/4, i%4)
					b.Write(le.AppendUint64(nil, uint64(len(name))))
					b.WriteString(name)
					b.Write(le.AppendUint32(nil, 1))
					b.Write(le.AppendUint64(nil, 8)) // 8 elements
					b.Write(le.AppendUint32(nil, 0)) // F32
					b.Write(le.AppendUint64(nil, uint64(32*i)))
					off += 8 + len(name) + 4 + 8 + 4 + 8
				}
				b.Write(make([]byte, (32-off%32)%32))
				b.Write(make([]byte, 32*n))
				if err := b.Flush(); err != nil {
					t.Fatal(err)
				}
				return []string{"--json", p}
			}},
		// An ONNX graph of a million empty nodes (2 MB): every node costs
		// its graph node and report row, charged as it is decoded: refused
		// half-way.
		hostileCase{name: "onnx million nodes", code: 1,
			want: `analysing .*model\.onnx needs more than 1 GiB \(offset \d+: the graph and report of more than [\d,]+ nodes\)`,
			make: func(t *testing.T, dir string) []string {
				graph := bytes.Repeat([]byte{0x0a, 0x00}, 1_000_000) // GraphProto.node, empty
				var b []byte
				b = append(b, 0x08, 0x07)                                     // ir_version 7
				b = append(b, 0x42, 0x02, 0x10, 0x0d)                         // opset_import {version 13}
				b = binary.AppendUvarint(append(b, 0x3a), uint64(len(graph))) // graph
				return []string{writeFile(t, dir, "model.onnx", append(b, graph...))}
			}},
		// 100,000 unnamed nodes: each gets a name of its own ("node_N")
		// in linear time (the search for a free suffix started at 1 for
		// every node: 25,000 took over two minutes).
		hostileCase{name: "onnx unnamed nodes", code: 0, want: `^$`,
			make: func(t *testing.T, dir string) []string {
				graph := bytes.Repeat([]byte{0x0a, 0x00}, 100_000)
				b := []byte{0x08, 0x07, 0x42, 0x02, 0x10, 0x0d}
				b = binary.AppendUvarint(append(b, 0x3a), uint64(len(graph)))
				return []string{writeFile(t, dir, "model.onnx", append(b, graph...))}
			}},
		// A sharded index whose shard is a symbolic link to /etc/passwd:
		// refused before it is opened, and nothing of it is printed.
		hostileCase{name: "symlink shard", code: 1,
			want: `^layerinfo: [^\n]*model\.safetensors\.index\.json: shard model-00001-of-00001\.safetensors: is a symbolic link that leads out of the model's directory\n$`,
			make: func(t *testing.T, dir string) []string {
				if err := os.Symlink("/etc/passwd", filepath.Join(dir, "model-00001-of-00001.safetensors")); err != nil {
					t.Skip(err)
				}
				return []string{shardedIndex(t, dir, "model-00001-of-00001.safetensors")}
			}},
		hostileCase{name: "symlink torch shard", code: 1,
			want: `^layerinfo: [^\n]*pytorch_model\.bin\.index\.json: shard pytorch_model-00001-of-00001\.bin: is a symbolic link that leads out of the model's directory\n$`,
			make: func(t *testing.T, dir string) []string {
				if err := os.Symlink("/etc/passwd", filepath.Join(dir, "pytorch_model-00001-of-00001.bin")); err != nil {
					t.Skip(err)
				}
				ix, _ := json.Marshal(map[string]any{"weight_map": map[string]string{"w": "pytorch_model-00001-of-00001.bin"}})
				return []string{writeFile(t, dir, "pytorch_model.bin.index.json", ix)}
			}},
		// A shard that is a FIFO: an open would block until a writer came.
		hostileCase{name: "fifo shard", code: 1,
			want: `model\.safetensors\.index\.json: shard model-00001-of-00001\.safetensors: is a named pipe, not a regular file`,
			make: func(t *testing.T, dir string) []string {
				if err := syscall.Mkfifo(filepath.Join(dir, "model-00001-of-00001.safetensors"), 0o644); err != nil {
					t.Skip(err)
				}
				return []string{shardedIndex(t, dir, "model-00001-of-00001.safetensors")}
			}},
		// A shard inside the model reached through a symbolic link that
		// stays inside: read.
		hostileCase{name: "symlink shard inside", code: 0, want: `^$`,
			make: func(t *testing.T, dir string) []string {
				os.Mkdir(filepath.Join(dir, "blobs"), 0o755)
				safetensorsFile(t, dir, "blobs/abc", 1, func(int) string { return "w" })
				if err := os.Symlink("blobs/abc", filepath.Join(dir, "model-00001-of-00001.safetensors")); err != nil {
					t.Skip(err)
				}
				return []string{shardedIndex(t, dir, "model-00001-of-00001.safetensors")}
			}},
	)
}

// TestHostileWrite writes every hostile case's input under the directory
// in LAYERINFO_HOSTILE_OUT and prints its command line, to measure a case
// by hand (/usr/bin/time -v layerinfo ARGS).
func TestHostileWrite(t *testing.T) {
	out := os.Getenv("LAYERINFO_HOSTILE_OUT")
	if out == "" {
		t.Skip("set LAYERINFO_HOSTILE_OUT to a directory")
	}
	for _, c := range hostileCases {
		dir := filepath.Join(out, strings.NewReplacer(" ", "_", ",", "").Replace(c.name))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		args := c.make(t, dir)
		fmt.Printf("%s\t%s\n", dir, strings.Join(args, " "))
	}
}
