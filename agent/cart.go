package agent

import (
	"fmt"
	"slices"
	"strings"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// This file is the order as a cart: the things a sentence names, and what
// adding to the open order or taking from it leaves in it.

// said is the things the sentence names, one or several.
func said(s intent.Slots) []intent.Line {
	if len(s.Items) > 0 {
		return s.Items
	}
	if s.Item == "" {
		return nil
	}
	return []intent.Line{{Item: s.Item, Quantity: max(s.Quantity, 1)}}
}

// cartLines prices the things named at one shop: the merchant named, or
// the one that sells them all. Things of several shops are refused, saying
// which shop sells what.
func (d *dialog) cartLines(merchantID string, things []intent.Line) (config.Merchant, []wallet.Line, error) {
	if merchantID == "" && len(things) > 1 {
		var err error
		if merchantID, err = d.oneShop(things); err != nil {
			return config.Merchant{}, nil, err
		}
	}
	var m config.Merchant
	lines := make([]wallet.Line, 0, len(things))
	for _, th := range things {
		mm, it, err := d.resolve(merchantID, th.Item)
		if err != nil {
			return m, nil, err
		}
		m, merchantID = mm, mm.ID
		ln, err := line(it, th.Quantity)
		if err != nil {
			return m, nil, err
		}
		if i := slices.IndexFunc(lines, func(l wallet.Line) bool { return l.Item == ln.Item }); i >= 0 {
			lines[i].Quantity += ln.Quantity // "a latte and another latte"
			if _, err := line(it, lines[i].Quantity); err != nil {
				return m, nil, err
			}
			continue
		}
		lines = append(lines, ln)
	}
	if len(lines) > wallet.MaxLines {
		return m, nil, wallet.Errorf(wallet.EINVALID, "An order can hold up to %d different things.", wallet.MaxLines)
	}
	return m, lines, nil
}

// oneShop is the one merchant that sells every thing named.
func (d *dialog) oneShop(things []intent.Line) (string, error) {
	cat := d.s.hub.Catalog
	var where []string
	for _, m := range cat.Merchants {
		all := true
		for _, th := range things {
			if _, ok := m.Item(th.Item); !ok {
				all = false
			}
		}
		if all {
			return m.ID, nil
		}
	}
	for _, th := range things {
		for _, m := range cat.Merchants {
			if it, ok := m.Item(th.Item); ok {
				where = append(where, fmt.Sprintf("%s from %s", count(1, unitName(it)), m.Name()))
				break
			}
		}
	}
	return "", wallet.Errorf(wallet.EINVALID, "Those come from different shops: %s. Order from one shop at a time.",
		strings.Join(where, ", "))
}

// cartOf is what an order of catalog items holds, as said things.
func cartOf(o *wallet.Order) []intent.Line {
	out := make([]intent.Line, len(o.Lines))
	for i, ln := range o.Lines {
		out[i] = intent.Line{Item: ln.Item, Quantity: ln.Quantity}
	}
	return out
}

// slotsOf says a cart as the slots of the sentence that would order it.
func slotsOf(merchant string, cart []intent.Line) intent.Slots {
	if len(cart) == 1 {
		return intent.Slots{Merchant: merchant, Item: cart[0].Item, Quantity: cart[0].Quantity}
	}
	return intent.Slots{Merchant: merchant, Items: cart}
}

// readCart reads an addition to the open order, or a removal from it, as
// the cart it leaves: order.modify with that cart, order.cancel when
// nothing is left, order.create when there is no order to add to.
func (d *dialog) readCart() error {
	o, err := d.current()
	if err != nil {
		return err
	}
	s := d.res.Slots
	if s.Unknown != "" || s.UnknownShop != "" {
		return d.addUnsold(o)
	}
	if o == nil {
		if d.res.Intent == intent.OrderAdd && (s.Item != "" || len(s.Items) > 0) {
			d.res.Intent = intent.OrderCreate
		}
		return nil // the command says there is no order
	}
	merchant, ok := wallet.MerchantOf(o.Payee)
	if !ok || slices.ContainsFunc(o.Lines, func(l wallet.Line) bool { return l.Item == "" }) {
		return nil // not a cart: modify says it can only be cancelled
	}
	cart := cartOf(o)
	if d.res.Intent == intent.OrderAdd && len(s.Items) > 0 {
		if s.Merchant != "" && s.Merchant != merchant {
			return wallet.Errorf(wallet.EINVALID, "Those come from another shop than your order from %s.", shop(o))
		}
		for _, th := range s.Items {
			i := slices.IndexFunc(cart, func(l intent.Line) bool { return l.Item == th.Item })
			if i < 0 {
				cart = append(cart, th)
			} else {
				cart[i].Quantity += th.Quantity
			}
		}
		d.res.Intent, d.res.Slots = intent.OrderModify, slotsOf(merchant, cart)
		return nil
	}
	item := s.Item
	if item == "" {
		if len(cart) > 1 {
			return wallet.Errorf(wallet.EINVALID, "Which one: %s?", d.s.hub.lineNames(o))
		}
		item = cart[0].Item
	}
	i := slices.IndexFunc(cart, func(l intent.Line) bool { return l.Item == item })
	if d.res.Intent == intent.OrderAdd {
		if i < 0 {
			cart = append(cart, intent.Line{Item: item, Quantity: max(s.Quantity, 1)})
		} else {
			cart[i].Quantity += max(s.Quantity, 1)
		}
	} else {
		switch {
		case i < 0:
			return wallet.Errorf(wallet.EINVALID, "Your order has no %s: it is %s.", intent.Plural(d.itemName(merchant, item)),
				d.s.hub.lineNames(o))
		case s.Quantity > 0 && s.Quantity < cart[i].Quantity:
			cart[i].Quantity -= s.Quantity
		default:
			cart = slices.Delete(cart, i, i+1)
		}
	}
	if len(cart) == 0 {
		d.res.Intent, d.res.Slots = intent.OrderCancel, intent.Slots{}
		return nil
	}
	d.res.Intent, d.res.Slots = intent.OrderModify, slotsOf(merchant, cart)
	return nil
}

// addUnsold reads an addition of something the catalog lacks ("add a
// mocha") against the open order o: it says what there is instead, at the
// order's shop; with no order, it is an order of it, which says so.
func (d *dialog) addUnsold(o *wallet.Order) error {
	if o == nil {
		d.res.Intent = intent.OrderCreate
		return nil
	}
	if d.res.Slots.Merchant == "" {
		d.res.Slots.Merchant = merchantOf(o)
	}
	return d.notSold()
}

// readChange reads a change of the open order that says it by the order:
// "double it" as the cart twice over, "swap the lattes for cappuccinos" as
// the cart with cappuccinos where the lattes were. A change that names
// what to have ("just a latte") with no order to change orders it.
func (d *dialog) readChange() error {
	s := d.res.Slots
	o, err := d.current()
	if err != nil {
		return err
	}
	if o == nil {
		if s.From == "" && (s.Item != "" || s.Class != "" || len(s.Items) > 0) {
			d.res.Intent, d.res.Slots.Times, d.res.Slots.From = intent.OrderCreate, 0, ""
		}
		return nil // else modify says there is no order
	}
	if s.From == "" && s.Part > 0 && len(o.Lines) == 1 {
		s.From = o.Lines[0].Item // "make one of them a cappuccino"
	}
	if s.From == "" && s.Times == 0 && len(s.Items) == 0 && len(o.Lines) == 1 {
		// the one line as it will stand: "make them americanos" keeps the count, "make it three" the thing
		if s.Item != "" && s.Quantity == 0 {
			d.res.Slots.Quantity = o.Lines[0].Quantity
		} else if s.Item == "" && s.Class == "" && s.Quantity > 0 {
			d.res.Slots.Item = o.Lines[0].Item
		}
	}
	merchant, ok := wallet.MerchantOf(o.Payee)
	if !ok || slices.ContainsFunc(o.Lines, func(l wallet.Line) bool { return l.Item == "" }) || s.Times == 0 && s.From == "" {
		return nil
	}
	cart := cartOf(o)
	i := slices.IndexFunc(cart, func(l intent.Line) bool { return l.Item == s.From })
	if s.From != "" && i < 0 {
		return wallet.Errorf(wallet.EINVALID, "Your order has no %s: it is %s.", intent.Plural(d.itemName(merchant, s.From)),
			d.s.hub.lineNames(o))
	}
	if s.Times > 0 {
		for j := range cart {
			if s.From == "" || j == i { // "double it", "double the lattes"
				cart[j].Quantity *= s.Times
			}
		}
		d.res.Slots = slotsOf(merchant, cart)
		return nil
	}
	if s.Item == "" && s.Class != "" {
		ids, names := d.ofClass(merchant, s.Class)
		if len(ids) != 1 {
			return wallet.Errorf(wallet.EINVALID, "Which %s: %s?", s.Class, list(names, "or"))
		}
		s.Item = ids[0]
	}
	if s.Item == "" {
		return nil
	}
	d.res.Slots = slotsOf(merchant, swap(cart, i, s))
	return nil
}

// swap is the cart with the line i swapped for what s names: all of it,
// or the part s says ("swap one latte for a cappuccino"), as many of the
// new thing as s says or as were taken. Lines of one thing are merged.
func swap(cart []intent.Line, i int, s intent.Slots) []intent.Line {
	took := cart[i].Quantity
	if s.Part > 0 && s.Part < took {
		took = s.Part
	}
	n := took
	if s.Quantity > 0 {
		n = s.Quantity
	}
	j := slices.IndexFunc(cart, func(l intent.Line) bool { return l.Item == s.Item })
	switch {
	case j < 0 && took == cart[i].Quantity:
		cart[i] = intent.Line{Item: s.Item, Quantity: n} // in its place
		return cart
	case j < 0:
		cart = append(cart, intent.Line{Item: s.Item, Quantity: n})
	default:
		cart[j].Quantity += n
	}
	cart[i].Quantity -= took
	return slices.DeleteFunc(cart, func(l intent.Line) bool { return l.Quantity <= 0 })
}

// itemName is the display name of a catalog item, at the merchant or, when
// that is "", at any merchant; else its id.
func (d *dialog) itemName(merchant, item string) string {
	for _, m := range d.s.hub.Catalog.Merchants {
		if merchant != "" && m.ID != merchant {
			continue
		}
		if it, ok := m.Item(item); ok {
			return it.Name()
		}
	}
	return item
}

// itemNames are the display names of what a merchant sells.
func itemNames(m config.Merchant) []string {
	names := make([]string, len(m.Items))
	for i, it := range m.Items {
		names[i] = it.Name()
	}
	return names
}

// changeCart is what order.modify leaves in the open order o: the things
// named replace the cart; on a cart of several things, one thing named with
// a quantity changes that line.
func (d *dialog) changeCart(o *wallet.Order, merchant string) ([]wallet.Line, error) {
	s := d.res.Slots
	if len(s.Items) > 0 {
		_, lines, err := d.cartLines(merchant, s.Items)
		return lines, err
	}
	cart := cartOf(o)
	if len(cart) == 1 {
		item, qty := cart[0].Item, cart[0].Quantity
		if s.Item != "" {
			item = s.Item
		}
		if s.Quantity > 0 {
			qty = s.Quantity
		}
		_, lines, err := d.cartLines(merchant, []intent.Line{{Item: item, Quantity: qty}})
		return lines, err
	}
	i := slices.IndexFunc(cart, func(l intent.Line) bool { return l.Item == s.Item })
	switch {
	case s.Item == "":
		return nil, wallet.Errorf(wallet.EINVALID, "Which one: %s?", d.s.hub.lineNames(o))
	case i < 0:
		// "swap it for a cappuccino": which of the things it is, the order
		// doesn't say.
		if _, _, err := d.resolve(merchant, s.Item); err != nil {
			return nil, err // not sold there
		}
		thing := count(max(s.Quantity, 1), d.itemName(merchant, s.Item))
		return nil, wallet.Errorf(wallet.EINVALID, "Your order is %s. Say which to replace, for example: "+
			"replace the %s with %s; or say add %s.", d.s.hub.lineNames(o), d.itemName(merchant, cart[len(cart)-1].Item),
			thing, thing)
	case s.Quantity > 0:
		cart[i].Quantity = s.Quantity
	}
	_, lines, err := d.cartLines(merchant, cart)
	return lines, err
}
