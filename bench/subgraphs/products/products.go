// Package products is the products subgraph of the graphql-gateways-benchmark: nine
// products held in memory. The GraphQL layer is in ./graph (gqlgen, generated from
// schema.graphqls).
package products

//go:generate go tool gqlgen --config gqlgen.yml

// Product is a catalogue entry.
type Product struct {
	UPC    string
	Name   string
	Price  int
	Weight int
}

// IsEntity marks Product as a federation entity (a member of the _Entity union).
func (Product) IsEntity() {}

// Products are all the products, in the benchmark's order.
var Products = []*Product{
	{UPC: "1", Name: "Table", Price: 899, Weight: 100},
	{UPC: "2", Name: "Couch", Price: 1299, Weight: 1000},
	{UPC: "3", Name: "Glass", Price: 15, Weight: 20},
	{UPC: "4", Name: "Chair", Price: 499, Weight: 100},
	{UPC: "5", Name: "TV", Price: 1299, Weight: 1000},
	{UPC: "6", Name: "Lamp", Price: 6999, Weight: 300},
	{UPC: "7", Name: "Grill", Price: 3999, Weight: 2000},
	{UPC: "8", Name: "Fridge", Price: 100000, Weight: 6000},
	{UPC: "9", Name: "Sofa", Price: 9999, Weight: 800},
}

// DefaultFirst is topProducts' default number of products.
const DefaultFirst = 5

var byUPC = func() map[string]*Product {
	m := make(map[string]*Product, len(Products))
	for _, p := range Products {
		m[p.UPC] = p
	}
	return m
}()

// Top returns the first n products (all of them when n is negative or too large, as the
// original's cast to usize does with a negative count).
func Top(n int) []*Product {
	if n < 0 || n > len(Products) {
		n = len(Products)
	}
	return Products[:n]
}

// ProductByUPC returns the product with that upc, or nil.
func ProductByUPC(upc string) *Product { return byUPC[upc] }
