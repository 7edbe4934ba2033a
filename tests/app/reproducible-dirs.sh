#!/bin/sh
# The release binary does not depend on the directory it is built in: this
# tree, copied into two directories of different names and lengths, each
# configured as the Dockerfile's builder does, gives one stripped binary,
# and one unstripped binary too (the debug paths are mapped to ".",
# configure.ac's -ffile-prefix-map). A distribution or a user rebuilding
# elsewhere then gets the release's bytes (docs/releasing.md).
#   make check-reproducible          (about a minute; not in make check)
#   sh tests/app/reproducible-dirs.sh  from a git work tree
# Copies the files git tracks, as they are in the work tree, so an
# uncommitted change is built too.
. "${top_srcdir:-.}/tests/lib.sh"

command -v git >/dev/null && git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1 \
    || bail "$top_srcdir is not a git work tree: the copies are made of the files git tracks"
for tool in autoreconf strip objcopy sha256sum; do
    command -v "$tool" >/dev/null || bail "$tool not found: install autoconf, automake, binutils"
done

# The builder's configure line, read from the Dockerfile (its options only).
conf_args=$(sed -n 's/^RUN \.\/configure\(.*\)$/\1/p' "$top_srcdir/Dockerfile" \
    | sed 's/ *\(&&\|\\\).*$//' | head -n 1)
grep -q '^RUN \./configure' "$top_srcdir/Dockerfile" \
    || bail "no 'RUN ./configure ...' line in the Dockerfile: update this test"
diag "configure$conf_args (the Dockerfile's builder)"

# build DIR: copies the tree into DIR and builds the app there as the
# builder does; app/hello-fcgi and a stripped copy, hello-fcgi.stripped.
build() {
    mkdir -p "$1" || return 1
    git -C "$top_srcdir" ls-files | while IFS= read -r f; do
        [ -f "$top_srcdir/$f" ] && printf '%s\n' "$f"
    done >"$workdir/files"
    (cd "$top_srcdir" && tar -cf - -T "$workdir/files") | (cd "$1" && tar -xf -) || return 1
    # MAKEFLAGS: the outer make's jobserver is not this build's.
    # shellcheck disable=SC2086 # the options are words
    (cd "$1" && unset MAKEFLAGS MFLAGS && ./autogen.sh && ./configure $conf_args \
        && make -j2 app/hello-fcgi) >"$1.log" 2>&1 || { tail -n 30 "$1.log"; return 1; }
    strip -o "$1/hello-fcgi.stripped" "$1/app/hello-fcgi"
}
dir_a=$workdir/a/hello-fcgi
dir_b=$workdir/a-longer-build-directory/src
build "$dir_a" || bail "the build in $dir_a failed"
build "$dir_b" || bail "the build in $dir_b failed"

sum() { sha256sum <"$1" | cut -d ' ' -f 1; }
is "$(sum "$dir_b/hello-fcgi.stripped")" "$(sum "$dir_a/hello-fcgi.stripped")" \
    "stripped: the two directories' binaries are byte-identical"
diag "sha256 of the stripped binary: $(sum "$dir_a/hello-fcgi.stripped")"
is "$(sum "$dir_b/app/hello-fcgi")" "$(sum "$dir_a/app/hello-fcgi")" \
    "unstripped: byte-identical too (debug information and build-id included)"
for d in "$dir_a" "$dir_b"; do
    if grep -qF "$d" "$d/app/hello-fcgi"; then
        diag "$d/app/hello-fcgi holds its build directory's name:"
        strings "$d/app/hello-fcgi" | grep -F "$d" | head -n 5 | sed 's/^/#   /'
    fi
done
finish
