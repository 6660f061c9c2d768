package policy

import "encoding/json"

// MarshalJSON renders the document in a canonical form: every list as an
// array, conditions grouped by operator, keys sorted. Parsing the output
// yields an equivalent document.
func (d *Document) MarshalJSON() ([]byte, error) {
	type stmt struct {
		Sid          string                         `json:"Sid,omitempty"`
		Effect       string                         `json:"Effect"`
		Principal    any                            `json:"Principal,omitempty"`
		NotPrincipal any                            `json:"NotPrincipal,omitempty"`
		Action       []string                       `json:"Action,omitempty"`
		NotAction    []string                       `json:"NotAction,omitempty"`
		Resource     []string                       `json:"Resource,omitempty"`
		NotResource  []string                       `json:"NotResource,omitempty"`
		Condition    map[string]map[string][]string `json:"Condition,omitempty"`
	}
	out := struct {
		Version   string `json:"Version"`
		ID        string `json:"Id,omitempty"`
		Statement []stmt `json:"Statement"`
	}{Version: d.Version, ID: d.ID}
	raws := func(ps []pattern) []string {
		var r []string
		for _, p := range ps {
			r = append(r, p.raw)
		}
		return r
	}
	prin := func(p *Principals) any {
		if p == nil {
			return nil
		}
		if p.Any {
			return "*"
		}
		return p.ByType
	}
	for _, s := range d.Statements {
		st := stmt{Sid: s.Sid, Effect: s.Effect.String(), Principal: prin(s.Principal), NotPrincipal: prin(s.NotPrincipal),
			Action: raws(s.Action), NotAction: raws(s.NotAction), Resource: raws(s.Resource), NotResource: raws(s.NotResource)}
		for _, c := range s.Conditions {
			if st.Condition == nil {
				st.Condition = map[string]map[string][]string{}
			}
			if st.Condition[c.Operator] == nil {
				st.Condition[c.Operator] = map[string][]string{}
			}
			st.Condition[c.Operator][c.Key] = c.raw
		}
		out.Statement = append(out.Statement, st)
	}
	return json.Marshal(out)
}
