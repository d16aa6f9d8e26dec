// Package expected computes the exact response a correct gateway gives to a query over the
// benchmark's four subgraphs, from the subgraphs' in-memory data and without any gateway:
// it walks the data as the query asks (fragments expanded, fields merged, keys in query
// order), following the federated schema: which subgraph owns each field, and what
// @provides and @requires mean for the answer.
//
// It covers what the benchmark's queries use: one operation, fields with aliases and literal
// arguments, fragment spreads and inline fragments, __typename. Variables and directives
// are refused rather than guessed.
package expected

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"fedstack/bench/subgraphs/accounts"
	"fedstack/bench/subgraphs/inventory"
	"fedstack/bench/subgraphs/products"
	"fedstack/bench/subgraphs/reviews"
)

// Response returns the compact JSON response {"data":...} to the query.
func Response(query string) ([]byte, error) {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil, err
	}
	if len(doc.Operations) != 1 {
		return nil, fmt.Errorf("want exactly one operation, found %d", len(doc.Operations))
	}
	op := doc.Operations[0]
	if op.Operation != ast.Query {
		return nil, fmt.Errorf("operation %q is a %s, want a query", op.Name, op.Operation)
	}
	if len(op.VariableDefinitions) > 0 || len(op.Directives) > 0 {
		return nil, errors.New("variables and directives are not supported")
	}
	w := &writer{doc: doc}
	w.buf.WriteString(`{"data":`)
	if err := w.object(root{}, op.SelectionSet); err != nil {
		return nil, err
	}
	w.buf.WriteString("}")
	return w.buf.Bytes(), nil
}

// object is a value of a composite type of the federated schema.
type object interface {
	typename() string
	// field returns the value of a field: nil, string, int, *int, bool, object, or a
	// slice of objects.
	field(name string, args map[string]string) (any, error)
}

// root is the root Query type.
type root struct{}

func (root) typename() string { return "Query" }

func (root) field(name string, args map[string]string) (any, error) {
	switch name {
	case "users": // accounts
		out := make([]object, len(accounts.Users))
		for i, u := range accounts.Users {
			out[i] = user{id: u.ID}
		}
		return out, nil
	case "me": // accounts
		return user{id: accounts.Me().ID}, nil
	case "user": // accounts
		id, ok := args["id"]
		if !ok {
			return nil, errors.New("user needs an id")
		}
		if accounts.UserByID(id) == nil {
			return nil, nil
		}
		return user{id: id}, nil
	case "topProducts": // products
		n := products.DefaultFirst
		if v, ok := args["first"]; ok {
			var err error
			if n, err = strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("topProducts(first: %s): %w", v, err)
			}
		}
		ps := products.Top(n)
		out := make([]object, len(ps))
		for i, p := range ps {
			out[i] = product{upc: p.UPC}
		}
		return out, nil
	}
	return nil, fmt.Errorf("Query has no field %q", name)
}

// user is a User. Its fields come from accounts, except reviews (reviews subgraph), and
// except username where the reviews subgraph provides it (Review.author @provides
// username): there the gateway answers the provided value.
type user struct {
	id       string
	provided *reviews.User // the reviews subgraph's User, when reached through Review.author
}

func (user) typename() string { return "User" }

func (u user) field(name string, _ map[string]string) (any, error) {
	acc := accounts.UserByID(u.id)
	switch name {
	case "id":
		return u.id, nil
	case "username":
		if u.provided != nil {
			return u.provided.Username, nil
		}
		if acc == nil {
			return nil, nil
		}
		return acc.Username, nil
	case "name":
		if acc == nil {
			return nil, nil
		}
		return acc.Name, nil
	case "birthday":
		if acc == nil {
			return nil, nil
		}
		return acc.Birthday, nil
	case "reviews": // reviews: the same subgraph fetch as the author, or a User entity
		ru := u.provided
		if ru == nil {
			ru = reviews.UserEntity(u.id)
		}
		return reviewList(ru.Reviews), nil
	}
	return nil, fmt.Errorf("User has no field %q", name)
}

// product is a Product: upc, name, price, weight from products; inStock and
// shippingEstimate from inventory (shippingEstimate @requires price and weight: inventory
// answers it from its record, as its entity resolver does); reviews from reviews.
type product struct{ upc string }

func (product) typename() string { return "Product" }

func (p product) field(name string, _ map[string]string) (any, error) {
	switch name {
	case "upc":
		return p.upc, nil
	case "name", "price", "weight":
		pr := products.ProductByUPC(p.upc)
		if pr == nil {
			return nil, nil
		}
		switch name {
		case "name":
			return pr.Name, nil
		case "price":
			return pr.Price, nil
		}
		return pr.Weight, nil
	case "inStock", "shippingEstimate":
		inv := inventory.ProductByUPC(p.upc)
		if inv == nil {
			return nil, nil
		}
		if name == "inStock" {
			return inv.InStock, nil
		}
		return inv.ShippingEstimate(), nil
	case "reviews":
		return reviewList((&reviews.Product{UPC: p.upc}).Reviews()), nil
	}
	return nil, fmt.Errorf("Product has no field %q", name)
}

// review is a Review (reviews subgraph).
type review struct{ r *reviews.Review }

func (review) typename() string { return "Review" }

func (r review) field(name string, _ map[string]string) (any, error) {
	switch name {
	case "id":
		return r.r.ID, nil
	case "body":
		return r.r.Body, nil
	case "product":
		if r.r.Product == nil {
			return nil, nil
		}
		return product{upc: r.r.Product.UPC}, nil
	case "author":
		a := r.r.Author()
		if a == nil {
			return nil, nil
		}
		return user{id: a.ID, provided: a}, nil
	}
	return nil, fmt.Errorf("Review has no field %q", name)
}

func reviewList(rs []*reviews.Review) []object {
	out := make([]object, len(rs))
	for i, r := range rs {
		if r != nil {
			out[i] = review{r: r}
		}
	}
	return out
}

// writer writes the response as compact JSON.
type writer struct {
	doc *ast.QueryDocument
	buf bytes.Buffer
}

// group is the fields of one response key, merged.
type group struct {
	key    string
	fields []*ast.Field
}

// collect gathers the fields of set that apply to typename, by response key in the order
// of their first appearance (the spec's CollectFields).
func (w *writer) collect(typename string, set ast.SelectionSet, groups []*group, visited map[string]bool) ([]*group, error) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Directives) > 0 {
				return nil, fmt.Errorf("directives are not supported (field %s)", s.Name)
			}
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			found := false
			for _, g := range groups {
				if g.key == key {
					g.fields = append(g.fields, s)
					found = true
					break
				}
			}
			if !found {
				groups = append(groups, &group{key: key, fields: []*ast.Field{s}})
			}
		case *ast.FragmentSpread:
			if len(s.Directives) > 0 {
				return nil, fmt.Errorf("directives are not supported (...%s)", s.Name)
			}
			if visited[s.Name] {
				continue
			}
			visited[s.Name] = true
			f := w.doc.Fragments.ForName(s.Name)
			if f == nil {
				return nil, fmt.Errorf("unknown fragment %q", s.Name)
			}
			if f.TypeCondition != typename {
				continue
			}
			var err error
			if groups, err = w.collect(typename, f.SelectionSet, groups, visited); err != nil {
				return nil, err
			}
		case *ast.InlineFragment:
			if len(s.Directives) > 0 {
				return nil, errors.New("directives are not supported (inline fragment)")
			}
			if s.TypeCondition != "" && s.TypeCondition != typename {
				continue
			}
			var err error
			if groups, err = w.collect(typename, s.SelectionSet, groups, visited); err != nil {
				return nil, err
			}
		}
	}
	return groups, nil
}

func (w *writer) object(obj object, set ast.SelectionSet) error {
	groups, err := w.collect(obj.typename(), set, nil, map[string]bool{})
	if err != nil {
		return err
	}
	w.buf.WriteByte('{')
	for i, g := range groups {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		w.string(g.key)
		w.buf.WriteByte(':')
		f := g.fields[0]
		if f.Name == "__typename" {
			w.string(obj.typename())
			continue
		}
		args := map[string]string{}
		for _, a := range f.Arguments {
			switch a.Value.Kind {
			case ast.IntValue, ast.StringValue:
				args[a.Name] = a.Value.Raw
			case ast.NullValue:
			default:
				return fmt.Errorf("%s(%s:): only int, string and null literals are supported", f.Name, a.Name)
			}
		}
		v, err := obj.field(f.Name, args)
		if err != nil {
			return err
		}
		var sub ast.SelectionSet
		for _, ff := range g.fields {
			sub = append(sub, ff.SelectionSet...)
		}
		if err := w.value(v, sub); err != nil {
			return fmt.Errorf("%s.%s: %w", obj.typename(), g.key, err)
		}
	}
	w.buf.WriteByte('}')
	return nil
}

func (w *writer) value(v any, sub ast.SelectionSet) error {
	switch v.(type) {
	case string, int, *int, bool:
		if len(sub) > 0 {
			return errors.New("a leaf field cannot have a selection set")
		}
	}
	switch v := v.(type) {
	case nil:
		w.buf.WriteString("null")
	case string:
		w.string(v)
	case int:
		w.buf.WriteString(strconv.Itoa(v))
	case *int:
		if v == nil {
			w.buf.WriteString("null")
		} else {
			w.buf.WriteString(strconv.Itoa(*v))
		}
	case bool:
		w.buf.WriteString(strconv.FormatBool(v))
	case object:
		if len(sub) == 0 {
			return errors.New("an object field needs a selection set")
		}
		return w.object(v, sub)
	case []object:
		w.buf.WriteByte('[')
		for i, o := range v {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			if o == nil {
				w.buf.WriteString("null")
				continue
			}
			if err := w.value(o, sub); err != nil {
				return err
			}
		}
		w.buf.WriteByte(']')
	default:
		return fmt.Errorf("unexpected value %T", v)
	}
	return nil
}

// string writes s as a JSON string, without HTML escaping (as gateways write it).
func (w *writer) string(s string) {
	enc := json.NewEncoder(&w.buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	w.buf.Truncate(w.buf.Len() - 1) // Encode's newline
}
