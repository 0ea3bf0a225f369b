package mirror

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// The state is written in a small binary format of its own: an update
// reads and writes it whole, and at 100,000 articles a reflective
// encoding cost a quarter of an update's time.

// stateMagic opens the file and names its format: a state written in
// another is not read, and the next export renders every page.
const stateMagic = "samizdat export state 5\n"

type stateEncoder struct {
	w   *bufio.Writer
	buf []byte
}

func (e *stateEncoder) uint(v uint64) {
	e.buf = binary.AppendUvarint(e.buf[:0], v)
	e.w.Write(e.buf)
}

func (e *stateEncoder) int(v int64) {
	e.buf = binary.AppendVarint(e.buf[:0], v)
	e.w.Write(e.buf)
}

func (e *stateEncoder) str(s string) {
	e.uint(uint64(len(s)))
	e.w.WriteString(s)
}

func (e *stateEncoder) strs(list []string) {
	e.uint(uint64(len(list)))
	for _, s := range list {
		e.str(s)
	}
}

func (e *stateEncoder) ids(list []uint32) {
	e.uint(uint64(len(list)))
	for _, v := range list {
		e.uint(uint64(v))
	}
}

func encodeState(w *bufio.Writer, st *state) error {
	e := &stateEncoder{w: w}
	w.WriteString(stateMagic)
	e.str(st.Fingerprint)
	e.str(st.BaseURL)
	e.uint(uint64(st.PageSize))
	e.int(st.Rev0)
	e.int(st.Rev1)
	e.str(st.Live)
	e.str(st.Standby)
	e.strs(st.StandbyDiff)
	e.strs(st.Keys)
	e.uint(uint64(len(st.Pages)))
	for i := range st.Pages {
		p := &st.Pages[i]
		e.str(p.URL)
		e.ids(p.Deps)
		e.ids(p.Assets)
		e.int(int64(p.Self))
		e.int(p.Article)
		e.str(p.Summary)
		e.ids(p.Lists)
		e.int(p.Order)
		e.str(p.LastMod)
	}
	e.uint(uint64(len(st.Files)))
	for _, f := range st.Files {
		e.str(f.Path)
		e.int(f.Size)
		e.str(f.SHA256)
		e.int(int64(f.Page))
		e.int(int64(f.Asset))
	}
	return w.Flush()
}

// stateDecoder reads the state from one string: every string it returns
// is a piece of it, so reading 100,000 pages allocates little.
type stateDecoder struct {
	s     string
	i     int
	err   error
	arena []uint32 // key numbers are carved from it, not allocated list by list
}

var errStateShort = errors.New("state: cut short")

func (d *stateDecoder) uint() uint64 {
	var x uint64
	for shift := uint(0); d.err == nil; shift += 7 {
		if d.i >= len(d.s) {
			d.err = errStateShort
			break
		}
		if shift > 63 {
			d.err = errors.New("state: a number out of range")
			break
		}
		c := d.s[d.i]
		d.i++
		if c < 0x80 {
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
	}
	return 0
}

// int reads what binary.AppendVarint wrote.
func (d *stateDecoder) int() int64 {
	u := d.uint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

// count reads a length, refusing one longer than what is left to read.
func (d *stateDecoder) count() int {
	n := d.uint()
	if d.err == nil && n > uint64(len(d.s)-d.i) {
		d.err = errStateShort
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

func (d *stateDecoder) str() string {
	n := d.count()
	v := d.s[d.i : d.i+n]
	d.i += n
	return v
}

func (d *stateDecoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for range n {
		out = append(out, d.str())
	}
	if d.err != nil {
		return nil
	}
	return out
}

func (d *stateDecoder) ids() []uint32 {
	n := d.count()
	if n == 0 {
		return nil
	}
	if len(d.arena) < n {
		d.arena = make([]uint32, max(n, 1<<16))
	}
	out := d.arena[:0:n]
	d.arena = d.arena[n:]
	for range n {
		v := d.uint()
		if v > math.MaxUint32 {
			d.err = errors.New("state: a key number out of range")
		}
		out = append(out, uint32(v))
	}
	if d.err != nil {
		return nil
	}
	return out
}

func decodeState(data string) (*state, error) {
	rest, ok := strings.CutPrefix(data, stateMagic)
	if !ok {
		return nil, errors.New("state: not a samizdat export state")
	}
	d := &stateDecoder{s: rest}
	st := &state{}
	st.Fingerprint = d.str()
	st.BaseURL = d.str()
	st.PageSize = int(d.uint())
	st.Rev0 = d.int()
	st.Rev1 = d.int()
	st.Live = d.str()
	st.Standby = d.str()
	st.StandbyDiff = d.strs()
	st.Keys = d.strs()
	n := d.count()
	st.Pages = make([]statePage, 0, min(n, 1<<20))
	for range n {
		if d.err != nil {
			break
		}
		var p statePage
		p.URL = d.str()
		p.Deps = d.ids()
		p.Assets = d.ids()
		p.Self = int32(d.int())
		p.Article = d.int()
		p.Summary = d.str()
		p.Lists = d.ids()
		p.Order = d.int()
		p.LastMod = d.str()
		st.Pages = append(st.Pages, p)
	}
	n = d.count()
	st.Files = make([]stateFile, 0, min(n, 1<<20))
	for range n {
		if d.err != nil {
			break
		}
		f := stateFile{Entry: Entry{Path: d.str(), Size: d.int(), SHA256: d.str()}}
		f.Page, f.Asset = int32(d.int()), int32(d.int())
		if int(f.Page) >= len(st.Pages) || f.Page < -1 || int(f.Asset) >= len(st.Keys) || f.Asset < -1 {
			d.err = errors.New("a file's page or key out of range")
		}
		st.Files = append(st.Files, f)
	}
	if d.err == nil && d.i != len(d.s) {
		d.err = errors.New("bytes after the end")
	}
	if d.err != nil {
		return nil, fmt.Errorf("state: %w", d.err)
	}
	// Every key number must name a key, and the page's own key too.
	for i := range st.Pages {
		p := &st.Pages[i]
		if int(p.Self) >= len(st.Keys) || p.Self < -1 {
			return nil, errors.New("state: a key number out of range")
		}
		for _, list := range [][]uint32{p.Deps, p.Assets, p.Lists} {
			for _, k := range list {
				if int(k) >= len(st.Keys) {
					return nil, errors.New("state: a key number out of range")
				}
			}
		}
	}
	return st, nil
}
