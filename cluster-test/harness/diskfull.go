package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Disk-full faults: in scenarios that ask for it, every data dir is a
// tmpfs of a fixed size, which a filler file can fill up.

// mountDataDirs mounts a tmpfs of mib MiB on every node's data dir.
func (c *Cluster) mountDataDirs(mib int) error {
	for i := 1; i <= c.cfg.Nodes; i++ {
		dir := c.DataDir(i)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm,mode=0700", mib), "tmpfs", dir).CombinedOutput()
		if err != nil {
			return fmt.Errorf("mount tmpfs on %s: %v: %s", dir, err, out)
		}
		c.mu.Lock()
		c.mounts = append(c.mounts, dir)
		c.mu.Unlock()
		// Recorded, so that a cleanup after a crashed run unmounts it.
		if err := c.net.TrackDir(dir); err != nil {
			return err
		}
	}
	return nil
}

// unmountDataDirs removes the tmpfs mounts; the nodes must be stopped.
func (c *Cluster) unmountDataDirs() {
	c.mu.Lock()
	mounts := c.mounts
	c.mounts = nil
	c.mu.Unlock()
	for _, dir := range mounts {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			fmt.Fprintf(os.Stderr, "cluster-test: unmount %s: %v\n", dir, err)
		}
	}
}

// fillerPath is the file that fills node i's data dir.
func (c *Cluster) fillerPath(i int) string { return filepath.Join(c.DataDir(i), "filler") }

// fillDisk writes to node i's data dir until it is full.
func (c *Cluster) fillDisk(i int) error {
	f, err := os.OpenFile(c.fillerPath(i), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return nil
			}
			return err
		}
	}
}

// DiskFull fills node i's disk for d, then frees it; a node that died of
// it is started again.
func (n *Nemesis) DiskFull(ctx context.Context, i int, d time.Duration) error {
	n.open(fmt.Sprintf("disk-%d", i), "disk", fmt.Sprintf("disk full on %s", n.c.ID(i)), i)
	if err := n.c.fillDisk(i); err != nil {
		return fmt.Errorf("fill %s's disk: %w", n.c.ID(i), err)
	}
	wait(ctx, d)
	if err := os.Remove(n.c.fillerPath(i)); err != nil {
		return err
	}
	n.close(fmt.Sprintf("disk-%d", i))
	if !n.c.Running(i) {
		n.log("nemesis: %s stopped while its disk was full; starting it again", n.c.ID(i))
		return n.Restart(i)
	}
	return nil
}
