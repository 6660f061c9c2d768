package policy

import (
	"strings"
	"unicode/utf8"
)

// A token is one piece of a compiled pattern: literal text, a wildcard, or
// a policy variable resolved at evaluation time.
type token struct {
	kind   tokenKind
	lit    string // literal text, or the variable's (lower-case) key
	def    string // the variable's default
	hasDef bool
}

type tokenKind uint8

const (
	tLit tokenKind = iota
	tStar
	tQuest
	tVar
)

// pattern is a compiled Action, Resource or condition value.
type pattern struct {
	raw string
	// segs holds the tokens per ARN segment for resources (six of them,
	// split at the first five colons), or one list otherwise.
	segs [][]token
	any  bool // exactly "*"
}

// compile compiles s. With arn, wildcards stay within ARN segments. The
// variables flag of the document is applied later (see Document.compile):
// here every ${…} becomes a variable token.
func compile(s string, arn bool) pattern {
	p := pattern{raw: s, any: s == "*"}
	if arn && !p.any {
		var segs [][]token
		rest := s
		for i := 0; i < 5; i++ {
			j := indexOutsideVar(rest, ':')
			if j < 0 {
				break
			}
			segs = append(segs, tokenize(rest[:j], true, true))
			rest = rest[j+1:]
		}
		p.segs = append(segs, tokenize(rest, true, true))
		return p
	}
	p.segs = [][]token{tokenize(s, true, true)}
	return p
}

// compileValue compiles a condition value: wildcards only for the Like
// operators, variables only if vars.
func compileValue(s string, wild, vars bool) pattern {
	return pattern{raw: s, segs: [][]token{tokenize(s, wild, vars)}}
}

// indexOutsideVar finds c in s outside any ${…}.
func indexOutsideVar(s string, c byte) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
		case s[i] == '}' && depth > 0:
			depth--
		case s[i] == c && depth == 0:
			return i
		}
	}
	return -1
}

func tokenize(s string, wild, vars bool) []token {
	var out []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, token{kind: tLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if vars && c == '$' && i+1 < len(s) && s[i+1] == '{' {
			if end := strings.IndexByte(s[i:], '}'); end > 0 {
				body := s[i+2 : i+end]
				i += end
				switch body {
				case "*", "?", "$":
					lit.WriteString(body)
					continue
				}
				key, def, hasDef := strings.Cut(body, ",")
				key = strings.ToLower(strings.TrimSpace(key))
				if hasDef {
					def = strings.TrimSpace(def)
					def = strings.TrimSuffix(strings.TrimPrefix(def, "'"), "'")
				}
				flush()
				out = append(out, token{kind: tVar, lit: key, def: def, hasDef: hasDef})
				continue
			}
		}
		if wild && c == '*' {
			flush()
			out = append(out, token{kind: tStar})
			continue
		}
		if wild && c == '?' {
			flush()
			out = append(out, token{kind: tQuest})
			continue
		}
		lit.WriteByte(c)
	}
	flush()
	return out
}

// varKeys lists the variables a pattern refers to.
func (p *pattern) varKeys() []string {
	var out []string
	for _, seg := range p.segs {
		for _, t := range seg {
			if t.kind == tVar {
				out = append(out, t.lit)
			}
		}
	}
	return out
}

// literalize turns variable tokens back into literal text, for documents
// of Version 2008-10-17, where ${…} means itself.
func (p *pattern) literalize() {
	for i, seg := range p.segs {
		for j, t := range seg {
			if t.kind == tVar {
				seg[j] = token{kind: tLit, lit: "${" + t.lit + "}"}
			}
		}
		p.segs[i] = seg
	}
}

// resolver looks up a variable's value.
type resolver interface {
	variable(key string) (string, bool)
}

// match reports whether s matches the pattern; fold compares
// case-insensitively (actions). A variable without a value and without a
// default makes the pattern match nothing, as AWS documents.
func (p *pattern) match(s string, r resolver, fold bool) bool {
	if p.any {
		return true
	}
	if len(p.segs) == 1 {
		return matchTokens(p.segs[0], s, r, fold)
	}
	rest := s
	for i, seg := range p.segs {
		if i == len(p.segs)-1 {
			return matchTokens(seg, rest, r, fold)
		}
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return false
		}
		if !matchTokens(seg, rest[:j], r, fold) {
			return false
		}
		rest = rest[j+1:]
	}
	return false
}

// matchTokens is glob matching with backtracking to the last star.
func matchTokens(toks []token, s string, r resolver, fold bool) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(s) || ti < len(toks) {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tStar:
				starT, starS = ti, si
				ti++
				continue
			case tQuest:
				if si < len(s) {
					_, size := decodeRune(s[si:])
					si += size
					ti++
					continue
				}
			case tLit, tVar:
				lit := t.lit
				if t.kind == tVar {
					v, ok := r.variable(t.lit)
					if !ok {
						if !t.hasDef {
							return false
						}
						v = t.def
					}
					lit = v
				}
				if hasPrefix(s[si:], lit, fold) {
					si += len(lit)
					ti++
					continue
				}
			}
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		// Let the last star swallow one more character and retry.
		_, size := decodeRune(s[starS:])
		starS += size
		ti, si = starT+1, starS
	}
	return true
}

func hasPrefix(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if fold {
		return strings.EqualFold(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

// noVariables resolves no policy variable.
type noVariables struct{}

func (noVariables) variable(string) (string, bool) { return "", false }

// MatchesARN reports whether the resource pattern pat (wildcards within
// ARN segments, as in a policy's Resource) matches arn. Policy variables
// match only through their defaults.
func MatchesARN(pat, arn string) bool {
	p := compile(pat, true)
	return p.match(arn, noVariables{}, false)
}
