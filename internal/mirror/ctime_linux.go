package mirror

import (
	"io/fs"
	"syscall"
	"time"
)

// changeTime is the file's status-change time (ctime), which any write,
// truncation or change of its times moves to now.
func changeTime(fi fs.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
	}
	return fi.ModTime()
}
