package config

import "strings"

// Problem is one thing wrong with the configuration. Key is the config key,
// such as "risk.max_per_transaction", or the file's path when the problem is
// with the file as a whole.
type Problem struct {
	Key     string
	Message string
}

func (p Problem) String() string { return p.Key + ": " + p.Message }

// Problems lists everything wrong with a configuration. As an error it reads
// one line per problem, "key: message".
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// oneLine joins the lines of a message, such as a YAML decoder's, so that
// each problem stays on one line.
func oneLine(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	var parts []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, " ")
}
