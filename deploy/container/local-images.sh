#!/usr/bin/env bash
# Builds every image of the system with podman where no container registry is reachable: a Debian
# base from Debian's packages (mmdebstrap), Node.js base images from this machine's Node.js, then
# PostgreSQL, NATS and the nine Microshop images (npm works from this machine's npm cache, offline).
#   deploy/container/local-images.sh [tag]      (default: local; microshop/<name>:<tag>)
# Where a registry is reachable, build with the Dockerfile's defaults instead (README).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/deploy/container"
tag="${1:-local}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

debian=localhost/microshop/debian:bookworm
essential=localhost/microshop/debian:bookworm-essential
runtime=localhost/microshop/node:20-bookworm-slim
builder=localhost/microshop/node:20-bookworm
say() { printf 'images | %s\n' "$*"; }

# minbase (with apt) for the images that install packages; essential (no package manager, no
# documentation) under the Node.js processes, which need only a shell and the C and C++ runtimes.
if ! podman image exists "$debian"; then
  say "making $debian with mmdebstrap"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$work/debian.tar"
  podman import --quiet "$work/debian.tar" "$debian" >/dev/null
fi
if ! podman image exists "$essential"; then
  say "making $essential with mmdebstrap"
  mmdebstrap --quiet --variant=essential --include=ca-certificates,libstdc++6 \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm "$work/essential.tar"
  podman import --quiet "$work/essential.tar" "$essential" >/dev/null
fi

node="$(readlink -f "$(command -v node)")"
prefix="$(dirname "$(dirname "$node")")"
npm_dir="$(npm root -g)/npm"
mkdir -p "$work/runtime/node/bin" "$work/builder/node/bin" "$work/builder/node/lib/node_modules" "$work/builder/node/include"
cp "$node" "$work/runtime/node/bin/node"
cp "$node" "$work/builder/node/bin/node"
cp -r "$npm_dir" "$work/builder/node/lib/node_modules/npm"
cp -r "$prefix/include/node" "$work/builder/node/include/node"
say "making $runtime and $builder from Node.js $(node --version)"
podman build --quiet -f "$here/node.Dockerfile" --build-arg DEBIAN="$essential" -t "$runtime" "$work/runtime" >/dev/null
podman build --quiet -f "$here/node.Dockerfile" --build-arg DEBIAN="$debian" --build-arg TOOLCHAIN="python3 make g++" -t "$builder" "$work/builder" >/dev/null

say "making microshop/postgres:$tag and microshop/nats:$tag"
podman build --quiet -f "$here/postgres.Dockerfile" --build-arg BASE="$debian" -t "microshop/postgres:$tag" "$here" >/dev/null
podman build --quiet -f "$here/nats.Dockerfile" --build-arg BASE="$debian" -t "microshop/nats:$tag" "$here" >/dev/null

# npm in the build uses this machine's cache first, and the certificate authorities this machine's
# Node.js trusts (NODE_EXTRA_CA_CERTS, e.g. a proxy's) when it must reach the registry.
build_npm=(--volume "$(npm config get cache):/root/.npm")
npm_flags="--prefer-offline"
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  build_npm+=(--volume "$NODE_EXTRA_CA_CERTS:/etc/ssl/certs/extra-ca.crt:ro")
  npm_flags="$npm_flags --cafile=/etc/ssl/certs/extra-ca.crt"
fi
for name in gateway identity catalog cart orders inventory payments shipping notifications; do
  say "making microshop/$name:$tag"
  podman build --quiet -f "$here/Dockerfile" --build-arg SERVICE="$name" --build-arg BUILDER="$builder" --build-arg BASE="$runtime" \
    --build-arg NPM_FLAGS="$npm_flags" "${build_npm[@]}" -t "microshop/$name:$tag" "$root" >/dev/null
done
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "microshop/[a-z]+:$tag " | sed 's/^/images | /'
