#!/bin/sh
# The protections the build asks for, read from the binary itself:
#   sh tests/app/hardening.sh [BINARY]             (default: the built app)
#   sh tests/app/hardening.sh --stripped BINARY
#   sh tests/app/hardening.sh --image IMAGE        (its /hello-fcgi; needs docker)
# A shipped binary is stripped, so only what survives strip is read there
# (PIE, RELRO, BIND_NOW, NX); the stack protector, the fortified calls, the
# stack probes and the branch targets are read from the unstripped build
# (make check, on the host and in the Docker builder): the binary, and every
# object of the program in the build tree, each on its own.
. "${top_srcdir:-.}/tests/lib.sh"

stripped=no
case ${1:-} in
--stripped) stripped=yes; bin=$2 ;;
--image)
    stripped=yes; bin=$workdir/hello-fcgi
    image_file "$2" /hello-fcgi "$bin" || bail "no /hello-fcgi in image $2"
    diag "$2: /hello-fcgi, $(wc -c <"$bin") bytes" ;;
*) bin=${1:-$APP} ;;
esac
[ -f "$bin" ] || bail "$bin: no such file"
command -v readelf >/dev/null && command -v objdump >/dev/null \
    || bail "readelf and objdump not found: install the binutils package"
readelf -hldW "$bin" >"$workdir/elf" || bail "$bin: not an ELF file"

grep -q 'Type: *DYN' "$workdir/elf"
ok $? "position independent (ELF type DYN): ASLR moves the code"
grep -q 'GNU_RELRO' "$workdir/elf"
ok $? "RELRO: the relocated data is made read-only after start"
grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' "$workdir/elf"
ok $? "BIND_NOW: every symbol bound at start, so all of RELRO is read-only (full RELRO)"
stack=$(grep 'GNU_STACK' "$workdir/elf")
case $stack in
    *RWE*) ok 1 "non-executable stack ($stack)" ;;
    '') ok 1 "non-executable stack (no GNU_STACK header: the kernel makes it executable)" ;;
    *) ok 0 "non-executable stack" ;;
esac

[ "$stripped" = yes ] && { finish; exit; }

# One disassembly, each line prefixed with the function it belongs to. In a
# static binary libc and libfcgi bring canaries and fortified calls of their
# own, so these checks look at functions the app defines.
objdump -d --no-show-raw-insn "$bin" \
    | awk '/^[0-9a-f]+ <.*>:$/ { fn = $2; next } fn != "" { print fn, $0 }' >"$workdir/dis"
grep -q '^<main>:' "$workdir/dis"
ok $? "has symbols to read (not stripped)"
# main keeps its options on the stack and passes their address:
# -fstack-protector-strong guards such a frame.
grep '^<main>:' "$workdir/dis" | grep -q 'call.*<__stack_chk_fail'
ok $? "stack protector: main checks its canary"
# log.c formats into a fixed-size line with snprintf: fortified, those
# calls carry the buffer's size to glibc's checking versions.
grep '^<log_[^>]*>:' "$workdir/dis" | grep -Eq 'call.*<_*v?snprintf_chk'
ok $? "_FORTIFY_SOURCE: the app's logging calls __snprintf_chk"
if grep -q 'Machine:.*X86-64' "$workdir/elf"; then
    # Frames larger than a page (the guard's 64 KiB window, the body buffer)
    # are taken a page at a time, each page touched (gcc: or, clang: mov), so
    # they cannot jump the guard page below the stack.
    awk '/sub +\$0x1000,%rsp$/ { page = 1; next }
         page && /(or|mov)q? +\$0x0,\(%rsp\)$/ { found = 1 }
         { page = 0 }
         END { exit !found }' "$workdir/dis"
    ok $? "stack clash protection: large frames are probed page by page"
    # -fcf-protection: an indirect branch may land only on endbr64.
    grep '^<main>:' "$workdir/dis" | head -n 1 | grep -q endbr64
    ok $? "control-flow protection: main starts with endbr64"
else
    diag "not x86-64: stack probes and branch targets are read on x86-64 only"
fi

# Every object of the program, not one sample: each was compiled as the
# build asks, whatever a per-file or later flag did. The objects are those
# whose compilation units the binary's debug information names (app/*.c,
# the convenience library's too), read from the build tree.
readelf --debug-dump=info "$bin" 2>/dev/null | grep -A3 'DW_TAG_compile_unit' \
    | sed -n 's|.*DW_AT_name *:.*: \(.*/\)\{0,1\}\(app/[^/]*\)\.c$|\2.o|p' | sort -u >"$workdir/objects"
n_objects=$(wc -l <"$workdir/objects")
[ "$n_objects" -gt 1 ]
ok $? "the binary names the objects it was linked from ($n_objects app/*.o; needs -g)"

# The functions glibc has a checking version of (__memcpy_chk for memcpy):
# under _FORTIFY_SOURCE such a call goes through glibc's inline wrapper,
# which calls the checking version when the compiler knows the buffer's size
# and cannot prove the call safe, and the plain one otherwise.
libc_a=$(${CC:-cc} -print-file-name=libc.a 2>/dev/null)
nm "$libc_a" 2>/dev/null | sed -n 's/^[0-9a-f]* [TW] __\([a-z][a-z0-9_]*\)_chk$/\1/p' \
    | sort -u >"$workdir/checkable"
[ -s "$workdir/checkable" ] || bail "no __*_chk functions in libc.a ($libc_a): install libc6-dev, or set CC"

canary_bad="" fortify_bad=""
while read -r obj; do
    o=$top_builddir/$obj
    [ -f "$o" ] || bail "$o: no such object (the binary names it): build the tree first"
    readelf --debug-dump=info "$o" >"$workdir/o-info" 2>/dev/null
    producer=$(sed -n 's/.*DW_AT_producer *: *\(([^)]*): \)\{0,1\}//p' "$workdir/o-info" | head -n 1)
    # The producer string lists the flags in command-line order: the last
    # -fstack-protector* or -fno-stack-protector is the one in force. -strong
    # guards every function with an array or an address-taken local.
    last=$(printf '%s\n' "$producer" | tr ' ' '\n' \
        | grep -E '^-f(no-)?stack-protector(-strong|-all|-explicit)?$' | tail -n 1)
    case $last in
        -fstack-protector-strong | -fstack-protector-all) ;;
        *) canary_bad="$canary_bad $obj(${last:-no stack protector flag})"
           diag "$obj: compiled by: ${producer:-no DW_AT_producer: build with -g}" ;;
    esac
    # Each plain call of a checkable function that the object makes must
    # come from glibc's wrapper, inlined (a DW_TAG_subprogram of that name
    # with DW_AT_inline): then the compiler checked what it could. Without
    # _FORTIFY_SOURCE the call is the bare declaration.
    awk '/^ *<[0-9]+><[0-9a-f]+>: Abbrev/ {
             if (sub_ && inl && name != "") print name
             sub_ = /DW_TAG_subprogram/; inl = 0; name = ""; next }
         /DW_AT_name/ { name = $NF }
         /DW_AT_inline/ { inl = 1 }
         END { if (sub_ && inl && name != "") print name }' "$workdir/o-info" \
        | sort -u >"$workdir/o-inlined"
    nm -u "$o" | awk '{ print $NF }' | sort -u | comm -12 - "$workdir/checkable" \
        | comm -23 - "$workdir/o-inlined" >"$workdir/o-bare"
    [ -s "$workdir/o-bare" ] \
        && fortify_bad="$fortify_bad $obj($(tr '\n' ',' <"$workdir/o-bare" | sed 's/,$//'))"
done <"$workdir/objects"
[ -z "$canary_bad" ]
ok $? "stack protector: every object compiled with -fstack-protector-strong, not downgraded later${canary_bad:+ (not:$canary_bad)}"
[ -z "$fortify_bad" ]
ok $? "_FORTIFY_SOURCE: every object's checkable calls go through glibc's checks${fortify_bad:+ (bare calls in:$fortify_bad)}"
finish
