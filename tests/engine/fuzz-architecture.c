/* fuzz-architecture.c: architecture JSON of any content through the
 * engine: building the graph, and for graphs of modest size a training
 * step and the JSON round trip (which must reproduce itself). Models are
 * capped at four million parameters: initialising larger ones (orthogonal
 * recurrent weights take O(units^3)) is slow by right, not a hang.
 * The layer plugins come from DLP_TEST_BUILTIN_PLUGINS_DIR, else from the
 * build tree the binary sits in (BUILD/tests/engine -> BUILD/plugins). */
#include <stdlib.h>
#include <string.h>
#include <dlpipe/dlpipe-host.h>
#include "../fuzz/fuzz.h"

static DlpRegistry *
registry (void)
{
  static DlpRegistry *r;
  if (r == NULL)
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      g_autofree char *here = exe ? g_path_get_dirname (exe) : NULL;
      g_autofree char *beside = here ? g_build_filename (here, "..", "..", "plugins", NULL) : NULL;
      const char *env = g_getenv ("DLP_TEST_BUILTIN_PLUGINS_DIR");
      const char *dirs[] = { env ? env : beside, NULL };
      r = dlp_registry_new ();
      if (dirs[0])
        dlp_registry_load_dirs (r, dirs, TRUE);
    }
  return r;
}

static char *
json_text (DlpGraph *graph)
{
  g_autoptr (JsonNode) node = dlp_graph_to_json (graph);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* Before the limits are first read. */
  g_setenv ("DLPIPE_LIMIT_MODEL_PARAMS", "4000000", FALSE);
  /* As an architecture file is read: located line and column, by the
   * walk over the JSON text beside json-glib's tree. */
  g_autoptr (DlpConfig) arch =
    dlp_architecture_parse ("model.json", (const char *) data, (gssize) size, NULL);
  if (arch == NULL)
    return 0;
  DlpGraph *graph = dlp_graph_new (registry (), arch, 0, NULL, NULL);
  if (graph == NULL)
    return 0;
  gint64 in = dlp_graph_get_input_size (graph), out = dlp_graph_get_output_size (graph);
  if (dlp_graph_get_n_params (graph) <= 1000000 && in <= 100000 && out <= 100000
      && dlp_graph_prepare (graph, 2, 1, NULL))
    {
      float *x = g_new0 (float, 2 * in);
      gint32 labels[2] = { 0, 0 };
      dlp_graph_train_batch (graph, x, labels, 2, NULL, NULL);
      g_free (x);
    }
  /* Written, read and written again: the same text. */
  g_autofree char *once = json_text (graph);
  g_autoptr (DlpConfig) reread = dlp_config_parse ("again", once, -1, NULL);
  DlpGraph *second = reread ? dlp_graph_new (registry (), reread, 0, NULL, NULL) : NULL;
  if (second == NULL)
    abort ();
  g_autofree char *twice = json_text (second);
  if (strcmp (once, twice) != 0)
    abort ();
  dlp_graph_free (second);
  dlp_graph_free (graph);
  return 0;
}
