// Package engine plans and executes federated operations on the composed supergraph.
//
// A request passes: parse → normalize and validate against the client schema (so
// @inaccessible fields can be neither introspected nor executed) → plan against the full
// schema → resolve, fetching from the subgraphs. Everything up to the plan is cached per
// operation text and name.
package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/cespare/xxhash/v2"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2"
	gqlast "github.com/vektah/gqlparser/v2/ast"
	"github.com/wundergraph/astjson"
	gqlengine "github.com/wundergraph/graphql-go-tools/execution/engine"
	"github.com/wundergraph/graphql-go-tools/execution/graphql"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/ast"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/astnormalization"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/astparser"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/astprinter"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/astvalidation"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/engine/datasource/introspection_datasource"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/engine/plan"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/engine/postprocess"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/engine/resolve"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/operationreport"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/variablesvalidation"

	"fedstack/router/compose"
)

// Options configure an Engine.
type Options struct {
	// HTTPClient carries every subgraph request, including websocket upgrades. Wrap its
	// transport to sign requests and propagate traces.
	HTTPClient *http.Client
	// StreamingClient carries SSE subscriptions to subgraphs (no timeout).
	StreamingClient *http.Client
	Logger          *slog.Logger
	// CacheSize is how many prepared operations (normalized + planned) are kept.
	CacheSize int
	// MaxConcurrency bounds concurrent resolves (default 1024).
	MaxConcurrency int
	// Registerer receives the engine's metrics (nil: not registered).
	Registerer prometheus.Registerer
	// NoDeduplication turns off sharing one resolution among identical in-flight queries.
	NoDeduplication bool
}

// Engine executes operations against one composed supergraph. It is safe for concurrent use.
type Engine struct {
	// clientGQL validates operations with gqlparser, whose errors carry the spec's wording
	// and locations; graphql-go-tools then normalizes and plans.
	clientGQL  *gqlast.Schema
	client     *graphql.Schema
	full       *graphql.Schema
	planConfig plan.Configuration
	resolver   *resolve.Resolver
	cache      *lru.Cache[uint64, *Operation]
	plans      *lru.Cache[uint64, plan.Plan]
	logger     *slog.Logger
	subgraphs  []string
	cacheHits  prometheus.Counter
	cacheMiss  prometheus.Counter
	noDedup    bool
}

// New builds the engine: data sources for every subgraph plus introspection of the client
// schema. ctx bounds the engine's background work (subscriptions).
func New(ctx context.Context, sg *compose.Supergraph, opts Options) (*Engine, error) {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.StreamingClient == nil {
		opts.StreamingClient = &http.Client{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = 2048
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 1024
	}
	factory := gqlengine.NewFederationEngineConfigFactory(ctx,
		gqlengine.WithFederationHttpClient(opts.HTTPClient),
		gqlengine.WithFederationStreamingClient(opts.StreamingClient),
	)
	cfg, err := factory.BuildEngineConfiguration(sg.RouterConfig)
	if err != nil {
		return nil, fmt.Errorf("engine configuration: %w", err)
	}
	full, err := graphql.NewSchemaFromString(sg.FullSDL)
	if err != nil {
		return nil, fmt.Errorf("full schema: %w", err)
	}
	client, err := graphql.NewSchemaFromString(sg.ClientSDL)
	if err != nil {
		return nil, fmt.Errorf("client schema: %w", err)
	}
	clientGQL, err := gqlparser.LoadSchema(&gqlast.Source{Name: "client schema", Input: sg.ClientSDL})
	if err != nil {
		return nil, fmt.Errorf("client schema: %w", err)
	}
	pc := plan.Configuration{
		DefaultFlushIntervalMillis: gqlengine.DefaultFlushIntervalInMilliseconds,
		DataSources:                cfg.DataSources(),
		Fields:                     cfg.FieldConfigurations(),
	}
	for _, tc := range sg.RouterConfig.EngineConfig.TypeConfigurations {
		pc.Types = append(pc.Types, plan.TypeConfiguration{TypeName: tc.TypeName, RenameTo: tc.RenameTo})
	}
	// Introspection answers from the client schema, never the full one.
	intro, err := introspection_datasource.NewIntrospectionConfigFactory(client.Document())
	if err != nil {
		return nil, fmt.Errorf("introspection: %w", err)
	}
	pc.DataSources = append(pc.DataSources, intro.BuildDataSourceConfigurations()...)
	pc.Fields = append(pc.Fields, intro.BuildFieldConfigurations()...)

	cache, err := lru.New[uint64, *Operation](opts.CacheSize)
	if err != nil {
		return nil, err
	}
	plans, err := lru.New[uint64, plan.Plan](opts.CacheSize)
	if err != nil {
		return nil, err
	}
	resolver := resolve.New(ctx, resolve.ResolverOptions{
		MaxConcurrency:                     opts.MaxConcurrency,
		PropagateSubgraphErrors:            true,
		PropagateSubgraphStatusCodes:       false,
		SubgraphErrorPropagationMode:       resolve.SubgraphErrorPropagationModePassThrough,
		RewriteSubgraphErrorPaths:          true,
		AllowedErrorExtensionFields:        []string{"code", "retryAfter", "field", "requestId", "serviceName", "current"},
		AllowedSubgraphErrorFields:         []string{"message", "path", "locations", "extensions"},
		AttachServiceNameToErrorExtensions: true,
		DefaultErrorExtensionCode:          "SUBGRAPH_ERROR",
		MaxRecyclableParserSize:            64 * 1024,
		SubscriptionHeartbeatInterval:      15 * time.Second,
	})
	lookups := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "router_operation_cache_lookups_total",
		Help: "Lookups of prepared (parsed, validated, planned) operations by result.",
	}, []string{"result"})
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(lookups); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(sg.Subgraphs))
	for _, s := range sg.Subgraphs {
		names = append(names, s.Name)
	}
	return &Engine{
		clientGQL:  clientGQL,
		client:     client,
		full:       full,
		planConfig: pc,
		resolver:   resolver,
		cache:      cache,
		plans:      plans,
		logger:     opts.Logger,
		subgraphs:  names,
		cacheHits:  lookups.WithLabelValues("hit"),
		cacheMiss:  lookups.WithLabelValues("miss"),
		noDedup:    opts.NoDeduplication,
	}, nil
}

// OperationType is query, mutation or subscription.
type OperationType string

const (
	Query        OperationType = "query"
	Mutation     OperationType = "mutation"
	Subscription OperationType = "subscription"
)

// Operation is a parsed, validated, normalized and planned operation, shared by every
// request with the same text and operation name.
type Operation struct {
	Type OperationType
	Name string
	// Hash identifies the operation text and name (used for caching and metrics).
	Hash uint64

	query     string
	doc       *ast.Document
	plan      plan.Plan
	extracted []byte // variables extracted from inline arguments and defaults
	remap     map[string]string
	// perRequest is set when a variable sits inside an object or list literal: variable
	// extraction then depends on the request's values, so Bind normalizes per request.
	perRequest bool
	// declaresVariables is set when the operation declares variables; without any, the
	// only variables are those extraction made from validated literals.
	declaresVariables bool
}

// Bound is an operation bound to one request's variables, ready to execute.
type Bound struct {
	Op *Operation
	// id identifies the planned operation (the same for every request that shares a plan).
	id        uint64
	plan      plan.Plan
	variables []byte
	remap     map[string]string
}

// Prepare parses, validates and plans an operation, or returns it from the cache.
// Errors are *RequestError (the client's fault) or internal errors.
func (e *Engine) Prepare(query, operationName string) (*Operation, error) {
	h := xxhash.New()
	_, _ = h.WriteString(operationName)
	_, _ = h.Write([]byte{0})
	_, _ = h.WriteString(query)
	key := h.Sum64()
	if op, ok := e.cache.Get(key); ok {
		e.cacheHits.Inc()
		return op, nil
	}
	e.cacheMiss.Inc()
	op, err := e.prepare(query, operationName)
	if err != nil {
		return nil, err
	}
	op.Hash = key
	e.cache.Add(key, op)
	return op, nil
}

func (e *Engine) prepare(query, operationName string) (*Operation, error) {
	if _, errs := gqlparser.LoadQuery(e.clientGQL, query); len(errs) > 0 {
		return nil, gqlparserError(errs)
	}
	doc, report := astparser.ParseGraphqlDocumentString(query)
	if report.HasErrors() {
		return nil, reportError(KindParse, report, query)
	}
	opRef, rerr := selectOperation(&doc, operationName)
	if rerr != nil {
		return nil, rerr
	}
	opType := Query
	switch doc.OperationDefinitions[opRef].OperationType {
	case ast.OperationTypeMutation:
		opType = Mutation
	case ast.OperationTypeSubscription:
		opType = Subscription
	}
	name := doc.OperationDefinitionNameString(opRef)
	declaresVariables := doc.OperationDefinitions[opRef].HasVariableDefinitions
	doc.Input.Variables = []byte("{}")

	definition := e.client.Document()
	normalizer := astnormalization.NewWithOpts(
		astnormalization.WithRemoveFragmentDefinitions(),
		astnormalization.WithRemoveUnusedVariables(),
		astnormalization.WithInlineFragmentSpreads(),
		astnormalization.WithRemoveNotMatchingOperationDefinitions(),
		astnormalization.WithPrevalidationRules(
			astvalidation.DirectivesAreInValidLocations(),
		),
	)
	normalizer.NormalizeNamedOperation(&doc, definition, []byte(name), &report)
	if report.HasErrors() {
		return nil, reportError(KindValidation, report, query)
	}
	validator := astvalidation.DefaultOperationValidator()
	validator.Validate(&doc, definition, &report)
	if report.HasErrors() {
		return nil, reportError(KindValidation, report, query)
	}
	if hasNestedVariables(&doc) {
		return &Operation{Type: opType, Name: name, query: query, doc: &doc, perRequest: true, declaresVariables: true}, nil
	}
	extractor := astnormalization.NewWithOpts(astnormalization.WithExtractVariables())
	extractor.NormalizeNamedOperation(&doc, definition, []byte(name), &report)
	if report.HasErrors() {
		return nil, reportError(KindValidation, report, query)
	}
	remap := astnormalization.NewVariablesMapper().NormalizeOperation(&doc, definition, &report)
	if report.HasErrors() {
		return nil, reportError(KindValidation, report, query)
	}

	planner, err := plan.NewPlanner(e.planConfig)
	if err != nil {
		return nil, fmt.Errorf("planner: %w", err)
	}
	p := planner.Plan(&doc, e.full.Document(), name, &report)
	if report.HasErrors() {
		return nil, reportError(KindPlan, report, query)
	}
	postprocess.NewProcessor().Process(p)

	extracted := bytes.Clone(doc.Input.Variables)
	return &Operation{
		Type:      opType,
		Name:      name,
		query:     query,
		doc:       &doc,
		plan:      p,
		extracted: extracted,
		remap:     remap,

		declaresVariables: declaresVariables,
	}, nil
}

// selectOperation finds the operation to run, as the GraphQL spec's GetOperation does.
func selectOperation(doc *ast.Document, name string) (int, *RequestError) {
	var refs []int
	for _, n := range doc.RootNodes {
		if n.Kind == ast.NodeKindOperationDefinition {
			refs = append(refs, n.Ref)
		}
	}
	if len(refs) == 0 {
		return -1, &RequestError{Kind: KindValidation, Errors: []GraphQLError{{Message: "the document contains no operation: send a query, mutation or subscription"}}}
	}
	if name == "" {
		if len(refs) > 1 {
			return -1, &RequestError{Kind: KindValidation, Errors: []GraphQLError{{Message: "the document has several operations: say which one to run in operationName"}}}
		}
		return refs[0], nil
	}
	for _, ref := range refs {
		if doc.OperationDefinitionNameString(ref) == name {
			return ref, nil
		}
	}
	return -1, &RequestError{Kind: KindValidation, Errors: []GraphQLError{{Message: fmt.Sprintf("operationName %q matches no operation in the document", name)}}}
}

// Bind checks the request's variables against the operation and binds them to it.
func (e *Engine) Bind(op *Operation, variables []byte) (*Bound, error) {
	if op.perRequest {
		return e.bindPerRequest(op, variables)
	}
	merged, err := mergeVariables(op.extracted, variables)
	if err != nil {
		return nil, &RequestError{Kind: KindVariables, Errors: []GraphQLError{{Message: "variables must be a JSON object: " + err.Error()}}}
	}
	if op.declaresVariables {
		if err := e.validateVariables(op.doc, merged, op.remap); err != nil {
			return nil, err
		}
	}
	return &Bound{Op: op, id: op.Hash, plan: op.plan, variables: merged, remap: op.remap}, nil
}

// bindPerRequest normalizes the operation with the request's variables (extraction
// reads them), then plans it, reusing a cached plan for the same normalized form.
func (e *Engine) bindPerRequest(op *Operation, variables []byte) (*Bound, error) {
	vars := bytes.TrimSpace(variables)
	if len(vars) == 0 || bytes.Equal(vars, []byte("null")) {
		vars = []byte("{}")
	}
	if v, err := astjson.ParseBytes(vars); err != nil || v.Type() != astjson.TypeObject {
		return nil, &RequestError{Kind: KindVariables, Errors: []GraphQLError{{Message: "variables must be a JSON object"}}}
	}
	doc, report := astparser.ParseGraphqlDocumentString(op.query)
	if report.HasErrors() {
		return nil, reportError(KindParse, report, op.query)
	}
	// Check the client's variables before extraction folds them into new ones.
	definition := e.client.Document()
	doc.Input.Variables = bytes.Clone(vars)
	normalizer := astnormalization.NewWithOpts(
		astnormalization.WithRemoveFragmentDefinitions(),
		astnormalization.WithRemoveUnusedVariables(),
		astnormalization.WithInlineFragmentSpreads(),
		astnormalization.WithRemoveNotMatchingOperationDefinitions(),
	)
	normalizer.NormalizeNamedOperation(&doc, definition, []byte(op.Name), &report)
	if report.HasErrors() {
		return nil, reportError(KindValidation, report, op.query)
	}
	if err := e.validateVariables(&doc, doc.Input.Variables, nil); err != nil {
		return nil, err
	}
	extractor := astnormalization.NewWithOpts(astnormalization.WithExtractVariables())
	extractor.NormalizeNamedOperation(&doc, definition, []byte(op.Name), &report)
	if report.HasErrors() {
		return nil, reportError(KindValidation, report, op.query)
	}
	remap := astnormalization.NewVariablesMapper().NormalizeOperation(&doc, definition, &report)
	if report.HasErrors() {
		return nil, reportError(KindValidation, report, op.query)
	}
	h := xxhash.New()
	_, _ = h.WriteString(op.Name)
	_, _ = h.Write([]byte{0})
	if err := astprinter.Print(&doc, h); err != nil {
		return nil, fmt.Errorf("print normalized operation: %w", err)
	}
	key := h.Sum64()
	p, ok := e.plans.Get(key)
	if !ok {
		planner, err := plan.NewPlanner(e.planConfig)
		if err != nil {
			return nil, fmt.Errorf("planner: %w", err)
		}
		p = planner.Plan(&doc, e.full.Document(), op.Name, &report)
		if report.HasErrors() {
			return nil, reportError(KindPlan, report, op.query)
		}
		postprocess.NewProcessor().Process(p)
		e.plans.Add(key, p)
	}
	return &Bound{Op: op, id: key, plan: p, variables: doc.Input.Variables, remap: remap}, nil
}

func (e *Engine) validateVariables(doc *ast.Document, variables []byte, remap map[string]string) error {
	validator := variablesvalidation.NewVariablesValidator(variablesvalidation.VariablesValidatorOptions{})
	err := validator.ValidateWithRemap(doc, e.full.Document(), variables, remap)
	if err == nil {
		return nil
	}
	msg := err.Error()
	var inv *variablesvalidation.InvalidVariableError
	if errors.As(err, &inv) {
		msg = inv.Message
	}
	return &RequestError{Kind: KindVariables, Errors: []GraphQLError{{Message: msg, Extensions: map[string]any{"code": "BAD_USER_INPUT"}}}}
}

// hasNestedVariables tells whether a variable is used inside an object or list literal.
func hasNestedVariables(doc *ast.Document) bool {
	var inLiteral func(v ast.Value, nested bool) bool
	inLiteral = func(v ast.Value, nested bool) bool {
		switch v.Kind {
		case ast.ValueKindVariable:
			return nested
		case ast.ValueKindObject:
			for _, ref := range doc.ObjectValues[v.Ref].Refs {
				if inLiteral(doc.ObjectFields[ref].Value, true) {
					return true
				}
			}
		case ast.ValueKindList:
			for _, ref := range doc.ListValues[v.Ref].Refs {
				if inLiteral(doc.Values[ref], true) {
					return true
				}
			}
		}
		return false
	}
	for i := range doc.Arguments {
		if inLiteral(doc.Arguments[i].Value, false) {
			return true
		}
	}
	return false
}

// mergeVariables lays the client's variables over the extracted ones.
func mergeVariables(extracted, client []byte) ([]byte, error) {
	client = bytes.TrimSpace(client)
	if len(client) == 0 || bytes.Equal(client, []byte("null")) {
		if len(extracted) == 0 {
			return []byte("{}"), nil
		}
		return extracted, nil
	}
	cv, err := astjson.ParseBytes(client)
	if err != nil {
		return nil, err
	}
	if cv.Type() != astjson.TypeObject {
		return nil, errors.New("got " + cv.Type().String())
	}
	if len(extracted) == 0 || bytes.Equal(extracted, []byte("{}")) {
		return client, nil
	}
	ev, err := astjson.ParseBytes(extracted)
	if err != nil {
		return nil, err
	}
	obj, _ := cv.Object()
	obj.Visit(func(k []byte, v *astjson.Value) {
		ev.Set(nil, string(k), v)
	})
	return ev.MarshalTo(nil), nil
}

// Headers decides what each subgraph request carries. Hash must change whenever the
// headers do: the engine deduplicates identical in-flight subgraph requests only among
// requests with the same hash (so one caller never receives another caller's data).
type Headers interface {
	ForSubgraph(name string) (http.Header, uint64)
	Hash() uint64
}

type headersBuilder struct{ h Headers }

func (b headersBuilder) HeadersForSubgraph(name string) (http.Header, uint64) {
	return b.h.ForSubgraph(name)
}
func (b headersBuilder) HashAll() uint64 { return b.h.Hash() }

// ExecOptions carry per-request inputs.
type ExecOptions struct {
	Headers Headers // may be nil
	// InitialPayload is forwarded as the connection_init payload of upstream websocket
	// subscriptions.
	InitialPayload []byte
}

func (e *Engine) context(ctx context.Context, b *Bound, o ExecOptions) *resolve.Context {
	rc := resolve.NewContext(ctx)
	if len(b.variables) > 0 {
		rc.Variables = astjson.MustParseBytes(b.variables)
	}
	rc.RemapVariables = b.remap
	rc.InitialPayload = o.InitialPayload
	// Identical queries in flight at once (same operation, variables and caller
	// credentials) are resolved once and the answer shared.
	rc.Request.ID = b.id
	rc.VariablesHash = xxhash.Sum64(b.variables)
	if o.Headers != nil {
		rc.SubgraphHeadersBuilder = headersBuilder{o.Headers}
	}
	if o.Headers == nil || e.noDedup {
		rc.ExecutionOptions.DisableInboundRequestDeduplication = true
	}
	return rc
}

// Execute runs a query or mutation and writes the GraphQL response JSON to w.
func (e *Engine) Execute(ctx context.Context, b *Bound, o ExecOptions, w io.Writer) error {
	rc := e.context(ctx, b, o)
	switch p := b.plan.(type) {
	case *plan.SynchronousResponsePlan:
		_, err := e.resolver.ArenaResolveGraphQLResponse(rc, p.Response, w)
		return err
	case *plan.SubscriptionResponsePlan:
		return &RequestError{Kind: KindMethod, Errors: []GraphQLError{{Message: "subscriptions need a websocket (graphql-transport-ws) or an SSE request (Accept: text/event-stream)"}}}
	default:
		return fmt.Errorf("operation plan of type %T is not supported", p)
	}
}

// SubscriptionWriter receives each event of a subscription.
type SubscriptionWriter = resolve.SubscriptionResponseWriter

// Subscribe runs a subscription until ctx ends or the upstream completes; each event is
// written to w and flushed.
func (e *Engine) Subscribe(ctx context.Context, b *Bound, o ExecOptions, w SubscriptionWriter) error {
	p, ok := b.plan.(*plan.SubscriptionResponsePlan)
	if !ok {
		return fmt.Errorf("operation is a %s, not a subscription", b.Op.Type)
	}
	rc := e.context(ctx, b, o)
	return e.resolver.ResolveGraphQLSubscription(rc, p.Response, w)
}

// Subgraphs lists the names of the composed subgraphs.
func (e *Engine) Subgraphs() []string { return e.subgraphs }

// ClientSchema is the schema clients see.
func (e *Engine) ClientSchema() *graphql.Schema { return e.client }

// reportError turns an operation report into a RequestError, adding locations where the
// library left them out.
func reportError(kind Kind, report operationreport.Report, query string) error {
	if len(report.ExternalErrors) == 0 && len(report.InternalErrors) > 0 {
		return fmt.Errorf("%s: %w", kind, report.InternalErrors[0])
	}
	re := &RequestError{Kind: kind}
	for _, ext := range report.ExternalErrors {
		ge := GraphQLError{Message: ext.Message}
		for _, l := range ext.Locations {
			if l.Line == 0 && l.Column == 0 {
				continue
			}
			ge.Locations = append(ge.Locations, Location{Line: int(l.Line), Column: int(l.Column)})
		}
		if ge.Locations == nil && kind == KindParse {
			if loc, ok := parseErrorLocation(ext.Message, query); ok {
				ge.Locations = []Location{loc}
			}
		}
		code := "GRAPHQL_VALIDATION_FAILED"
		if kind == KindParse {
			code = "GRAPHQL_PARSE_FAILED"
		}
		if ext.ExtensionCode != "" {
			code = ext.ExtensionCode
		}
		ge.Extensions = map[string]any{"code": code}
		re.Errors = append(re.Errors, ge)
	}
	return re
}
