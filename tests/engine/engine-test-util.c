/* engine-test-util.c: helpers of the network engine's tests. */
#include "engine-test-util.h"

DlpGraph *
engine_graph (const char *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) config = dlp_config_parse ("model.json", json, -1, &error);
  dlp_assert_no_error (error);
  DlpGraph *graph = dlp_graph_new (dlp_test_registry (), config, 0, NULL, &error);
  dlp_assert_no_error (error);
  return graph;
}

GError *
engine_graph_error (const char *json)
{
  GError *error = NULL;
  g_autoptr (DlpConfig) config = dlp_config_parse ("model.json", json, -1, &error);
  if (config == NULL)
    return error;
  DlpGraph *graph = dlp_graph_new (dlp_test_registry (), config, 0, NULL, &error);
  ck_assert_msg (graph == NULL, "expected an error building %s", json);
  return error;
}

void
engine_fill (float *data, gsize n, guint64 seed, double low, double high)
{
  DlpRng rng;
  dlp_rng_init (&rng, seed);
  for (gsize i = 0; i < n; i++)
    data[i] = (float) (low + (high - low) * dlp_rng_uniform (&rng));
}
