// Package accounts is the accounts subgraph of the graphql-gateways-benchmark: six users
// held in memory. The GraphQL layer is in ./graph (gqlgen, generated from schema.graphqls).
package accounts

//go:generate go tool gqlgen --config gqlgen.yml

// User is an account.
type User struct {
	ID       string
	Name     string
	Username string
	Birthday int
}

// IsEntity marks User as a federation entity (a member of the _Entity union).
func (User) IsEntity() {}

// Users are all the accounts, in the benchmark's order.
var Users = []*User{
	{ID: "1", Name: "Uri Goldshtein", Username: "urigo", Birthday: 1234567890},
	{ID: "2", Name: "Dotan Simha", Username: "dotansimha", Birthday: 1234567890},
	{ID: "3", Name: "Kamil Kisiela", Username: "kamilkisiela", Birthday: 1234567890},
	{ID: "4", Name: "Arda Tanrikulu", Username: "ardatan", Birthday: 1234567890},
	{ID: "5", Name: "Gil Gardosh", Username: "gilgardosh", Birthday: 1234567890},
	{ID: "6", Name: "Laurin Quast", Username: "laurin", Birthday: 1234567890},
}

var byID = func() map[string]*User {
	m := make(map[string]*User, len(Users))
	for _, u := range Users {
		m[u.ID] = u
	}
	return m
}()

// Me is the signed-in user of the benchmark: always the first one.
func Me() *User { return Users[0] }

// UserByID returns the user with that id, or nil.
func UserByID(id string) *User { return byID[id] }
