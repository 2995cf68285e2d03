package baselinker

import "context"

type startsKey struct{}

// InFlight returns a context for requests that may still run after starts
// ends — an interrupt lets the requests in flight finish — while no new
// request begins once starts is done: waits for the limiter and pauses
// before a retry end with starts. The importer sends with it.
func InFlight(requests, starts context.Context) context.Context {
	return context.WithValue(requests, startsKey{}, starts)
}

// startsOf is the context that bounds when a request of ctx may start.
func startsOf(ctx context.Context) context.Context {
	if s, ok := ctx.Value(startsKey{}).(context.Context); ok {
		return s
	}
	return ctx
}
