#!/usr/bin/python3
"""Writes the HDF5 fixtures of internal/hdf5 with h5py, and beside them
expected.json: what h5py itself reads back from each file (every group's
members in h5py's order with their kind, every dataset's shape and dtype,
every attribute's shape, dtype and value). The Go tests compare the reader
with that JSON, never with the reader's own output.

Run:  /usr/bin/python3 gen.py [outdir [large]]   (Debian python3-h5py; outdir
defaults to this directory; hdf5_test.go's TestRegenerated runs it into a
temporary one, and TestLarge with "large" for the deep structures)
"""
import hashlib
import json
import os
import sys

import h5py
import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def dtname(dt):
    """The dtype name the Go reader reports (numpy's names)."""
    if dt.subdtype is not None:
        base, dims = dt.subdtype
        return "(%s)%s" % (",".join(str(d) for d in dims), dtname(base))
    if dt.kind == "O":
        return "object"
    if dt.kind in "SUV":
        return dt.str
    return dt.name


def plain(v):
    """An attribute value as JSON: bytes decoded, arrays flattened."""
    if isinstance(v, h5py.Empty):
        return None
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.reshape(-1).tolist()]
    if isinstance(v, (bytes, np.bytes_)):
        return v.decode("utf-8")
    if isinstance(v, np.generic):
        return plain(v.item())
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def attrs(obj):
    out = []
    for name in obj.attrs:  # h5py's order: creation order when tracked, else by name
        aid = h5py.h5a.open(obj.id, name.encode())
        space = aid.get_space()
        if space.get_simple_extent_type() == h5py.h5s.NULL:
            shape = None
        else:
            shape = list(space.shape)
        dt = aid.dtype
        value = plain(obj.attrs[name])
        if isinstance(value, str) and len(value) > 1000:
            # Long strings are recorded by length and SHA-256 of their UTF-8.
            b = value.encode("utf-8")
            value = {"bytes": len(b), "sha256": hashlib.sha256(b).hexdigest()}
        out.append({"name": name, "shape": shape, "dtype": dtname(dt), "value": value})
    return out


def describe(f):
    objs = {}
    seen = set()

    def walk(path, g):
        members = []
        for name in g:  # h5py's keys() order
            link = g.get(name, getlink=True)
            child = path.rstrip("/") + "/" + name
            if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
                members.append({"name": name, "kind": "link"})
                continue
            obj = g[name]
            addr = h5py.h5o.get_info(obj.id).addr
            first = addr not in seen
            seen.add(addr)
            if isinstance(obj, h5py.Group):
                members.append({"name": name, "kind": "group"})
                if first:
                    walk(child, obj)
            elif isinstance(obj, h5py.Dataset):
                members.append({"name": name, "kind": "dataset"})
                if first:
                    objs[child] = {"type": "dataset", "shape": None if obj.shape is None else list(obj.shape),
                                   "dtype": dtname(obj.dtype), "attrs": attrs(obj)}
            else:
                members.append({"name": name, "kind": "other"})
        objs[path] = {"type": "group", "members": members, "attrs": attrs(g)}

    seen.add(h5py.h5o.get_info(f.id).addr)
    walk("/", f)
    return objs


def compact_dataset(parent, name, data):
    """A dataset with compact layout (h5py's high level has no switch)."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    space = h5py.h5s.create_simple(data.shape)
    tid = h5py.h5t.py_create(data.dtype)
    dsid = h5py.h5d.create(parent.id, name.encode(), tid, space, dcpl=dcpl)
    dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, data)


def common(f, many_links):
    """What every fixture holds: the attribute and dataset kinds Keras uses and more."""
    f.attrs["vlen_str"] = "a variable-length string, ünïcode"
    f.attrs["fixed_bytes"] = np.bytes_(b"fixed-length bytes")
    f.attrs["int"] = np.int64(-42)
    f.attrs["uint8"] = np.uint8(200)
    f.attrs["float"] = 2.5
    f.attrs["float32"] = np.float32(0.25)
    f.attrs["ints"] = np.arange(6, dtype=np.int32).reshape(2, 3)
    f.attrs["floats"] = np.array([1.5, -2.0, 3.25])
    f.attrs["names"] = np.array([b"dense/kernel:0", b"dense/bias:0", b"x"])
    f.attrs["vlen_names"] = ["alpha", "beta", "gamma"]
    f.attrs["empty"] = np.array([], dtype=np.float64)
    f.attrs["null"] = h5py.Empty("f4")
    f.attrs["bool"] = np.bool_(True)
    f.attrs["f16"] = np.float16(-1.5)
    f.attrs["be_i32"] = np.array([1, -2], dtype=">i4")
    # Fixed-length strings padded with spaces and NUL-terminated (C's).
    for name, pad in [("space_padded", h5py.h5t.STR_SPACEPAD), ("nul_terminated", h5py.h5t.STR_NULLTERM)]:
        tid = h5py.h5t.C_S1.copy()
        tid.set_size(8)
        tid.set_strpad(pad)
        aid = h5py.h5a.create(f.id, name.encode(), tid, h5py.h5s.create(h5py.h5s.SCALAR))
        aid.write(np.array(b"abc", dtype="S8"))

    g = f.create_group("model_weights")
    g.attrs["layer_names"] = np.array([b"dense", b"dense_1"])
    d = g.create_group("dense").create_group("dense")
    d.create_dataset("kernel:0", data=np.zeros((4, 3), dtype=np.float32))
    d.create_dataset("bias:0", data=np.zeros((3,), dtype=np.float32))
    g["dense"].attrs["weight_names"] = np.array([b"dense/kernel:0", b"dense/bias:0"])
    g.create_group("dense_1").attrs["weight_names"] = np.array([], dtype=np.float64)

    t = f.create_group("types")
    t.create_dataset("contiguous_f64", data=np.zeros((2, 3, 4)))
    t.create_dataset("chunked_i64", data=np.arange(100, dtype=np.int64), chunks=(10,), maxshape=(None,))
    t.create_dataset("gzip_f32", data=np.zeros((50, 20), dtype=np.float32), compression="gzip")
    compact_dataset(t, "compact_i16", np.arange(8, dtype=np.int16))
    t.create_dataset("scalar_f32", data=np.float32(1.0))
    t.create_dataset("u8", data=np.zeros(3, dtype=np.uint8))
    t.create_dataset("i8", data=np.zeros(3, dtype=np.int8))
    t.create_dataset("u64_be", data=np.zeros(3, dtype=">u8"))
    t.create_dataset("f16", data=np.zeros(3, dtype=np.float16))
    t.create_dataset("bool", data=np.zeros(3, dtype=bool))
    t.create_dataset("fixed_str", data=np.array([b"abc", b"de"]))
    t.create_dataset("vlen_str", data=["x", "yz"], dtype=h5py.string_dtype())
    t.create_dataset("complex64", data=np.zeros(2, dtype=np.complex64))
    t.create_dataset("empty", shape=(0, 5), dtype=np.float32)
    t.create_dataset("null", data=h5py.Empty("f8"))
    d = t["contiguous_f64"]
    d.attrs["unit"] = "m"
    d.attrs["scale"] = np.float32(0.5)

    f["hard_alias"] = t["u8"]
    f["soft"] = h5py.SoftLink("/types/u8")
    f["external"] = h5py.ExternalLink("other.h5", "/x")

    # A group with many members: several symbol table nodes and a deeper
    # B-tree in old-style files; dense storage with a v2 B-tree in new ones.
    # Hard links to one dataset keep the file small.
    many = f.create_group("many")
    target = many.create_dataset("target", data=np.zeros(1, dtype=np.float32))
    for i in range(many_links):
        many["m%03d" % (i * 7919 % many_links)] = target

    # Attributes added after the objects exist: the object header grows by
    # continuation blocks.
    for i in range(20):
        t["u8"].attrs["late%02d" % i] = np.int64(i)


def make_old(path, userblock=0, istore_k=None, many_links=40):
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    if userblock:
        fcpl.set_userblock(userblock)
    if istore_k:
        # h5py has no set_istore_k: call libhdf5's H5Pset_istore_k on the
        # same property list (a non-default K is what makes superblock v1).
        import ctypes
        import ctypes.util
        lib = ctypes.CDLL(ctypes.util.find_library("hdf5_serial") or ctypes.util.find_library("hdf5"))
        if lib.H5Pset_istore_k(ctypes.c_int64(fcpl.id), ctypes.c_uint(istore_k)) < 0:
            raise RuntimeError("H5Pset_istore_k failed")
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_EARLIEST, h5py.h5f.LIBVER_LATEST)
    fid = h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    with h5py.File(fid) as f:
        common(f, many_links)
        f["named_type"] = np.dtype("<f4")
        f.create_dataset("uses_named_type", (2,), dtype=f["named_type"])
        # An attribute whose datatype is shared: stored in /named_type.
        f["types"].attrs.create("typed_attr", np.float32(1.5), dtype=f["named_type"])
    if userblock:
        with open(path, "r+b") as fh:
            fh.write(b"user block: not HDF5".ljust(userblock, b"\0"))


def make_new(path, libver, userblock=0, many_links=40, big=False):
    with h5py.File(path, "w", libver=libver, userblock_size=userblock or None) as f:
        common(f, many_links)
        f["named_type"] = np.dtype("<f4")
        f.create_dataset("uses_named_type", (2,), dtype=f["named_type"])
        # An attribute whose datatype is shared: stored in /named_type.
        f["types"].attrs.create("typed_attr", np.float32(1.5), dtype=f["named_type"])
        # Link creation order tracked, compact and dense.
        o = f.create_group("ordered", track_order=True)
        for n in ["zeta", "alpha", "mid", "beta"]:
            o.create_group(n)
        od = f.create_group("ordered_dense", track_order=True)
        for i in range(30):
            od.create_group("g%02d" % ((i * 7) % 30))
        # Dense attributes: more than 8 (h5py's compact maximum).
        a = f.create_group("dense_attrs")
        for i in range(40):
            a.attrs["attr%02d" % ((i * 13) % 40)] = np.float64(i) / 4
        a.attrs["str"] = "dense string"
        a.attrs["bytes_list"] = np.array([b"a", b"bc"])
        # Attribute creation order tracked.
        ao = f.create_group("ordered_attrs", track_order=True)
        for n in ["z", "a", "m"]:
            ao.attrs[n] = n
        # A string too large for an object header message: stored as a
        # "huge" object of the dense attribute heap.
        if big:
            g = f.create_group("big_attr")
            config = json.dumps({"layers": [{"name": "l%04d" % i} for i in range(4000)]})
            g.attrs["model_config"] = config  # str: a variable-length string in the global heap
            # bytes (as Keras 2 writes model_config): a fixed-length string of
            # 76 KB, too large for a header message, so a huge heap object.
            g.attrs["model_config_bytes"] = np.bytes_(config.encode())
    if userblock:
        with open(path, "r+b") as fh:
            fh.write(b"user block: not HDF5".ljust(userblock, b"\0"))


def make_large(path):
    """Deep structures, too large to commit (2 MB; TestLarge writes it into a
    temporary directory): 20,000 links and 12,000 attributes in dense storage,
    whose fractal heaps nest indirect blocks (more than 512 KB of objects)
    and whose name indexes are v2 B-trees of depth 2 and 3."""
    with h5py.File(path, "w", libver="latest") as f:
        g = f.create_group("links")
        d = f.create_dataset("target", data=np.zeros(1, dtype=np.float32))
        for i in range(20000):
            g["link_with_a_long_name_%08d" % ((i * 7919) % 20000)] = d
        a = f.create_group("attrs")
        for i in range(12000):
            a.attrs["attribute_with_a_long_name_%08d" % ((i * 7919) % 12000)] = np.int64(i)


def main():
    if len(sys.argv) > 2 and sys.argv[2] == "large":
        files = {"large.h5": make_large}
        expected = {"h5py": h5py.version.version, "hdf5": h5py.version.hdf5_version, "files": {}}
        for name, make in files.items():
            p = os.path.join(OUT, name)
            make(p)
            with h5py.File(p, "r") as f:
                expected["files"][name] = {"superblock": 3, "userblock": 0, "objects": describe(f)}
        with open(os.path.join(OUT, "expected.json"), "w") as fh:
            json.dump(expected, fh)
        return
    files = {
        "earliest.h5": lambda p: make_old(p, many_links=400),
        "earliest_k.h5": lambda p: make_old(p, istore_k=64),  # superblock v1
        "earliest_ub.h5": lambda p: make_old(p, userblock=512),
        "v108.h5": lambda p: make_new(p, ("v108", "latest")),  # superblock v2
        "latest.h5": lambda p: make_new(p, "latest", many_links=400, big=True),  # superblock v3
        "latest_ub.h5": lambda p: make_new(p, "latest", userblock=1024),
    }
    expected = {"h5py": h5py.version.version, "hdf5": h5py.version.hdf5_version, "files": {}}
    for name, make in files.items():
        p = os.path.join(OUT, name)
        make(p)
        with open(p, "rb") as fh:
            raw = fh.read()
        sig = raw.find(b"\x89HDF\r\n\x1a\n")
        with h5py.File(p, "r") as f:
            expected["files"][name] = {"superblock": raw[sig + 8], "userblock": sig, "objects": describe(f)}
    with open(os.path.join(OUT, "expected.json"), "w") as fh:
        json.dump(expected, fh, indent=1, sort_keys=True, ensure_ascii=False)
        fh.write("\n")


if __name__ == "__main__":
    sys.exit(main())
