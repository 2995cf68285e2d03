package main

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/baselinker/sharedwindow"
)

// account is how a command reaches the API and where the runs on it keep
// their state: gh's HttpClient factory in a command's options. The user's
// comes from the global flags and the environment (userAccount); the demo
// (and a server) give their own (demoAccount), so that nothing swaps the
// environment or the global flags to talk to another account.
type account struct {
	// API makes the API client (a new one each call; the token is read then).
	API func() (*baselinker.API, error)
	// StateDir keeps the token's shared request window, the locks and the
	// record key: "" = $CRMBULK_STATE_DIR or the system's (sharedwindow.Dir).
	StateDir string
}

// userAccount is the account the global flags and the environment name:
// --api-url or BASELINKER_API_URL, --token-file or BASELINKER_TOKEN, --rate
// and --state-dir. Read when a command runs, after its flags are parsed.
func (a *app) userAccount() account {
	return account{API: a.apiClient, StateDir: a.stateDir}
}

// apiClient builds the user's API client: the token from --token-file (when
// given) or BASELINKER_TOKEN, the endpoint, --rate and --state-dir.
func (a *app) apiClient() (*baselinker.API, error) {
	token, err := baselinker.LoadToken(a.getenv, a.tokenFile, func(msg string) { a.logger.Warn(msg) })
	if err != nil {
		return nil, usageError{err}
	}
	return a.apiWith(token)
}

// newAPI builds the API client every API-talking command uses: the token
// and endpoint, and one limiter of rate requests per sliding minute shared
// by all its goroutines and, through the token's state file in stateDir,
// by every other crmbulk run on this machine that uses the token.
// Configuration mistakes are usage errors (exit 2) before any request.
func (a *app) newAPI(endpoint string, token baselinker.Token, rate int, stateDir string) (*baselinker.API, error) {
	api, err := baselinker.New(endpoint, token,
		baselinker.WithLimiter(a.limiter(token, rate, stateDir)),
		baselinker.WithLogger(a.logger),
		baselinker.WithVersion(version()),
		baselinker.WithTimeout(a.timeout),
	)
	if err != nil {
		return nil, usageError{err}
	}
	return api, nil
}

// apiWith is the user's API client for a token already found (crmbulk
// ui's page may paste one): the endpoint, --rate and --state-dir as the
// other commands have them. The endpoint is --api-url, else
// BASELINKER_API_URL, else the real API.
func (a *app) apiWith(token baselinker.Token) (*baselinker.API, error) {
	endpoint := cmp.Or(a.apiURL, strings.TrimSpace(a.getenv("BASELINKER_API_URL")), baselinker.DefaultEndpoint)
	return a.newAPI(endpoint, token, a.rate, a.stateDir)
}

// limiter is the run's limiter, its window shared with the token's other
// runs through a state file (sharedwindow). Without a usable state
// directory the run keeps its own window, and says so. A run told to keep
// its window in a folder of its own says, before it sends, when another
// user's run is live on the token in the system-wide one.
func (a *app) limiter(token baselinker.Token, rate int, stateDir string) *pacer.Limiter {
	warn := func(msg string) { a.logger.Warn(msg) }
	opts := []pacer.Option{pacer.WithWindow(a.rateWindow), pacer.WithMaxWait(a.maxWait)}
	dir, err := sharedwindow.Dir(stateDir, a.getenv)
	var store *sharedwindow.Store
	if err == nil {
		store, err = sharedwindow.Open(dir, token.Reveal(), warn)
	}
	if err != nil {
		a.logger.Warn("the request window is not shared with other crmbulk runs on this token: keep runs on one token apart, or fix --state-dir", "error", err)
		return pacer.New(rate, opts...)
	}
	if path, live := sharedwindow.SystemLive(dir, token.Reveal(), a.getenv, time.Now(), a.rateWindow+pacer.DefaultMargin); live {
		a.logger.Warn(fmt.Sprintf("another user's crmbulk run is sending on this token with its window in %s, but this run keeps its own in %s "+
			"(--state-dir or %s): together they may go over --rate and get the token blocked; "+
			"wait for the other run, or run without --state-dir/%s so that both share one window", path, dir, sharedwindow.DirEnv, sharedwindow.DirEnv))
	}
	return pacer.New(rate, append(opts, pacer.WithShared(store, func(err error) {
		a.logger.Warn("the shared request window failed; this run goes on with its own window", "error", err)
	}))...)
}
