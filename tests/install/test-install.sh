#!/bin/sh
# Installs dlpipe into a temporary prefix, builds the out-of-tree example
# plugin against the installed pkg-config file, installs it into the
# advertised plugin folder, and checks that the installed host loads it.
# Then checks the header split: a plugin source that calls host-only
# functions does not compile with <dlpipe/dlpipe.h> alone, and does with
# <dlpipe/dlpipe-host.h>.
set -eu
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

echo "# configuring and installing dlpipe into $prefix"
meson setup "$work/build" "$src" --prefix="$prefix" -Dtests=disabled >"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log"; exit 1; }
meson install -C "$work/build" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }

pc_dir=$(dirname "$(find "$prefix" -name dlpipe-1.pc)")
export PKG_CONFIG_PATH=$pc_dir
pluginsdir=$(pkg-config --variable=pluginsdir dlpipe-1)
test -d "$pluginsdir" || { echo "pluginsdir $pluginsdir was not installed"; exit 1; }
test -f "$(pkg-config --variable=includedir dlpipe-1)/dlpipe-1/dlpipe/dlpipe.h"

echo "# building the example plugin against $pc_dir"
meson setup "$work/example" "$src/sdk/examples/clip-transform" >"$work/ex.log" 2>&1 ||
  { cat "$work/ex.log"; exit 1; }
meson install -C "$work/example" >>"$work/ex.log" 2>&1 || { cat "$work/ex.log"; exit 1; }
test -f "$pluginsdir/libdlp-clip.so"

# The installed host must find installed plugins by itself.
unset DLPIPE_PLUGIN_PATH
out=$("$prefix/bin/dlpipe" plugins)
echo "$out" | grep -q '^transform  *clip  *clip  *1.0.0' || { echo "clip not listed:"; echo "$out"; exit 1; }
echo "$out" | grep -q '^tracker  *none' || { echo "built-in plugins not listed:"; echo "$out"; exit 1; }
"$prefix/bin/dlpipe" inspect clip | grep -q "File:  *$pluginsdir/libdlp-clip.so"
echo "ok: installed host loads the out-of-tree plugin"

# The project's own flag makes an implicit declaration an error here too;
# LC_ALL=C keeps the compiler's quotes plain.
echo "# compiling host-only calls against <dlpipe/dlpipe.h> alone"
cc=${CC:-cc}
cflags="-std=c11 -Werror=implicit-function-declaration $(pkg-config --cflags dlpipe-1)"
call=$src/tests/install/host-call.c
if LC_ALL=C $cc $cflags -c "$call" -o "$work/host-call.o" 2>"$work/host-call.log"; then
  echo "host-only functions are visible through <dlpipe/dlpipe.h>"
  exit 1
fi
for f in dlp_blas_set_n_threads dlp_context_set_n_threads dlp_config_flatten \
         dlp_graph_prepare dlp_softmax_rows dlp_registry_new; do
  grep -Eq "(implicit declaration of|call to undeclared) function '$f'" "$work/host-call.log" ||
    { echo "no implicit-declaration error for $f:"; cat "$work/host-call.log"; exit 1; }
done
LC_ALL=C $cc $cflags -DWITH_HOST_HEADERS -c "$call" -o "$work/host-call.o" ||
  { echo "host-only calls do not compile with <dlpipe/dlpipe-host.h>"; exit 1; }
echo "ok: host-only functions need <dlpipe/dlpipe-host.h>"
