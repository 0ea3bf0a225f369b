package mirror

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// swap puts the finished export at out and the previous one at staging,
// for the caller to remove. Where the system can exchange two directories
// in one step (Linux), readers of out see either the old export or the new
// one, never neither; elsewhere there is a moment without out, which
// recoverSwap repairs if the process dies in it.
func swap(staging, out string) error {
	if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(staging, out); err != nil {
			return fmt.Errorf("export: move the new export into place: %w", err)
		}
		return os.MkdirAll(staging, 0o755)
	}
	if err := exchange(staging, out); err == nil {
		return nil
	}
	old := sibling(out, "old")
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(out, old); err != nil {
		return fmt.Errorf("export: move the previous export aside: %w", err)
	}
	if err := os.Rename(staging, out); err != nil {
		os.Rename(old, out)
		return fmt.Errorf("export: move the new export into place: %w", err)
	}
	return os.Rename(old, staging)
}

// recoverSwap finishes what a swap killed midway left: the previous export
// put aside with nothing in its place goes back.
func recoverSwap(out string) error {
	old := sibling(out, "old")
	if _, err := os.Stat(old); err != nil {
		return nil
	}
	if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(old, out); err != nil {
			return fmt.Errorf("export: restore the previous export: %w", err)
		}
		return nil
	}
	return os.RemoveAll(old)
}
