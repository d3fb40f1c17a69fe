package graph

// Ask is a value only the caller can give that would complete the
// report: What it gives in words ("the shape of input x"), the Option
// that takes it as the command line spells its flag ("input-shape"),
// and the Value to write, with … where the caller fills in
// ("x=…"). A front-end appends an Ask where a note alone would say
// what is unknown; the note keeps saying what, and the library names
// no flag: the renderer words the option (the CLI as its flag).
type Ask struct {
	What   string
	Option string
	Value  string
}

// AddAsk appends a to the graph's asks unless an equal one is there.
func (g *Graph) AddAsk(a Ask) {
	g.Asks = AppendAsk(g.Asks, a)
}

// AppendAsk appends a to asks unless an equal one is there.
func AppendAsk(asks []Ask, a Ask) []Ask {
	for _, b := range asks {
		if b == a {
			return asks
		}
	}
	return append(asks, a)
}
