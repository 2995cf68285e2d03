// Package bench is crmbulk's benchmark suite: the scenarios behind
// `crmbulk bench` and behind `go test -bench . ./bench/`, run side by side so
// that one run prints every figure in one table.
//
// The scenarios are:
//
//   - rate: the request rate achieved against the rate allowed, for the
//     importer, the exporter and a serial client pacing with a fixed gap
//     (the common integration style), at three sandbox latencies, all at
//     once, each with its own sandbox and limiter, over more than two
//     windows; with the number of windows that went over the limit.
//   - perrow: requests per row of an import with match-by email, for rows
//     that change their client and rows that do not, the index walk apart.
//   - throughput: the importer's dry run against a bare parse of the same
//     CSV and XLSX files (the sheet reader, encoding/csv, excelize Rows).
//   - memory: the peak heap (and peak RSS where Linux lets us reset it) of a
//     dry-run import and of an export at a small and a large size.
//
// docs/benchmarks.md defines every figure and keeps the latest results.
package bench
