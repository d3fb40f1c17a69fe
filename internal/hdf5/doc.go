// Package hdf5 is a read-only reader of the HDF5 file structure: groups,
// links, attributes and each dataset's shape and element type. It reads
// metadata only: a dataset's data is never read, so a file of gigabytes of
// weights opens as fast as a small one (Keras .h5 files and the
// model.weights.h5 inside .keras archives are what it is for).
//
// It follows the public HDF5 File Format Specification (version 3.0):
//
//   - superblock versions 0, 1, 2 and 3, found after a user block of 512,
//     1024, 2048… bytes as the specification allows;
//   - object headers version 1 and 2, with continuation blocks (version 2
//     checksums are verified);
//   - old-style groups (symbol table message → version 1 B-tree of group
//     nodes, symbol table nodes and the local heap of names) and new-style
//     groups (link messages in the header, or dense storage: link info
//     message → fractal heap of links and version 2 B-tree name index);
//   - hard links (followed), soft and external links (reported as links;
//     Group and Dataset follow soft links inside the file);
//   - attributes compact (attribute messages versions 1–3) and dense
//     (attribute info message → fractal heap and version 2 B-tree), with
//     values decoded for integers, floats, booleans (h5py's enum), and
//     fixed- and variable-length strings (the latter from the global heap);
//   - dataspaces (scalar, simple, null) and datatypes (all classes parsed;
//     names as numpy gives them: "float32", "|S10", "object").
//
// Not supported (an error names what, where): messages shared through the
// shared object header message table of the superblock extension, fractal
// heaps with I/O filters, sizes of offsets or lengths other than 2, 4 and 8
// bytes, and external links (reported, not followed). Attribute values of
// compound, array, reference, opaque and variable-length sequence types, and
// unsigned 64-bit values past int64, are not decoded (Value nil, DType
// "… (not decoded)"). Fractal heap direct blocks are not checksummed: only
// the object asked for is read from them.
//
// Metadata is read through a cache of 4 KiB pages; object headers, group
// links and attributes are decoded once per File. A File is not safe for
// concurrent use.
//
// Invariants: every size and count a file declares is checked against the
// file's size and fixed caps, and charged to the budget, before anything is
// allocated for it; B-tree, heap and continuation chains that loop are
// errors; every error is an *Error naming the byte offset (from the start
// of the file, user block included) where the problem is. No input panics.
package hdf5
