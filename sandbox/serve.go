package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Serve runs a sandbox on addr ("127.0.0.1:0" picks a free port), calls
// ready with the endpoint URL ("http://HOST:PORT/connector.php"), serves
// until ctx is done, then shuts down gracefully and saves the state.
func Serve(ctx context.Context, cfg Config, addr string, ready func(url string)) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return errors.Join(fmt.Errorf("sandbox: listening on %s: %w; pick another address", addr, err), s.Close())
	}
	mux := http.NewServeMux()
	mux.Handle("/connector.php", s)
	conns := &connStates{m: map[net.Conn]bool{}}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ConnState: conns.set}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready("http://" + ln.Addr().String() + "/connector.php")
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case err := <-errc: // never nil
		if !errors.Is(err, http.ErrServerClosed) {
			serveErr = fmt.Errorf("sandbox: serving on %s: %w", addr, err)
		}
	}
	shutErr := shutdown(ctx, srv, conns)
	if shutErr != nil {
		shutErr = fmt.Errorf("sandbox: shutting down: %w", shutErr)
	}
	return errors.Join(serveErr, shutErr, s.Close())
}

// shutdown stops srv gracefully: requests being answered finish (for at most
// 5 s), then every other connection is closed. http.Server.Shutdown alone
// also waits up to 5 s for a connection that was opened but never sent a
// request — a client's spare connection — and then fails.
func shutdown(ctx context.Context, srv *http.Server, conns *connStates) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(sctx) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			if conns.active() == 0 {
				_ = srv.Close() // only idle or never-used connections are left
				return <-done
			}
		}
	}
}

// connStates tracks which connections of a server are in the middle of a
// request (http.StateActive).
type connStates struct {
	mu sync.Mutex
	m  map[net.Conn]bool // the active connections
}

func (c *connStates) set(conn net.Conn, st http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st == http.StateActive {
		c.m[conn] = true
	} else {
		delete(c.m, conn)
	}
}

// active counts the connections in the middle of a request.
func (c *connStates) active() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
