package front

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/sekisho/sekisho/internal/awserr"
)

// decodeForm fills the struct v points to from a query-protocol form, the
// way the IAM and STS APIs lay out their parameters. Each exported field
// reads the parameter its `form` tag names (the field's name if untagged):
//
//	string           the value ("" when absent)
//	*string          nil when absent, so "" and absent differ
//	int              a number; anything else is a ValidationError
//	bool             true when the value is "true"
//	[]string         Name.member.1, Name.member.2, … up to the first gap
//	[]struct         Name.member.N.Field for each of the struct's fields
//
// An embedded struct's fields are read as the outer struct's.
// A tag option "required" (`form:"RoleName,required"`) makes an absent or
// empty value a ValidationError; every missing one is reported at once, in
// field order, as AWS does ("2 validation errors detected: …").
func decodeForm(form url.Values, v any) error {
	rv := reflect.ValueOf(v).Elem()
	fields := formFieldsOf(rv.Type())
	var missing []string
	for _, f := range fields {
		if f.required && form.Get(f.name) == "" && !f.list {
			missing = append(missing, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(f.name)))
		}
	}
	if len(missing) > 0 {
		return validationErrors(missing)
	}
	for _, f := range fields {
		if err := f.set(rv.FieldByIndex(f.index), form, f.name); err != nil {
			return err
		}
	}
	return nil
}

// validationErrors is AWS's message for one or more failed constraints.
func validationErrors(msgs []string) error {
	noun := "error"
	if len(msgs) > 1 {
		noun = "errors"
	}
	return awserr.Newf(400, "ValidationError", "%d validation %s detected: %s", len(msgs), noun, strings.Join(msgs, "; "))
}

type formField struct {
	index    []int
	name     string
	required bool
	list     bool
	set      func(v reflect.Value, form url.Values, name string) error
}

var formFields sync.Map // reflect.Type → []formField

func formFieldsOf(t reflect.Type) []formField {
	if fs, ok := formFields.Load(t); ok {
		return fs.([]formField)
	}
	var fs []formField
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			// An embedded struct's fields are parameters of their own.
			for _, f := range formFieldsOf(sf.Type) {
				f.index = append([]int{i}, f.index...)
				fs = append(fs, f)
			}
			continue
		}
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("form"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := formField{index: []int{i}, name: name, required: opts == "required", set: setterFor(sf.Type)}
		f.list = sf.Type.Kind() == reflect.Slice
		fs = append(fs, f)
	}
	formFields.Store(t, fs)
	return fs
}

// setterFor returns how a field of type t is read; it panics for a type
// decodeForm does not support, which a table's first use reveals.
func setterFor(t reflect.Type) func(v reflect.Value, form url.Values, name string) error {
	switch {
	case t.Kind() == reflect.String:
		return func(v reflect.Value, form url.Values, name string) error {
			v.SetString(form.Get(name))
			return nil
		}
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.String:
		return func(v reflect.Value, form url.Values, name string) error {
			if vs, ok := form[name]; ok {
				s := vs[0]
				v.Set(reflect.ValueOf(&s))
			}
			return nil
		}
	case t.Kind() == reflect.Int:
		return func(v reflect.Value, form url.Values, name string) error {
			s := form.Get(name)
			if s == "" {
				return nil
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				return awserr.Newf(400, "ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a number", s, name)
			}
			v.SetInt(int64(n))
			return nil
		}
	case t.Kind() == reflect.Bool:
		return func(v reflect.Value, form url.Values, name string) error {
			v.SetBool(form.Get(name) == "true")
			return nil
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return func(v reflect.Value, form url.Values, name string) error {
			if m := members(form, name); m != nil {
				v.Set(reflect.ValueOf(m))
			}
			return nil
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		elem := t.Elem()
		return func(v reflect.Value, form url.Values, name string) error {
			for i := 1; ; i++ {
				prefix := fmt.Sprintf("%s.member.%d.", name, i)
				// Only the element's own fields are looked up: scanning the
				// form for the prefix would cost members × parameters.
				sub := url.Values{}
				for _, f := range formFieldsOf(elem) {
					if vs, ok := form[prefix+f.name]; ok {
						sub[f.name] = vs
					}
					if f.list { // a list inside the element: Name.member.N.Field.member.M
						for j := 1; ; j++ {
							k := f.name + ".member." + strconv.Itoa(j)
							vs, ok := form[prefix+k]
							if !ok {
								break
							}
							sub[k] = vs
						}
					}
				}
				if len(sub) == 0 {
					return nil
				}
				e := reflect.New(elem)
				for _, f := range formFieldsOf(elem) {
					if err := f.set(e.Elem().FieldByIndex(f.index), sub, f.name); err != nil {
						return err
					}
				}
				v.Set(reflect.Append(v, e.Elem()))
			}
		}
	}
	panic("front: decodeForm cannot read a field of type " + t.String())
}
