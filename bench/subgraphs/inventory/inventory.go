// Package inventory is the inventory subgraph of the graphql-gateways-benchmark: which of
// the nine products are in stock. The GraphQL layer is in ./graph (gqlgen, generated from
// schema.graphqls).
package inventory

//go:generate go tool gqlgen --config gqlgen.yml

// Product is the inventory's record of a product. Price and Weight are the products
// subgraph's fields (@external); shippingEstimate @requires them.
type Product struct {
	UPC     string
	InStock bool
	Price   *int
	Weight  *int
}

// IsEntity marks Product as a federation entity (a member of the _Entity union).
func (Product) IsEntity() {}

// ShippingEstimate is free above a price of 1000, otherwise half the weight; null when the
// price or the weight is unknown.
//
// As in the original benchmark, the entity resolver answers with the stored record, whose
// price and weight are unknown (the original's entity resolver takes only the key and
// returns its stored record), so shippingEstimate is null in every benchmark response. The
// router still has to fetch price and weight from products first and send them in the
// representations (the benchmark's @requires dependency); the CI test checks that it does.
func (p *Product) ShippingEstimate() *int {
	if p.Price == nil {
		return nil
	}
	if *p.Price > 1000 {
		zero := 0
		return &zero
	}
	if p.Weight == nil {
		return nil
	}
	half := *p.Weight / 2
	return &half
}

// Products are the inventory records, in the benchmark's order.
var Products = []*Product{
	{UPC: "1", InStock: true},
	{UPC: "2", InStock: false},
	{UPC: "3", InStock: false},
	{UPC: "4", InStock: false},
	{UPC: "5", InStock: true},
	{UPC: "6", InStock: true},
	{UPC: "7", InStock: true},
	{UPC: "8", InStock: false},
	{UPC: "9", InStock: true},
}

var byUPC = func() map[string]*Product {
	m := make(map[string]*Product, len(Products))
	for _, p := range Products {
		m[p.UPC] = p
	}
	return m
}()

// ProductByUPC returns the inventory record of that upc, or nil.
func ProductByUPC(upc string) *Product { return byUPC[upc] }
