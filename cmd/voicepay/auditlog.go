package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// log prints the audit chain's entries since a time: through the daemon's
// API when it runs, else from the ledger file.
func (c *AuditCommand) log(ctx context.Context, args []string) error {
	flags := newFlags("audit log")
	sinceFlag := flags.fs.String("since", "", "only entries since a `DURATION` ago (24h) or a TIME (2026-12-07, 2026-12-07T10:00:00Z)")
	asJSON := flags.fs.Bool("json", false, "print each entry as a line of JSON")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	since, err := parseSince(*sinceFlag, time.Now())
	if err != nil {
		return err
	}
	var entries []wallet.AuditEntry
	err = viaDaemon(ctx, cfg, func(cl *ws.Client) error {
		var out ws.AuditLog
		q := ""
		if !since.IsZero() {
			q = "?since=" + since.UTC().Format(time.RFC3339Nano)
		}
		err := cl.Get(ctx, "/v1/audit/log"+q, &out)
		entries = out.Entries
		return err
	}, func(db *wallet.DB) error {
		entries, err = db.AuditSince(ctx, since)
		return err
	})
	if err != nil {
		return err
	}
	return printAuditLog(os.Stdout, entries, *asJSON)
}

// parseSince reads --since: a duration before now, a date, or a time in
// RFC 3339 or "2006-01-02 15:04:05" (local). "" is the beginning.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{time.DateTime, "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration (24h) or a time (2026-12-07, 2026-12-07T10:00:00Z)", s)
}

// auditLine is an entry as --json prints it: the entry, and what it says.
type auditLine struct {
	wallet.AuditEntry
	Text string `json:"text"`
}

func printAuditLog(w io.Writer, entries []wallet.AuditEntry, asJSON bool) error {
	enc := json.NewEncoder(w)
	for _, e := range entries {
		text := describe(e)
		if asJSON {
			if err := enc.Encode(auditLine{e, text}); err != nil {
				return err
			}
			continue
		}
		if _, err := fmt.Fprintf(w, "%s  %s\n", e.Time.Local().Format(time.DateTime), text); err != nil {
			return err
		}
	}
	return nil
}

// auditData is the union of what entries of every kind carry.
type auditData struct {
	Event       string           `json:"event"`
	Order       *wallet.Order    `json:"order"`
	Mandate     *wallet.Mandate  `json:"mandate"`
	Claim       *wallet.Claim    `json:"claim"`
	Charge      *wallet.Charge   `json:"charge"`
	Method      string           `json:"method"`
	Device      string           `json:"device"`
	Scope       string           `json:"scope"`
	Via         string           `json:"via"`
	OK          *bool            `json:"ok"`
	Failures    int              `json:"failures"`
	LockedUntil time.Time        `json:"locked_until"`
	Payee       string           `json:"payee"`
	Amount      int64            `json:"amount"`
	Agent       string           `json:"agent"`
	Decision    *wallet.Decision `json:"decision"`
	Ref         string           `json:"ref"`
	Account     string           `json:"account"`
	OrderID     uint64           `json:"order_id"`
	Kind        string           `json:"kind"`
	Debit       string           `json:"debit"`
	Credit      string           `json:"credit"`
	Currency    string           `json:"currency"`
	Bucket      string           `json:"bucket"`  // prune
	Before      time.Time        `json:"before"`  // prune
	Records     int              `json:"records"` // prune
}

// describe says what an entry records, as a person reads it.
func describe(e wallet.AuditEntry) string {
	var d auditData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return fmt.Sprintf("%s %s", e.Kind, e.Data)
	}
	switch e.Kind {
	case "order":
		if d.Order != nil {
			return describeOrder(d.Event, d.Order)
		}
	case "mandate":
		if d.Mandate != nil {
			return describeMandate(d)
		}
	case "risk":
		if d.Decision != nil {
			s := fmt.Sprintf("risk control: %s %s to %s", d.Decision.Action, money(d.Amount, ""), d.Payee)
			if len(d.Decision.Reasons) > 0 {
				s += " (" + strings.Join(d.Decision.Reasons, "; ") + ")"
			}
			return s
		}
	case "verification":
		return describeVerification(d)
	case "transfer":
		return describeTransfer(d)
	case "receipt":
		return fmt.Sprintf("receipt signed for order %d: %s (device %s, %s)", d.OrderID,
			money(d.Amount, d.Currency), d.Device, d.Method)
	case "device":
		return describeDevice(d)
	case "credential":
		return strings.ReplaceAll(d.Event, "_", " ")
	case "account":
		return fmt.Sprintf("wallet %s", d.Event)
	case "claim":
		if d.Claim != nil {
			return describeClaim(d.Event, d.Claim)
		}
	case "prune":
		return fmt.Sprintf("pruned %d %s records made before %s", d.Records, d.Bucket,
			d.Before.Local().Format(time.DateTime))
	}
	return fmt.Sprintf("%s %s", e.Kind, e.Data)
}

func describeClaim(event string, c *wallet.Claim) string {
	s := fmt.Sprintf("claim %d %s: payment %d, %s to %s", c.ID, event, c.Transfer, money(c.Amount, c.Currency), c.Payee)
	if len(c.Evidence) > 0 && event == string(wallet.ClaimReimbursed) {
		s += " (evidence: " + strings.Join(c.Evidence, ", ") + ")"
	}
	if c.Note != "" && event != "filed" {
		s += fmt.Sprintf(" (note: %s)", c.Note)
	}
	return s
}

func describeOrder(event string, o *wallet.Order) string {
	amount := money(o.Total, o.Currency)
	var with []string
	with = append(with, fmt.Sprintf("order %d", o.ID))
	if o.Receipt != nil {
		with = append(with, "device "+o.Receipt.Device, o.Receipt.Method)
	}
	if o.Agent != "" {
		with = append(with, "agent "+o.Agent)
	}
	if event == "paid" {
		return fmt.Sprintf("paid %s to %s (%s)", amount, o.PayeeName, strings.Join(with, ", "))
	}
	return fmt.Sprintf("order %s: %s to %s (%s)", event, amount, o.PayeeName, strings.Join(with, ", "))
}

func describeMandate(d auditData) string {
	m := d.Mandate
	s := fmt.Sprintf("%s %d %s: agent %s, to %s", m.Kind, m.ID, d.Event, m.Agent, m.PayeeName)
	if d.Charge != nil {
		s += ", charged " + money(d.Charge.Amount, m.Currency)
	}
	if d.Method != "" {
		s += " (" + d.Method + ")"
	}
	return s
}

func describeVerification(d auditData) string {
	switch {
	case d.OK != nil && *d.OK:
		return d.Method + " verified"
	case !d.LockedUntil.IsZero():
		return fmt.Sprintf("wrong %s: locked until %s", d.Method, d.LockedUntil.Local().Format(time.DateTime))
	}
	return fmt.Sprintf("wrong %s (%d in a row)", d.Method, d.Failures)
}

func describeDevice(d auditData) string {
	s := fmt.Sprintf("device %s %s", d.Device, d.Event)
	var with []string
	for _, w := range []string{d.Scope, d.Via, d.Method} {
		if w != "" {
			with = append(with, w)
		}
	}
	if len(with) > 0 {
		s += " (" + strings.Join(with, ", ") + ")"
	}
	return s
}

// money says an amount; an entry that does not name its currency is in
// yuan, as audit verify's balances are.
func money(amount int64, currency string) string {
	if currency == "" {
		currency = "CNY"
	}
	return agent.Money(amount, currency)
}

// transferVerbs say what a transfer of each kind did.
var transferVerbs = map[string]string{"single": "moved", "pending": "held", "post": "posted", "void": "released"}

func describeTransfer(d auditData) string {
	if d.Ref == "topup" {
		return "topped up " + money(d.Amount, d.Currency)
	}
	verb := transferVerbs[d.Kind]
	if verb == "" {
		verb = d.Kind
	}
	s := fmt.Sprintf("%s %s from %s to %s", verb, money(d.Amount, d.Currency), d.Debit, d.Credit)
	if d.Ref != "" {
		s += " (" + d.Ref + ")"
	}
	return s
}
