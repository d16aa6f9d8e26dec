// Package reviews is the reviews subgraph of the graphql-gateways-benchmark: eleven reviews
// of four products held in memory. The GraphQL layer is in ./graph (gqlgen, generated from
// schema.graphqls).
//
// Like the original, every review's author is user 1 ("urigo", username provided here), and
// every user's reviews are the first two reviews.
package reviews

//go:generate go tool gqlgen --config gqlgen.yml

// Review is a review of a product.
type Review struct {
	ID      string
	Body    string
	Product *Product
}

// IsEntity marks Review as a federation entity (a member of the _Entity union).
func (Review) IsEntity() {}

// Product is the reviews subgraph's part of a product: its reviews.
type Product struct {
	UPC string
}

// IsEntity marks Product as a federation entity (a member of the _Entity union).
func (Product) IsEntity() {}

// Reviews returns the product's reviews, in the benchmark's order (empty, not null, for a
// product without reviews).
func (p *Product) Reviews() []*Review {
	if rs, ok := byProduct[p.UPC]; ok {
		return rs
	}
	return []*Review{}
}

// User is the reviews subgraph's part of a user: the username (external, provided by
// Review.author) and the user's reviews.
type User struct {
	ID       string
	Username string
	Reviews  []*Review
}

// IsEntity marks User as a federation entity (a member of the _Entity union).
func (User) IsEntity() {}

// The review texts (several reviews share one).
const (
	lorem   = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum."
	sedUt   = "Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, totam rem aperiam, eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae dicta sunt explicabo. Nemo enim ipsam voluptatem quia voluptas sit aspernatur aut odit aut fugi"
	sedQuia = "sed quia consequuntur magni dolores eos qui ratione voluptatem sequi nesciunt. Neque porro quisquam est, qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit, sed quia non numquam eius modi tempora incidunt ut labore et dolore magnam aliquam quaerat voluptatem."
	utEnim  = "Ut enim ad minima veniam, quis nostrum exercitationem ullam corporis suscipit laboriosam, nisi ut aliquid ex ea commodi consequatur? Quis autem"
	atVero  = "At vero eos et accusamus et iusto odio dignissimos ducimus qui blanditiis praesentium voluptatum deleniti atque corrupti quos dolores et quas molestias excepturi sint occaecati cupiditate non provident, similique sunt in culpa qui officia deserunt mollitia animi, id est laborum et dolorum fuga. Et harum quidem rerum facilis est et expedita distinctio. Nam libero tempore, cum soluta nobis est eligendi optio cumque nihil impedit quo minus id quod maxime placeat facere possimus, omnis voluptas assumenda est, omnis dolor repellendus. Temporibus autem quibusdam et aut officiis debitis aut rerum necessitatibus saepe eveniet ut et voluptates repudiandae sint et molestiae non recusandae. Itaque earum rerum hic tenetur a sapiente delectus, ut aut reiciendis voluptatibus maiores alias consequatur aut perferendis doloribus asperiores repellat."
)

// Reviews are all the reviews, in the benchmark's order.
var Reviews = []*Review{
	{ID: "1", Body: lorem, Product: &Product{UPC: "1"}},
	{ID: "2", Body: sedUt, Product: &Product{UPC: "1"}},
	{ID: "3", Body: sedQuia, Product: &Product{UPC: "1"}},
	{ID: "4", Body: utEnim, Product: &Product{UPC: "1"}},
	{ID: "5", Body: lorem, Product: &Product{UPC: "2"}},
	{ID: "6", Body: sedUt, Product: &Product{UPC: "2"}},
	{ID: "7", Body: sedQuia, Product: &Product{UPC: "2"}},
	{ID: "8", Body: utEnim, Product: &Product{UPC: "2"}},
	{ID: "9", Body: utEnim, Product: &Product{UPC: "3"}},
	{ID: "10", Body: utEnim, Product: &Product{UPC: "4"}},
	{ID: "11", Body: atVero, Product: &Product{UPC: "4"}},
}

var (
	byID = func() map[string]*Review {
		m := make(map[string]*Review, len(Reviews))
		for _, r := range Reviews {
			m[r.ID] = r
		}
		return m
	}()
	byProduct = func() map[string][]*Review {
		m := map[string][]*Review{}
		for _, r := range Reviews {
			m[r.Product.UPC] = append(m[r.Product.UPC], r)
		}
		return m
	}()
	// author is every review's author, as the original answers it.
	author = &User{ID: "1", Username: "urigo", Reviews: Reviews[0:2]}
)

// ReviewByID returns the review with that id, or nil.
func ReviewByID(id string) *Review { return byID[id] }

// Author is the review's author: user 1, with the username "urigo" (the original answers
// the same author for every review).
func (r *Review) Author() *User { return author }

// UserEntity is the User entity of that id as this subgraph resolves it: the first two
// reviews, and a username "user" that the router must never use (username is @external
// here and provided only on Review.author).
func UserEntity(id string) *User {
	return &User{ID: id, Username: "user", Reviews: Reviews[0:2]}
}
