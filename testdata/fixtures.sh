#!/usr/bin/env bash
# fixtures.sh renders voicepay's speech fixtures into testdata/audio/, in
# two sets, each converted to the recognizer's format (16 kHz, mono,
# 16-bit) with sox and with 300 ms of quiet before the speech:
#
#   - the espeak-ng set, in testdata/audio/: the first 52 commands and 26
#     out-of-domain sentences below, each spoken by espeak-ng in four voice
#     and speed variants, clean and mixed with white noise at 10 dB SNR
#     (624 clips). TestAcceptance holds the recognizer to its floors on
#     these, and the other speech tests decode them by name;
#   - the broad set, in testdata/audio/broad/: every sentence below, spoken
#     by twelve voices of four engines (espeak-ng, FreeTTS, festival and
#     flite), clean and mixed with white, pink or brown noise or babble at
#     5 to 15 dB SNR. BenchmarkAcceptance measures the recognizer on these
#     and reports it by voice, engine and noise (docs/benchmarks.md).
#
# Each set has a manifest.tsv listing its clips:
#
#   file  intent  slots (JSON)  clean|noisy  in|out  text  voice  engine  noise  snr  state
#
# where noise is clean, white, pink, brown or babble, snr is in dB ("-"
# for clean clips), and state is the dialog state the sentence is said in
# (see the commands below; "any" for an out-of-domain sentence, which may
# be said in any state). Files are named ID-VOICE-clean.wav and
# ID-VOICE-noisy.wav.
#
# Not every voice of the broad set says every sentence: that would be over
# 2,500 clean clips, and the benchmark decodes them all. So that a run
# stays near two minutes, each sentence is said by a share of the voices,
# spread so that every voice says about as many as any other:
#
#   - command number i (from 0) is said clean by the voices v (from 0, in
#     the order of the table below) where (i + v + 1) mod 4 = 0: three
#     voices, each saying every fourth command; each of these clips also
#     has a noisy copy;
#   - out-of-domain sentence j is said clean by the two voices where
#     (j + v) mod 6 = 0, and the one of them where (j + v) mod 12 = 0 also
#     has a noisy copy.
#
# Each voice's noisy copies take the four noise types in turn, starting at
# a different type for each voice, at SNRs stepping through 5 to 15 dB.
# Babble is four other talkers at once: for each, three clean clips of the
# broad set, none of the same sentence, one after another.
#
# The expected intent and slots are written here by hand, not taken from
# the parser (TestManifestParses checks them against it). Running it again
# does nothing when this script and the tools are unchanged (a stamp file
# records them); otherwise it renders everything anew into a temporary
# directory and swaps it in.
#
# Needs (Debian packages): espeak-ng, sox, freetts (with a Java runtime),
# festival with festvox-kdlpc16k, flite.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/audio"
lead_s=0.3 # quiet before each utterance, as the endpointer's pre-roll gives it
freetts_jar=/usr/share/java/freetts.jar

for tool in espeak-ng sox java festival flite; do
	command -v "$tool" >/dev/null || { echo "fixtures: $tool is not installed (make deps installs it)" >&2; exit 1; }
done
[[ -f "$freetts_jar" ]] || { echo "fixtures: $freetts_jar is missing (make deps installs freetts)" >&2; exit 1; }

# The espeak-ng set's voice and speed variants: name, espeak-ng voice, words
# per minute.
variants=(
	"us140 en-us 140"
	"f3175 en-us+f3 175"
	"gb140 en-gb+m3 140"
	"m7175 en-us+m7 175"
)

# The broad set's voices: name, engine, voice, words per minute (espeak-ng
# only). The first four are the espeak-ng set's.
voices=(
	"us140 espeak-ng en-us 140"
	"f3175 espeak-ng en-us+f3 175"
	"gb140 espeak-ng en-gb+m3 140"
	"m7175 espeak-ng en-us+m7 175"
	"sc155 espeak-ng en-gb-scotland+f2 155"
	"kl150 espeak-ng en-us+klatt 150"
	"rp130 espeak-ng en-gb-x-rp+f4 130"
	"ny185 espeak-ng en-us-nyc+klatt2 185"
	"kevin16 freetts kevin16 -"
	"ked festival ked_diphone -"
	"slt flite slt -"
	"awb flite awb -"
)
noises=(white pink brown babble)

# In-domain commands: id, intent, slots, state, text. The DESIGN.md
# examples come first, then other phrasings covering every catalog item and
# every intent (the espeak-ng set says these 52), then sentences as people
# say them rather than as the templates read. The state is where a person
# says the sentence, written by hand: inactive (payments not enabled yet),
# idle (no order open), drafted (an order read back, "buy a latte from
# luckin coffee"), confirmed (its funds held, after "confirm the order"), or
# proposed (idle, with an agent's tip or subscription, of the kind the
# sentence names, waiting for approval).
read -r -d '' commands <<'EOF' || true
in01	payment.enable	{}	inactive	enable alipay payment function
in02	payment.enable	{}	inactive	turn on payments
in03	payment.disable	{}	idle	disable alipay payment function
in04	order.create	{"merchant":"luckin_coffee","item":"latte","quantity":2}	idle	buy two lattes from luckin coffee
in05	order.modify	{"quantity":3}	drafted	make it three
in06	order.modify	{"merchant":"luckin_coffee","item":"americano","quantity":2}	drafted	change it to two americanos
in07	order.confirm	{}	drafted	confirm the order
in08	order.confirm	{}	drafted	yes, confirm
in09	order.cancel	{}	drafted	cancel order
in10	order.cancel	{}	confirmed	never mind, cancel it
in11	payment.authorize	{}	confirmed	pay
in12	payment.authorize	{}	confirmed	authorize payment
in13	balance.query	{}	idle	what's my balance
in14	history.query	{}	idle	show my recent payments
in15	tip.send	{"amount":500,"payee":"developer"}	idle	tip the developer five yuan
in16	wallet.freeze	{}	idle	freeze my wallet
in17	claim.file	{}	idle	report an unauthorized payment
in18	help	{}	idle	what can I say
in19	order.create	{"merchant":"luckin_coffee","item":"coconut_latte","quantity":1}	idle	order a coconut latte from luckin
in20	order.create	{"merchant":"luckin_coffee","item":"cappuccino","quantity":1}	idle	I'd like a cappuccino
in21	order.create	{"merchant":"luckin_coffee","item":"americano","quantity":1}	idle	get me an americano from luckin coffee
in22	order.create	{"merchant":"kfc","item":"zinger_burger","quantity":1}	idle	buy a zinger burger from KFC
in23	order.create	{"merchant":"kfc","item":"fries","quantity":2}	idle	I want two french fries from KFC
in24	order.create	{"merchant":"kfc","item":"cola","quantity":3}	idle	order three colas from K F C
in25	order.create	{"merchant":"kfc","item":"cola","quantity":1}	idle	can I get a coke
in26	order.create	{"merchant":"hema","item":"milk","quantity":1}	idle	buy a carton of milk from hema
in27	order.create	{"merchant":"hema","item":"eggs","quantity":2}	idle	get two boxes of eggs from freshippo
in28	order.create	{"merchant":"hema","item":"bananas","quantity":1}	idle	I need a bunch of bananas
in29	order.create	{"merchant":"hema","item":"bananas","quantity":4}	idle	order four bananas from hema
in30	order.create	{"merchant":"luckin_coffee","item":"latte","quantity":1}	idle	buy a latte
in31	order.create	{"merchant":"kfc","item":"zinger_burger","quantity":5}	idle	give me five zingers
in32	order.modify	{"merchant":"luckin_coffee","item":"cappuccino","quantity":1}	drafted	change it to a cappuccino
in33	order.modify	{"quantity":4}	drafted	make that four
in34	order.modify	{"merchant":"luckin_coffee","item":"coconut_latte","quantity":2}	confirmed	actually, make it two coconut lattes
in35	order.confirm	{}	drafted	yes, go ahead and confirm
in36	order.cancel	{}	confirmed	cancel my order
in37	order.cancel	{}	drafted	forget it
in38	payment.authorize	{}	confirmed	go ahead and pay
in39	payment.authorize	{}	confirmed	approve the payment
in40	balance.query	{}	idle	how much money do I have
in41	balance.query	{}	idle	check my balance
in42	history.query	{}	idle	what did I buy today
in43	tip.send	{"amount":1000,"payee":"agent"}	idle	tip the assistant ten yuan
in44	tip.send	{"amount":1250,"payee":"developer"}	idle	give the developer a tip of twelve yuan fifty
in45	tip.send	{"amount":2000}	idle	tip twenty yuan
in46	wallet.freeze	{}	idle	lock my account
in47	claim.file	{}	idle	I did not authorize that payment
in48	help	{}	drafted	help
in49	payment.disable	{}	idle	turn off voice payments
in50	balance.query	{}	idle	hey voicepay, what is my balance
in51	payment.enable	{}	inactive	please activate alipay
in52	order.create	{"merchant":"hema","item":"milk","quantity":2}	idle	two cartons of milk from hema please
in53	payment.enable	{}	inactive	okay, switch on voice payments
in54	payment.disable	{}	idle	please switch off alipay
in55	order.create	{"merchant":"luckin_coffee","item":"americano","quantity":3}	idle	could I get three americanos from luckin please
in56	order.create	{"merchant":"kfc","item":"cola","quantity":1}	idle	grab me a cola from KFC
in57	order.create	{"merchant":"luckin_coffee","item":"cappuccino","quantity":2}	idle	I'll have two cappuccinos
in58	order.create	{"merchant":"hema","item":"eggs","quantity":1}	idle	let me get a box of eggs from hema
in59	order.create	{"merchant":"luckin_coffee","item":"latte","quantity":1}	idle	from luckin coffee, get me a latte
in60	order.create	{"merchant":"kfc","item":"zinger_burger","quantity":2}	idle	place an order for two zinger burgers
in61	order.create	{"merchant":"luckin_coffee","item":"latte","quantity":3}	idle	three lattes please
in62	order.create	{"merchant":"hema","item":"bananas","quantity":1}	idle	um, can I have a bunch of bananas please
in63	order.create	{"merchant":"kfc","item":"cola","quantity":2}	idle	may I have two cokes
in64	order.modify	{"quantity":2}	drafted	wait, make it two
in65	order.modify	{"quantity":3}	confirmed	actually, I'll take three instead
in66	order.modify	{"merchant":"luckin_coffee","item":"americano","quantity":1}	drafted	switch it to an americano
in67	order.modify	{"merchant":"kfc","item":"fries"}	drafted	replace it with fries
in68	order.confirm	{}	drafted	yeah, confirm it
in69	order.confirm	{}	drafted	okay, I confirm the order
in70	order.cancel	{}	drafted	scratch that
in71	order.cancel	{}	confirmed	no, I changed my mind
in72	order.cancel	{}	confirmed	I don't want it anymore
in73	payment.authorize	{}	confirmed	yes, pay now
in74	payment.authorize	{}	confirmed	okay, go ahead and authorize the payment
in75	balance.query	{}	idle	how much money is left in my wallet
in76	balance.query	{}	drafted	do I have enough money
in77	history.query	{}	idle	what have I bought this week
in78	history.query	{}	idle	how much did I spend yesterday
in79	tip.send	{"amount":800,"payee":"developer"}	idle	tip the app developer eight yuan
in80	tip.send	{"amount":300,"payee":"agent"}	idle	give a tip of three yuan to my assistant
in81	wallet.freeze	{}	idle	my phone was stolen, lock my wallet
in82	claim.file	{}	idle	someone made an unauthorized purchase
in83	claim.file	{}	idle	I did not make this purchase
in84	help	{}	inactive	what can you do
in85	help	{}	inactive	how does this work
in86	subscription.approve	{"mandate":"subscription"}	proposed	yes, approve the subscription
in87	subscription.approve	{"mandate":"tip"}	proposed	okay, I approve the tip request
in88	subscription.cancel	{"merchant":"luckin_coffee","mandate":"subscription"}	idle	cancel my subscription to luckin
in89	subscription.cancel	{"mandate":"tip"}	proposed	decline the tip
in90	subscription.query	{}	idle	what am I subscribed to
in91	subscription.query	{}	idle	do I have any subscriptions
EOF

# Out-of-domain sentences: none of them may become an intent, least of all
# one that moves money. Many are near misses of commands: a command's verb
# or noun in everyday speech. The espeak-ng set says the first 26.
read -r -d '' others <<'EOF' || true
out01	what's the weather like today
out02	pay a visit to grandma
out03	cancel the alarm
out04	turn on the lights in the kitchen
out05	play some music
out06	call my mother
out07	set a timer for ten minutes
out08	confirm my flight to beijing
out09	the coffee here is very good
out10	I paid attention in class
out11	tip over the vase
out12	freeze the frame
out13	tell me a joke
out14	how tall is mount everest
out15	open the window please
out16	order the troops to advance
out17	buy some time
out18	send an email to bob
out19	what time is it
out20	remind me to water the plants
out21	the kids are playing in the garden
out22	pay it forward
out23	authorize the firmware update
out24	my phone battery is low
out25	let's go to the park tomorrow
out26	pay the electricity bill
out27	pay attention
out28	confirm my dentist appointment
out29	order in the court
out30	cancel my alarm
out31	make it rain
out32	tip of the iceberg
out33	pay no attention to the man behind the curtain
out34	the check is in the mail
out35	I'll pay you back tomorrow
out36	confirm the meeting for three o'clock
out37	cancel the meeting
out38	order a taxi to the airport
out39	buy a ticket to shanghai
out40	book a table for two
out41	make it snappy
out42	make it so
out43	change the channel
out44	lock the front door
out45	freeze, don't move
out46	help the old lady cross the street
out47	balance the books
out48	my balance on the bike is bad
out49	what's my name
out50	what's the score
out51	show me the money
out52	show my photos
out53	it's on the tip of my tongue
out54	approve the vacation request
out55	authorize the new user
out56	I want to go home
out57	I'd like a window seat
out58	can I get a refill
out59	give me a break
out60	give me five
out61	enable bluetooth
out62	turn on the television
out63	disable notifications
out64	turn off the oven
out65	the latte art was beautiful
out66	coffee makes me nervous
out67	I love bananas
out68	we ran out of milk
out69	the eggs are in the fridge
out70	my wallet is in the car
out71	I lost my keys
out72	confirm or deny the rumor
out73	the payment was late last month
out74	the order of operations
out75	in order to win you must practice
out76	the lake is frozen
out77	cancel culture is everywhere
out78	stop the music
out79	pay per view
out80	payday is on friday
out81	check the oil in the car
out82	check the mail
out83	report the weather in beijing
out84	file the report by monday
out85	claim your prize
out86	dispute the referee's call
out87	the developer fixed the bug
out88	tip the scales
out89	pay the piper
out90	order the pizza
out91	count to ten
out92	five yuan is not much
out93	three blind mice
out94	yes or no
out95	no thanks
out96	okay google
out97	hey siri, set an alarm
out98	alexa, play some jazz
out99	good morning
out100	how are you doing
out101	what's for dinner
out102	I'm going to the gym
out103	my account password expired
out104	lock the screen
out105	show me the way home
out106	read me a story
out107	tell me about the history of rome
out108	what did you say
out109	what did I do yesterday
out110	how much is a ticket to the museum
out111	how much does it weigh
out112	do I have time for lunch
out113	is there enough gas in the car
out114	go ahead and start the movie
out115	approve the budget
out116	submit the homework
out117	confirm your email address
out118	order more paper for the printer
out119	pay the taxi driver
out120	buy me a drink
out121	get me a glass of water
out122	I need a new phone
out123	can I have your attention please
out124	give the dog a bath
EOF

# Every command names a state the dialog can be put in.
while IFS=$'\t' read -r id _ _ state _; do
	case $state in
	inactive | idle | drafted | confirmed | proposed) ;;
	*) echo "fixtures: $id is said in state \"$state\", which is none of inactive, idle, drafted, confirmed or proposed" >&2; exit 1 ;;
	esac
done <<<"$commands"

stamp=$( {
	cat "${BASH_SOURCE[0]}"
	dpkg-query -W -f '${Package} ${Version}\n' espeak-ng sox freetts festival festvox-kdlpc16k flite 2>&1
} | sha256sum | cut -c1-16)
if [[ -f "$out/manifest.tsv" && -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]]; then
	echo "fixtures: $out is up to date"
	exit 0
fi

start=$(date +%s%N)
tmp=$(mktemp -d "$here/.audio.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
broad="$tmp/broad"
mkdir "$broad" "$broad/raw" "$broad/work"
export tmp broad lead_s

## The espeak-ng set.

snr_db=10
# One minute of white noise at full scale, made once and repeatably (-R);
# each clip takes its noise from its own offset into it.
sox -R -n -r 16000 -c 1 -b 16 "$tmp/noise.wav" synth 60 whitenoise vol 0.5
noise_rms=$(sox "$tmp/noise.wav" -n stat 2>&1 | awk '/^RMS +amplitude/ {print $3}')

# render ID VOICE SPEED TEXT N: writes ID.wav (clean) and ID-noisy.wav.
render() {
	local id=$1 voice=$2 speed=$3 text=$4 n=$5
	espeak-ng -v "$voice" -s "$speed" -w "$tmp/$id-raw.wav" "$text"
	# espeak-ng starts speaking on the first sample; a capture never does
	# (the endpointer keeps 300 ms of pre-roll), so the clip gets as much
	# quiet before it. sox dithers what it writes at 16 bits with random
	# noise, seeded from the clock unless -R is given; -R makes every
	# rendering the same, bit for bit, and so every test run.
	sox -R "$tmp/$id-raw.wav" -r 16000 -c 1 -b 16 "$tmp/$id-clean.wav" pad "$lead_s" 0
	rm "$tmp/$id-raw.wav"
	# The speech level is measured without the silence around it.
	local rms dur gain offset
	rms=$(sox "$tmp/$id-clean.wav" -n silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse stat 2>&1 |
		awk '/^RMS +amplitude/ {print $3}')
	dur=$(soxi -D "$tmp/$id-clean.wav")
	gain=$(awk -v s="$rms" -v n="$noise_rms" -v db="$snr_db" 'BEGIN {printf "%.6f", s / n / 10^(db/20)}')
	offset=$(awk -v n="$n" -v d="$dur" 'BEGIN {printf "%.3f", (n * 7.919) % (59 - d)}')
	sox -R -m -v 1 "$tmp/$id-clean.wav" -v "$gain" "|sox $tmp/noise.wav -p trim $offset $dur" "$tmp/$id-noisy.wav"
}
export -f render
export noise_rms snr_db

jobs=()
manifest=()
n=0
while IFS=$'\t' read -r id intent slots state text; do
	[[ -z "$id" ]] && continue
	for v in "${variants[@]}"; do
		read -r vname voice speed <<<"$v"
		n=$((n + 1))
		jobs+=("$id-$vname"$'\t'"$voice"$'\t'"$speed"$'\t'"$text"$'\t'"$n")
		manifest+=("$id-$vname-clean.wav"$'\t'"$intent"$'\t'"$slots"$'\tclean\tin\t'"$text"$'\t'"$vname"$'\tespeak-ng\tclean\t-\t'"$state")
		manifest+=("$id-$vname-noisy.wav"$'\t'"$intent"$'\t'"$slots"$'\tnoisy\tin\t'"$text"$'\t'"$vname"$'\tespeak-ng\twhite\t'"$snr_db"$'\t'"$state")
	done
done <<<"$(head -n 52 <<<"$commands")"
while IFS=$'\t' read -r id text; do
	[[ -z "$id" ]] && continue
	for v in "${variants[@]}"; do
		read -r vname voice speed <<<"$v"
		n=$((n + 1))
		jobs+=("$id-$vname"$'\t'"$voice"$'\t'"$speed"$'\t'"$text"$'\t'"$n")
		manifest+=("$id-$vname-clean.wav"$'\tnone\t{}\tclean\tout\t'"$text"$'\t'"$vname"$'\tespeak-ng\tclean\t-\tany')
		manifest+=("$id-$vname-noisy.wav"$'\tnone\t{}\tnoisy\tout\t'"$text"$'\t'"$vname"$'\tespeak-ng\twhite\t'"$snr_db"$'\tany')
	done
done <<<"$(head -n 26 <<<"$others")"

printf '%s\n' "${jobs[@]}" |
	xargs -d '\n' -P "$(nproc)" -I{} bash -c 'IFS=$'"'"'\t'"'"' read -r id voice speed text n <<<"$1"; render "$id" "$voice" "$speed" "$text" "$n"' _ {}

rm "$tmp/noise.wav"
{
	printf 'file\tintent\tslots\tcondition\tdomain\ttext\tvoice\tengine\tnoise\tsnr\tstate\n'
	printf '%s\n' "${manifest[@]}"
} >"$tmp/manifest.tsv"
espeak_clips=${#manifest[@]}

## The broad set.

# The plan: which voice says which sentence, and which clips get noise.
declare -a vname vengine vvoice vspeed
for v in "${!voices[@]}"; do
	read -r "vname[v]" "vengine[v]" "vvoice[v]" "vspeed[v]" <<<"${voices[v]}"
done
nv=${#voices[@]}
clean=()    # name \t voice index \t sentence id \t text
manifest=() # rows of the manifest
noisy=()    # name \t voice index \t sentence id (the noise comes later)
declare -A noisyRow noisyState
addclip() { # ID V INTENT SLOTS STATE DOMAIN TEXT NOISY
	local id=$1 v=$2 intent=$3 slots=$4 state=$5 domain=$6 text=$7 withNoise=$8
	local name="$id-${vname[v]}"
	clean+=("$name"$'\t'"$v"$'\t'"$id"$'\t'"$text")
	manifest+=("$name-clean.wav"$'\t'"$intent"$'\t'"$slots"$'\tclean\t'"$domain"$'\t'"$text"$'\t'"${vname[v]}"$'\t'"${vengine[v]}"$'\tclean\t-\t'"$state")
	if ((withNoise)); then
		noisy+=("$name"$'\t'"$v"$'\t'"$id")
		noisyRow[$name]="$name-noisy.wav"$'\t'"$intent"$'\t'"$slots"$'\tnoisy\t'"$domain"$'\t'"$text"$'\t'"${vname[v]}"$'\t'"${vengine[v]}"
		noisyState[$name]=$state
	fi
}
i=0
while IFS=$'\t' read -r id intent slots state text; do
	[[ -z "$id" ]] && continue
	for ((v = 0; v < nv; v++)); do
		if (((i + v + 1) % 4 == 0)); then
			addclip "$id" "$v" "$intent" "$slots" "$state" in "$text" 1
		fi
	done
	i=$((i + 1))
done <<<"$commands"
j=0
while IFS=$'\t' read -r id text; do
	[[ -z "$id" ]] && continue
	for ((v = 0; v < nv; v++)); do
		if (((j + v) % 6 == 0)); then
			addclip "$id" "$v" none '{}' any out "$text" $(((j + v) % 12 == 0))
		fi
	done
	j=$((j + 1))
done <<<"$others"

# Each voice's noisy copies take the noise types in turn and step through
# the SNRs; babble takes its talkers from the clean clips of other
# sentences, picked with a stride through all of them.
nclean=${#clean[@]}
mixes=() # name \t noise \t snr \t offset \t talkers
declare -a count
for k in "${!noisy[@]}"; do
	IFS=$'\t' read -r name v id <<<"${noisy[k]}"
	c=${count[v]:-0}
	count[v]=$((c + 1))
	noise=${noises[$(((c + v) % 4))]}
	snr=$((5 + (3 * c + v) % 11))
	talkers=""
	if [[ $noise == babble ]]; then
		p=$((k * 53 % nclean))
		for ((t = 0; t < 12; p = (p + 97) % nclean)); do
			IFS=$'\t' read -r tname _ tid _ <<<"${clean[p]}"
			[[ "$tid" == "$id" ]] && continue
			talkers+="$tname "
			t=$((t + 1))
		done
	fi
	mixes+=("$name"$'\t'"$noise"$'\t'"$snr"$'\t'"$k"$'\t'"$talkers")
	manifest+=("${noisyRow[$name]}"$'\t'"$noise"$'\t'"$snr"$'\t'"${noisyState[$name]}")
done

# Speech from FreeTTS and festival is rendered in one run of each for all
# their sentences (a JVM or a festival start per clip would take minutes);
# espeak-ng and flite start fast enough to run once per clip.
ftlines=()
ftnames=()
festival_script=""
jobs=()
for row in "${clean[@]}"; do
	IFS=$'\t' read -r name v id text <<<"$row"
	case ${vengine[v]} in
	freetts)
		ftlines+=("$text")
		ftnames+=("$name")
		;;
	festival)
		[[ "$text" != *[\"\\]* ]] || { echo "fixtures: festival cannot say $text" >&2; exit 1; }
		festival_script+="(utt.save.wave (utt.synth (Utterance Text \"$text\")) \"$broad/raw/$name.wav\" 'riff)"$'\n'
		;;
	*) jobs+=("$name"$'\t'"${vengine[v]}"$'\t'"${vvoice[v]}"$'\t'"${vspeed[v]}"$'\t'"$text") ;;
	esac
done

# synth NAME ENGINE VOICE SPEED TEXT: writes raw/NAME.wav.
synth() {
	case $2 in
	espeak-ng) espeak-ng -v "$3" -s "$4" -w "$broad/raw/$1.wav" "$5" ;;
	flite) flite -voice "$3" -t "$5" -o "$broad/raw/$1.wav" ;;
	*) echo "fixtures: no engine $2" >&2; return 1 ;;
	esac
}

# finish NAME: NAME-clean.wav from raw/NAME.wav. The engines start with
# different stretches of quiet (espeak-ng with none, the others with about
# 250 ms), and a capture has the endpointer's 300 ms of pre-roll, so the
# quiet at the start is cut and 300 ms put in its place.
finish() {
	sox -R "$broad/raw/$1.wav" -r 16000 -c 1 -b 16 "$broad/$1-clean.wav" silence 1 0.01 -50d pad "$lead_s" 0
}

# speechrms FILE: the RMS of a clip's speech, without the quiet around it.
speechrms() {
	sox "$1" -n silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse stat 2>&1 | awk '/^RMS +amplitude/ {print $3}'
}

# mix NAME NOISE SNR K TALKERS: NAME-noisy.wav from NAME-clean.wav. The
# coloured noises come from a minute of each, each clip from its own
# offset; babble is made for the clip. Both parts are halved so that loud
# noise does not clip.
mix() {
	local name=$1 noise=$2 snr=$3 k=$4 talkers=$5
	local clip="$broad/$name-clean.wav" dur rms nrms gain src
	dur=$(soxi -D "$clip")
	rms=$(speechrms "$clip")
	if [[ $noise == babble ]]; then
		local -a t parts=()
		read -r -a t <<<"$talkers"
		for ((n = 0; n < 4; n++)); do
			parts+=("|sox $broad/${t[3 * n]}-clean.wav $broad/${t[3 * n + 1]}-clean.wav $broad/${t[3 * n + 2]}-clean.wav -p trim 0.$((2 * n + 1)) $dur")
		done
		src="$broad/work/$name-babble.wav"
		sox -R -m "${parts[@]}" "$src"
	else
		local offset
		offset=$(awk -v n="$k" -v d="$dur" 'BEGIN {printf "%.3f", (n * 7.919) % (59 - d)}')
		src="$broad/work/$name-$noise.wav"
		sox -R "$broad/work/$noise.wav" "$src" trim "$offset" "$dur"
	fi
	nrms=$(sox "$src" -n stat 2>&1 | awk '/^RMS +amplitude/ {print $3}')
	gain=$(awk -v s="$rms" -v n="$nrms" -v db="$snr" 'BEGIN {printf "%.6f", 0.5 * s / n / 10^(db/20)}')
	sox -R -m -v 0.5 "$clip" -v "$gain" "$src" "$broad/$name-noisy.wav" trim 0 "$dur"
	rm "$src"
}
export -f synth finish speechrms mix

if ((${#ftlines[@]})); then
	printf '%s\n' "${ftlines[@]}" >"$broad/work/freetts.txt"
	java -jar "$freetts_jar" -voice kevin16 -lines "$broad/work/freetts.txt" -dumpMultiAudio "$broad/work/ft.wav" >"$broad/work/freetts.log" 2>&1 &
	ftpid=$!
fi
if [[ -n "$festival_script" ]]; then
	printf '(voice_ked_diphone)\n%s' "$festival_script" >"$broad/work/festival.scm"
	festival -b "$broad/work/festival.scm" >"$broad/work/festival.log" 2>&1 &
	festpid=$!
fi
printf '%s\n' "${jobs[@]}" |
	xargs -d '\n' -P "$(nproc)" -I{} bash -c 'IFS=$'"'"'\t'"'"' read -r n e v s t <<<"$1"; synth "$n" "$e" "$v" "$s" "$t"' _ {}
if [[ -n "${ftpid:-}" ]]; then
	wait "$ftpid" || { cat "$broad/work/freetts.log" >&2; exit 1; }
	# One file per line, numbered from 0, when every line is one utterance.
	for k in "${!ftnames[@]}"; do
		[[ -f "$broad/work/ft$k.wav" ]] || { echo "fixtures: FreeTTS wrote no ft$k.wav" >&2; cat "$broad/work/freetts.log" >&2; exit 1; }
		mv "$broad/work/ft$k.wav" "$broad/raw/${ftnames[k]}.wav"
	done
	[[ ! -e "$broad/work/ft${#ftnames[@]}.wav" ]] || { echo "fixtures: FreeTTS split a line into two utterances" >&2; exit 1; }
fi
if [[ -n "${festpid:-}" ]]; then
	wait "$festpid" || { cat "$broad/work/festival.log" >&2; exit 1; }
fi

for row in "${clean[@]}"; do printf '%s\n' "${row%%$'\t'*}"; done |
	xargs -P "$(nproc)" -I{} bash -c 'finish "$1"' _ {}
rm -r "$broad/raw"

# A minute of each coloured noise, made once and repeatably (-R).
for noise in white pink brown; do
	sox -R -n -r 16000 -c 1 -b 16 "$broad/work/$noise.wav" synth 60 "${noise}noise" vol 0.5
done
printf '%s\n' "${mixes[@]}" |
	xargs -d '\n' -P "$(nproc)" -I{} bash -c 'IFS=$'"'"'\t'"'"' read -r n z s k t <<<"$1"; mix "$n" "$z" "$s" "$k" "$t"' _ {}
rm -r "$broad/work"

{
	printf 'file\tintent\tslots\tcondition\tdomain\ttext\tvoice\tengine\tnoise\tsnr\tstate\n'
	printf '%s\n' "${manifest[@]}"
} >"$broad/manifest.tsv"

echo "$stamp" >"$tmp/.stamp"
for dir in "$tmp" "$broad"; do
	while IFS=$'\t' read -r file _; do
		[[ $file == file ]] && continue
		[[ -s "$dir/$file" ]] || { echo "fixtures: $dir/$file is missing or empty" >&2; exit 1; }
	done <"$dir/manifest.tsv"
done

rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "fixtures: $espeak_clips clips in $out, ${#manifest[@]} in $out/broad ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
