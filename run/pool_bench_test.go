package run

import (
	"context"
	"strconv"
	"testing"
)

// BenchmarkPool is the pool's own cost per job (a dry run's rows do almost
// nothing else in it): keyed jobs, four workers, the importer's window.
func BenchmarkPool(b *testing.B) {
	p := StartPool(context.Background(), PoolConfig{Workers: 4, Window: 16}, func(int) error { return nil })
	for i := 0; i < b.N; i++ {
		_ = p.Add(Job[int]{Keys: []string{"k:" + strconv.Itoa(i%64)}, Do: func(context.Context, Turn) (int, error) { return i, nil }})
	}
	if err := p.Wait(); err != nil {
		b.Fatal(err)
	}
}
