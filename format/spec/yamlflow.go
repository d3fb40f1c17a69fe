package spec

// flowNode reads a node inside (or opening) a flow collection: [ ], { }
// and their entries, JSON's syntax included.
func (p *yparser) flowNode(depth int) (*value, error) {
	if depth > maxTreeDepth {
		return nil, p.errAt(p.line, p.col(), "values are nested more than %d deep", maxTreeDepth)
	}
	before := p.values
	var pr props
	if err := p.properties(&pr); err != nil {
		return nil, err
	}
	if pr.line > 0 {
		if _, err := p.skipSpace(); err != nil {
			return nil, err
		}
	}
	line, col := p.line, p.col()
	var v *value
	var err error
	switch c := p.at(p.i); {
	case p.i >= len(p.src):
		return nil, p.syntax("the file ends inside a flow collection")
	case c == '[':
		v, err = p.flowSeq(depth)
	case c == '{':
		v, err = p.flowMap(depth)
	case c == '"' || c == '\'':
		var s string
		if s, err = p.quoted(); err == nil {
			if v, err = p.newValue(kString, line, col); err == nil {
				v.s = s
			}
		}
	case c == '*':
		if pr.line > 0 {
			return nil, p.syntax("an alias has no anchor or tag")
		}
		return p.alias()
	case c == ',' || c == ']' || c == '}' || c == ':' && p.wsOrFlowAt(p.i+1):
		if pr.line == 0 {
			return nil, p.syntax("expected a value, got %q", c)
		}
		v, err = p.newValue(kNull, pr.line, pr.col)
	case c == '?' && p.wsOrFlowAt(p.i+1):
		return nil, p.unsupportedAt(line, col, "a complex key (? )")
	case c == '-' && p.wsAt(p.i+1), c == '|', c == '>', c == '@', c == '`', c == '%', c == '#':
		return nil, p.syntax("unexpected %q in a flow collection (quote a string that starts with it)", c)
	default:
		var s string
		if s, err = p.plain(-1, true); err == nil {
			if v, err = p.newValue(kString, line, col); err == nil {
				resolvePlain(v, s)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return p.finish(v, &pr, before)
}

// wsOrFlowAt reports a blank, a line end, the end or , [ ] { } at i.
func (p *yparser) wsOrFlowAt(i int) bool {
	return p.wsAt(i) || isFlowIndicator(p.src[i])
}

// flowSeq reads [ a, b, … ] at p.i.
func (p *yparser) flowSeq(depth int) (*value, error) {
	line, col := p.line, p.col()
	v, err := p.newValue(kList, line, col)
	if err != nil {
		return nil, err
	}
	base := len(p.listStack)
	p.i++
	for {
		if _, err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.i >= len(p.src) {
			return nil, p.errAt(line, col, "YAML: this flow sequence has no closing ']'")
		}
		if p.src[p.i] == ']' {
			p.i++
			return p.endList(v, base), nil
		}
		eline, ecol := p.line, p.col()
		e, err := p.flowNode(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.at(p.i) == ':' {
			return nil, p.unsupportedAt(eline, ecol, "a key: value pair inside [ ]")
		}
		p.listStack = push(p.listStack, e)
		switch {
		case p.i >= len(p.src):
			return nil, p.errAt(line, col, "YAML: this flow sequence has no closing ']'")
		case p.src[p.i] == ',':
			p.i++
		case p.src[p.i] != ']':
			return nil, p.syntax("expected ',' or ']' in the flow sequence at %d:%d, got %s", line, col, p.describeHere())
		}
	}
}

// flowMap reads { k: v, … } at p.i.
func (p *yparser) flowMap(depth int) (*value, error) {
	line, col := p.line, p.col()
	v, err := p.newValue(kMap, line, col)
	if err != nil {
		return nil, err
	}
	mb := p.newMapBuilder(v)
	p.i++
	for {
		if _, err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.i >= len(p.src) {
			return nil, p.errAt(line, col, "YAML: this flow mapping has no closing '}'")
		}
		if p.src[p.i] == '}' {
			p.i++
			return mb.done(), nil
		}
		k, err := p.flowKey()
		if err != nil {
			return nil, err
		}
		// A missing value is null, where go-yaml put it: after the ':',
		// or after the key.
		nline, ncol := p.line, p.col()
		if _, err := p.skipSpace(); err != nil {
			return nil, err
		}
		var val *value
		if p.at(p.i) == ':' {
			nline, ncol = p.line, p.col()+1
			p.i++
			if _, err := p.skipSpace(); err != nil {
				return nil, err
			}
			if c := p.at(p.i); c == ',' || c == '}' {
				val, err = p.newValue(kNull, nline, ncol)
			} else {
				val, err = p.flowNode(depth + 1)
			}
		} else {
			val, err = p.newValue(kNull, nline, ncol) // {a, b}: keys without values
		}
		if err != nil {
			return nil, err
		}
		if err := p.addEntry(mb, k, val); err != nil {
			return nil, err
		}
		if _, err := p.skipSpace(); err != nil {
			return nil, err
		}
		switch {
		case p.i >= len(p.src):
			return nil, p.errAt(line, col, "YAML: this flow mapping has no closing '}'")
		case p.src[p.i] == ',':
			p.i++
		case p.src[p.i] != '}':
			return nil, p.syntax("expected ',' or '}' in the flow mapping at %d:%d, got %s", line, col, p.describeHere())
		}
	}
}

// flowKey reads a key in a flow mapping.
func (p *yparser) flowKey() (*value, error) {
	line, col := p.line, p.col()
	switch c := p.src[p.i]; {
	case c == '?' && p.wsOrFlowAt(p.i+1):
		return nil, p.unsupportedAt(line, col, "a complex key (? )")
	case c == '[' || c == '{':
		return nil, p.unsupportedAt(line, col, "a collection as a mapping key")
	case c == '*':
		return nil, p.unsupportedAt(line, col, "an alias as a mapping key")
	case c == '&' || c == '!':
		return nil, p.unsupportedAt(line, col, "an anchor or tag on a key")
	case c == ':' && p.wsOrFlowAt(p.i+1):
		return nil, p.unsupportedAt(line, col, "an empty key")
	case c == ',' || c == ']' || c == '-' && p.wsAt(p.i+1) || c == '|' || c == '>' || c == '@' || c == '`' || c == '%' || c == '#':
		return nil, p.syntax("expected a key, got %s", p.describeHere())
	case c == '"' || c == '\'':
		s, err := p.quoted()
		if err != nil {
			return nil, err
		}
		if len(s) > maxKey {
			return nil, p.errAt(line, col, "a key of more than %s bytes", thousands(maxKey))
		}
		k, err := p.newValue(kString, line, col)
		if err != nil {
			return nil, err
		}
		k.s = s
		return k, nil
	}
	s, err := p.plainScalar(-1, true, true)
	if err != nil {
		return nil, err
	}
	return p.plainKey(s, line, col)
}
