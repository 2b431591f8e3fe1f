/* bench-engine.c: training-step speed of the engine on the three
 * Fashion-MNIST models of the shipped pipelines (the same as the PyTorch
 * peer's): forward, softmax cross-entropy and backward of batches of 64,
 * without the optimizer.
 *
 *   bench-engine PLUGINS_DIR MODEL MODE [SECONDS]
 *     MODEL: mlp, cnn or lstm
 *     MODE:  blas1 (one thread), blas2 (OpenBLAS on 2 threads),
 *            split2 (the engine splits each batch over 2 threads)
 * Prints one JSON line with samples per second. */
#include <stdio.h>
#include <string.h>
#include <dlpipe/dlpipe-host.h>

#define BATCH 64

static const char *mlp =
  "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"mlp\", \"layers\": ["
  "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 28, 28, 1]}},"
  "{\"class_name\": \"Flatten\", \"config\": {}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 256, \"activation\": \"relu\"}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 128, \"activation\": \"relu\"}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 10, \"activation\": \"softmax\"}}]}}";

static const char *cnn =
  "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"cnn\", \"layers\": ["
  "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 28, 28, 1]}},"
  "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 32, \"kernel_size\": 3, \"activation\": "
  "\"relu\"}},"
  "{\"class_name\": \"MaxPooling2D\", \"config\": {}},"
  "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 64, \"kernel_size\": 3, \"activation\": "
  "\"relu\"}},"
  "{\"class_name\": \"MaxPooling2D\", \"config\": {}},"
  "{\"class_name\": \"Flatten\", \"config\": {}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 128, \"activation\": \"relu\"}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 10, \"activation\": \"softmax\"}}]}}";

static const char *lstm =
  "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"lstm\", \"layers\": ["
  "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 28, 28, 1]}},"
  "{\"class_name\": \"LSTM\", \"config\": {\"units\": 128}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 10, \"activation\": \"softmax\"}}]}}";

int
main (int argc, char **argv)
{
  if (argc < 4)
    {
      fprintf (stderr, "usage: %s PLUGINS_DIR mlp|cnn|lstm blas1|blas2|split2 [SECONDS]\n",
               argv[0]);
      return 2;
    }
  const char *model = argv[2], *mode = argv[3];
  double seconds = argc > 4 ? g_ascii_strtod (argv[4], NULL) : 3.0;
  const char *json = !strcmp (model, "mlp") ? mlp : !strcmp (model, "cnn") ? cnn : lstm;
  guint threads = !strcmp (mode, "split2") ? 2 : 1;
  dlp_blas_set_n_threads (!strcmp (mode, "blas2") ? 2 : 1);

  const char *dirs[] = { argv[1], NULL };
  g_autoptr (DlpRegistry) registry = dlp_registry_new ();
  dlp_registry_load_dirs (registry, dirs, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) config = dlp_config_parse (model, json, -1, &error);
  DlpGraph *graph = config ? dlp_graph_new (registry, config, 0, NULL, &error) : NULL;
  if (graph == NULL || !dlp_graph_prepare (graph, BATCH, threads, &error))
    {
      fprintf (stderr, "bench-engine: %s\n", error->message);
      return 1;
    }
  dlp_graph_init (graph, 42);

  /* A few distinct batches of random images in [0, 1), as after scaling. */
  enum { N_BATCHES = 16 };
  gsize in = (gsize) dlp_graph_get_input_size (graph);
  g_autofree float *x = g_new (float, N_BATCHES *BATCH *in);
  g_autofree gint32 *y = g_new (gint32, N_BATCHES * BATCH);
  DlpRng rng;
  dlp_rng_init (&rng, 1);
  for (gsize i = 0; i < N_BATCHES * BATCH * in; i++)
    x[i] = (float) dlp_rng_uniform (&rng);
  for (gsize i = 0; i < N_BATCHES * BATCH; i++)
    y[i] = (gint32) dlp_rng_below (&rng, 10);

  DlpBatchStats stats = { 0 };
  for (int i = 0; i < 5; i++)
    dlp_graph_train_batch (graph, x, y, BATCH, &stats, NULL);
  gint64 start = g_get_monotonic_time (), now = start;
  guint64 steps = 0;
  while (now - start < (gint64) (seconds * G_USEC_PER_SEC))
    {
      gsize b = steps % N_BATCHES;
      if (!dlp_graph_train_batch (graph, x + b * BATCH * in, y + b * BATCH, BATCH, &stats, &error))
        {
          fprintf (stderr, "bench-engine: %s\n", error->message);
          return 1;
        }
      steps++;
      now = g_get_monotonic_time ();
    }
  double elapsed = (double) (now - start) / G_USEC_PER_SEC;
  printf ("{\"engine\": \"dlpipe\", \"model\": \"%s\", \"mode\": \"%s\", \"batch\": %d, "
          "\"steps\": %" G_GUINT64_FORMAT ", \"ms_per_step\": %.3f, \"samples_per_s\": %.0f, "
          "\"blas_core\": \"%s\"}\n",
          model, mode, BATCH, steps, 1000.0 * elapsed / steps, steps * BATCH / elapsed,
          dlp_blas_get_core ());
  dlp_graph_free (graph);
  return 0;
}
