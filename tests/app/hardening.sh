#!/bin/sh
# The protections the build asks for, read from the binary itself:
#   sh tests/app/hardening.sh [BINARY]             (default: the built app)
#   sh tests/app/hardening.sh --stripped BINARY
#   sh tests/app/hardening.sh --image IMAGE        (its /hello-fcgi; needs docker)
# A shipped binary is stripped, so only what survives strip is read there
# (PIE, RELRO, BIND_NOW, NX); the stack protector, the fortified calls, the
# stack probes and the branch targets are read from the unstripped build
# (make check, on the host and in the Docker builder).
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
finish
