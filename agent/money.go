package agent

import (
	"fmt"
	"strings"

	"github.com/voicepay/voicepay/config"
)

// Money formats minor units the way a speaker says them: "36 yuan",
// "12.50 yuan". Other currencies use their code.
func Money(amount int64, currency string) string {
	unit := currency
	if currency == "CNY" {
		unit = "yuan"
	}
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	if amount%100 == 0 {
		return fmt.Sprintf("%s%d %s", sign, amount/100, unit)
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, amount/100, amount%100, unit)
}

var smallNumbers = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"}

// count says a quantity of a thing: "a latte", "two lattes", "25 colas".
// A thing already named in the plural takes no article: "fries".
func count(n int, name string) string {
	switch {
	case n == 1 && (name == "" || isPlural(name)):
		return name
	case n == 1:
		article := "a"
		if strings.ContainsRune("aeiouAEIOU", rune(name[0])) {
			article = "an"
		}
		return article + " " + name
	case n <= 20:
		return smallNumbers[n] + " " + plural(name)
	default:
		return fmt.Sprintf("%d %s", n, plural(name))
	}
}

// isPlural reports whether a display name is already plural, on its head
// noun: "eggs", "fries", but not "glass" or "box of eggs".
func isPlural(name string) bool {
	head, _, _ := strings.Cut(name, " of ")
	return strings.HasSuffix(head, "s") && !strings.HasSuffix(head, "ss")
}

// unitName is what a quantity of an item counts. That is its display name,
// unless one of its names says the unit it is sold in ("box of eggs",
// "carton of milk"): two of "eggs" is two boxes of eggs, not two eggs.
func unitName(it config.Item) string {
	for _, say := range it.Say {
		if strings.Contains(say, " of ") {
			return say
		}
	}
	return it.Name()
}

// plural is the plural of a display name, on its head noun: "box of eggs" →
// "boxes of eggs".
func plural(name string) string {
	head, rest, _ := strings.Cut(name, " of ")
	if rest != "" {
		return plural(head) + " of " + rest
	}
	switch {
	case strings.HasSuffix(name, "s"):
		return name
	case strings.HasSuffix(name, "x"), strings.HasSuffix(name, "ch"), strings.HasSuffix(name, "sh"):
		return name + "es"
	case len(name) > 1 && strings.HasSuffix(name, "y") && !strings.ContainsRune("aeiou", rune(name[len(name)-2])):
		return name[:len(name)-1] + "ies"
	}
	return name + "s"
}
