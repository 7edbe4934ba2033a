#!/bin/sh
# Exact bytes through a real nginx running the project's configuration.
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
start_app "127.0.0.1:$port"
start_nginx "127.0.0.1:$port"
url=http://127.0.0.1:$http_port

check "GET /" "$url/"
check "GET with a path and query" "$url/some/path.php?a=1&b=%20two#frag"
head -c 100000 /dev/zero | tr '\0' 'x' >"$workdir/body"
check "POST 100 kB" --data-binary "@$workdir/body" "$url/upload"
check "PUT" -X PUT --data-binary "hello" "$url/x"
check "DELETE" -X DELETE "$url/x"

# HEAD through nginx: the headers, no body.
check_head "HEAD" "$url/"
# Over HTTP/1.0 nginx closes after the answer. curl told the method is HEAD
# but not to skip the body (-X) waits for the 12 bytes Content-Length
# announces: exit 18 (partial file) with none read proves none were sent.
rm -f "$workdir/b"
curl -s --http1.0 -X HEAD -o "$workdir/b" --max-time 5 "$url/"
is "$?:$(cat "$workdir/b" 2>/dev/null | wc -c)" "18:0" "HEAD: no body bytes on the wire"

# The app itself writes no body for HEAD (nginx would hide one).
"$PROBE" get "127.0.0.1:$port" HEAD >"$workdir/b" 2>"$workdir/err"
ok $? "HEAD straight to the app: answered, and the app closes the connection, not kept $(cat "$workdir/err")"
printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\n\r\n' \
    | cmp -s - "$workdir/b"
ok $? "HEAD: the app sends the headers and no body"

# Server header without a version.
curl -s -D "$workdir/h" -o /dev/null "$url/"
is "$(grep -i '^server:' "$workdir/h")" "$(printf 'Server: nginx\r')" "nginx does not reveal its version"

# Several requests on one client connection, one upstream keep-alive pool.
curl -s "$url/a" "$url/b" "$url/c" >"$workdir/b"
is "$(cat "$workdir/b")" "Hello World!Hello World!Hello World!" "three requests on one connection"

finish
