package ui

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// pageRequest sends a request as the page's JavaScript does (its header,
// a JSON body when in is not nil) with c, which holds the session's
// cookie, and returns the answer's status and body.
func pageRequest(t testing.TB, c *http.Client, method, url string, in any) (int, []byte) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, body)
	req.Header.Set("X-Crmbulk-Request", "1")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}
