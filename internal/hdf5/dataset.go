package hdf5

// Dataset is a dataset's description: its data is never read.
type Dataset struct {
	Path  string
	Shape []int64 // nil for a null dataspace; empty for a scalar
	DType string  // numpy's name: "float32", "int64", "|S10", "object"

	f   *File
	obj *object
}

func (f *File) dataset(o *object, path string) (*Dataset, error) {
	ds := &Dataset{Path: path, f: f, obj: o}
	m := o.find(msgDataspace)
	if m == nil {
		return nil, f.errf(f.abs(o.addr), "dataset %s has no dataspace message", path)
	}
	m, err := f.resolve(m)
	if err != nil {
		return nil, err
	}
	d := f.dec(m.data, m.addr)
	space := f.parseDataspace(d)
	if d.err != nil {
		return nil, d.err
	}
	ds.Shape = space.shape
	m = o.find(msgDatatype)
	if m == nil {
		return nil, f.errf(f.abs(o.addr), "dataset %s has no datatype message", path)
	}
	if m, err = f.resolve(m); err != nil {
		return nil, err
	}
	d = f.dec(m.data, m.addr)
	t := f.parseDatatype(d, 0)
	if d.err != nil {
		return nil, d.err
	}
	ds.DType = t.name()
	return ds, nil
}

// Attrs lists the dataset's attributes in h5py's order.
func (ds *Dataset) Attrs() ([]Attribute, error) { return ds.f.attrs(ds.obj) }
