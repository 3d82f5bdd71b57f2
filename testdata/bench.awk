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
	bad = 0
	if (p99 >= 50) { print "MISS: parse p99 is over 50 µs"; bad = 1 }
	if (bat > 0 && pay < bat / 2) { print "MISS: payments are under half the raw Batch rate"; bad = 1 }
	exit bad
}
