#!/bin/sh
# Two builds of this commit from a clean cache give a byte-identical binary,
# so anyone can rebuild a release and compare (docs/releasing.md). Says
# whether the layers and the image IDs are identical too.
#   sh tests/docker/reproducible.sh      needs docker; tags hello-fcgi:repro-a, -b
. "${top_srcdir:-.}/tests/lib.sh"

for n in a b; do
    release_build "hello-fcgi:repro-$n" --no-cache -q >"$workdir/build-$n" 2>&1 \
        || { cat "$workdir/build-$n"; bail "docker build failed"; }
    image_file "hello-fcgi:repro-$n" /hello-fcgi "$workdir/hello-fcgi-$n" \
        || bail "no /hello-fcgi in hello-fcgi:repro-$n"
done

sum_a=$(sha256sum <"$workdir/hello-fcgi-a")
sum_b=$(sha256sum <"$workdir/hello-fcgi-b")
is "$sum_b" "$sum_a" "the two builds' /hello-fcgi are byte-identical"
diag "sha256 of /hello-fcgi: ${sum_a%% *}"

# The layers hold only the files, whose times the Dockerfile fixes; the
# image's configuration also records when it was built.
layers() { docker image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' "$1"; }
is "$(layers hello-fcgi:repro-b)" "$(layers hello-fcgi:repro-a)" "the two builds' layers are identical"
id_a=$(docker image inspect -f '{{.Id}}' hello-fcgi:repro-a)
id_b=$(docker image inspect -f '{{.Id}}' hello-fcgi:repro-b)
if [ "$id_a" = "$id_b" ]; then
    diag "the image IDs are identical too: $id_a"
else
    diag "the image IDs differ ($id_a, $id_b): the configuration records the build time"
fi
finish
