package run

import (
	"bytes"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

// TestMessages: a logger's records of info and above reach the printer as
// Messages, in order (a record logged with a Keyed context with its key
// and facts), and the logger's own handler still writes what its level
// lets through, in its own words.
func TestMessages(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		want  []Message
		log   []string
	}{
		{"info logger", slog.LevelInfo,
			[]Message{{Level: slog.LevelInfo, Text: "mapping: a note"}, {Level: slog.LevelWarn, Text: "rows are in doubt", Key: "run.inDoubt", Vars: map[string]string{"rows": "2"}}},
			[]string{"a note", "rows are in doubt"}},
		{"warn logger", slog.LevelWarn,
			[]Message{{Level: slog.LevelInfo, Text: "mapping: a note"}, {Level: slog.LevelWarn, Text: "rows are in doubt", Key: "run.inDoubt", Vars: map[string]string{"rows": "2"}}},
			[]string{"rows are in doubt"}},
		{"debug logger", slog.LevelDebug,
			[]Message{{Level: slog.LevelInfo, Text: "mapping: a note"}, {Level: slog.LevelWarn, Text: "rows are in doubt", Key: "run.inDoubt", Vars: map[string]string{"rows": "2"}}},
			[]string{"a debug line", "a note", "rows are in doubt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			var rec Recorder
			a := NewAggregator(AggregatorConfig{Printer: &rec})
			log := a.Logger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level}))).With("file", "in.csv")
			log.Debug("a debug line")
			log.Info("mapping: a note", "n", 1)
			log.WarnContext(Keyed(t.Context(), "run.inDoubt", map[string]string{"rows": "2"}), "rows are in doubt", "rows", 2)
			var got []Message
			for _, e := range rec.Events() {
				got = append(got, *e.Message)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("messages %v, want %v", got, tt.want)
			}
			if strings.Contains(buf.String(), "run.inDoubt") {
				t.Errorf("the log wrote the page's key:\n%s", buf.String())
			}
			if n := strings.Count(buf.String(), "\n"); n != len(tt.log) || !strings.Contains(buf.String(), "file=in.csv") {
				t.Errorf("the log wrote %d lines, want %d:\n%s", n, len(tt.log), buf.String())
			}
			for _, w := range tt.log {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("the log lacks %q:\n%s", w, buf.String())
				}
			}
		})
	}
}
