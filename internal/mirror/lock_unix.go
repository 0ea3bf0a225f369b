//go:build unix

package mirror

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// lock takes the export's lock beside out, so that two exports into the
// same directory (an overlapping cron job) never build at once. The lock
// goes with the process, however it ends.
func lock(out string) (unlock func(), err error) {
	name := sibling(out, "lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("export: another export into %s is running (it holds %s)", out, name)
		}
		return nil, fmt.Errorf("export: lock %s: %w", name, err)
	}
	return func() { f.Close() }, nil
}
