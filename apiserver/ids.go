package apiserver

import (
	"crypto/rand"
	"fmt"

	"google.golang.org/grpc"

	pb "github.com/drover/drover/proto/droverpb"
)

// newUID returns a random RFC 4122 version 4 UUID, as Kubernetes uses for
// metadata.uid.
func newUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// suffixAlphabet is Kubernetes' generateName alphabet: no vowels, no
// easily confused characters.
const suffixAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// randomSuffix returns the five characters appended to generateName.
func randomSuffix() string {
	var b [5]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = suffixAlphabet[int(b[i])%len(suffixAlphabet)]
	}
	return string(b[:])
}

func pbObjectsClient(conn *grpc.ClientConn) pb.ObjectsClient { return pb.NewObjectsClient(conn) }
