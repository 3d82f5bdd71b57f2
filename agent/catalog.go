package agent

import (
	"fmt"
	"slices"
	"strings"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// menu answers a question about the catalog: what a shop sells, what an item
// costs, or which shops there are.
func (d *dialog) menu() error {
	cat := d.s.hub.Catalog
	slots := d.res.Slots
	if slots.Class != "" {
		return d.classMenu(slots.Merchant, slots.Class)
	}
	if slots.Item != "" {
		m, it, err := d.resolve(slots.Merchant, slots.Item)
		if err != nil {
			return err
		}
		n, name, verb := max(slots.Quantity, 1), unitName(it), "is"
		if n > 1 || intent.IsPlural(name) {
			verb = "are" // "two lattes are", "fries are"
		}
		d.say("%s %s %s at %s.", capital(count(n, name)), verb, Money(it.Price*int64(n), cat.Currency), m.Name())
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

// classMenu answers what things of a kind ("coffees") there are: shop by
// shop, with their prices.
func (d *dialog) classMenu(merchantID, class string) error {
	cat := d.s.hub.Catalog
	var shops []string
	for _, m := range cat.Merchants {
		if merchantID != "" && m.ID != merchantID {
			continue
		}
		var parts []string
		for _, it := range m.Items {
			if slices.Contains(it.Class, class) {
				parts = append(parts, fmt.Sprintf("%s (%s)", it.Name(), Money(it.Price, cat.Currency)))
			}
		}
		if len(parts) > 0 {
			shops = append(shops, fmt.Sprintf("%s at %s", join(parts), m.Name()))
		}
	}
	if len(shops) == 0 {
		return wallet.Errorf(wallet.ENOTFOUND, "I don't know where to get %s.", intent.Plural(class))
	}
	d.say("%s: %s.", capital(intent.Plural(class)), strings.Join(shops, "; "))
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

// ofClass lists the items a general word ("coffee") can mean: those of the
// class at the shop named, or at any shop, by id and by name.
func (d *dialog) ofClass(merchantID, class string) (ids, names []string) {
	for _, m := range d.s.hub.Catalog.Merchants {
		if merchantID != "" && m.ID != merchantID {
			continue
		}
		for _, it := range m.Items {
			if slices.Contains(it.Class, class) && !slices.Contains(ids, it.ID) {
				ids, names = append(ids, it.ID), append(names, it.Name())
			}
		}
	}
	return ids, names
}

// which asks which of the items a general word means; the next turn may
// answer with one of them alone.
func (d *dialog) which(class string, names []string) error {
	if len(names) == 0 {
		return wallet.Errorf(wallet.ENOTFOUND, "I don't know where to get that.")
	}
	s := d.res.Slots
	d.s.st.Asked = &question{Class: class, Merchant: s.Merchant, Quantity: s.Quantity}
	d.say("Which %s: %s?", class, list(names, "or"))
	return nil
}

// notSold refuses an order of something the catalog does not have, saying
// what there is instead.
func (d *dialog) notSold() error {
	cat, s := d.s.hub.Catalog, d.res.Slots
	shops := make([]string, len(cat.Merchants))
	for i, m := range cat.Merchants {
		shops[i] = m.Name()
	}
	switch {
	case s.UnknownShop != "":
		return wallet.Errorf(wallet.ENOTFOUND, "I don't know %s. You can buy from %s.", capital(s.UnknownShop), join(shops))
	case s.Unknown == "":
		return nil
	}
	if m, ok := cat.Merchant(s.Merchant); ok {
		return wallet.Errorf(wallet.ENOTFOUND, "I don't sell %s at %s. They have %s.", intent.Plural(s.Unknown), m.Name(),
			join(itemNames(m)))
	}
	return wallet.Errorf(wallet.ENOTFOUND, "I don't have %s. You can buy from %s; ask what's on the menu.",
		intent.Plural(s.Unknown), join(shops))
}
