# Turns `go test -bench` output into voicepay's performance report (make bench).
# Each benchmark line is: name iterations value unit [value unit]...
/^Benchmark/ {
	name = $1
	sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i += 2) metric[name, $(i + 1)] = $i
}
END {
	p50 = metric["BenchmarkParseLatency", "p50-ns"] / 1000
	p99 = metric["BenchmarkParseLatency", "p99-ns"] / 1000
	pay = metric["BenchmarkPayment", "payments/s"]
	upd = metric["BenchmarkBoltUpdate", "puts/s"]
	bat = metric["BenchmarkBoltBatch", "puts/s"]
	printf "%-52s %12s %12s\n", "measure", "value", "target"
	printf "%-52s %9.1f µs %12s\n", "intent parse, p50", p50, ""
	printf "%-52s %9.1f µs %12s\n", "intent parse, p99", p99, "< 50 µs"
	printf "%-52s %12.0f %12s\n", "durable payments/s (confirm + authorize, 64 sessions)", pay, ""
	printf "%-52s %12.0f %12s\n", "raw bbolt single-put tx/s with Update", upd, ""
	printf "%-52s %12.0f %12s\n", "raw bbolt single-put tx/s with Batch", bat, ""
	if (bat > 0) printf "%-52s %11.0f%% %12s\n", "payments / raw Batch", 100 * pay / bat, ">= 50%"
	gp = "BenchmarkLedgerGrowth/payment"
	gc = "BenchmarkLedgerGrowth/charge"
	grown = ((gp, "B/payment") in metric)
	if (grown) {
		printf "%-52s %10.0f B %12s\n", "ledger growth a payment (dialog, kept for good)", metric[gp, "kept-B/payment"], "< 2048 B"
		printf "%-52s %10.0f B %12s\n", "  the file's extent", metric[gp, "B/payment"], "< 2048 B"
		printf "%-52s %10.0f B %12s\n", "  pages in use, idempotency records included", metric[gp, "inuse-B/payment"], ""
		printf "%-52s %10.0f B %12s\n", "ledger growth a usage charge (record_usage)", metric[gc, "kept-B/charge"], "< 2048 B"
		printf "%-52s %10.0f B %12s\n", "  the file's extent", metric[gc, "B/charge"], "< 2048 B"
	}
	mcp1 = "BenchmarkRecordUsage/conns=1"
	mcp16 = "BenchmarkRecordUsage/conns=16"
	printf "%-52s %12.0f %12s\n", "MCP record_usage calls/s, 1 connection", metric[mcp1, "calls/s"], ""
	printf "%-52s %12.0f %12s\n", "MCP record_usage calls/s, 16 connections", metric[mcp16, "calls/s"], ""
	if (bat > 0) {
		printf "%-52s %11.1f%% %12s\n", "record_usage / raw Batch, 1 connection", 100 * metric[mcp1, "calls/s"] / bat, ""
		printf "%-52s %11.1f%% %12s\n", "record_usage / raw Batch, 16 connections", 100 * metric[mcp16, "calls/s"] / bat, ""
	}
	printf "%-52s %9.1f ms %12s\n", "MCP record_usage p99, 1 connection", metric[mcp1, "p99-ms"], ""
	printf "%-52s %9.1f ms %12s\n", "MCP record_usage p99, 16 connections", metric[mcp16, "p99-ms"], ""
	clean = metric["BenchmarkAcceptance", "clean-%"]
	noisy = metric["BenchmarkAcceptance", "noisy-%"]
	oodnone = metric["BenchmarkAcceptance", "ood-none-%"]
	oodmoney = metric["BenchmarkAcceptance", "ood-money"]
	rtf = metric["BenchmarkSpeechToIntent", "whole-rtf"]
	streamrtf = metric["BenchmarkSpeechToIntent", "rtf"]
	lat50 = metric["BenchmarkSpeechToIntent", "p50-ms"]
	lat95 = metric["BenchmarkSpeechToIntent", "p95-ms"]
	whole50 = metric["BenchmarkSpeechToIntent", "whole-p50-ms"]
	whole95 = metric["BenchmarkSpeechToIntent", "whole-p95-ms"]
	turn50 = metric["BenchmarkSpeechToTurn/streams=1", "p50-ms"]
	turn95 = metric["BenchmarkSpeechToTurn/streams=1", "p95-ms"]
	decodes = metric["BenchmarkSpeechToTurn/streams=1", "decodes/utt"]
	four50 = metric["BenchmarkSpeechToTurn/streams=4", "p50-ms"]
	four95 = metric["BenchmarkSpeechToTurn/streams=4", "p95-ms"]
	printf "%-52s %11.1f%% %12s\n", "command acceptance, clean speech", clean, ">= 95%"
	printf "%-52s %11.1f%% %12s\n", "command acceptance, noisy speech (5-15 dB SNR)", noisy, ">= 85%"
	split("white pink brown babble", kinds, " ")
	for (k = 1; k <= 4; k++)
		printf "%-52s %11.1f%% %12s\n", "  with " kinds[k] (k < 4 ? " noise" : ""), metric["BenchmarkAcceptance", kinds[k] "-%"], ""
	split("espeak-ng freetts festival flite", engines, " ")
	for (k = 1; k <= 4; k++)
		printf "%-45s %19s\n", "  " engines[k] " voices, clean / noisy", sprintf("%.1f%% / %.1f%%", metric["BenchmarkAcceptance", engines[k] "-clean-%"], metric["BenchmarkAcceptance", engines[k] "-noisy-%"])
	printf "%-52s %11.1f%% %12s\n", "out-of-domain clips heard as none", oodnone, ""
	printf "%-52s %12d %12s\n", "out-of-domain clips heard as a money intent", oodmoney, "0"
	printf "%-52s %12.3f %12s\n", "decoding real-time factor, whole utterances", rtf, "<= 0.05"
	printf "%-52s %12.3f %12s\n", "decoding real-time factor, streamed", streamrtf, ""
	printf "%-52s %9.1f ms %12s\n", "end of speech to turn, the daemon's path, p50", turn50, ""
	printf "%-52s %9.1f ms %12s\n", "end of speech to turn, the daemon's path, p95", turn95, "<= 150 ms"
	printf "%-52s %9.1f ms %12s\n", "  with four streams decoding at once, p50", four50, ""
	printf "%-52s %9.1f ms %12s\n", "  with four streams decoding at once, p95", four95, "<= 150 ms"
	printf "%-52s %12.3f %12s\n", "  decodes per utterance", decodes, ""
	printf "%-52s %9.1f ms %12s\n", "  whole-utterance decode, p50", whole50, ""
	printf "%-52s %9.1f ms %12s\n", "  whole-utterance decode, p95", whole95, "< 360 ms"
	printf "%-52s %9.1f ms %12s\n", "end of speech to intent, streamed decoding, p50", lat50, ""
	printf "%-52s %9.1f ms %12s\n", "end of speech to intent, streamed decoding, p95", lat95, "<= 150 ms"
	ds = "BenchmarkDialogSpeech"
	if ((ds, "clean-%") in metric) {
		printf "%-45s %19s\n", "commands heard in the daemon, clean / noisy", sprintf("%.1f%% / %.1f%%", metric[ds, "clean-%"], metric[ds, "noisy-%"])
		split("inactive idle proposed drafted confirmed", states, " ")
		for (k = 1; k <= 5; k++)
			if ((ds, states[k] "-clean-%") in metric || (ds, states[k] "-noisy-%") in metric)
				printf "%-45s %19s\n", "  said in " states[k] ", clean / noisy", sprintf("%s / %s", pct(metric, ds, states[k] "-clean-%"), pct(metric, ds, states[k] "-noisy-%"))
		for (k = 1; k <= 4; k++)
			printf "%-52s %12s\n", "  with " kinds[k] (k < 4 ? " noise" : ""), pct(metric, ds, kinds[k] "-%")
		printf "%-52s %12s\n", "money commands heard in the daemon, clean", pct(metric, ds, "money-clean-%")
		printf "%-52s %12s\n", "  in their plain forms", pct(metric, ds, "money-plain-clean-%")
		printf "%-52s %11.1f%% %12s\n", "out-of-domain streams heard as nothing", metric[ds, "ood-nothing-%"], ""
		printf "%-52s %12d %12s\n", "out of domain heard as confirm/pay/approve/freeze", metric[ds, "ood-danger"], "0"
		printf "%-52s %12d %12s\n", "  of them as freeze", metric[ds, "ood-freeze"], ""
		printf "%-52s %11.1f%% %12s\n", "out-of-domain streams that changed an open order", metric[ds, "ood-changed-%"], ""
		split("clean white pink brown babble", noises, " ")
		for (k = 1; k <= 5; k++)
			printf "%-52s %12s\n", "speech.stopped <= 1 s after speech, " noises[k] (k > 1 ? " ~10 dB" : ""), pct(metric, ds, "stopped-1s-" noises[k] "-%")
		printf "%-52s %9.0f ms %12s\n", "end of speech to speech.stopped, p50", metric[ds, "stopped-p50-ms"], ""
		printf "%-52s %9.0f ms %12s\n", "end of speech to speech.stopped, p95", metric[ds, "stopped-p95-ms"], ""
		printf "%-52s %9.0f ms %12s\n", "end of speech to the reply on the websocket, p50", metric[ds, "reply-p50-ms"], ""
		printf "%-52s %9.0f ms %12s\n", "end of speech to the reply on the websocket, p95", metric[ds, "reply-p95-ms"], ""
	}
	# BenchmarkGlasses/glasses=N, by N.
	ng = 0
	for (k in metric) {
		split(k, key, SUBSEP)
		if (key[1] ~ /^BenchmarkGlasses\/glasses=/ && key[2] == "commands") {
			n = substr(key[1], length("BenchmarkGlasses/glasses=") + 1) + 0
			for (j = ng; j > 0 && glasses[j] > n; j--) glasses[j + 1] = glasses[j]
			glasses[j + 1] = n
			ng++
		}
	}
	if (ng > 0) {
		printf "\nmany glasses (end of speech to reply, hangover included; w/p/b: correct in white, pink and brown noise)\n"
		printf "%7s %8s %7s %7s %8s %8s %7s %7s %7s %6s %8s %8s %8s\n", "glasses", "commands", "p50", "p95", "correct", "w/p/b", "busy", "wrong", "missed", "cpu", "rss", "peak", "after"
	}
	for (j = 1; j <= ng; j++) {
		g = "BenchmarkGlasses/glasses=" glasses[j]
		printf "%7d %8d %5.0fms %5.0fms %7.1f%% %7.1f%% %6.1f%% %6.1f%% %6.1f%% %5.0f%% %5.0fMiB %5.0fMiB %5.0fMiB\n", glasses[j], metric[g, "commands"], metric[g, "p50-ms"], metric[g, "p95-ms"], metric[g, "correct-%"], metric[g, "correct-steady-%"], metric[g, "busy-%"], metric[g, "wrong-%"], metric[g, "missed-%"], metric[g, "cpu-%"], metric[g, "rss-before-MiB"], metric[g, "rss-peak-MiB"], metric[g, "rss-after-MiB"]
	}
	bad = 0
	if (metric[ds, "ood-danger"] > 0) { print "MISS: out-of-domain speech streamed into the daemon was heard as confirm, pay, approve or freeze"; bad = 1 }
	if (clean < 95) { print "MISS: clean command acceptance is under 95%"; bad = 1 }
	if (noisy < 85) { print "MISS: noisy command acceptance is under 85%"; bad = 1 }
	if (oodmoney > 0) { print "MISS: out-of-domain speech became money-moving intents"; bad = 1 }
	if (rtf > 0.05) { print "MISS: the real-time factor of whole-utterance decoding is over 0.05"; bad = 1 }
	if (turn95 > 150) { print "MISS: end-of-speech-to-turn p95 is over 150 ms"; bad = 1 }
	if (four95 > 150) { print "MISS: end-of-speech-to-turn p95 with four streams is over 150 ms"; bad = 1 }
	if (whole95 >= 360) { print "MISS: a whole-utterance decode p95 does not fit between the pause and the stop (360 ms)"; bad = 1 }
	if (lat95 > 150) { print "MISS: streamed end-of-speech-to-intent p95 is over 150 ms"; bad = 1 }
	if (p99 >= 50) { print "MISS: parse p99 is over 50 µs"; bad = 1 }
	if (bat > 0 && pay < bat / 2) { print "MISS: payments are under half the raw Batch rate"; bad = 1 }
	if (grown && (metric[gp, "B/payment"] >= 2048 || metric[gp, "kept-B/payment"] >= 2048)) { print "MISS: the ledger grows 2 KB or more a payment"; bad = 1 }
	if (grown && (metric[gc, "B/charge"] >= 2048 || metric[gc, "kept-B/charge"] >= 2048)) { print "MISS: the ledger grows 2 KB or more a usage charge"; bad = 1 }
	exit bad
}

# pct formats a rate the benchmark reported, or "-" when it counted none.
function pct(m, bench, unit) {
	return ((bench, unit) in m) ? sprintf("%.1f%%", m[bench, unit]) : "-"
}
