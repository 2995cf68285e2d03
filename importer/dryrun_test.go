package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sheet"
)

// toXLSX writes the rows of the CSV file in to an XLSX file out.
func toXLSX(t *testing.T, in, out string) string {
	t.Helper()
	rd, err := sheet.Open(in, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	w, err := sheet.Create(out, sheet.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rd.Header()); err != nil {
		t.Fatal(err)
	}
	// Blank rows keep the CSV's row numbers.
	next := 2
	for {
		row, err := rd.Read()
		if err != nil {
			break
		}
		for ; next < row.Num; next++ {
			if err := w.Write(nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Write(row.Cells); err != nil {
			t.Fatal(err)
		}
		next++
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// toCSVRecords reads a report of any format as records, header included.
func toCSVRecords(t *testing.T, path string) [][]string {
	t.Helper()
	rd, err := sheet.Open(path, sheet.Options{UnguardFormulas: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	recs := [][]string{rd.Header()}
	for {
		row, err := rd.Read()
		if err != nil {
			return recs
		}
		recs = append(recs, row.Cells)
	}
}

// dryInput is a file of n rows spanning several batches: every 7th row
// repeats the email of the row 300 rows above it (a later batch), every 50th
// has a bad star, and blank lines are scattered.
// want gives the status and error code each row must get with --match-by
// email against an empty account, by spreadsheet row number.
func dryInput(n int) (content string, want map[int][2]string) {
	var b strings.Builder
	b.WriteString("email,invoice_fullname,star\n")
	want = map[int][2]string{}
	seen := map[string]bool{}
	line := 1
	for i := range n {
		if i%113 == 5 {
			b.WriteString("\n")
			line++
		}
		line++
		email := fmt.Sprintf("c%d@example.com", i)
		if i%7 == 0 && i >= 300 {
			email = fmt.Sprintf("C%d@Example.com", i-300) // same key, other case
		}
		star := strconv.Itoa(i % 6)
		switch {
		case i%50 == 1:
			star = "many"
		}
		fmt.Fprintf(&b, "%s,Name %d,%s\n", email, i, star)
		key := strings.ToLower(email)
		switch {
		case star == "many":
			want[line] = [2]string{string(StatusInvalid), CodeInvalid}
		case seen[key]:
			want[line] = [2]string{string(StatusUpdated), ""}
		default:
			seen[key] = true
			want[line] = [2]string{string(StatusCreated), ""}
		}
	}
	return b.String(), want
}

// dryRows is the size of the dry-run tests' input: about 800 KiB of CSV,
// so several chunks (sheet reads about 256 KiB at a time) and many XLSX
// batches.
const dryRows = 25_000

// checkDryReport checks a dry run's report against want: one line per
// non-blank row, in file order, with the wanted status and code.
func checkDryReport(t *testing.T, sum Summary, want map[int][2]string) {
	t.Helper()
	recs := readReport(t, sum.Report)
	if len(recs)-1 != len(want) || sum.Rows != len(want) {
		t.Fatalf("report has %d lines, summary %d rows, want %d", len(recs)-1, sum.Rows, len(want))
	}
	prev := 0
	for _, rec := range recs[1:] {
		row, err := strconv.Atoi(rec[0])
		if err != nil || row <= prev {
			t.Fatalf("row %q after row %d: not in file order", rec[0], prev)
		}
		prev = row
		w, ok := want[row]
		if !ok {
			t.Fatalf("report line for row %d, which is blank or absent", row)
		}
		if rec[1] != w[0] || rec[3] != w[1] {
			t.Fatalf("row %d: status %q code %q (%s), want %q %q", row, rec[1], rec[3], rec[4], w[0], w[1])
		}
		if w[0] != string(StatusInvalid) && rec[8] != dryNote {
			t.Fatalf("row %d: note %q, want %q", row, rec[8], dryNote)
		}
		if rec[9] != sum.InputSHA || len(sum.InputSHA) != 16 {
			t.Fatalf("row %d: input_sha256 %q, want %q", row, rec[9], sum.InputSHA)
		}
	}
}

// TestDryRunBatches: a dry run over many chunks (CSV) or batches (XLSX)
// answers every row once, in file order, and rows with the same key in
// different chunks see each other (the later one updates the would-be
// client of the earlier one).
func TestDryRunBatches(t *testing.T) {
	content, want := dryInput(dryRows)
	dir := t.TempDir()
	csvIn := writeFile(t, dir, "in.csv", content)
	xlsxIn := toXLSX(t, csvIn, filepath.Join(dir, "in.xlsx"))
	for _, in := range []string{csvIn, xlsxIn} {
		for _, workers := range []int{1, 8} {
			t.Run(fmt.Sprint(filepath.Ext(in), " workers=", workers), func(t *testing.T) {
				_, api := newAPI(t, sandbox.Config{Seed: 1}, 0, 0)
				sum, err := Run(context.Background(), api, in, WithDryRun(true), WithMatchBy("email"), WithWorkers(workers),
					WithReport(filepath.Join(t.TempDir(), "r.csv")))
				if err != nil {
					t.Fatal(err)
				}
				checkDryReport(t, sum, want)
			})
		}
	}
}

// TestDryRunDecidedByThePool: without --match-by every row's answer is the
// pool's (and so is its formatted line): created, or invalid; a CSV and an
// XLSX report say the same.
func TestDryRunDecidedByThePool(t *testing.T) {
	content, withKeys := dryInput(dryRows)
	want := map[int][2]string{}
	for row, w := range withKeys {
		if w[0] == string(StatusUpdated) {
			w = [2]string{string(StatusCreated), ""} // no index: a repeated email is another new client
		}
		want[row] = w
	}
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", content)
	sum, err := Run(context.Background(), nil, in, WithDryRun(true))
	if err != nil {
		t.Fatal(err)
	}
	checkDryReport(t, sum, want)

	xsum, err := Run(context.Background(), nil, in, WithDryRun(true), WithReport(filepath.Join(dir, "r.xlsx")))
	if err != nil {
		t.Fatal(err)
	}
	got := toCSVRecords(t, xsum.Report)
	if csvRecs := readReport(t, sum.Report); fmt.Sprint(got) != fmt.Sprint(csvRecs) {
		t.Error("the XLSX report of the same dry run differs from the CSV one")
	}
}

// rowCounter is a progress.Reporter that counts rows.
type rowCounter struct{ n atomic.Int64 }

func (c *rowCounter) Start(string, int64, string) {}
func (c *rowCounter) Add(n int64)                 { c.n.Add(n) }
func (c *rowCounter) Describe(string)             {}
func (c *rowCounter) Finish()                     {}

// TestDryRunWhileHashing: the rows a dry run checks while its input is
// still being hashed have their lines kept and written with the
// fingerprint once it is known — all of them, with a budget that holds the
// report; with a small budget the writer waits for it instead.
func TestDryRunWhileHashing(t *testing.T) {
	content, withKeys := dryInput(dryRows)
	want := map[int][2]string{}
	for row, w := range withKeys {
		if w[0] == string(StatusUpdated) {
			w = [2]string{string(StatusCreated), ""}
		}
		want[row] = w
	}
	in := writeFile(t, t.TempDir(), "in.csv", content)
	for _, tc := range []struct {
		name   string
		budget int
		before int64 // rows checked before the fingerprint may be known
	}{
		{"every line kept", dryParkBytes, int64(len(want))},
		{"over the budget", 64 << 10, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := &rowCounter{}
			slow := func(r io.Reader, name string) (string, error) {
				deadline := time.Now().Add(20 * time.Second)
				for rows.n.Load() < tc.before && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
				if rows.n.Load() < tc.before {
					return "", errors.New("the rows were not checked while the input was being hashed")
				}
				time.Sleep(20 * time.Millisecond) // the writer waits a little
				return hashInput(r, name)
			}
			sum, err := Run(context.Background(), nil, in, WithDryRun(true), WithProgress(rows), withHash(slow),
				withParkBytes(tc.budget), WithReport(filepath.Join(t.TempDir(), "r.csv")))
			if err != nil {
				t.Fatal(err)
			}
			if sha, _ := FileSHA(in); sum.InputSHA != sha {
				t.Fatalf("InputSHA %q, want %q", sum.InputSHA, sha)
			}
			checkDryReport(t, sum, want)
		})
	}
}

// TestDryRunHashFails: a fingerprint that cannot be computed fails the
// dry run as bad input.
func TestDryRunHashFails(t *testing.T) {
	content, _ := dryInput(1000)
	in := writeFile(t, t.TempDir(), "in.csv", content)
	broken := func(io.Reader, string) (string, error) {
		return "", fmt.Errorf("%w: reading in.csv: the disk is gone", ErrBadInput)
	}
	_, err := Run(context.Background(), nil, in, WithDryRun(true), withHash(broken))
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "the disk is gone") {
		t.Fatalf("err = %v, want the fingerprint's error", err)
	}
}

// TestDryRunBadInputInALaterChunk: a misplaced quote, an invalid byte or a
// ragged row far into the file ends the dry run with ErrBadInput naming
// the row; the report holds the rows before it.
func TestDryRunBadInputInALaterChunk(t *testing.T) {
	content, _ := dryInput(dryRows)
	lines := strings.SplitAfter(content, "\n")
	at := len(lines) - 200 // a row in the last chunk
	for _, tc := range []struct{ name, bad, kind string }{
		{"quote", "x@y.pl,Na\"me,1\n", "a quote"},
		{"encoding", "x@y.pl,Na\xffme,1\n", "not valid UTF-8"},
		{"ragged", "x@y.pl,Name,1,extra\n", "more cells than the header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Join(lines[:at], "") + tc.bad + strings.Join(lines[at:], "")
			in := writeFile(t, t.TempDir(), "in.csv", bad)
			sum, err := Run(context.Background(), nil, in, WithDryRun(true))
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), fmt.Sprintf("row %d", at+1)) ||
				!strings.Contains(err.Error(), tc.kind) {
				t.Fatalf("err = %v, want ErrBadInput at row %d (%s)", err, at+1, tc.kind)
			}
			recs := readReport(t, sum.Report)
			last, _ := strconv.Atoi(recs[len(recs)-1][0])
			if last >= at+1 || last < at-2 {
				t.Errorf("the report ends at row %d, want the last row before %d", last, at+1)
			}
		})
	}
}

// TestDryRunInterrupted: a dry run whose context is already cancelled
// still answers every row, as skipped INTERRUPTED, and returns
// ErrInterrupted.
func TestDryRunInterrupted(t *testing.T) {
	content, want := dryInput(2*dryBatchRows + 10)
	in := writeFile(t, t.TempDir(), "in.csv", content)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum, err := Run(ctx, nil, in, WithDryRun(true))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	recs := readReport(t, sum.Report)
	if len(recs)-1 != len(want) {
		t.Fatalf("report has %d lines, want %d", len(recs)-1, len(want))
	}
	for _, rec := range recs[1:] {
		row, _ := strconv.Atoi(rec[0])
		wantCode := CodeInterrupted
		if rec[3] != wantCode {
			t.Errorf("row %d: %q %q, want code %s", row, rec[1], rec[3], wantCode)
		}
	}
}
