package apiserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"google.golang.org/grpc"

	pb "github.com/drover/drover/proto/droverpb"
)

// snapshotChunkBytes is the data size of one SnapshotChunk.
const snapshotChunkBytes = 1 << 20

// Snapshot streams a consistent copy of the whole state. It is routed like
// a linearizable read: the leader runs the read barrier, so the copy holds
// every write acknowledged before the call, then streams it; a follower
// relays the leader's stream. The first chunk carries the revision (the
// applied index of the copy), the last the hex SHA-256 of all the data.
//
// The copy is first written to a temporary file: the read transaction
// behind it then lasts as long as a local disk write, not as long as the
// client takes to read the stream (bbolt cannot grow its mmap while a read
// transaction is open, which would stall applies).
func (s *Server) Snapshot(req *pb.SnapshotRequest, stream grpc.ServerStreamingServer[pb.SnapshotChunk]) error {
	ctx := stream.Context()
	conn, err := s.linearizable(ctx)
	if err != nil {
		return toStatus(err)
	}
	if conn != nil {
		return relaySnapshot(ctx, pb.NewClusterClient(conn), req, stream)
	}
	tmp, err := os.CreateTemp("", "drover-snapshot-*")
	if err != nil {
		return toStatus(fmt.Errorf("snapshot: %w", err))
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	revision, size, err := s.cfg.State.Export(tmp, nil)
	if err != nil {
		return toStatus(err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return toStatus(fmt.Errorf("snapshot: %w", err))
	}
	s.logger().Info("streaming snapshot", "revision", revision, "bytes", size)
	return sendSnapshot(stream, tmp, revision)
}

// sendSnapshot streams r in chunks; the last chunk (possibly empty) carries
// the checksum.
func sendSnapshot(stream grpc.ServerStreamingServer[pb.SnapshotChunk], r io.Reader, revision uint64) error {
	h := sha256.New()
	buf := make([]byte, snapshotChunkBytes)
	first := true
	for {
		n, err := io.ReadFull(r, buf)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return toStatus(fmt.Errorf("snapshot: %w", err))
		}
		h.Write(buf[:n])
		chunk := &pb.SnapshotChunk{Data: buf[:n]}
		if first {
			chunk.Revision, first = revision, false
		}
		last := n < len(buf)
		if last {
			chunk.Sha256 = hex.EncodeToString(h.Sum(nil))
		}
		if err := stream.Send(chunk); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
}

// relaySnapshot forwards the call to the leader and relays its chunks.
func relaySnapshot(ctx context.Context, leader pb.ClusterClient, req *pb.SnapshotRequest,
	stream grpc.ServerStreamingServer[pb.SnapshotChunk]) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	in, err := leader.Snapshot(forwardContext(ctx), req)
	if err != nil {
		return err
	}
	for {
		chunk, err := in.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(chunk); err != nil {
			return err
		}
	}
}
