#!/bin/sh
# The documentation holds together: every relative link and #anchor in
# README.md, docs/*.md and tests/README.md resolves, every page is one click
# from README.md, and README.md stays a front door of at most 150 lines.
# Reads the Markdown files only; run by make check (and from a dist tarball,
# so whatever a page links to must be in EXTRA_DIST).
. "$top_srcdir/tests/lib.sh"

README_MAX_LINES=150
cd "$top_srcdir" || bail "cannot enter $top_srcdir"

pages="README.md tests/README.md"
for f in docs/*.md; do
    [ -e "$f" ] && pages="$pages $f"
done

# anchors FILE: the GitHub anchor of each heading outside code fences: lower
# case, punctuation dropped, spaces to hyphens, "-N" on a repeated one.
anchors() {
    awk '
        /^```/ { fence = !fence; next }
        fence || !/^#+ / { next }
        {
            h = tolower($0); sub(/^#+ +/, "", h); sub(/ +#* *$/, "", h)
            gsub(/[^a-z0-9 _-]/, "", h); gsub(/ /, "-", h)
            n = seen[h]++
            print (n ? h "-" n : h)
        }' "$1"
}

# links FILE: the target of each Markdown link outside code fences that is
# not an absolute URL.
links() {
    awk '
        /^```/ { fence = !fence; next }
        fence { next }
        {
            line = $0
            while (match(line, /\]\([^) ]+\)/)) {
                t = substr(line, RSTART + 2, RLENGTH - 3)
                line = substr(line, RSTART + RLENGTH)
                if (t !~ /^[a-z]+:/) print t
            }
        }' "$1"
}

# link_broken PAGE TARGET: prints why TARGET, as written in PAGE, does not
# resolve; prints nothing if it does.
link_broken() {
    path=${2%%#*}
    anchor=
    case $2 in *'#'*) anchor=${2#*#} ;; esac
    if [ -z "$path" ]; then
        file=$1
    else
        file=$(dirname "$1")/$path
    fi
    if [ ! -e "$file" ]; then
        echo "$1: $2: no such file"
    elif [ -n "$anchor" ]; then
        if [ -d "$file" ] || ! anchors "$file" | grep -qxF "$anchor"; then
            echo "$1: $2: no heading #$anchor in $file"
        fi
    fi
}

for page in $pages; do
    links "$page" >"$workdir/links" || bail "cannot read $page"
    : >"$workdir/broken"
    count=0
    while IFS= read -r target; do
        count=$((count + 1))
        link_broken "$page" "$target" >>"$workdir/broken"
    done <"$workdir/links"
    if [ -s "$workdir/broken" ]; then
        ok 1 "$page: every relative link of $count resolves"
        sed 's/^/#   /' "$workdir/broken"
    else
        ok 0 "$page: every relative link of $count resolves"
    fi
done

links README.md | sed 's/#.*//' >"$workdir/front" || bail "cannot read README.md"
for page in $pages; do
    [ "$page" = README.md ] && continue
    grep -qxF "$page" "$workdir/front"
    ok $? "README.md links to $page"
done

lines=$(wc -l <README.md)
[ "$lines" -le "$README_MAX_LINES" ]
ok $? "README.md is at most $README_MAX_LINES lines (it has $lines)"

finish
