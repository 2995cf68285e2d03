package main

import (
	"strings"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
)

const defaultEndpoint = baselinker.DefaultEndpoint

// endpoint is --api-url, else BASELINKER_API_URL, else the real API.
func (a *app) endpoint() string {
	if a.apiURL != "" {
		return a.apiURL
	}
	if v := strings.TrimSpace(a.getenv("BASELINKER_API_URL")); v != "" {
		return v
	}
	return defaultEndpoint
}

// apiClient builds the API client every API-talking command uses: the token
// from --token-file (when given) or BASELINKER_TOKEN, the endpoint, and one
// limiter of --rate requests per sliding minute shared by all its goroutines.
// Configuration mistakes are usage errors (exit 2) before any request.
func (a *app) apiClient() (*baselinker.API, error) {
	token, err := baselinker.LoadToken(a.getenv, a.tokenFile)
	if err != nil {
		return nil, usageError{err}
	}
	api, err := baselinker.New(a.endpoint(), token,
		baselinker.WithLimiter(pacer.New(a.rate)),
		baselinker.WithLogger(a.logger),
		baselinker.WithVersion(version()),
	)
	if err != nil {
		return nil, usageError{err}
	}
	return api, nil
}
