package raftstore

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// The data of every command entry Drover writes to the Raft log is an
// envelope (DESIGN.md, "Log entry envelope"):
//
//	entryMagic (1 byte) ‖ CRC-32C of payload (4 bytes, little-endian) ‖ payload
//
// payload being the pb.Command's deterministic protobuf encoding. raft-wal
// checks only the last batch of its open segment when it opens, and nothing
// when it reads, so the checksum is what notices a changed entry.
const (
	// entryMagic opens an envelope. Its low three bits are 7: the first
	// byte of any non-empty protobuf encoding is the low byte of a field
	// tag, whose low three bits are the wire type (0–5; 6 and 7 are not
	// defined), so an encoded Command never starts with it and entries
	// written before the envelope (a bare Command) are told apart by their
	// first byte. Other first bytes of wire type 6 or 7 are kept for later
	// versions of the envelope.
	entryMagic = 0xd7
	// envelopeLen is the envelope's header: magic and checksum.
	envelopeLen = 5
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sealEntry writes the envelope header into entry[:envelopeLen] for the
// payload in entry[envelopeLen:].
func sealEntry(entry []byte) {
	entry[0] = entryMagic
	binary.LittleEndian.PutUint32(entry[1:envelopeLen], crc32.Checksum(entry[envelopeLen:], castagnoli))
}

// openEntry returns the encoded Command inside a command entry's data: an
// envelope's payload once its checksum matches, or a legacy entry as it
// is. A mismatch, a short envelope or an unknown envelope version wraps
// ErrCorruptLog. openEntry does not decode the payload.
func openEntry(data []byte) ([]byte, error) {
	if len(data) == 0 || data[0]&7 < 6 {
		// A bare Command, unverified, unless it is an envelope whose magic
		// byte itself was damaged: then its checksum still matches.
		if len(data) >= envelopeLen && checksumOK(data) {
			return nil, fmt.Errorf("%w: envelope header damaged (first byte %#02x)", ErrCorruptLog, data[0])
		}
		return data, nil
	}
	if data[0] != entryMagic {
		return nil, fmt.Errorf("%w: unknown entry format %#02x", ErrCorruptLog, data[0])
	}
	if len(data) < envelopeLen {
		return nil, fmt.Errorf("%w: envelope of %d bytes", ErrCorruptLog, len(data))
	}
	if !checksumOK(data) {
		return nil, fmt.Errorf("%w: checksum %08x does not match the %d-byte payload (%08x)", ErrCorruptLog,
			binary.LittleEndian.Uint32(data[1:envelopeLen]), len(data)-envelopeLen,
			crc32.Checksum(data[envelopeLen:], castagnoli))
	}
	return data[envelopeLen:], nil
}

// checksumOK reports whether data[1:5] holds the CRC-32C of data[5:].
func checksumOK(data []byte) bool {
	return binary.LittleEndian.Uint32(data[1:envelopeLen]) == crc32.Checksum(data[envelopeLen:], castagnoli)
}

// remedy is what an operator does about a corrupt Raft log.
const remedy = "move the data dir aside and start the node again with an empty one: " +
	"it rejoins and copies the log from the leader (README: Members)"

// corruptLogError describes a corrupt entry at index, found in where (a
// file or directory), with the remedy; it wraps ErrCorruptLog through err.
func corruptLogError(index uint64, where string, err error) error {
	return fmt.Errorf("raftstore: the Raft log is corrupt at index %d (%s): %w; %s", index, where, err, remedy)
}
