package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/iostreams"
	"github.com/crmbulk/crmbulk/samples"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestDemoAccountLeavesTheEnvironment: the demo's export and import run on
// an account given through their options' API factory (the sandbox's URL
// and token): they reach the sandbox, while the environment — whose
// BASELINKER_TOKEN and BASELINKER_API_URL name another, unreachable
// account — is never asked for either, and the app's global settings and
// its getenv are the same after the run as before.
func TestDemoAccountLeavesTheEnvironment(t *testing.T) {
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 40, Seed: samples.DemoSeed})
	var mu sync.Mutex
	var asked []string
	getenv := func(k string) string {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, k)
		switch k {
		case "BASELINKER_TOKEN":
			return "3000001-3000002-SOMEONEELSE7Q4W9E2R5T8Y"
		case "BASELINKER_API_URL":
			return "http://127.0.0.1:9/connector.php"
		}
		return ""
	}
	ios, _, _, _ := iostreams.Test()
	a := &app{ios: ios, getenv: getenv, rate: 100, rateWindow: time.Minute, maxWait: time.Minute, timeout: 30 * time.Second,
		maxClients: baselinker.DefaultMaxClients, logFormat: "text", logLevel: "warn", noProgress: true, stateDir: ""}
	if err := a.setup(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data, mapFile := filepath.Join(dir, samples.DemoDataName), filepath.Join(dir, samples.DemoMappingName)
	if err := errors.Join(os.WriteFile(data, samples.DemoData, 0o644), os.WriteFile(mapFile, samples.DemoMapping, 0o644)); err != nil {
		t.Fatal(err)
	}
	acct := a.demoAccount(demoFlags{dir: dir, rate: 6000}, url, sandboxtest.DefaultToken)
	type settings struct {
		apiURL, tokenFile, stateDir string
		rate                        int
		getenv                      uintptr
	}
	now := func() settings {
		return settings{a.apiURL, a.tokenFile, a.stateDir, a.rate, reflect.ValueOf(a.getenv).Pointer()}
	}
	before := now()

	cmd := &cobra.Command{Use: "demo"}
	cmd.SetContext(context.Background())
	out, err := a.runExport(cmd, &exportOptions{out: filepath.Join(dir, "c.csv"), delimiter: ",", statusNames: true, account: acct})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll(); err != nil || len(recs) != 41 {
		t.Errorf("the export holds %d records (%v), want a header and the sandbox's 40 clients", len(recs), err)
	}
	err = a.runImport(cmd, &importOptions{input: data, account: acct,
		mapping: mapFile, report: filepath.Join(dir, "r.csv"), workers: 2, drain: time.Second})
	var rf rowsFailedError
	if !errors.As(err, &rf) || rf.invalid != samples.DemoCounts()["invalid"] || rf.failed != 0 {
		t.Fatalf("import: %v, want the sample's invalid rows only", err)
	}
	if got := len(s.Clients()); got != 40+samples.DemoCounts()["created"] {
		t.Errorf("the sandbox holds %d clients after the import, want %d", got, 40+samples.DemoCounts()["created"])
	}
	if after := now(); after != before {
		t.Errorf("the run changed the app's settings: %+v, before %+v", after, before)
	}
	if i := slices.IndexFunc(asked, func(k string) bool { return k == "BASELINKER_TOKEN" || k == "BASELINKER_API_URL" }); i >= 0 {
		t.Errorf("the demo's account read %s from the environment", asked[i])
	}
}

// TestCommandsHandTheirOptionsToRunF: each API-talking command parses its
// flags into its options, with the user's account (the global settings'
// state directory, the factory that reads the environment's token), and
// hands them to runF instead of running.
func TestCommandsHandTheirOptionsToRunF(t *testing.T) {
	a := &app{stateDir: "/state", getenv: func(k string) string {
		if k == "BASELINKER_TOKEN" {
			return "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y"
		}
		return ""
	}, rate: 100}
	var got []string
	account := func(name string, acct account) {
		if acct.StateDir != "/state" || acct.API == nil {
			t.Errorf("%s: account %+v", name, acct)
		}
		got = append(got, name)
	}
	cmds := []struct {
		cmd  *cobra.Command
		args []string
	}{
		{a.exportCmd(func(_ *cobra.Command, o *exportOptions) error {
			if o.out != "x.jsonl" || !o.notes {
				t.Errorf("export options %+v", *o)
			}
			account("export", o.account)
			return nil
		}), []string{"--out", "x.jsonl", "--notes"}},
		{a.importCmd(func(_ *cobra.Command, o *importOptions) error {
			if o.input != "f.csv" || o.mapping != "m.yaml" || !o.dryRun {
				t.Errorf("import options %q %+v", o.input, *o)
			}
			account("import", o.account)
			return nil
		}), []string{"f.csv", "--mapping", "m.yaml", "--dry-run"}},
		{a.undoCmd(func(_ *cobra.Command, o *undoOptions) error {
			if o.source != "r.csv" || !o.yes {
				t.Errorf("undo options %q %+v", o.source, *o)
			}
			account("undo", o.account)
			return nil
		}), []string{"r.csv", "--yes"}},
		{a.accountCmd(func(_ *cobra.Command, o *accountOptions) error {
			if o.format != "json" {
				t.Errorf("account options %+v", o)
			}
			account("account", o.account)
			return nil
		}), []string{"--format", "json"}},
		{a.demoCmd(func(_ *cobra.Command, o *demoFlags) error {
			if o.clients != 7 {
				t.Errorf("demo options %+v", *o)
			}
			got = append(got, "demo")
			return nil
		}), []string{"--clients", "7"}},
	}
	for _, c := range cmds {
		c.cmd.SetArgs(c.args)
		if err := c.cmd.Execute(); err != nil {
			t.Errorf("%s: %v", c.cmd.Name(), err)
		}
	}
	if want := []string{"export", "import", "undo", "account", "demo"}; !slices.Equal(got, want) {
		t.Errorf("runF called for %v, want %v", got, want)
	}
}
