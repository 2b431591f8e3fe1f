#!/bin/sh
# check-symbols.sh SYMBOLS LIBRARY NAME ABI_VERSION API_LEVEL HEADERS_DIR
# Holds the SDK library to its list of exported functions (SYMBOLS,
# sdk/dlpipe.symbols): every exported function is listed once, under a
# level no newer than API_LEVEL, and every listed one is exported. Each has
# a doc comment in the headers (HEADERS_DIR and its host/), whose
# "Since: API level N" line (none for level 1) names its level in the
# list. The library's soname carries its ABI version and its file name
# ABI_VERSION.API_LEVEL.0.
set -eu
symbols=$1
lib=$2
name=$3
abi=$4
level=$5
headers=$6
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail () { echo "not ok: $*"; status=1; }

# "name level" for each listed function; a malformed list fails here.
awk -v max="$level" '
  function bad(msg) { print "not ok: " FILENAME ":" FNR ": " msg > "/dev/stderr"; errors++ }
  /^#/ || /^[ \t]*$/ { next }
  /^level [0-9]+$/ {
    if ($2 + 0 <= cur) bad("level " $2 " after level " cur)
    if ($2 + 0 > max) bad("level " $2 " is newer than DLP_API_LEVEL " max)
    cur = $2 + 0
    next
  }
  cur == 0 { bad($0 ": a function before the first level"); next }
  NF != 1 || $1 !~ /^dlp_[a-z0-9_]+$/ { bad("not a function name: " $0); next }
  seen[$1]++ { bad($1 " is listed twice"); next }
  { print $1, cur }
  END { exit errors > 0 }
' "$symbols" >"$work/listed" || status=1

# Names with a "." are GCC's resolvers of the target_clones functions;
# names that begin with "__" belong to the compiler and its sanitizers.
nm -D --defined-only "$lib" | awk '$3 !~ /\./ && $3 !~ /^__/ { print $3 }' | sort >"$work/exported"
cut -d' ' -f1 "$work/listed" | sort >"$work/names"
for f in $(comm -23 "$work/exported" "$work/names"); do
  fail "$f is exported but not in $symbols (add it under level $level)"
done
for f in $(comm -13 "$work/exported" "$work/names"); do
  fail "$f is in $symbols but not exported (removing a function needs a new ABI version)"
done

# "name level" of each doc comment: "/**", " * name:", ..., " */".
awk '
  /^\/\*\*$/ { open = 1; name = ""; since = 1; next }
  open && name == "" && /^ \* dlp_[a-z0-9_]+:$/ { name = substr($2, 1, length($2) - 1); next }
  open && /Since: API level [0-9]+/ { match($0, /Since: API level [0-9]+/); since = substr($0, RSTART + 16, RLENGTH - 16) + 0 }
  open && /\*\// { if (name != "") print name, since; open = 0 }
' "$headers"/*.h "$headers"/host/*.h | sort >"$work/documented"
sort "$work/listed" >"$work/listed.sorted"
while read -r f l; do
  d=$(awk -v f="$f" '$1 == f { print $2; exit }' "$work/documented")
  if [ -z "$d" ]; then
    fail "$f has no doc comment in $headers"
  elif [ "$d" != "$l" ]; then
    fail "$f is under level $l in $symbols but its doc comment says level $d"
  fi
done <"$work/listed.sorted"

soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "lib$name.so.$abi" ] || fail "soname is '$soname', expected lib$name.so.$abi"
file=$(basename "$(readlink -f "$lib")")
[ "$file" = "lib$name.so.$abi.$level.0" ] || fail "library file is $file, expected lib$name.so.$abi.$level.0"

[ $status -eq 0 ] && echo "ok: $(wc -l <"$work/names") functions, each documented under its API level"
exit $status
