#!/usr/bin/env bash
# Regenerates the Go code under proto/ from the .proto files.
# Installs pinned versions of buf and protoc-gen-gocosmos into .tools/bin
# (through the Go module proxy) the first time it runs.
set -euo pipefail

BUF_VERSION=v1.75.0
GOGOPROTO_VERSION=v1.7.2

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools/bin"
mkdir -p "$tools"

install_tool() { # name pkg version
  local stamp="$tools/.$1-$3"
  if [[ ! -x "$tools/$1" || ! -f "$stamp" ]]; then
    echo "installing $1 $3 into $tools" >&2
    GOBIN="$tools" GOFLAGS=-mod=mod go install "$2@$3"
    rm -f "$tools/.$1-"*
    touch "$stamp"
  fi
}

install_tool buf github.com/bufbuild/buf/cmd/buf "$BUF_VERSION"
install_tool protoc-gen-gocosmos github.com/cosmos/gogoproto/protoc-gen-gocosmos "$GOGOPROTO_VERSION"

cd "$root/proto"
find . -name '*.pb.go' -delete
PATH="$tools:$PATH" buf generate
echo "proto: generated $(find . -name '*.pb.go' | wc -l) files" >&2
