package policy

// Position is a place in a policy document's text: 1-based line and
// column (columns count characters).
type Position struct{ Line, Column int }

// statementSpans finds where each statement of a document's Statement
// element begins (its '{') and ends (just after its '}'), in document
// order. It reads only what Parse has already accepted as JSON.
func statementSpans(doc []byte) [][2]Position {
	s := &spanScanner{b: doc, line: 1, col: 1}
	s.space()
	if !s.eat('{') {
		return nil
	}
	for {
		s.space()
		if s.peek() == '}' || s.i >= len(s.b) {
			return nil
		}
		key := s.str()
		s.space()
		s.eat(':')
		s.space()
		if key != "Statement" {
			s.value()
			s.space()
			s.eat(',')
			continue
		}
		var out [][2]Position
		if s.peek() == '[' {
			s.eat('[')
			for {
				s.space()
				if s.peek() == ']' || s.i >= len(s.b) {
					return out
				}
				start := s.pos()
				s.value()
				out = append(out, [2]Position{start, s.pos()})
				s.space()
				s.eat(',')
			}
		}
		start := s.pos()
		s.value()
		return append(out, [2]Position{start, s.pos()})
	}
}

type spanScanner struct {
	b         []byte
	i         int
	line, col int
}

func (s *spanScanner) pos() Position { return Position{s.line, s.col} }

func (s *spanScanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *spanScanner) next() {
	c := s.b[s.i]
	s.i++
	switch {
	case c == '\n':
		s.line, s.col = s.line+1, 1
	case c&0xC0 != 0x80: // count a UTF-8 sequence once
		s.col++
	}
}

func (s *spanScanner) eat(c byte) bool {
	if s.peek() == c {
		s.next()
		return true
	}
	return false
}

func (s *spanScanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.next()
	}
}

// str reads a string and returns its raw text (escapes kept).
func (s *spanScanner) str() string {
	if !s.eat('"') {
		return ""
	}
	start := s.i
	for s.i < len(s.b) && s.b[s.i] != '"' {
		if s.b[s.i] == '\\' && s.i+1 < len(s.b) {
			s.next()
		}
		s.next()
	}
	out := string(s.b[start:s.i])
	s.eat('"')
	return out
}

// value skips one JSON value.
func (s *spanScanner) value() {
	switch s.peek() {
	case '"':
		s.str()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.peek() {
			case '"':
				s.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.next()
			if depth == 0 {
				return
			}
		}
	default:
		for s.i < len(s.b) && s.b[s.i] != ',' && s.b[s.i] != '}' && s.b[s.i] != ']' && s.b[s.i] != ' ' && s.b[s.i] != '\n' && s.b[s.i] != '\t' && s.b[s.i] != '\r' {
			s.next()
		}
	}
}
