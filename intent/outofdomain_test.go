package intent_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// outOfDomain are sentences that must be None: near-misses of payment
// intents, other assistants' commands, half-sentences and noise.
var outOfDomain = []string{
	"cancel the alarm",
	"pay a visit to grandma",
	"enable wifi",
	"confirm my flight",
	"pay attention",
	"turn on the lights",
	"buy some time",
	"what's the weather",
	"tip over the vase",
	"freeze the frame",
	"pay it forward",
	"confirm the meeting for tomorrow",
	"cancel my subscription to netflix",
	"approve the subscription to netflix",
	"approve",
	"approve all the subscriptions",
	"subscribe me to netflix",
	"tip",
	"what tips do you have for saving money",
	"start the car",
	"approve the tip of the iceberg",
	"decline the call",
	"show my subscriptions to the newsletter",
	"pay the electricity bill",
	"authorize the firmware update",
	"tip the scales",
	"tip me off",
	"order the troops to advance",
	"make it rain",
	"change the channel",
	"what's my name",
	"show my photos",
	"freeze",
	"I want to pay you a compliment",
	"report the weather",
	"help the developer",
	"the developer tipped five yuan",
	"send five yuan to mom",
	"transfer all my money to bob",
	"enable alipay payment function for my neighbor",
	"tip the developer zero yuan",
	"tip the developer five dollars",
	"buy 2.5 lattes",
	"confirm confirm",
	"pay pay",
	"pay five yuan",
	"cancel the alarm and pay",
	"don't pay",
	"do not confirm the order",
	"never pay",
	"pay for my friend",
	"confirm the order for someone else",
	"what can I say to my boss",
	"lock the door",
	"turn on payments for everyone in the house",
	"buy",
	"from kfc",
	"",
	"   ",
	"!!!",
	"please",
	"um uh",
	"um, pay attention",
	"uh, confirm my reservation",
	"pay the 36 yuan parking fine",
	"confirm two tickets to shanghai",
	"double check the address",
	"double the recipe",
	"swap the tires for winter ones",
	"buy the developer a new laptop",
	"tip the developer in bitcoin",
	"give me a few minutes",
	"just a moment",
	"like, pay it forward",
	"I guess it will rain",
	"I could go for a walk",
	"could you get the lights",
	"thanks a lot",
	"hi there",
	"I think I'll go for a run",
	"can I have a word",
	"let me pay later",
	"I want to pay with cash",
	"great, confirm the meeting",
	"sounds good, pay attention",
	"支付",
	strings.Repeat("pay ", 200),
}

func TestParseOutOfDomain(t *testing.T) {
	p := MustDefaultParser(t)
	for _, text := range outOfDomain {
		t.Run(text, func(t *testing.T) {
			got := p.Parse(text)
			want := intent.Result{Text: text, Intent: intent.None}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", text, got, want)
			}
		})
	}
}
