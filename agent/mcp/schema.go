package mcp

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/voicepay/voicepay/wallet"
)

// The input schemas state every limit the server enforces, from the bounds
// the wallet checks (wallet/limit.go), so that a model learns them from the
// schema and not from refusals. Each is inferred from the tool's input type,
// then given its limits here.

// Limits of the tools themselves, beside the wallet's.
const (
	maxKey       = 200 // bytes of an idempotency key, as the hub takes it
	maxListLimit = 100 // entries a list returns at most
	maxPeriod    = 100 * 365 * 24 * time.Hour
)

// payeeIDPattern is what wallet.ValidPayeeID accepts.
var payeeIDPattern = fmt.Sprintf("^[a-z0-9][a-z0-9_-]{0,%d}$", wallet.MaxName-1)

// dateTimePattern is an RFC 3339 date-time, as time.RFC3339 reads it.
const dateTimePattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$`

var rfc3339 = regexp.MustCompile(dateTimePattern)

// schemaOf is the schema inferred from T.
func schemaOf[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(fmt.Sprintf("schema of %T: %v", *new(T), err))
	}
	return s
}

// prop is the schema of a property, through arrays' items: prop(s,
// "items", "quantity") is the quantity of each of the items.
func prop(s *jsonschema.Schema, path ...string) *jsonschema.Schema {
	for _, name := range path {
		if s.Items != nil {
			s = s.Items
		}
		p := s.Properties[name]
		if p == nil {
			panic("schema has no property " + name)
		}
		s = p
	}
	return s
}

// whole bounds a whole number from lo to hi.
func whole(p *jsonschema.Schema, lo, hi int64) {
	p.Type, p.Types = "integer", nil
	p.Minimum, p.Maximum = jsonschema.Ptr(float64(lo)), jsonschema.Ptr(float64(hi))
}

// bounded bounds a string to lo to hi characters.
func bounded(p *jsonschema.Schema, lo, hi int) {
	p.Type, p.Types = "string", nil
	p.MinLength, p.MaxLength = jsonschema.Ptr(lo), jsonschema.Ptr(hi)
}

// idempotencyKey is an idempotency key: some character that is not a space.
func idempotencyKey(s *jsonschema.Schema) {
	p := prop(s, "idempotency_key")
	bounded(p, 1, maxKey)
	p.Pattern = `\S`
}

// recordID is the id of an order or a mandate.
func recordID(s *jsonschema.Schema, name string) { whole(prop(s, name), 1, 1<<53) }

// waitSeconds is a wait's timeout_seconds.
func waitSeconds(s *jsonschema.Schema) {
	p := prop(s, "timeout_seconds")
	p.Minimum, p.Maximum = jsonschema.Ptr(0.0), jsonschema.Ptr(MaxWait.Seconds())
	p.Default = json.RawMessage(strconv.Itoa(int(DefaultWait.Seconds())))
}

// minorUnits is an amount in minor units.
func minorUnits(s *jsonschema.Schema, name string) { whole(prop(s, name), 1, wallet.MaxAmount) }

// payeeID is a payee id.
func payeeID(s *jsonschema.Schema) {
	p := prop(s, "payee")
	bounded(p, 1, wallet.MaxName)
	p.Pattern = payeeIDPattern
}

// terms are what a tip allowance and a subscription share.
func terms(s *jsonschema.Schema) {
	payeeID(s)
	bounded(prop(s, "note"), 0, wallet.MaxNote)
	whole(prop(s, "period_seconds"), 0, int64(maxPeriod/time.Second))
	p := prop(s, "expires")
	bounded(p, 1, 64)
	p.Format, p.Pattern = "date-time", dateTimePattern
	p.Description += fmt.Sprintf(" It must be in the future and at most %d days away.", wallet.MaxMandateLife/(24*time.Hour))
	idempotencyKey(s)
}

// lineQuantity is a line's quantity: 1 when left out.
func lineQuantity(p *jsonschema.Schema) {
	whole(p, 1, wallet.MaxQuantity)
	p.Default = json.RawMessage("1")
}

func createOrderSchema() *jsonschema.Schema {
	s := schemaOf[CreateOrderIn]()
	bounded(prop(s, "merchant"), 1, wallet.MaxName)
	for _, list := range []string{"items", "lines"} {
		prop(s, list).MaxItems = jsonschema.Ptr(wallet.MaxLines)
		prop(s, list).MinItems = jsonschema.Ptr(1)
		lineQuantity(prop(s, list, "quantity"))
	}
	bounded(prop(s, "items", "item"), 1, wallet.MaxName)
	bounded(prop(s, "lines", "name"), 1, wallet.MaxName)
	minorUnits(prop(s, "lines"), "unit_price")
	bounded(prop(s, "memo"), 0, wallet.MaxNote)
	idempotencyKey(s)
	return s
}

func orderSchema() *jsonschema.Schema {
	s := schemaOf[OrderIn]()
	recordID(s, "order_id")
	return s
}

func waitOrderSchema() *jsonschema.Schema {
	s := schemaOf[WaitOrderIn]()
	recordID(s, "order_id")
	waitSeconds(s)
	return s
}

func noInputSchema() *jsonschema.Schema { return schemaOf[NoInput]() }

func transactionsSchema() *jsonschema.Schema {
	s := schemaOf[TransactionsIn]()
	whole(prop(s, "limit"), 1, maxListLimit)
	return s
}

func requestTipSchema() *jsonschema.Schema {
	s := schemaOf[RequestTipIn]()
	minorUnits(s, "amount")
	minorUnits(s, "cap")
	terms(s)
	return s
}

func proposeSubscriptionSchema() *jsonschema.Schema {
	s := schemaOf[ProposeSubscriptionIn]()
	p := prop(s, "unit")
	p.Enum = []any{"use", "minute"}
	minorUnits(s, "unit_price")
	minorUnits(s, "cap")
	terms(s)
	return s
}

func recordUsageSchema() *jsonschema.Schema {
	s := schemaOf[RecordUsageIn]()
	recordID(s, "subscription_id")
	// No charge of more units than MaxAmount fits under any cap.
	whole(prop(s, "units"), 1, wallet.MaxAmount)
	idempotencyKey(s)
	return s
}

func subscriptionSchema() *jsonschema.Schema {
	s := schemaOf[SubscriptionIn]()
	recordID(s, "subscription_id")
	return s
}

func waitMandateSchema() *jsonschema.Schema {
	s := schemaOf[WaitMandateIn]()
	recordID(s, "mandate_id")
	waitSeconds(s)
	return s
}

func searchCatalogSchema() *jsonschema.Schema {
	s := schemaOf[SearchCatalogIn]()
	bounded(prop(s, "query"), 1, wallet.MaxName)
	return s
}

// enum lists the values a string property takes.
func enum(p *jsonschema.Schema, values []string) {
	for _, v := range values {
		p.Enum = append(p.Enum, v)
	}
}

func listOrdersSchema() *jsonschema.Schema {
	s := schemaOf[ListOrdersIn]()
	enum(prop(s, "state"), orderStates)
	whole(prop(s, "limit"), 1, maxListLimit)
	return s
}

func listMandatesSchema() *jsonschema.Schema {
	s := schemaOf[ListMandatesIn]()
	enum(prop(s, "kind"), mandateKinds)
	enum(prop(s, "state"), mandateStates)
	whole(prop(s, "limit"), 1, maxListLimit)
	return s
}

func findByKeySchema() *jsonschema.Schema {
	s := schemaOf[FindByKeyIn]()
	idempotencyKey(s)
	return s
}

func cancelSubscriptionSchema() *jsonschema.Schema {
	s := schemaOf[CancelSubscriptionIn]()
	recordID(s, "mandate_id")
	idempotencyKey(s)
	return s
}

func refundSchema() *jsonschema.Schema {
	s := schemaOf[RefundIn]()
	recordID(s, "order_id")
	recordID(s, "charge_id")
	minorUnits(s, "amount")
	bounded(prop(s, "reason"), 0, wallet.MaxNote)
	idempotencyKey(s)
	return s
}

// validation pulls apart the SDK's refusal of arguments that do not match a
// schema: "validating /properties/lines/items/properties/quantity:
// minimum: -1 is less than 1.000000".
var (
	validating = regexp.MustCompile(`validating (/[^:]*): `)
	refusals   = []struct {
		re  *regexp.Regexp
		say func(field string, m []string) string
	}{
		{regexp.MustCompile(`minimum: (\S+) is less than (\S+)`), func(f string, m []string) string {
			return fmt.Sprintf("%s must be at least %s, not %s", f, number(m[2]), number(m[1]))
		}},
		{regexp.MustCompile(`maximum: (\S+) is greater than (\S+)`), func(f string, m []string) string {
			return fmt.Sprintf("%s must be at most %s, not %s", f, number(m[2]), number(m[1]))
		}},
		{regexp.MustCompile(`maxLength: .* more than (\d+)`), func(f string, m []string) string {
			return fmt.Sprintf("%s must be at most %s characters", f, m[1])
		}},
		{regexp.MustCompile(`minLength: .* fewer than (\d+)`), func(f string, m []string) string {
			return fmt.Sprintf("%s must not be empty", f)
		}},
		{regexp.MustCompile(`pattern: (".*") does not match`), func(f string, m []string) string {
			return fmt.Sprintf("%s %s is not in the form the schema gives", f, m[1])
		}},
		{regexp.MustCompile(`enum: (.*) does not equal any of: \[(.*)\]`), func(f string, m []string) string {
			var vs []string
			for _, v := range strings.Fields(m[2]) {
				vs = append(vs, strconv.Quote(v))
			}
			return fmt.Sprintf("%s must be one of %s, not %q", f, strings.Join(vs, ", "), m[1])
		}},
		{regexp.MustCompile(`maxItems: array length (\d+) is greater than (\d+)`), func(f string, m []string) string {
			return fmt.Sprintf("%s may have at most %s entries, not %s", f, m[2], m[1])
		}},
		{regexp.MustCompile(`minItems: array length (\d+) is less than (\d+)`), func(f string, m []string) string {
			return fmt.Sprintf("%s needs at least %s entry", f, m[2])
		}},
		{regexp.MustCompile(`type: (.*) has type "(\w+)", want "(\w+)"`), func(f string, m []string) string {
			return fmt.Sprintf("%s must be %s %s, not %s", f, article(m[3]), m[3], m[1])
		}},
		{regexp.MustCompile(`required: missing properties: \["?([^"\]]*)"?\]`), func(f string, m []string) string {
			return fmt.Sprintf("%s is required", joinField(f, m[1]))
		}},
		{regexp.MustCompile(`unexpected additional properties \["?([^"\]]*)"?\]`), func(f string, m []string) string {
			return fmt.Sprintf("%s is not a parameter of this tool", joinField(f, m[1]))
		}},
	}
)

// schemaMessage is the SDK's refusal of a tool's arguments as a sentence:
// "quantity must be at least 1, not -1."
func schemaMessage(err error) string {
	if err == nil {
		return "The arguments do not match the tool's input schema."
	}
	msg := err.Error()
	field := "the arguments"
	if all := validating.FindAllStringSubmatch(msg, -1); len(all) > 0 {
		if f := fieldOf(all[len(all)-1][1]); f != "" {
			field = "argument " + f
		}
	}
	for _, r := range refusals {
		if m := r.re.FindStringSubmatch(msg); m != nil {
			return capitalize(r.say(field, m)) + "."
		}
	}
	return fmt.Sprintf("The arguments do not match the tool's input schema: %v.", msg)
}

// fieldOf names the argument at a schema path: lines[].quantity for
// /properties/lines/items/properties/quantity.
func fieldOf(path string) string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var parts []string
	for i := 0; i < len(segs); i++ {
		switch {
		case segs[i] == "properties" && i+1 < len(segs):
			i++
			parts = append(parts, segs[i])
		case segs[i] == "items" && len(parts) > 0:
			parts[len(parts)-1] += "[]"
		}
	}
	return strings.Join(parts, ".")
}

func joinField(parent, name string) string {
	if parent == "the arguments" {
		return "argument " + name
	}
	return parent + "." + name
}

// number writes a number of the SDK's refusals, such as 1.000000 or -1/1
// (a fraction), as -1.
func number(s string) string {
	if r, ok := new(big.Rat).SetString(s); ok {
		if r.IsInt() {
			return r.Num().String()
		}
		f, _ := r.Float64()
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return s
}

func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
