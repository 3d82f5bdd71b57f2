package intent

import (
	"slices"
	"strings"
)

// Courtesy is what people type around a command to be polite: a greeting
// before it ("hi,", "excuse me,"), a request that wraps it ("could you
// possibly", "would you kindly"), thanks after it ("thanks a lot", "if
// possible"). It says nothing of the command, so typed text loses it
// before matching, at no cost, as it loses its hesitations: "hi, could
// you pay for it, thanks" pays. Only the edges of a sentence are read this
// way, never its middle, and a sentence of courtesy alone is nothing.
var (
	// greetings open a sentence, one or more of them.
	greetings = phraseList("hi", "hello", "hey", "hiya", "yo", "hi there", "hello there", "hey there", "hello dear",
		"hi dear", "dear", "before i pay", "sorry before i pay", "before paying",
		"excuse me", "good morning", "good afternoon", "good evening", "one more thing", "quick question")
	// afterthoughts open a command said as an afterthought: "oh and tip the dev
	// ten yuan". Before anything else, "and" keeps its sense: "oh and a
	// cappuccino too" adds one.
	afterthoughts = phraseList("oh and", "and also", "oh also", "also", "and")
	// helps open a request for help with a command: "help me buy a latte".
	helps = phraseList("help me", "help me to", "please help me", "please help me to", "can you help me",
		"could you help me", "can you help me to", "could you help me to")
	// requests open a sentence after its greetings, once: what follows is
	// the command.
	requests = phraseList("could you", "could you please", "could you possibly", "could you kindly", "could you just",
		"can you", "can you please", "can you just", "would you", "would you please", "would you kindly",
		"would you be able to", "will you", "will you please", "are you able to", "kindly",
		"please could you", "please can you", "please would you", "i was wondering if you could",
		"is it possible to", "do me a favor and", "would it be possible to", "is it still possible to",
		"i would be grateful if you could", "i would appreciate it if you could", "please be so kind as to",
		"be so kind as to", "please to", "do the needful and",
		// hedged requests: asked as a question, meant as a command
		"do you think you could", "do you think you can", "do you think we could", "do you think i could",
		"i was wondering if i could", "i was wondering if we could", "i was wondering if you would",
		"i wonder if you could", "i wonder if i could", "i was hoping you could", "i was hoping to",
		"any chance you could", "any chance we could", "any chance i could", "any chance you can",
		"is there any chance you could", "any chance of", "is it ok if i", "is it okay if i", "is it alright if i",
		"is it all right if i", "is it fine if i", "is it ok if we", "is it okay if we", "is it alright if we",
		"is it ok to", "is it okay to", "is it alright to", "would it be ok to", "would it be okay to",
		"would it be alright to", "would it be all right to", "would it be fine to", "would it be ok if i",
		"would it be okay if i", "would it be alright if i", "would it be all right if i", "would it be ok if we",
		"would it be alright if we", "would it be too much trouble to", "could i maybe", "could i possibly",
		"could i perhaps", "could we maybe", "could we possibly", "could we perhaps", "could you maybe",
		"could you perhaps", "can i maybe", "can we maybe", "shall we", "shall we go ahead and", "shall i",
		"why do not we", "why do not you", "how about we", "would you be so kind as to", "i think", "i suppose",
		"you can", "you may", "be a dear and", "could you be a dear and", "would you be a dear and", "be a love and",
		"could you be a love and")
	// thanks close a sentence, one or more of them.
	thanks = phraseList("thanks", "thank you", "thanks a lot", "thanks so much", "thank you so much",
		"thank you very much", "many thanks", "cheers", "thanks in advance", "much appreciated",
		"appreciate it", "i appreciate it", "if possible", "if you can", "if you could", "when you can",
		"when you get a chance", "for me", "and thanks", "and thank you",
		"mate", "thanks mate", "cheers mate", "buddy", "pal", "dude", "dear", "thank you dear", "thanks dear",
		"my dear", "love", "thanks love", "hun", "if you please", "please and thanks",
		"please and thank you", "ta", "na", "would you", "would ya", "will you", "do the needful",
		"and do the needful", "and revert",
		// and when, said of now
		"for the time being", "for now", "right now", "at once", "right away", "immediately",
		"as soon as possible", "asap", "straight away", "for the weekend", "over the weekend", "for a while",
		"for a bit", "at once please", "at the moment", "from now on", "already", "real quick", "then",
		"these days", "so far", "looking like",
		// and that it is done, or why
		"delivered", "delivered please", "before i pay", "before paying", "before i confirm", "is enough",
		"will do", "is plenty", "is needed", "will be enough", "would be enough", "accordingly",
		// and leave to say no
		"if that is alright", "if that is all right", "if that is ok", "if that is okay", "if that is fine",
		"if that works", "if you do not mind", "if it is not too much bother", "only if it is not too much bother",
		"if it is not too much trouble", "do you think", "for a bit", "for a while", "as well",
		"while you are at it", "as a thank you", "as a thanks", "as thanks",
		"first")
	// plainer says formal, regional and roundabout phrases the plain way,
	// anywhere in typed text: "i wish to pay" is "i want to pay", "could i
	// trouble you for a latte" is "can i have a latte".
	plainer = append([][2][]string{
		{{"i", "think", "so"}, {"yes"}},
		{{"i", "suppose", "so"}, {"yes"}},
		{{"i", "wish", "to"}, {"i", "want", "to"}},
		{{"i", "should", "like"}, {"i", "would", "like"}},
		{{"i", "would", "want"}, {"i", "want"}},
		{{"in", "place", "of"}, {"instead", "of"}},
		{{"rather", "than"}, {"instead", "of"}},
		{{"would", "appreciate"}, {"would", "like"}},
		{{"i", "am", "going", "to", "need"}, {"i", "need"}},
		{{"make", "an", "order", "of"}, {"order"}},
		{{"place", "an", "order", "of"}, {"order"}},
		{{"include", "also"}, {"add"}},
		{{"also", "include"}, {"add"}},
		{{"include"}, {"add"}},
		{{"offer"}, {"have"}},
		{{"are", "available"}, {"do", "you", "have"}},
		{{"is", "available"}, {"do", "you", "have"}},
		{{"remains"}, {"is", "left"}},
		{{"previous"}, {"recent"}},
		{{"agreed", "to"}, {"approved"}},
		{{"proceed", "with"}, {"go", "ahead", "with"}},
		{{"stop", "paying", "by", "voice"}, {"turn", "off", "voice", "payments"}},
		{{"off", "paying", "by", "voice"}, {"off", "voice", "payments"}},
		{{"on", "paying", "by", "voice"}, {"on", "voice", "payments"}},
		{{"voice", "paying"}, {"voice", "payments"}},
		{{"fetch", "me"}, {"get", "me"}},
		{{"did", "we", "all"}, {"did", "i"}},
		{{"did", "we"}, {"did", "i"}},
		{{"have", "we", "all"}, {"have", "i"}},
		{{"have", "we"}, {"have", "i"}},
		{{"family", "wallet"}, {"wallet"}},
		{{"coffee", "order"}, {"order"}},
		{{"food", "order"}, {"order"}},
		{{"drinks", "order"}, {"order"}},
		{{"household", "wallet"}, {"wallet"}},
		{{"shared", "wallet"}, {"wallet"}},
		{{"how", "much", "a"}, {"how", "much", "is", "a"}},
		{{"how", "much", "an"}, {"how", "much", "is", "an"}},
		{{"hows", "much"}, {"how", "much"}},
		{{"subscription", "thing"}, {"subscription"}},
		{{"tip", "thing"}, {"tip"}},
		{{"can", "we", "do"}, {"can", "we", "have"}},
		{{"could", "we", "do"}, {"could", "we", "have"}},
		{{"what", "coffee", "you", "got"}, {"what", "coffee", "do", "you", "have"}},
		{{"fetch", "us"}, {"get", "us"}},
		{{"payments", "by", "voice"}, {"voice", "payments"}},
		{{"it", "just", "the", "one"}, {"it", "one"}},
		{{"i", "would", "like", "to", "see"}, {"show", "me"}},
		{{"i", "want", "to", "see"}, {"show", "me"}},
		{{"can", "i", "see"}, {"show", "me"}},
		{{"could", "i", "see"}, {"show", "me"}},
		{{"have", "i", "got", "enough"}, {"do", "i", "have", "enough"}},
		{{"what", "was", "it", "i", "ordered"}, {"what", "did", "i", "order"}},
		{{"what", "have", "i", "got", "on", "order"}, {"what", "is", "in", "my", "order"}},
		{{"what", "sort", "of", "things"}, {"what"}},
		{{"what", "kind", "of", "things"}, {"what"}},
		{{"what", "kinds", "of", "things"}, {"what"}},
		{{"what", "sorts", "of", "things"}, {"what"}},
		{{"tell", "me", "the", "price", "of"}, {"what", "is", "the", "price", "of"}},
		{{"the", "paying"}, {"voice", "payments"}},
		{{"i", "am", "going", "to", "go", "ahead", "and"}, {}},
		{{"do", "you", "reckon"}, {"do", "you", "think"}},
		{{"i", "reckon"}, {}},
		{{"reckon"}, {}},
		{{"could", "i", "trouble", "you", "for"}, {"can", "i", "have"}},
		{{"can", "i", "trouble", "you", "for"}, {"can", "i", "have"}},
		{{"sort", "me", "out", "with"}, {"get", "me"}},
		{{"chuck", "us"}, {"give", "me"}},
		{{"agents", "subscription"}, {"subscription"}},
		{{"agents", "tip"}, {"tip"}},
		{{"pending", "subscription"}, {"subscription"}},
		{{"pending", "tip"}, {"tip"}},
		{{"waiting", "subscription"}, {"subscription"}},
		{{"proposed", "subscription"}, {"subscription"}},
		{{"got", "approved"}, {"approved"}},
		{{"transaction", "history"}, {"payment", "history"}},
		{{"share", "my"}, {"show", "my"}},
		{{"whatve"}, {"what", "have"}},
		{{"side", "of"}, {}},
		{{"lock", "my", "money"}, {"lock", "my", "wallet"}},
		{{"turn", "off", "it"}, {"turn", "it", "off"}},
		{{"turn", "on", "it"}, {"turn", "it", "on"}},
		{{"what", "this", "app", "can", "do"}, {"what", "can", "this", "app", "do"}},
		{{"how", "to", "use"}, {"how", "do", "i", "use"}},
		{{"record", "of", "my", "payment"}, {"payment", "history"}},
		{{"records", "of", "my", "payments"}, {"payment", "history"}},
		{{"what", "i", "buy"}, {"what", "did", "i", "buy"}},
		{{"what", "i", "order"}, {"what", "did", "i", "order"}},
		{{"i", "agree", "the"}, {"i", "approve", "the"}},
		{{"i", "take"}, {"i", "will", "take"}},
		{{"pay", "money"}, {"pay"}},
		{{"subscription", "the", "agent", "suggested"}, {"subscription"}},
		{{"subscription", "the", "agent", "proposed"}, {"subscription"}},
		{{"subscription", "you", "suggested"}, {"subscription"}},
		{{"subscription", "you", "proposed"}, {"subscription"}},
		{{"tip", "the", "agent", "asked", "for"}, {"tip"}},
	}, slices.Concat(mandateAsked(), payingByVoice())...)
	// minding asks a command with its verb in -ing: "would you mind
	// ordering me a latte" is "order me a latte".
	minding = phraseList("would you mind", "do you mind", "would you mind please", "mind", "any chance of")
	// leadIns are the words that may come before a request and stay:
	// "actually, could you make it two" is "actually make it two", "and
	// can you add a coke" is "and add a coke".
	leadIns = map[string]bool{"actually": true, "no": true, "oh": true, "and": true, "also": true, "yes": true,
		"yeah": true, "ok": true, "okay": true, "so": true, "wait": true, "sorry": true, "right": true, "well": true}
	// verbs are the -ing forms of the commands' verbs, for minding.
	verbs = map[string]string{"ordering": "order", "getting": "get", "buying": "buy", "grabbing": "grab",
		"adding": "add", "changing": "change", "making": "make", "cancelling": "cancel", "canceling": "cancel",
		"confirming": "confirm", "paying": "pay", "tipping": "tip", "checking": "check", "showing": "show",
		"telling": "tell", "reading": "read", "freezing": "freeze", "turning": "turn", "enabling": "enable",
		"disabling": "disable", "removing": "remove", "swapping": "swap", "doubling": "double",
		"placing": "place", "sending": "send", "giving": "give", "leaving": "leave", "approving": "approve",
		"declining": "decline", "switching": "switch", "locking": "lock", "unfreezing": "unfreeze",
		"explaining": "explain", "listing": "list", "rejecting": "reject", "unlocking": "unlock",
		"reporting": "report", "activating": "activate", "putting": "put", "pulling": "pull", "taking": "take",
		"throwing": "throw", "dropping": "drop", "scrapping": "scrap", "letting": "let", "flagging": "flag",
		"accepting": "accept", "authorizing": "authorize", "authorising": "authorise", "settling": "settle",
		"starting": "start", "stopping": "stop", "reminding": "remind", "sorting": "sort", "charging": "charge",
		"processing": "process"}
)

// plainByFirst are the rules of plainer by the first word of their phrase,
// in plainer's order.
var plainByFirst = func() map[string][][2][]string {
	out := map[string][][2][]string{}
	for _, r := range plainer {
		out[r[0][0]] = append(out[r[0][0]], r)
	}
	return out
}()

// mandateAsked says a tip or a subscription with who asked for it the
// plain way: "the subscription that the agent proposed", "that tip it asked
// me about" are "the subscription", "the tip".
func mandateAsked() [][2][]string {
	var out [][2][]string
	for _, m := range []string{"tip", "subscription", "tips", "subscriptions"} {
		for _, d := range []string{"that", "this", "those"} {
			out = append(out, [2][]string{{d, m}, {"the", m}})
		}
		for _, who := range []string{"the agent", "the assistant", "the ai", "the app", "you", "it", "they"} {
			for _, asked := range []string{"asked for", "asked about", "asked me for", "asked me about", "asked me",
				"proposed", "suggested", "wanted", "wants", "requested", "sent", "sent me", "mentioned",
				"put forward", "came up with", "is asking for", "was asking for", "is asking about"} {
				for _, rel := range []string{"", "that ", "which "} {
					out = append(out, [2][]string{strings.Fields(m + " " + rel + who + " " + asked), {m}})
				}
			}
		}
	}
	return out
}

// payingByVoice says "switch paying by voice on" and "enable paying" the
// plain way, "switch voice payments on", after the verbs that turn
// payments on or off; "start paying by voice" stays as it is.
func payingByVoice() [][2][]string {
	var out [][2][]string
	for _, v := range []string{"switch", "turn", "disable", "enable", "activate", "deactivate", "stop"} {
		for _, how := range []string{"paying by voice", "paying with my voice", "paying with voice", "paying"} {
			out = append(out, [2][]string{strings.Fields(v + " " + how), {v, "voice", "payments"}})
		}
	}
	return out
}

// commandVerbs are the verbs of verbs, as a command says them.
var commandVerbs = func() map[string]bool {
	out := map[string]bool{}
	for _, v := range verbs {
		out[v] = true
	}
	return out
}()

func phraseList(phrases ...string) [][]string {
	out := make([][]string, len(phrases))
	for i, p := range phrases {
		out[i] = strings.Fields(p)
	}
	// the longest first, so that "thank you so much" goes whole
	slices.SortStableFunc(out, func(a, b []string) int { return len(b) - len(a) })
	return out
}

// dropCourtesy returns words without the courtesy at their edges. What is
// left is never empty unless the words were all courtesy.
func dropCourtesy(words []string) []string {
	for n := trimStart(words, greetings); n > 0; n = trimStart(words, greetings) {
		words = words[n:]
	}
	if n := trimStart(words, afterthoughts); n > 0 && n < len(words) && commandVerbs[words[n]] {
		words = words[n:]
	}
	if n := trimStart(words, minding); n > 0 && n < len(words) && verbs[words[n]] != "" {
		words = append([]string{verbs[words[n]]}, words[n+1:]...)
	} else if n := trimStart(words, requests); n > 0 && n < len(words) {
		words = words[n:]
	} else if n := trimStart(words, helps); n > 0 && n < len(words) && commandVerbs[words[n]] {
		words = words[n:]
	} else if len(words) > 1 && words[0] == "just" && commandVerbs[words[1]] {
		words = words[1:] // "just pay": but "just a latte" is all the order
	} else if len(words) > 1 && leadIns[words[0]] {
		if n := trimStart(words[1:], requests); n > 0 && n+1 < len(words) {
			words = append(words[:1:1], words[n+1:]...)
		}
	}
	for n := trimEnd(words, thanks); n > 0; n = trimEnd(words, thanks) {
		words = words[:len(words)-n]
	}
	return words
}

// plain rewrites the formal phrases of words the plain way (see plainer).
// What one rule leaves may start another ("that subscription thing it
// suggested" is "the subscription thing it suggested", then "the
// subscription"): each place is read again, a few times at most.
func plain(words []string) []string {
	for i := 0; i < len(words); i++ {
		for range 4 {
			if i >= len(words) { // a rule that drops its phrase ("i reckon") may leave nothing after it
				break
			}
			out, ok := plainAt(words, i)
			if !ok {
				break
			}
			words = out
		}
	}
	return words
}

// plainAt rewrites the phrase of plainer at words[i], and reports whether
// there was one.
func plainAt(words []string, i int) ([]string, bool) {
	for _, r := range plainByFirst[words[i]] {
		if from, to := r[0], r[1]; i+len(from) <= len(words) && slices.Equal(words[i:i+len(from)], from) {
			return slices.Concat(words[:i:i], to, words[i+len(from):]), true
		}
	}
	return words, false
}

// trimStart is the length of the phrase of list that words start with, or 0.
func trimStart(words []string, list [][]string) int {
	for _, p := range list {
		if len(p) <= len(words) && slices.Equal(words[:len(p)], p) {
			return len(p)
		}
	}
	return 0
}

// trimEnd is the length of the phrase of list that words end with, or 0.
func trimEnd(words []string, list [][]string) int {
	for _, p := range list {
		if len(p) <= len(words) && slices.Equal(words[len(words)-len(p):], p) {
			return len(p)
		}
	}
	return 0
}

// typedWords are the words of typed text that its command is read from:
// without hesitations and the courtesy at its edges, words said twice said
// once, formal phrases said plainly.
func typedWords(words []string) []string {
	return dropCourtesy(plain(mended(dropHesitations(words))))
}
