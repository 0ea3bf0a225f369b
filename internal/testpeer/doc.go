// Package testpeer has helpers that start real peer servers for tests
// (mailpit as an SMTP server with an HTTP API to read what it received),
// each on free loopback ports, stopped when the test ends, and skipping
// the test with a message naming what is missing when it cannot start.
package testpeer
