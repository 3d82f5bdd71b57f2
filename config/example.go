package config

import _ "embed"

//go:embed voicepay.example.yaml
var example string

// Example returns a configuration file that documents every key with its
// default value.
func Example() string { return example }
