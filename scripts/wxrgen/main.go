// Command wxrgen writes a synthetic WordPress export for the import
// benchmark (scripts/bench-import.sh):
//
//	wxrgen --posts 10000 > export.xml
package main

import (
	"flag"
	"log"
	"os"

	"github.com/samizdat-press/samizdat/internal/importer/wxrgen"
)

func main() {
	n := flag.Int("posts", 10000, "number of posts")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same file")
	flag.Parse()
	if err := wxrgen.Write(os.Stdout, *n, *seed); err != nil {
		log.Fatal(err)
	}
}
