//go:build race

package server

// raceEnabled: the race detector is on; it keeps shadow memory beside the
// heap, so RSS says little about what the code itself holds.
const raceEnabled = true
