/* scorer.c: preprocessing, model rows and forward passes (see scorer.h). */
#include "scorer.h"

struct _DlpScorer {
  DlpPackage *package;
  DlpGraph *graph;
  DlpPreprocessor *preprocessor;
  gint64 batch_rows;
  gint64 row_size; /* floats per model row */
  gint64 n_classes;
  float *features;      /* [capacity, row_size] */
  float *probabilities; /* [capacity, n_classes] */
  gint64 n_rows, capacity;
};

void
dlp_scorer_free (DlpScorer *scorer)
{
  if (scorer == NULL)
    return;
  g_clear_pointer (&scorer->graph, dlp_graph_free);
  g_clear_pointer (&scorer->preprocessor, dlp_preprocessor_free);
  g_free (scorer->features);
  g_free (scorer->probabilities);
  g_free (scorer);
}

DlpScorer *
dlp_scorer_new (DlpPackage *package, gint64 batch_rows, guint n_threads, GError **error)
{
  g_autoptr (DlpScorer) s = g_new0 (DlpScorer, 1);
  s->package = package;
  s->batch_rows = MAX (batch_rows, 1);
  s->row_size = dlp_graph_get_input_size (package->graph);
  s->n_classes = dlp_graph_get_output_size (package->graph);
  s->graph = dlp_graph_copy (package->graph, error);
  if (s->graph == NULL || !dlp_graph_prepare (s->graph, s->batch_rows, n_threads, error))
    return NULL;
  s->preprocessor = dlp_preprocessor_new (package, error);
  if (s->preprocessor == NULL)
    return NULL;
  return g_steal_pointer (&s);
}

/* Room for @n more rows. */
static gboolean
reserve (DlpScorer *s, gint64 n, GError **error)
{
  gint64 need = s->n_rows + n;
  if (need <= s->capacity)
    return TRUE;
  gint64 capacity = MAX (need, MAX (2 * s->capacity, s->batch_rows));
  gsize feature_floats, prob_floats;
  if (!g_size_checked_mul (&feature_floats, (gsize) capacity, (gsize) s->row_size)
      || !g_size_checked_mul (&prob_floats, (gsize) capacity, (gsize) s->n_classes))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                   "%" G_GINT64_FORMAT " rows are too "
                   "many to score at once",
                   need);
      return FALSE;
    }
  float *features = g_try_realloc_n (s->features, feature_floats, sizeof (float));
  if (features == NULL)
    goto no_memory;
  s->features = features;
  float *probabilities = g_try_realloc_n (s->probabilities, prob_floats, sizeof (float));
  if (probabilities == NULL)
    goto no_memory;
  s->probabilities = probabilities;
  s->capacity = capacity;
  return TRUE;

no_memory:
  g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
               "not enough memory to score %" G_GINT64_FORMAT " rows at once", need);
  return FALSE;
}

gint64
dlp_scorer_add_preprocessed (DlpScorer *scorer, DlpDataset *processed, gint64 row_base,
                             GError **error)
{
  gint64 n = dlp_dataset_get_n_rows (processed);
  if (!reserve (scorer, n, error))
    return -1;
  float *out = scorer->features + scorer->n_rows * scorer->row_size;
  if (!dlp_package_gather_features (processed, scorer->row_size, row_base, out, error))
    return -1;
  gint64 first = scorer->n_rows;
  scorer->n_rows += n;
  return first;
}

gint64
dlp_scorer_add_raw (DlpScorer *scorer, DlpDataset *raw, gint64 row_base, GError **error)
{
  g_autoptr (DlpDataset) processed = dlp_preprocessor_apply (scorer->preprocessor, raw, error);
  if (processed == NULL)
    return -1;
  return dlp_scorer_add_preprocessed (scorer, processed, row_base, error);
}

gint64
dlp_scorer_get_n_rows (DlpScorer *scorer)
{
  return scorer->n_rows;
}

gboolean
dlp_scorer_run (DlpScorer *scorer, GError **error)
{
  for (gint64 start = 0; start < scorer->n_rows; start += scorer->batch_rows)
    {
      gint64 n = MIN (scorer->batch_rows, scorer->n_rows - start);
      if (!dlp_graph_forward (scorer->graph, scorer->features + start * scorer->row_size, n, FALSE,
                              scorer->probabilities + start * scorer->n_classes, error))
        return FALSE;
    }
  /* A model without a final softmax gives logits, as model_test knows. */
  if (!dlp_graph_ends_with_softmax (scorer->graph))
    dlp_softmax_rows (scorer->probabilities, scorer->n_rows, scorer->n_classes);
  return TRUE;
}

const float *
dlp_scorer_get_probabilities (DlpScorer *scorer, gint64 row)
{
  g_return_val_if_fail (row >= 0 && row < scorer->n_rows, NULL);
  return scorer->probabilities + row * scorer->n_classes;
}

void
dlp_scorer_clear (DlpScorer *scorer)
{
  scorer->n_rows = 0;
  /* A server keeps its scorers for good: give back what a large request
   * took. */
  if (scorer->capacity > 16 * scorer->batch_rows)
    {
      g_clear_pointer (&scorer->features, g_free);
      g_clear_pointer (&scorer->probabilities, g_free);
      scorer->capacity = 0;
    }
}
