// Package conformance drives a running atlas-invites server through the official
// MongoDB Atlas Go SDK (go.mongodb.org/atlas-sdk/v20250312020) and checks that
// the 12 deprecated invitation operations and the MongoDB Cloud users
// operations of Atlas Admin API v2 behave as real Atlas does. Everything lives
// in the _test.go files; see README.md.
package conformance
