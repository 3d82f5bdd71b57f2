package wallet

import (
	"context"
	"log/slog"
)

// logRecord is a record a write keeps for the wallet's logger until it
// commits: what a transaction that rolled back did never happened.
type logRecord struct {
	level slog.Level
	msg   string
	args  []any
}

// log keeps a record to log once the write commits.
func (l *ltx) log(level slog.Level, msg string, args ...any) {
	l.logs = append(l.logs, logRecord{level, msg, args})
}

// flush logs the records of a committed write.
func (db *DB) flush(ctx context.Context, logs []logRecord) {
	for _, r := range logs {
		db.Logger.Log(ctx, r.level, r.msg, r.args...)
	}
}

// logRisk logs a risk decision: what it decided, why, and on what debit.
func (l *ltx) logRisk(d Debit, ref string, dec Decision) {
	l.log(slog.LevelInfo, "risk decision", "action", dec.Action, "reasons", dec.Reasons, "rules", dec.Rules,
		"ref", ref, "payee", d.Payee, "amount", d.Amount, "channel", d.Channel, "agent", d.Agent)
}

// logFailure logs a failed verification, and the lockout it started. The
// secret tried is never logged.
func (l *ltx) logFailure(method string, c *Credentials, lockedOut bool) {
	if lockedOut {
		l.log(slog.LevelWarn, "locked out", "method", method, "until", c.LockedUntil, "lockouts", c.Lockouts)
		return
	}
	msg := "wrong PIN"
	if method != "pin" {
		msg = "wrong " + method
	}
	l.log(slog.LevelWarn, msg, "method", method, "failures", c.Failures)
}
