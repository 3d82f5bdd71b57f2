#!/usr/bin/env bash
# fixtures.sh renders voicepay's speech fixtures into testdata/audio/:
# payment commands and out-of-domain sentences, spoken by espeak-ng in four
# voice and speed variants, converted to the recognizer's format (16 kHz,
# mono, 16-bit) with sox, plus a copy of each mixed with white noise at
# 10 dB SNR. testdata/audio/manifest.tsv lists every clip:
#
#   file  intent  slots (JSON)  clean|noisy  in|out  text  voice  engine  noise  snr
#
# where noise is clean or white and snr is in dB ("-" for clean clips).
# The expected intent and slots are written here by hand, not taken from
# the parser. Running it again does nothing when this script and the tools
# are unchanged (a stamp file records them); otherwise it renders
# everything anew into a temporary directory and swaps it in.
#
# Needs: espeak-ng, sox (Debian packages espeak-ng and sox).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/audio"
snr_db=10
lead_s=0.3 # quiet before each utterance, as the endpointer's pre-roll gives it

for tool in espeak-ng sox; do
	command -v "$tool" >/dev/null || { echo "fixtures: $tool is not installed (apt-get install espeak-ng sox)" >&2; exit 1; }
done

# Voice and speed variants: name, espeak-ng voice, words per minute.
variants=(
	"us140 en-us 140"
	"f3175 en-us+f3 175"
	"gb140 en-gb+m3 140"
	"m7175 en-us+m7 175"
)

# In-domain commands: id, intent, slots, text. The DESIGN.md examples come
# first, then other phrasings covering every catalog item and every intent.
read -r -d '' commands <<'EOF' || true
in01	payment.enable	{}	enable alipay payment function
in02	payment.enable	{}	turn on payments
in03	payment.disable	{}	disable alipay payment function
in04	order.create	{"merchant":"luckin_coffee","item":"latte","quantity":2}	buy two lattes from luckin coffee
in05	order.modify	{"quantity":3}	make it three
in06	order.modify	{"merchant":"luckin_coffee","item":"americano","quantity":2}	change it to two americanos
in07	order.confirm	{}	confirm the order
in08	order.confirm	{}	yes, confirm
in09	order.cancel	{}	cancel order
in10	order.cancel	{}	never mind, cancel it
in11	payment.authorize	{}	pay
in12	payment.authorize	{}	authorize payment
in13	balance.query	{}	what's my balance
in14	history.query	{}	show my recent payments
in15	tip.send	{"amount":500,"payee":"developer"}	tip the developer five yuan
in16	wallet.freeze	{}	freeze my wallet
in17	claim.file	{}	report an unauthorized payment
in18	help	{}	what can I say
in19	order.create	{"merchant":"luckin_coffee","item":"coconut_latte","quantity":1}	order a coconut latte from luckin
in20	order.create	{"merchant":"luckin_coffee","item":"cappuccino","quantity":1}	I'd like a cappuccino
in21	order.create	{"merchant":"luckin_coffee","item":"americano","quantity":1}	get me an americano from luckin coffee
in22	order.create	{"merchant":"kfc","item":"zinger_burger","quantity":1}	buy a zinger burger from KFC
in23	order.create	{"merchant":"kfc","item":"fries","quantity":2}	I want two french fries from KFC
in24	order.create	{"merchant":"kfc","item":"cola","quantity":3}	order three colas from K F C
in25	order.create	{"merchant":"kfc","item":"cola","quantity":1}	can I get a coke
in26	order.create	{"merchant":"hema","item":"milk","quantity":1}	buy a carton of milk from hema
in27	order.create	{"merchant":"hema","item":"eggs","quantity":2}	get two boxes of eggs from freshippo
in28	order.create	{"merchant":"hema","item":"bananas","quantity":1}	I need a bunch of bananas
in29	order.create	{"merchant":"hema","item":"bananas","quantity":4}	order four bananas from hema
in30	order.create	{"merchant":"luckin_coffee","item":"latte","quantity":1}	buy a latte
in31	order.create	{"merchant":"kfc","item":"zinger_burger","quantity":5}	give me five zingers
in32	order.modify	{"merchant":"luckin_coffee","item":"cappuccino","quantity":1}	change it to a cappuccino
in33	order.modify	{"quantity":4}	make that four
in34	order.modify	{"merchant":"luckin_coffee","item":"coconut_latte","quantity":2}	actually, make it two coconut lattes
in35	order.confirm	{}	yes, go ahead and confirm
in36	order.cancel	{}	cancel my order
in37	order.cancel	{}	forget it
in38	payment.authorize	{}	go ahead and pay
in39	payment.authorize	{}	approve the payment
in40	balance.query	{}	how much money do I have
in41	balance.query	{}	check my balance
in42	history.query	{}	what did I buy today
in43	tip.send	{"amount":1000,"payee":"agent"}	tip the assistant ten yuan
in44	tip.send	{"amount":1250,"payee":"developer"}	give the developer a tip of twelve yuan fifty
in45	tip.send	{"amount":2000}	tip twenty yuan
in46	wallet.freeze	{}	lock my account
in47	claim.file	{}	I did not authorize that payment
in48	help	{}	help
in49	payment.disable	{}	turn off voice payments
in50	balance.query	{}	hey voicepay, what is my balance
in51	payment.enable	{}	please activate alipay
in52	order.create	{"merchant":"hema","item":"milk","quantity":2}	two cartons of milk from hema please
EOF

# Out-of-domain sentences: none of them may become an intent, least of all
# one that moves money. Several are near misses of commands.
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
EOF

stamp=$( { cat "${BASH_SOURCE[0]}"; espeak-ng --version; sox --version; } | sha256sum | cut -c1-16)
if [[ -f "$out/manifest.tsv" && -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]]; then
	echo "fixtures: $out is up to date"
	exit 0
fi

start=$(date +%s%N)
tmp=$(mktemp -d "$here/.audio.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

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
export tmp noise_rms snr_db lead_s

jobs=()
manifest=()
n=0
while IFS=$'\t' read -r id intent slots text; do
	[[ -z "$id" ]] && continue
	for v in "${variants[@]}"; do
		read -r vname voice speed <<<"$v"
		n=$((n + 1))
		jobs+=("$id-$vname"$'\t'"$voice"$'\t'"$speed"$'\t'"$text"$'\t'"$n")
		manifest+=("$id-$vname-clean.wav"$'\t'"$intent"$'\t'"$slots"$'\tclean\tin\t'"$text"$'\t'"$vname"$'\tespeak-ng\tclean\t-')
		manifest+=("$id-$vname-noisy.wav"$'\t'"$intent"$'\t'"$slots"$'\tnoisy\tin\t'"$text"$'\t'"$vname"$'\tespeak-ng\twhite\t'"$snr_db")
	done
done <<<"$commands"
while IFS=$'\t' read -r id text; do
	[[ -z "$id" ]] && continue
	for v in "${variants[@]}"; do
		read -r vname voice speed <<<"$v"
		n=$((n + 1))
		jobs+=("$id-$vname"$'\t'"$voice"$'\t'"$speed"$'\t'"$text"$'\t'"$n")
		manifest+=("$id-$vname-clean.wav"$'\tnone\t{}\tclean\tout\t'"$text"$'\t'"$vname"$'\tespeak-ng\tclean\t-')
		manifest+=("$id-$vname-noisy.wav"$'\tnone\t{}\tnoisy\tout\t'"$text"$'\t'"$vname"$'\tespeak-ng\twhite\t'"$snr_db")
	done
done <<<"$others"

printf '%s\n' "${jobs[@]}" |
	xargs -d '\n' -P "$(nproc)" -I{} bash -c 'IFS=$'"'"'\t'"'"' read -r id voice speed text n <<<"$1"; render "$id" "$voice" "$speed" "$text" "$n"' _ {}

rm "$tmp/noise.wav"
{
	printf 'file\tintent\tslots\tcondition\tdomain\ttext\tvoice\tengine\tnoise\tsnr\n'
	printf '%s\n' "${manifest[@]}"
} >"$tmp/manifest.tsv"
echo "$stamp" >"$tmp/.stamp"
for f in "$tmp"/*.wav "$tmp/manifest.tsv"; do [[ -s "$f" ]] || { echo "fixtures: $f is empty" >&2; exit 1; }; done

rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "fixtures: ${#manifest[@]} clips in $out ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
