package importer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
)

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

// TestDryRunBatches: a dry run over many batches answers every row once, in
// file order, and rows with the same key in different batches see each
// other (the later one updates the would-be client of the earlier one).
func TestDryRunBatches(t *testing.T) {
	content, want := dryInput(3*dryBatchRows + 61)
	for _, workers := range []int{1, 8} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			_, api := newAPI(t, sandbox.Config{Seed: 1}, 0, 0)
			in := writeFile(t, t.TempDir(), "in.csv", content)
			sum, err := Run(context.Background(), api, in, WithDryRun(true), WithMatchBy("email"), WithWorkers(workers))
			if err != nil {
				t.Fatal(err)
			}
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
					t.Errorf("row %d: status %q code %q (%s), want %q %q", row, rec[1], rec[3], rec[4], w[0], w[1])
				}
				if w[0] != string(StatusInvalid) && rec[9] != dryNote {
					t.Errorf("row %d: note %q, want %q", row, rec[9], dryNote)
				}
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
