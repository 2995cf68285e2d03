package baselinker

import (
	"context"
	"time"
)

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

type tryKey struct{}

// OnTry returns a context whose requests call try as each of their tries
// goes out — after the limiter's wait, before the request is written — with
// the time it goes: a journal dates a create from its try, not from before
// a wait that may have lasted longer than the request timeout. An error of
// try stops the call before that try is sent.
func OnTry(ctx context.Context, try func(at time.Time) error) context.Context {
	return context.WithValue(ctx, tryKey{}, try)
}

// tryStarts tells ctx's OnTry hook, if any, that a try goes out now.
func tryStarts(ctx context.Context) error {
	if try, ok := ctx.Value(tryKey{}).(func(time.Time) error); ok {
		return try(time.Now())
	}
	return nil
}
