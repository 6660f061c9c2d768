package s3

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
)

// PostPolicy is a parsed browser-upload policy document.
type PostPolicy struct {
	Expiration time.Time
	conds      []postCond
	// MinSize and MaxSize come from content-length-range; MaxSize is -1
	// when unbounded.
	MinSize, MaxSize int64
}

type postCond struct {
	op, field, value string // op: "eq" or "starts-with"; field lower-case, without '$'
	raw              string
}

func errPolicy(format string, args ...any) error {
	return awserr.New(403, "AccessDenied", "Invalid according to Policy: "+fmt.Sprintf(format, args...))
}

func errBadPolicy(msg string) error {
	return awserr.New(400, "InvalidPolicyDocument", "Invalid Policy: "+msg)
}

// ParsePostPolicy decodes the base64 policy field of a form upload.
func ParsePostPolicy(b64 string) (*PostPolicy, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, errBadPolicy("Invalid Base64 encoding.")
	}
	// Property names are case-sensitive, as S3 checks them (Go's
	// decoding into a struct would not be).
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, errBadPolicy("Invalid JSON.")
	}
	var doc struct {
		Expiration string
		Conditions []json.RawMessage
	}
	for k, v := range top {
		switch k {
		case "expiration":
			if json.Unmarshal(v, &doc.Expiration) != nil {
				return nil, errBadPolicy("Invalid 'expiration' value.")
			}
		case "conditions":
			if json.Unmarshal(v, &doc.Conditions) != nil {
				return nil, errBadPolicy("Invalid 'conditions' value.")
			}
		default:
			return nil, errBadPolicy("Unexpected field: '" + k + "'")
		}
	}
	if _, ok := top["expiration"]; !ok {
		return nil, errBadPolicy("Policy missing expiration.")
	}
	if _, ok := top["conditions"]; !ok {
		return nil, errBadPolicy("Policy missing conditions.")
	}
	p := &PostPolicy{MaxSize: -1}
	if p.Expiration, err = time.Parse(time.RFC3339Nano, doc.Expiration); err != nil {
		return nil, errBadPolicy("Invalid 'expiration' value: '" + doc.Expiration + "'")
	}
	for _, c := range doc.Conditions {
		var obj map[string]any
		if json.Unmarshal(c, &obj) == nil {
			if len(obj) != 1 {
				return nil, errBadPolicy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
			}
			for k, v := range obj {
				s, ok := v.(string)
				if !ok {
					return nil, errBadPolicy("Invalid Simple-Condition: value must be a string.")
				}
				p.conds = append(p.conds, postCond{"eq", strings.ToLower(strings.TrimPrefix(k, "$")), s, string(c)})
			}
			continue
		}
		var arr []any
		if json.Unmarshal(c, &arr) != nil || len(arr) != 3 {
			return nil, errBadPolicy("Invalid Condition: conditions must be objects or three-element arrays.")
		}
		op, _ := arr[0].(string)
		switch op { // operators are case-sensitive, as in S3
		case "eq", "starts-with":
			f, ok1 := arr[1].(string)
			v, ok2 := arr[2].(string)
			if !ok1 || !ok2 || !strings.HasPrefix(f, "$") {
				return nil, errBadPolicy("Invalid Condition: " + string(c))
			}
			p.conds = append(p.conds, postCond{op, strings.ToLower(f[1:]), v, string(c)})
		case "content-length-range":
			lo, ok1 := arr[1].(float64)
			hi, ok2 := arr[2].(float64)
			if !ok1 || !ok2 || lo < 0 || hi < lo {
				return nil, errBadPolicy("Invalid content-length-range: " + string(c))
			}
			p.MinSize, p.MaxSize = int64(lo), int64(hi)
		default:
			return nil, errBadPolicy("Invalid Condition operator: " + op)
		}
	}
	return p, nil
}

// postExempt are form fields a policy need not mention.
func postExempt(name string) bool {
	switch name {
	case "policy", "x-amz-signature", "signature", "awsaccesskeyid", "file":
		return true
	}
	return strings.HasPrefix(name, "x-ignore-")
}

// Check verifies fields (lower-case names; "bucket" included) against the
// policy at time now: not expired, every condition met, and every field
// covered by some condition.
func (p *PostPolicy) Check(fields map[string]string, now time.Time) error {
	if now.After(p.Expiration) {
		return errPolicy("Policy expired.")
	}
	covered := map[string]bool{}
	for _, c := range p.conds {
		covered[c.field] = true
		v := fields[c.field]
		switch c.op {
		case "eq":
			if v != c.value {
				return errPolicy("Policy Condition failed: %s", c.raw)
			}
		case "starts-with":
			ok := strings.HasPrefix(v, c.value)
			if c.field == "content-type" && strings.Contains(v, ",") {
				ok = true
				for _, part := range strings.Split(v, ",") {
					ok = ok && strings.HasPrefix(strings.TrimSpace(part), c.value)
				}
			}
			if !ok {
				return errPolicy("Policy Condition failed: %s", c.raw)
			}
		}
	}
	for name := range fields {
		if !covered[name] && !postExempt(name) && name != "bucket" {
			return errPolicy("Extra input fields: %s", name)
		}
	}
	return nil
}

// CheckSize verifies an upload's length against content-length-range.
func (p *PostPolicy) CheckSize(n int64) error {
	if p.MaxSize >= 0 && n > p.MaxSize {
		return awserr.New(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").With("ProposedSize", fmt.Sprint(n)).With("MaxSizeAllowed", fmt.Sprint(p.MaxSize))
	}
	if n < p.MinSize {
		return awserr.New(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size").With("ProposedSize", fmt.Sprint(n)).With("MinSizeAllowed", fmt.Sprint(p.MinSize))
	}
	return nil
}
