# Named targets CI runs verbatim (see README "Development").
GOBIN ?= $(shell go env GOPATH)/bin
PROTOC_GEN_GO_VERSION = v1.36.12
PROTOC_GEN_GO_GRPC_VERSION = v1.5.1

.PHONY: generate tools verify-generate test lint build

build:
	go build -o bin/drover ./cmd/drover

# generate regenerates proto/droverpb from proto/drover/v1/*.proto.
generate: tools
	PATH=$(GOBIN):$$PATH protoc -I proto \
	  --go_out=proto/droverpb --go_opt=paths=source_relative \
	  --go-grpc_out=proto/droverpb --go-grpc_opt=paths=source_relative \
	  proto/drover/v1/*.proto
	mv proto/droverpb/drover/v1/*.go proto/droverpb/ && rm -r proto/droverpb/drover

tools:
	go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)

# verify-generate fails when the committed generated code differs from what
# the .proto files produce.
verify-generate: generate
	git diff --exit-code -- proto/droverpb

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go vet ./...

# test also runs the store's and the node's tests with the failpoints
# compiled in (raftstore/failpoint): about 20 s more.
test:
	go test -race -count=1 -timeout 20m ./...
	go test -race -count=1 -timeout 10m -tags failpoints ./raftstore/... ./node/...
