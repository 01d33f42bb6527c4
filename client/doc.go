// Package client is the Go client for a Drover cluster: a gRPC connection to
// one or more nodes with fail-over between them, and typed helpers shared by
// the CLI, controllers and the agent.
package client
