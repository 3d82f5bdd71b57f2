#!/bin/bash
# pinflood.sh VOICEPAY: 64 unfreeze attempts at once, each with a wrong PIN,
# against a frozen wallet on a fresh daemon (the voicepay binary given), as
# a hostile client would send them. It prints the daemon's resident memory
# before and at its peak (VmRSS, sampled every 50 ms), the answers, and
# /healthz's latency meanwhile. Target: peak under 400 MiB, p95 under 50 ms.
set -u
vp=$(realpath "${1:?usage: pinflood.sh path/to/voicepay}")
dir=$(mktemp -d)
port=18779
export VOICEPAY_DATA=$dir/data HOME=$dir VOICEPAY_LISTEN=127.0.0.1:$port VOICEPAY_LOG_LEVEL=warn
echo 123456 | "$vp" init --pin-stdin >/dev/null
"$vp" wallet topup 1000 >/dev/null
"$vp" serve >"$dir/serve.log" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
"$vp" say "freeze my wallet" >/dev/null
token=$(cat "$dir/data/token")
echo "resident before: $(awk '/VmRSS/{print int($2/1024)}' /proc/$serve/status) MiB"
(peak=0; for _ in $(seq 120); do
	r=$(awk '/VmRSS/{print $2}' /proc/$serve/status); [ "$r" -gt "$peak" ] && peak=$r
	echo "$peak" >"$dir/peak"; sleep 0.05
done) &
sampler=$!
(for _ in $(seq 60); do
	curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/healthz"; sleep 0.05
done >"$dir/health") &
health=$!
pids=()
for _ in $(seq 64); do
	curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d '{"pin":"000000"}' "http://127.0.0.1:$port/v1/wallet/unfreeze" >>"$dir/codes" &
	pids+=($!)
done
wait "$sampler" "$health" "${pids[@]}"
echo "resident at peak: $(( $(cat "$dir/peak") / 1024 )) MiB"
echo "answers (403 wrong PIN, 429 locked out or busy):"; sort "$dir/codes" | uniq -c
sort -n "$dir/health" | awk '{a[NR]=$1} END {printf "/healthz p50 %.1f ms, p95 %.1f ms\n", 1000*a[int(NR*0.5)], 1000*a[int(NR*0.95)]}'
