package bench

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/sheet"
)

// throughputResult compares a dry run with bare parses of one file.
type throughputResult struct {
	rows       int
	dry        time.Duration // importer dry run: read, map, validate, report
	sheet      time.Duration // sheet.Reader alone
	bare       time.Duration // encoding/csv or excelize Rows alone
	dryCPU     time.Duration // CPU time of the dry run measured (every core), 0 when unknown
	bareCPU    time.Duration
	bareName   string
	sizeOfFile int64
}

func rate(rows int, d time.Duration) float64 { return float64(rows) / d.Seconds() }

// xlsxRows is the size of the XLSX files: a tenth of the CSV (XLSX is
// about ten times slower to read).
func xlsxRows(rows int) int { return max(rows/10, 100) }

func runThroughput(ctx context.Context, c *Config, r *Report, files *fileCache) error {
	for _, tc := range []struct {
		format string
		rows   int
	}{{"csv", c.Rows}, {"xlsx", xlsxRows(c.Rows)}} {
		name := fmt.Sprintf("dry run %s %d rows", tc.format, tc.rows)
		c.Logger.Info("bench: throughput", "format", tc.format, "rows", tc.rows)
		res, err := throughput(ctx, files, tc.format, tc.rows)
		if err != nil {
			r.failed(name, err)
			continue
		}
		// A figure, not a target: a dry run is the real pipeline (map,
		// validate, plan, a report line with its changes), bound in a real
		// run by the API's 100 requests a minute, not by parsing.
		r.info(name, fmt.Sprintf("dry-run time vs %s on the same file (×)", res.bareName),
			fmt.Sprintf("%.2f s vs %.2f s (%.1f×); %.0f vs %.0f rows/s", res.dry.Seconds(), res.bare.Seconds(),
				res.dry.Seconds()/res.bare.Seconds(), rate(res.rows, res.dry), rate(res.rows, res.bare)))
		r.info(name, "dry-run rows/s vs sheet reader rows/s (ratio)",
			fmt.Sprintf("%.0f vs %.0f (%.2f); file %.1f MB", rate(res.rows, res.dry), rate(res.rows, res.sheet),
				res.sheet.Seconds()/res.dry.Seconds(), float64(res.sizeOfFile)/(1<<20)))
		if res.dryCPU > 0 && res.bareCPU > 0 {
			perRow := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(res.rows) }
			r.info(name, fmt.Sprintf("CPU per row, dry run (every core) vs %s (ratio)", res.bareName),
				fmt.Sprintf("%.0f ns vs %.0f ns (%.2f)", perRow(res.dryCPU), perRow(res.bareCPU), res.bareCPU.Seconds()/res.dryCPU.Seconds()))
		}
	}
	return nil
}

// throughput times the three readers over one generated file, each the
// best of up to three runs within about a second.
func throughput(ctx context.Context, files *fileCache, format string, rows int) (throughputResult, error) {
	res := throughputResult{rows: rows, bareName: "encoding/csv"}
	in, err := files.input(format, rows, "Gdańsk")
	if err != nil {
		return res, err
	}
	if fi, err := os.Stat(in); err == nil {
		res.sizeOfFile = fi.Size()
	}
	bare := bareCSV
	if format == "xlsx" {
		bare, res.bareName = bareXLSX, "excelize Rows()"
	}
	if res.bare, res.bareCPU, err = best(ctx, rows, in, bare); err != nil {
		return res, err
	}
	if res.sheet, _, err = best(ctx, rows, in, sheetRows); err != nil {
		return res, err
	}
	report := filepath.Join(files.dir, "dry-"+filepath.Base(in)+".report.csv")
	res.dry, res.dryCPU, err = best(ctx, rows, in, func(in string) (int, error) {
		sum, err := importer.Run(ctx, nil, in, importer.Config{DryRun: true, Report: report})
		return sum.Rows, err
	})
	return res, err
}

// best runs read over the file in until a second has passed or three runs
// are done and returns the shortest run and the CPU time it used (0 when
// unknown); every run must see rows rows.
func best(ctx context.Context, rows int, in string, read func(path string) (int, error)) (shortest, cpu time.Duration, err error) {
	var total time.Duration
	for i := 0; i < 3 && (i == 0 || total < time.Second); i++ {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		c0, cpuOK := cpuTime()
		t0 := time.Now()
		n, err := read(in)
		d := time.Since(t0)
		c1, _ := cpuTime()
		if err != nil {
			return 0, 0, err
		}
		if n != rows {
			return 0, 0, fmt.Errorf("read %d rows, want %d", n, rows)
		}
		total += d
		if i == 0 || d < shortest {
			shortest, cpu = d, 0
			if cpuOK {
				cpu = c1 - c0
			}
		}
	}
	return shortest, cpu, nil
}

func sheetRows(path string) (int, error) {
	rd, err := sheet.Open(path, sheet.Options{})
	if err != nil {
		return 0, err
	}
	defer rd.Close()
	return sheet.Count(rd)
}

func bareCSV(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.ReuseRecord = true
	n := -1 // the header
	for {
		_, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		n++
	}
}

func bareXLSX(path string) (int, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := -1 // the header
	for rows.Next() {
		if _, err := rows.Columns(); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Error()
}
