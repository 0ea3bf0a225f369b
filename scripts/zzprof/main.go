package main

import (
	"context"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/samizdat-press/samizdat/internal/cli"
)

func main() {
	f, _ := os.Create("/tmp/prof/cpu.out")
	pprof.StartCPUProfile(f)
	err := cli.Run(context.Background(), os.Args[1:], strings.NewReader(""), os.Stdout, os.Stderr, os.Getenv)
	pprof.StopCPUProfile()
	if err != nil {
		panic(err)
	}
}
