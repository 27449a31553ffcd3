.PHONY: build test proto proto-check localnet

build:
	go build -o build/ordo ./cmd/ordo

test:
	go test ./...

proto:
	bash scripts/proto-gen.sh

# Fails when the committed generated code differs from what `make proto` makes.
proto-check: proto
	git diff --exit-code -- proto/ || (echo "generated proto code is stale: run make proto" >&2; exit 1)

localnet:
	go run ./cmd/ordo localnet
