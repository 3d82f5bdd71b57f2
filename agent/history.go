package agent

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/voicepay/voicepay/wallet"
)

// historyListed is how many payments "show my recent payments" reads out.
const historyListed = 5

// historyPage is how many transfers history reads from the ledger at a
// time.
const historyPage = 100

// history reads out the latest payments from the ledger, newest first: the
// posted debits of the person's account (orders paid, tips, charges under
// subscriptions), and money paid back to it. Holds and their release are
// no payments; orders that were never paid never reach the ledger.
func (d *dialog) history() error {
	var parts []string
	var before uint64
	for len(parts) < historyListed {
		ts, next, err := d.db().TransferPage(d.ctx, wallet.UserAccount, before, historyPage)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if len(parts) == historyListed {
				break
			}
			said, err := d.payment(t)
			if err != nil {
				return err
			}
			if said != "" {
				parts = append(parts, said)
			}
		}
		if next == 0 {
			break
		}
		before = next
	}
	if len(parts) == 0 {
		d.say("You have no payments yet.")
		return nil
	}
	d.say("Your recent payments: %s.", strings.Join(parts, "; "))
	return nil
}

// payment says what the transfer t did for the person, or "" when it is no
// payment: an order paid, "36 yuan to Luckin Coffee"; a tip or a charge
// under a mandate, "5 yuan, a tip to "claude_dev""; money paid back, "a
// refund of 36 yuan".
func (d *dialog) payment(t *wallet.Transfer) (string, error) {
	kind, id, _ := strings.Cut(t.Ref, ":")
	n, _ := strconv.ParseUint(id, 10, 64)
	amount := Money(t.Amount, t.Currency)
	switch {
	case t.Kind == wallet.Pending || t.Kind == wallet.Void:
		return "", nil
	case t.Credit == wallet.UserAccount && kind == "claim":
		return fmt.Sprintf("%s paid back on claim %d", amount, n), nil
	case t.Credit == wallet.UserAccount && t.Debit != wallet.ExternalAccount:
		return fmt.Sprintf("a refund of %s from %s", amount, dataName(t.Debit, accountName(t.Debit))), nil
	case t.Debit != wallet.UserAccount:
		return "", nil // a top-up
	case kind == "order":
		o, err := d.db().Order(d.ctx, n)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s to %s", amount, shop(o)), nil
	case kind == "mandate":
		m, err := d.db().Mandate(d.ctx, n)
		if err != nil {
			return "", err
		}
		if m.Kind == wallet.MandateTip {
			return fmt.Sprintf("%s, a tip to %s from your agent %s", amount, payee(m), m.Agent), nil
		}
		return fmt.Sprintf("%s, a charge of your subscription to %s from your agent %s", amount, payee(m), m.Agent), nil
	}
	return fmt.Sprintf("%s to %s", amount, dataName(t.Credit, accountName(t.Credit))), nil
}

// accountName is the id in an account's name: acme_cloud of
// payee:acme_cloud.
func accountName(account string) string {
	_, name, _ := strings.Cut(account, ":")
	return name
}
