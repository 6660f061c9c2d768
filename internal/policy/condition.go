package policy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Condition is one (operator, key) pair of a Condition block with its
// values; a statement's conditions all must hold (AND), and a condition
// holds when any of its values matches (OR).
type Condition struct {
	Operator string // as written, e.g. "ForAnyValue:StringLike"
	Key      string // as written
	key      string // lower case
	op       opKind
	negated  bool
	ifExists bool
	set      setKind
	raw      []string
	values   []pattern
	nums     []float64
	times    []time.Time
	nets     []netip.Prefix
	bools    []bool
}

type opKind uint8

const (
	opString opKind = iota
	opStringIgnoreCase
	opStringLike
	opNumericEq
	opNumericLt
	opNumericLe
	opNumericGt
	opNumericGe
	opDateEq
	opDateLt
	opDateLe
	opDateGt
	opDateGe
	opBool
	opBinary
	opIP
	opArnEq
	opArnLike
	opNull
)

type setKind uint8

const (
	setNone setKind = iota
	setAll
	setAny
)

var operators = map[string]struct {
	kind    opKind
	negated bool
}{
	"StringEquals": {opString, false}, "StringNotEquals": {opString, true},
	"StringEqualsIgnoreCase": {opStringIgnoreCase, false}, "StringNotEqualsIgnoreCase": {opStringIgnoreCase, true},
	"StringLike": {opStringLike, false}, "StringNotLike": {opStringLike, true},
	"NumericEquals": {opNumericEq, false}, "NumericNotEquals": {opNumericEq, true},
	"NumericLessThan": {opNumericLt, false}, "NumericLessThanEquals": {opNumericLe, false},
	"NumericGreaterThan": {opNumericGt, false}, "NumericGreaterThanEquals": {opNumericGe, false},
	"DateEquals": {opDateEq, false}, "DateNotEquals": {opDateEq, true},
	"DateLessThan": {opDateLt, false}, "DateLessThanEquals": {opDateLe, false},
	"DateGreaterThan": {opDateGt, false}, "DateGreaterThanEquals": {opDateGe, false},
	"Bool":         {opBool, false},
	"BinaryEquals": {opBinary, false},
	"IpAddress":    {opIP, false}, "NotIpAddress": {opIP, true},
	"ArnEquals": {opArnEq, false}, "ArnNotEquals": {opArnEq, true},
	"ArnLike": {opArnLike, false}, "ArnNotLike": {opArnLike, true},
	"Null": {opNull, false},
}

func parseConditions(v json.RawMessage, lenient bool) ([]*Condition, error) {
	var block map[string]map[string]json.RawMessage
	if err := json.Unmarshal(v, &block); err != nil {
		return nil, errorf("The Condition element must map operators to objects of condition keys.")
	}
	var out []*Condition
	for opName, keys := range block {
		name := opName
		c := &Condition{Operator: opName}
		if q, rest, ok := strings.Cut(name, ":"); ok {
			switch q {
			case "ForAllValues":
				c.set = setAll
			case "ForAnyValue":
				c.set = setAny
			default:
				if lenient && len(keys) == 0 {
					continue
				}
				return nil, errorf("Syntax errors in policy: invalid condition set qualifier %q (use ForAllValues or ForAnyValue).", q)
			}
			name = rest
		}
		if base, ok := strings.CutSuffix(name, "IfExists"); ok && base != "Null" {
			c.ifExists, name = true, base
		}
		op, ok := operators[name]
		if lenient && len(keys) == 0 {
			continue // IAM accepts an empty operator map, known or not
		}
		if !ok {
			return nil, errorf("Syntax errors in policy: invalid condition operator %q.", opName)
		}
		c.op, c.negated = op.kind, op.negated
		if len(keys) == 0 {
			return nil, errorf("Syntax errors in policy: condition operator %q has no keys.", opName)
		}
		for key, raw := range keys {
			cc := *c
			cc.Key, cc.key = key, strings.ToLower(key)
			if !strings.Contains(key, ":") && !lenient {
				return nil, errorf("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.: condition key %q is not.", key)
			}
			vals, err := conditionValues(raw)
			if err != nil {
				return nil, errorf("Syntax errors in policy: the values of %s %s must be strings, numbers, booleans or an array of them.", opName, key)
			}
			if len(vals) == 0 && !lenient {
				return nil, errorf("Syntax errors in policy: %s %s has no values.", opName, key)
			}
			if err := cc.compileValues(vals); err != nil {
				if !lenient {
					return nil, err
				}
				// A value the operator cannot read never matches.
				cc = *c
				cc.Key, cc.key = key, strings.ToLower(key)
				cc.compileValues(readable(cc.op, vals))
			}
			out = append(out, &cc)
		}
	}
	// Map order is random; keep evaluation (and logs) deterministic.
	sort.Slice(out, func(i, j int) bool {
		if out[i].Operator != out[j].Operator {
			return out[i].Operator < out[j].Operator
		}
		return out[i].key < out[j].key
	})
	return out, nil
}

// conditionValues reads a value or an array of values; numbers and
// booleans are kept in their JSON spelling.
func conditionValues(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	var items []json.RawMessage
	if bytes.HasPrefix(raw, []byte("[")) {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
	} else {
		items = []json.RawMessage{raw}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		it = bytes.TrimSpace(it)
		if bytes.Equal(it, []byte("null")) {
			continue
		}
		var s string
		switch {
		case json.Unmarshal(it, &s) == nil:
			out = append(out, s)
		case bytes.Equal(it, []byte("true")), bytes.Equal(it, []byte("false")):
			out = append(out, string(it))
		default:
			var n json.Number
			if err := json.Unmarshal(it, &n); err != nil {
				return nil, err
			}
			out = append(out, n.String())
		}
	}
	return out, nil
}

func (c *Condition) compileValues(vals []string) error {
	c.raw = vals
	for _, v := range vals {
		switch c.op {
		case opString, opStringIgnoreCase:
			c.values = append(c.values, compileValue(v, false, true))
		case opStringLike:
			c.values = append(c.values, compileValue(v, true, true))
		case opArnEq, opArnLike:
			// AWS documents wildcards per ARN segment for both.
			c.values = append(c.values, compile(v, true))
		case opNumericEq, opNumericLt, opNumericLe, opNumericGt, opNumericGe:
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return errorf("Syntax errors in policy: %s %s: %q is not a number.", c.Operator, c.Key, v)
			}
			c.nums = append(c.nums, n)
		case opDateEq, opDateLt, opDateLe, opDateGt, opDateGe:
			t, ok := parseDate(v)
			if !ok {
				return errorf("Syntax errors in policy: %s %s: %q is not a date (use ISO 8601 or epoch seconds).", c.Operator, c.Key, v)
			}
			c.times = append(c.times, t)
		case opBool, opNull:
			b, err := strconv.ParseBool(strings.ToLower(v))
			if err != nil {
				return errorf("Syntax errors in policy: %s %s: %q is not true or false.", c.Operator, c.Key, v)
			}
			c.bools = append(c.bools, b)
		case opBinary:
			if _, err := base64.StdEncoding.DecodeString(v); err != nil {
				return errorf("Syntax errors in policy: %s %s: %q is not base64.", c.Operator, c.Key, v)
			}
			c.values = append(c.values, compileValue(v, false, false))
		case opIP:
			p, err := netip.ParsePrefix(v)
			if err != nil {
				a, aerr := netip.ParseAddr(v)
				if aerr != nil {
					return errorf("Syntax errors in policy: %s %s: %q is not an IP address or CIDR block.", c.Operator, c.Key, v)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			c.nets = append(c.nets, p.Masked())
		}
	}
	return nil
}

func parseDate(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

// holds evaluates the condition against the request.
func (c *Condition) holds(r *Request) bool {
	vals, present := r.values(c.key)
	if c.op == opNull {
		// Null: true means "the key is absent".
		want := c.bools[0]
		return want == !present
	}
	switch c.set {
	case setAll:
		// Every request value must match; vacuously true when absent.
		for _, v := range vals {
			if !c.matchOne(v, r) {
				return false
			}
		}
		return true
	case setAny:
		for _, v := range vals {
			if c.matchOne(v, r) {
				return true
			}
		}
		return false
	}
	if !present {
		// A missing key fails the positive operators and satisfies the
		// negated ones; …IfExists makes any operator hold.
		return c.ifExists || c.negated
	}
	if c.negated {
		// StringNotEquals & co.: no request value may match a policy value.
		for _, v := range vals {
			if !c.matchOne(v, r) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.matchOne(v, r) {
			return true
		}
	}
	return false
}

// matchOne reports whether one request value satisfies the operator
// against any policy value, negation included.
func (c *Condition) matchOne(v string, r *Request) bool {
	m := c.matchPositive(v, r)
	if c.negated {
		return !m
	}
	return m
}

func (c *Condition) matchPositive(v string, r *Request) bool {
	switch c.op {
	case opString, opBinary:
		for i := range c.values {
			if c.values[i].match(v, r, false) {
				return true
			}
		}
	case opStringIgnoreCase:
		for i := range c.values {
			if c.values[i].match(v, r, true) {
				return true
			}
		}
	case opStringLike, opArnLike, opArnEq:
		for i := range c.values {
			if c.values[i].match(v, r, false) {
				return true
			}
		}
	case opNumericEq, opNumericLt, opNumericLe, opNumericGt, opNumericGe:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		for _, p := range c.nums {
			if compareNum(c.op, n, p) {
				return true
			}
		}
	case opDateEq, opDateLt, opDateLe, opDateGt, opDateGe:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, p := range c.times {
			if compareTime(c.op, t, p) {
				return true
			}
		}
	case opBool:
		b, err := strconv.ParseBool(strings.ToLower(v))
		if err != nil {
			return false
		}
		for _, p := range c.bools {
			if b == p {
				return true
			}
		}
	case opIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range c.nets {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

func compareNum(op opKind, v, p float64) bool {
	switch op {
	case opNumericEq:
		return v == p
	case opNumericLt:
		return v < p
	case opNumericLe:
		return v <= p
	case opNumericGt:
		return v > p
	case opNumericGe:
		return v >= p
	}
	return false
}

func compareTime(op opKind, v, p time.Time) bool {
	switch op {
	case opDateEq:
		return v.Equal(p)
	case opDateLt:
		return v.Before(p)
	case opDateLe:
		return !v.After(p)
	case opDateGt:
		return v.After(p)
	case opDateGe:
		return !v.Before(p)
	}
	return false
}

// readable keeps the values a typed operator can read.
func readable(op opKind, vals []string) []string {
	var out []string
	for _, v := range vals {
		c := Condition{op: op}
		if c.compileValues([]string{v}) == nil {
			out = append(out, v)
		}
	}
	return out
}
