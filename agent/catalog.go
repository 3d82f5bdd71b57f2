package agent

import (
	"fmt"
	"strings"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/wallet"
)

// menu answers a question about the catalog: what a shop sells, what an item
// costs, or which shops there are.
func (d *dialog) menu() error {
	cat := d.s.hub.Catalog
	slots := d.res.Slots
	if slots.Item != "" {
		m, it, err := d.resolve(slots.Merchant, slots.Item)
		if err != nil {
			return err
		}
		d.say("%s is %s at %s.", capital(count(1, unitName(it))), Money(it.Price, cat.Currency), m.Name())
		return nil
	}
	if slots.Merchant != "" {
		m, ok := cat.Merchant(slots.Merchant)
		if !ok {
			return wallet.Errorf(wallet.ENOTFOUND, "I don't know that shop.")
		}
		d.say("%s has %s.", m.Name(), priceList(m, cat.Currency))
		return nil
	}
	names := make([]string, len(cat.Merchants))
	for i, m := range cat.Merchants {
		names[i] = m.Name()
	}
	d.say("You can buy from %s. Ask what one of them has to hear its menu, for example: what does %s have.",
		join(names), names[0])
	return nil
}

// priceList says a shop's items with their prices: "latte (18 yuan),
// americano (15 yuan) and cappuccino (18 yuan)".
func priceList(m config.Merchant, currency string) string {
	parts := make([]string, len(m.Items))
	for i, it := range m.Items {
		parts[i] = fmt.Sprintf("%s (%s)", it.Name(), Money(it.Price, currency))
	}
	return strings.TrimSpace(join(parts))
}
