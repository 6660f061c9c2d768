package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/sekisho/sekisho/internal/policy"
)

// checkDocument checks an IAM policy document (identity, session or
// trust) as IAM does, in IAM's order and with its messages:
//
//  1. syntax — "Syntax errors in policy." (not a JSON object, unknown
//     elements, wrong types, both Action and NotAction, …);
//  2. the version — "Policy document must be version 2012-10-17 or
//     greater." (a missing Version counts as 2008-10-17);
//  3. legacy parsing — "The policy failed legacy parsing" (an Effect not
//     spelled exactly Allow or Deny, unreadable dates, some malformed
//     resources);
//  4. "Statement IDs (SID) in a single policy must be unique.";
//  5. "Policy statement must contain actions.";
//  6. the first resource format problem found in step 3 ('Resource x must
//     be in ARN format or "*".', 'Partition "p" is not valid …', …);
//  7. action vendors ("Actions/Conditions must be prefaced by a vendor,
//     e.g., iam, sdb, ec2, etc.", "Actions/Condition can contain only one
//     colon.", "Vendor x is not valid");
//  8. per kind: "Policy statement must contain resources." (identity),
//     the trust policy's actions and "Has prohibited field Resource."
//     (trust).
//
// The rules are those AWS answers with, as documented and as verified
// against AWS by the public emulator suites; policy.Parse, lenient for
// these kinds, accepts whatever passes here.
func checkDocument(doc string, kind policy.Kind) error {
	c, err := syntaxCheck(doc)
	if err != nil {
		// A trust policy that is not JSON at all is answered apart (as AWS
		// answers a CreateRole given a file name instead of a document).
		if kind == policy.Trust && !json.Valid([]byte(doc)) {
			return errors.New("This policy contains invalid Json")
		}
		return errors.New("Syntax errors in policy.")
	}
	// Trust policies may still be 2008-10-17 (AWS's own service roles'
	// often are); every other document must be 2012-10-17.
	if c.version != "2012-10-17" && kind != policy.Trust {
		return errors.New("Policy document must be version 2012-10-17 or greater.")
	}
	resourceErr := ""
	for _, st := range c.statements {
		if st.effect != "Allow" && st.effect != "Deny" {
			return errors.New("The policy failed legacy parsing")
		}
		if !legacyDates(st.conditions) {
			return errors.New("The policy failed legacy parsing")
		}
	}
	for _, key := range []string{"Resource", "NotResource"} {
		for _, st := range c.statements {
			vals, ok := st.lists[key]
			if !ok {
				continue
			}
			// As in IAM, a later problem replaces an earlier one until a
			// statement's resources pass (and then legacy parsing runs).
			if st.single[key] {
				if e := resourceFormat(vals[0]); e != "" {
					resourceErr = e
				}
			} else {
				var rs []string
				for _, r := range vals {
					if r != "" {
						rs = append(rs, r)
					}
				}
				slices.Sort(rs)
				slices.Reverse(rs)
				for _, r := range rs {
					if e := resourceFormat(r); e != "" {
						resourceErr = e
					}
				}
			}
			if resourceErr == "" && !legacyResources(vals) {
				return errors.New("The policy failed legacy parsing")
			}
		}
	}
	sids := map[string]bool{}
	for _, st := range c.statements {
		if st.sid != "" {
			if sids[st.sid] {
				return errors.New("Statement IDs (SID) in a single policy must be unique.")
			}
			sids[st.sid] = true
		}
	}
	for _, st := range c.statements {
		a, okA := st.lists["Action"]
		na, okNA := st.lists["NotAction"]
		if !okA && !okNA || okA && !st.single["Action"] && len(a) == 0 || okNA && !st.single["NotAction"] && len(na) == 0 {
			return errors.New("Policy statement must contain actions.")
		}
	}
	if resourceErr != "" {
		return errors.New(resourceErr)
	}
	for _, key := range []string{"Action", "NotAction"} {
		for _, st := range c.statements {
			for _, a := range st.lists[key] {
				if err := actionVendor(a, st.nulls[key]); err != nil {
					return err
				}
			}
		}
	}
	switch kind {
	case policy.Identity:
		for _, st := range c.statements {
			r, okR := st.lists["Resource"]
			nr, okNR := st.lists["NotResource"]
			if !okR && !okNR || okR && !st.single["Resource"] && len(r) == 0 || !okR && okNR && !st.single["NotResource"] && len(nr) == 0 {
				return errors.New("Policy statement must contain resources.")
			}
		}
	case policy.Trust:
		for _, st := range c.statements {
			acts, ok := st.lists["Action"]
			if !ok {
				return errors.New("Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity")
			}
			for _, a := range acts {
				if !slices.Contains(trustActions, a) {
					return errors.New("Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity")
				}
			}
		}
		for _, st := range c.statements {
			if _, ok := st.lists["Resource"]; ok {
				return errors.New("Has prohibited field Resource.")
			}
			if _, ok := st.lists["NotResource"]; ok {
				return errors.New("Has prohibited field Resource.")
			}
		}
	}
	return nil
}

// trustActions are the STS actions a trust policy may name.
var trustActions = []string{"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:DecodeAuthorizationMessage",
	"sts:GetAccessKeyInfo", "sts:GetCallerIdentity", "sts:GetFederationToken", "sts:GetServiceBearerToken", "sts:GetSessionToken",
	"sts:SetSourceIdentity", "sts:TagSession", "sts:SetContext"}

type checkedStatement struct {
	sid, effect string
	// lists are Action, NotAction, Resource and NotResource as strings
	// (null entries as ""); single marks a plain string; nulls counts
	// null entries.
	lists      map[string][]string
	single     map[string]bool
	nulls      map[string]bool
	conditions map[string]map[string]json.RawMessage
}

type checkedDoc struct {
	version    string
	statements []checkedStatement
}

var errSyntax = errors.New("syntax")

var conditionOperators = map[string]bool{}

func init() {
	for _, op := range []string{"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
		"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
		"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
		"Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null"} {
		conditionOperators[op] = true
	}
}

// baseOperator strips a set qualifier and IfExists.
func baseOperator(op string) string {
	for _, q := range []string{"ForAnyValue:", "ForAllValues:"} {
		if s, ok := strings.CutPrefix(op, q); ok {
			op = s
			break
		}
	}
	op, _ = strings.CutSuffix(op, "IfExists")
	return op
}

func isString(raw json.RawMessage) (string, bool) {
	var s string
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	return s, json.Unmarshal(raw, &s) == nil
}

func syntaxCheck(doc string) (*checkedDoc, error) {
	var top map[string]json.RawMessage
	d := json.NewDecoder(strings.NewReader(doc))
	if err := d.Decode(&top); err != nil || top == nil {
		return nil, errSyntax
	}
	if strings.TrimSpace(doc[d.InputOffset():]) != "" {
		return nil, errSyntax // trailing data
	}
	c := &checkedDoc{version: "2008-10-17"}
	for k, v := range top {
		switch k {
		case "Version":
			s, ok := isString(v)
			if !ok || s != "2008-10-17" && s != "2012-10-17" {
				return nil, errSyntax
			}
			c.version = s
		case "Id":
			if _, ok := isString(v); !ok {
				return nil, errSyntax
			}
		case "Statement":
		default:
			return nil, errSyntax
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, errSyntax
	}
	raw = bytes.TrimSpace(raw)
	var items []json.RawMessage
	switch {
	case len(raw) > 0 && raw[0] == '{':
		items = []json.RawMessage{raw}
	case len(raw) > 0 && raw[0] == '[':
		if json.Unmarshal(raw, &items) != nil || len(items) == 0 {
			return nil, errSyntax
		}
	default:
		return nil, errSyntax
	}
	for _, it := range items {
		st, err := syntaxStatement(it)
		if err != nil {
			return nil, err
		}
		c.statements = append(c.statements, st)
	}
	return c, nil
}

func syntaxStatement(raw json.RawMessage) (checkedStatement, error) {
	st := checkedStatement{lists: map[string][]string{}, single: map[string]bool{}, nulls: map[string]bool{}}
	raw = bytes.TrimSpace(raw)
	var m map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return st, errSyntax
	}
	for k, v := range m {
		switch k {
		case "Sid":
			s, ok := isString(v)
			if !ok {
				return st, errSyntax
			}
			st.sid = s
		case "Effect":
			s, ok := isString(v)
			if !ok || !strings.EqualFold(s, "Allow") && !strings.EqualFold(s, "Deny") {
				return st, errSyntax
			}
			st.effect = s
		case "Action", "NotAction", "Resource", "NotResource":
			if s, ok := isString(v); ok {
				st.lists[k], st.single[k] = []string{s}, true
				continue
			}
			var list []json.RawMessage
			if json.Unmarshal(v, &list) != nil || bytes.TrimSpace(v)[0] != '[' {
				return st, errSyntax
			}
			vals := []string{}
			for _, it := range list {
				it = bytes.TrimSpace(it)
				if bytes.Equal(it, []byte("null")) {
					vals = append(vals, "")
					st.nulls[k] = true
					continue
				}
				s, ok := isString(it)
				if !ok {
					return st, errSyntax
				}
				vals = append(vals, s)
			}
			st.lists[k] = vals
		case "Principal", "NotPrincipal":
		case "Condition":
			v = bytes.TrimSpace(v)
			var cond map[string]json.RawMessage
			if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &cond) != nil {
				return st, errSyntax
			}
			st.conditions = map[string]map[string]json.RawMessage{}
			for op, keys := range cond {
				keys = bytes.TrimSpace(keys)
				var km map[string]json.RawMessage
				if len(keys) == 0 || keys[0] != '{' || json.Unmarshal(keys, &km) != nil {
					return st, errSyntax
				}
				for _, val := range km {
					val = bytes.TrimSpace(val)
					if len(val) == 0 || val[0] == '{' || bytes.Equal(val, []byte("null")) {
						return st, errSyntax
					}
				}
				if !conditionOperators[baseOperator(op)] && len(km) > 0 {
					return st, errSyntax
				}
				st.conditions[op] = km
			}
		default:
			return st, errSyntax
		}
	}
	if _, ok := m["Effect"]; !ok {
		return st, errSyntax
	}
	_, r := m["Resource"]
	_, nr := m["NotResource"]
	_, a := m["Action"]
	_, na := m["NotAction"]
	if r && nr || a && na {
		return st, errSyntax
	}
	return st, nil
}

// legacyDates checks the values of Date operators as IAM's legacy parser
// reads them: ISO 8601 (loosely) or epoch seconds.
func legacyDates(conds map[string]map[string]json.RawMessage) bool {
	for op, keys := range conds {
		if !strings.HasPrefix(baseOperator(op), "Date") {
			continue
		}
		for _, raw := range keys {
			var vals []string
			if s, ok := isString(raw); ok {
				vals = []string{s}
			} else {
				var list []json.RawMessage
				if json.Unmarshal(raw, &list) != nil {
					return false
				}
				for _, it := range list {
					s, ok := isString(it)
					if !ok {
						return false
					}
					vals = append(vals, s)
				}
			}
			for _, v := range vals {
				if !legacyDate(v) {
					return false
				}
			}
		}
	}
	return true
}

func atoiIn(s string, lo, hi int64) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n >= lo && n <= hi
}

func legacyDate(v string) bool {
	l := strings.ToLower(v)
	if !strings.Contains(l, "t") && !strings.Contains(l, "-") {
		n, err := strconv.ParseUint(v, 10, 63)
		return err == nil && n <= 1<<63-1
	}
	date, clock, _ := strings.Cut(l, "t")
	neg := strings.HasPrefix(date, "-")
	if neg {
		date = date[1:]
	}
	parts := strings.Split(date, "-")
	year := parts[0]
	if neg {
		year = "-" + year
	}
	if !atoiIn(year, -292275054, 292278993) || len(parts) > 3 {
		return false
	}
	if len(parts) > 1 && !atoiIn(parts[1], 1, 12) || len(parts) > 2 && !atoiIn(parts[2], 1, 31) {
		return false
	}
	tp := strings.Split(clock, ":")
	if tp[0] != "" && !atoiIn(tp[0], 0, 23) {
		return false
	}
	if len(tp) > 1 && !atoiIn(tp[1], 0, 59) {
		return false
	}
	if len(tp) > 2 {
		sec := tp[2]
		switch {
		case strings.Contains(sec, "z"):
			var rest string
			sec, rest, _ = strings.Cut(sec, "z")
			if rest != "" {
				return false
			}
		case strings.Contains(sec, "+"):
			var zone string
			sec, zone, _ = strings.Cut(sec, "+")
			zh, zm, hasMin := strings.Cut(zone, ":")
			if len(zh) != 2 || !atoiIn(zh, 0, 23) {
				return false
			}
			if hasMin && (len(zm) != 2 || !atoiIn(zm, 0, 59)) {
				return false
			}
		}
		whole, frac, hasFrac := strings.Cut(sec, ".")
		if !atoiIn(whole, 0, 59) || hasFrac && !atoiIn(frac, 0, 999999999) {
			return false
		}
	}
	return true
}

// legacyResources is the legacy parser's view of resources: each (but
// "*") has at least five colons or no "::", and a third segment.
func legacyResources(vals []string) bool {
	for _, r := range vals {
		if r == "" || r == "*" {
			continue
		}
		if strings.Count(r, ":") < 5 && strings.Contains(r, "::") {
			return false
		}
		parts := strings.Split(r, ":")
		if len(parts) < 3 || parts[2] == "" {
			return false
		}
	}
	return true
}

var partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

var iamResourcePaths = []string{"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/", "policy/",
	"sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/"}

// resourceFormat returns IAM's message for a malformed resource, or "".
func resourceFormat(r string) string {
	if r == "*" {
		return ""
	}
	_, rest, ok := strings.Cut(r, ":")
	if !ok {
		return "Resource " + r + ` must be in ARN format or "*".`
	}
	part, rest, ok := strings.Cut(rest, ":")
	if part != "*" && !slices.Contains(partitions, part) {
		segs := strings.Split(rest, ":")
		seg := func(i int) string {
			if i < len(segs) && (i > 0 || segs[0] != "" || len(segs) > 1) {
				return segs[i]
			}
			return "*"
		}
		tail := "*"
		if len(segs) > 3 {
			tail = strings.Join(segs[3:], ":")
		}
		return `Partition "` + part + `" is not valid for resource "arn:` + part + ":" + seg(0) + ":" + seg(1) + ":" + seg(2) + ":" + tail + `".`
	}
	if !ok {
		return "Resource vendor must be fully qualified and cannot contain regexes."
	}
	service, region, _ := strings.Cut(rest, ":")
	_, afterRegion, _ := strings.Cut(region, ":")
	_, resourceID, _ := strings.Cut(afterRegion, ":")
	if !strings.HasPrefix(region, ":") {
		switch {
		case service == "iam":
			return "IAM resource " + r + " cannot contain region information."
		case service == "s3" && !strings.HasPrefix(resourceID, "accesspoint/"):
			return "Resource " + r + " can not contain region information."
		}
	}
	if service == "iam" {
		for _, p := range iamResourcePaths {
			if strings.HasPrefix(resourceID, p) {
				return ""
			}
		}
		return `IAM resource path must either be "*" or start with ` + strings.Join(iamResourcePaths, ", ") + "."
	}
	return ""
}

// actionVendor checks an action's vendor prefix.
func actionVendor(a string, hadNulls bool) error {
	if a == "" && hadNulls {
		return nil // a null entry
	}
	parts := strings.Split(a, ":")
	switch {
	case len(parts) == 1 && parts[0] != "*":
		return errors.New("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	case len(parts) > 2:
		return errors.New("Actions/Condition can contain only one colon.")
	}
	if parts[0] != "*" {
		for _, ch := range parts[0] {
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.') {
				return errors.New("Vendor " + parts[0] + " is not valid")
			}
		}
	}
	return nil
}
