package run

import (
	"context"
	"log/slog"
)

// Logger returns l, whose records of info and above are also the run's
// Messages (nil Aggregator: l): a pipeline's notes and warnings, which its
// logger writes, so reach the run's printers too (the bar and the log
// print them through the logger already and draw no Message).
func (a *Aggregator) Logger(l *slog.Logger) *slog.Logger {
	if a == nil {
		return l
	}
	return slog.New(messages{h: l.Handler(), say: a.Message})
}

// messages hands each record of level info or above to say as a Message
// (its words: the record's message) and passes every record on to h as
// before.
type messages struct {
	h   slog.Handler
	say func(Message)
}

func (m messages) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || m.h.Enabled(ctx, l)
}

func (m messages) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelInfo {
		k, _ := ctx.Value(keyedKey{}).(keyed)
		m.say(Message{Level: r.Level, Text: r.Message, Key: k.key, Vars: k.vars})
	}
	if !m.h.Enabled(ctx, r.Level) {
		return nil
	}
	return m.h.Handle(ctx, r)
}

func (m messages) WithAttrs(as []slog.Attr) slog.Handler {
	return messages{h: m.h.WithAttrs(as), say: m.say}
}

func (m messages) WithGroup(name string) slog.Handler {
	return messages{h: m.h.WithGroup(name), say: m.say}
}

// Keyed is ctx for one note a pipeline logs with it (InfoContext,
// WarnContext) whose words name the command line's flags: the run's
// Message of it carries key and vars, the note in a page's own texts and
// the facts they say; the log's words stay the command line's.
func Keyed(ctx context.Context, key string, vars map[string]string) context.Context {
	return context.WithValue(ctx, keyedKey{}, keyed{key: key, vars: vars})
}

type keyedKey struct{}

type keyed struct {
	key  string
	vars map[string]string
}
