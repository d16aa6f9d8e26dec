module fedstack/dataloaders

go 1.26.0

require (
	github.com/99designs/gqlgen v0.17.98
	github.com/vikstrous/dataloadgen v0.0.10
)

require (
	github.com/google/go-cmp v0.6.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/sosodev/duration v1.4.0 // indirect
	github.com/vektah/gqlparser/v2 v2.5.64 // indirect
	go.opentelemetry.io/otel v1.11.1 // indirect
	go.opentelemetry.io/otel/trace v1.11.1 // indirect
	golang.org/x/sync v0.24.0 // indirect
)
