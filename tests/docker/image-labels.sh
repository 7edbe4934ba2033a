#!/bin/sh
# A release image says what it is: OCI labels with configure.ac's version,
# the commit it was built from, its title and licence.
#   sh tests/docker/image-labels.sh IMAGE     (built by release_build, tests/lib.sh)
. "${top_srcdir:-.}/tests/lib.sh"
image=${1:?usage: tests/docker/image-labels.sh IMAGE}

label() { docker image inspect -f "{{index .Config.Labels \"org.opencontainers.image.$1\"}}" "$image"; }
is "$(label version)" "$(project_version)" \
    "org.opencontainers.image.version is configure.ac's version"
is "$(label revision)" "$(git -C "$top_srcdir" rev-parse HEAD)" "org.opencontainers.image.revision is the commit"
is "$(label licenses)" "MIT" "org.opencontainers.image.licenses"
is "$(label title)" "hello-fcgi" "org.opencontainers.image.title"
diag "org.opencontainers.image.source: '$(label source)' (the origin remote, when it is an https URL)"
finish
