//go:build !race

package server_test

const crashRace = false
