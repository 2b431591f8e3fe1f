#!/bin/sh
# Installs dlpipe into a temporary prefix, builds the out-of-tree example
# plugin against the installed pkg-config file, installs it into the
# advertised plugin folder, and checks that the installed host loads it.
# Builds the example program that embeds the predictor and checks that it
# scores rows as `dlpipe predict` does, with the installed plugins.
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

echo "# training a small model with the installed dlpipe"
run=$work/pipeline
mkdir -p "$run"
awk 'BEGIN { print "color,size,kind"; split("red green blue", c, " "); split("alpha beta gamma", k, " ");
             for (i = 0; i < 90; i++) { j = i % 3; printf "%s,%.2f,%s\n", c[j + 1], 1 + 2 * j + (i * 37 % 100) / 100, k[j + 1] } }' \
  >"$run/data.csv"
cat >"$run/params.yaml" <<'EOF'
data_ingestion: {source: csv, path: data.csv, label: kind}
data_transformation: {steps: [{one_hot: {columns: [color]}}]}
data_split: {test_size: 0.3, seed: 3}
model: {type: mlp, input_shape: [4], num_classes: 3, mlp: {hidden_units: [8]}}
train: {epochs: 3, batch_size: 16, seed: 1}
tracking: {tracker: none}
EOF
(cd "$run" && "$prefix/bin/dlpipe" -q run) || { echo "the installed dlpipe could not train"; exit 1; }
cut -d, -f1,2 "$run/data.csv" | head -n 21 >"$run/rows.csv"

echo "# building the example program that embeds the predictor"
meson setup "$work/predict-csv" "$src/sdk/examples/predict-csv" >"$work/pc.log" 2>&1 ||
  { cat "$work/pc.log"; exit 1; }
meson compile -C "$work/predict-csv" >>"$work/pc.log" 2>&1 || { cat "$work/pc.log"; exit 1; }
"$work/predict-csv/predict-csv" "$run/models/final" "$run/rows.csv" >"$run/embedded.csv" ||
  { echo "predict-csv failed"; exit 1; }
(cd "$run" && "$prefix/bin/dlpipe" -q predict -i rows.csv) | tail -n +2 | cut -d, -f2 >"$run/host.txt"
test "$(wc -l <"$run/host.txt")" -eq 20 || { echo "dlpipe predict gave no 20 rows"; exit 1; }
cut -d, -f1 "$run/embedded.csv" | diff -u "$run/host.txt" - ||
  { echo "the embedded predictor and dlpipe predict disagree"; exit 1; }
# A category the model never saw: the row and the column, and a failure.
printf 'color,size\nred,1.0\npurple,2.0\n' >"$run/bad.csv"
if "$work/predict-csv/predict-csv" "$run/models/final" "$run/bad.csv" >"$run/bad.out" 2>"$run/bad.err"; then
  echo "predict-csv accepted an unknown category"; exit 1
fi
grep -q "row 1, column 'color': unknown category 'purple'" "$run/bad.err" ||
  { echo "unclear error:"; cat "$run/bad.err"; exit 1; }
test ! -s "$run/bad.out" || { echo "predict-csv printed rows before failing"; exit 1; }
echo "ok: a program built against the installed SDK scores rows as dlpipe predict does"

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
