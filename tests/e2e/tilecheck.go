// tilecheck — checks a pdl ledger served as C2SP tlog-tiles with an outside
// implementation: Go's golang.org/x/mod/sumdb/note (signed notes) and
// sumdb/tlog (tiles, tree hashes, inclusion and consistency proofs), from
// Debian's golang-golang-x-mod-dev. Nothing here is pdl code.
//
//	go run tilecheck.go VKEY URL [OLD_CHECKPOINT_FILE]
//
// Go's tlog names tiles "tile/8/<L>/<N>" (the sumdb layout, with the
// height); C2SP tlog-tiles drops the height: "tile/<L>/<N>". The reader
// below maps one to the other and nothing else. Entry bundles are not in
// Go's tlog; they are parsed here (uint16 big-endian length, entry) and
// each entry hashed with tlog.RecordHash against the verified tiles.
package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var fetches int

func get(u string) ([]byte, int, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	fetches++
	return b, resp.StatusCode, err
}

type reader struct{ url string }

func (r reader) Height() int { return 8 }

func (r reader) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		p := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		b, code, err := get(r.url + p)
		if err != nil {
			return nil, err
		}
		if code != 200 {
			return nil, fmt.Errorf("GET %s: HTTP %d", p, code)
		}
		out[i] = b
	}
	return out, nil
}

func (r reader) SaveTiles([]tlog.Tile, [][]byte) {}

func checkpoint(vkey string, msg []byte) (int64, tlog.Hash, error) {
	var h tlog.Hash
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return 0, h, err
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return 0, h, err
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return 0, h, errors.New("the checkpoint is not exactly origin, size and root")
	}
	if lines[0] != v.Name() {
		return 0, h, errors.New("the origin is not the key name")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return 0, h, err
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		return 0, h, errors.New("the root is not base64 of 32 bytes")
	}
	copy(h[:], raw)
	return size, h, nil
}

func bundlePath(n int64, w int64) string {
	t := tlog.Tile{H: 8, L: 0, N: n, W: int(w)}
	return strings.Replace(t.Path(), "tile/8/0/", "tile/entries/", 1)
}

func run() error {
	if len(os.Args) < 3 {
		return errors.New("usage: tilecheck VKEY URL [OLD_CHECKPOINT]")
	}
	vkey, url := os.Args[1], strings.TrimSuffix(os.Args[2], "/")+"/"
	msg, code, err := get(url + "checkpoint")
	if err != nil || code != 200 {
		return fmt.Errorf("GET checkpoint: %v %d", err, code)
	}
	size, root, err := checkpoint(vkey, msg)
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	tree := tlog.Tree{N: size, Hash: root}
	hr := tlog.TileHashReader(tree, reader{url})
	th, err := tlog.TreeHash(size, hr)
	if err != nil {
		return fmt.Errorf("TreeHash: %v", err)
	}
	if th != root {
		return errors.New("tlog.TreeHash from the tiles is not the signed root")
	}
	// every entry against the leaf hashes of the verified tiles
	for b := int64(0); b*256 < size; b++ {
		w := size - b*256
		if w > 256 {
			w = 256
		}
		body, code, err := get(url + bundlePath(b, w))
		if err != nil || code != 200 {
			return fmt.Errorf("GET %s: %v %d", bundlePath(b, w), err, code)
		}
		idx := make([]int64, w)
		for i := range idx {
			idx[i] = tlog.StoredHashIndex(0, b*256+int64(i))
		}
		hs, err := hr.ReadHashes(idx)
		if err != nil {
			return fmt.Errorf("ReadHashes: %v", err)
		}
		p := 0
		for i := int64(0); i < w; i++ {
			if p+2 > len(body) {
				return fmt.Errorf("bundle %d is truncated", b)
			}
			n := int(body[p])<<8 | int(body[p+1])
			if p+2+n > len(body) {
				return fmt.Errorf("bundle %d is truncated", b)
			}
			if tlog.RecordHash(body[p+2:p+2+n]) != hs[i] {
				return fmt.Errorf("entry %d does not hash to its leaf", b*256+i)
			}
			p += 2 + n
		}
		if p != len(body) {
			return fmt.Errorf("bundle %d has bytes after its %d entries", b, w)
		}
	}
	// inclusion proofs of random entries
	rnd := rand.New(rand.NewSource(5))
	for k := 0; k < 20; k++ {
		i := rnd.Int63n(size)
		if k == 0 {
			i = size - 1
		}
		proof, err := tlog.ProveRecord(size, i, hr)
		if err != nil {
			return fmt.Errorf("ProveRecord %d: %v", i, err)
		}
		hs, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, i)})
		if err != nil {
			return err
		}
		if err := tlog.CheckRecord(proof, size, root, i, hs[0]); err != nil {
			return fmt.Errorf("CheckRecord %d: %v", i, err)
		}
	}
	fmt.Printf("size %d: note verified, TreeHash from tiles = root, %d entries hashed to their leaves, 20 inclusion proofs\n", size, size)
	if len(os.Args) > 3 {
		old, err := os.ReadFile(os.Args[3])
		if err != nil {
			return err
		}
		osize, oroot, err := checkpoint(vkey, old)
		if err != nil {
			return fmt.Errorf("old checkpoint: %v", err)
		}
		proof, err := tlog.ProveTree(size, osize, hr)
		if err != nil {
			return fmt.Errorf("ProveTree: %v", err)
		}
		if err := tlog.CheckTree(proof, size, root, osize, oroot); err != nil {
			return fmt.Errorf("CheckTree %d -> %d: %v", osize, size, err)
		}
		fmt.Printf("consistency %d -> %d: CheckTree ok\n", osize, size)
	}
	fmt.Printf("%d HTTP fetches\n", fetches)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tilecheck:", err)
		os.Exit(1)
	}
}
