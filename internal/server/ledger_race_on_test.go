//go:build race

package server_test

// crashRace: the race detector is on, and slows SQLite in the server
// processes tenfold.
const crashRace = true
