#!/bin/sh
# Makes sure `docker compose` (Compose v2, what the README and docs/ tell users to
# type) answers. Where it does not and no registry can be reached, the plugin
# comes from Debian trixie's docker-compose package, installed in a
# throwaway container of the trixie base image and copied out to the
# directory every docker CLI searches for plugins.
#
#   tests/docker/compose-plugin.sh     (root; needs docker and tests/docker/base-images.sh)
set -eu

PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
TAG=hello-fcgi-compose-plugin

if docker compose version >/dev/null 2>&1; then
    echo "docker compose: $(docker compose version --short)"
    exit 0
fi
sh "$(dirname "$0")/base-images.sh" >/dev/null
dir=$(mktemp -d)
trap 'docker rm -f "$TAG" >/dev/null 2>&1; docker image rm "$TAG" >/dev/null 2>&1; rm -rf "$dir"' EXIT
cat >"$dir/Dockerfile" <<'EOD'
FROM debian:trixie-slim
RUN apt-get update && apt-get install -y --no-install-recommends docker-compose
EOD
docker build -q -t "$TAG" "$dir" >/dev/null
docker create --name "$TAG" "$TAG" >/dev/null
mkdir -p "$PLUGIN_DIR"
docker cp "$TAG:/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
chmod 755 "$PLUGIN_DIR/docker-compose"
echo "docker compose: $(docker compose version --short), installed from Debian trixie's docker-compose package"
