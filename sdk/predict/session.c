/* session.c: one thread's scoring, preprocessing, model rows and forward
 * passes (see dlp-predictor.h), and dlp_predictor_predict() on a pool of
 * sessions. */
#include <string.h>
#include "predict-private.h"

struct _DlpPredictorSession {
  DlpPredictor *predictor;
  gboolean owns_predictor; /* not those of the predictor's own pool */
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
dlp_predictor_session_free (DlpPredictorSession *session)
{
  if (session == NULL)
    return;
  g_clear_pointer (&session->graph, dlp_graph_free);
  g_clear_pointer (&session->preprocessor, dlp_preprocessor_free);
  g_free (session->features);
  g_free (session->probabilities);
  if (session->owns_predictor)
    dlp_predictor_unref (session->predictor);
  g_free (session);
}

static DlpPredictorSession *
session_new (DlpPredictor *predictor, gint64 batch_rows, guint n_threads, gboolean owns_predictor,
             GError **error)
{
  g_autoptr (DlpPredictorSession) s = g_new0 (DlpPredictorSession, 1);
  s->predictor = owns_predictor ? dlp_predictor_ref (predictor) : predictor;
  s->owns_predictor = owns_predictor;
  s->batch_rows = MAX (batch_rows, 1);
  s->row_size = dlp_graph_get_input_size (predictor->graph);
  s->n_classes = dlp_graph_get_output_size (predictor->graph);
  s->graph = dlp_graph_copy (predictor->graph, error);
  if (s->graph == NULL || !dlp_graph_prepare (s->graph, s->batch_rows, n_threads, error))
    return NULL;
  s->preprocessor = dlp_preprocessor_new (predictor, error);
  if (s->preprocessor == NULL)
    return NULL;
  return g_steal_pointer (&s);
}

DlpPredictorSession *
dlp_predictor_session_new (DlpPredictor *predictor, gint64 batch_rows, guint n_threads,
                           GError **error)
{
  return session_new (predictor, batch_rows, n_threads, TRUE, error);
}

/* Room for @n more rows. */
static gboolean
reserve (DlpPredictorSession *s, gint64 n, GError **error)
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
dlp_predictor_session_add_preprocessed (DlpPredictorSession *session, DlpDataset *processed,
                                        gint64 row_base, GError **error)
{
  gint64 n = dlp_dataset_get_n_rows (processed);
  if (!reserve (session, n, error))
    return -1;
  float *out = session->features + session->n_rows * session->row_size;
  if (!dlp_gather_features (processed, session->row_size, row_base, out, error))
    return -1;
  gint64 first = session->n_rows;
  session->n_rows += n;
  return first;
}

gint64
dlp_predictor_session_add (DlpPredictorSession *session, DlpDataset *raw, gint64 row_base,
                           GError **error)
{
  g_autoptr (DlpDataset) processed = dlp_preprocessor_apply (session->preprocessor, raw, error);
  if (processed == NULL)
    return -1;
  return dlp_predictor_session_add_preprocessed (session, processed, row_base, error);
}

gint64
dlp_predictor_session_get_n_rows (DlpPredictorSession *session)
{
  return session->n_rows;
}

gboolean
dlp_predictor_session_run (DlpPredictorSession *session, GError **error)
{
  for (gint64 start = 0; start < session->n_rows; start += session->batch_rows)
    {
      gint64 n = MIN (session->batch_rows, session->n_rows - start);
      if (!dlp_graph_forward (session->graph, session->features + start * session->row_size, n,
                              FALSE, session->probabilities + start * session->n_classes, error))
        return FALSE;
    }
  /* A model without a final softmax gives logits, as model_test knows. */
  if (!dlp_graph_ends_with_softmax (session->graph))
    dlp_softmax_rows (session->probabilities, session->n_rows, session->n_classes);
  return TRUE;
}

const float *
dlp_predictor_session_get_probabilities (DlpPredictorSession *session, gint64 row)
{
  g_return_val_if_fail (row >= 0 && row < session->n_rows, NULL);
  return session->probabilities + row * session->n_classes;
}

void
dlp_predictor_session_clear (DlpPredictorSession *session)
{
  session->n_rows = 0;
  /* A server keeps its sessions for good: give back what a large request
   * took. */
  if (session->capacity > 16 * session->batch_rows)
    {
      g_clear_pointer (&session->features, g_free);
      g_clear_pointer (&session->probabilities, g_free);
      session->capacity = 0;
    }
}

/* Rows of a dlp_predictor_predict() call scored at a time: its memory
 * stays bounded whatever the rows. */
#define PREDICT_CHUNK_ROWS 4096
#define PREDICT_BATCH_ROWS 256

static gboolean
predict_with (DlpPredictorSession *session, DlpDataset *rows, gboolean preprocessed,
              float *probabilities, gint32 *classes, GError **error)
{
  guint n_classes = session->predictor->n_classes;
  gint64 n_rows = dlp_dataset_get_n_rows (rows);
  for (gint64 start = 0; start < n_rows; start += PREDICT_CHUNK_ROWS)
    {
      gint64 n = MIN (PREDICT_CHUNK_ROWS, n_rows - start);
      g_autoptr (DlpDataset) chunk = dlp_dataset_take_range (rows, start, n, error);
      gint64 first = -1;
      if (chunk)
        first = preprocessed ? dlp_predictor_session_add_preprocessed (session, chunk, start, error)
                             : dlp_predictor_session_add (session, chunk, start, error);
      if (first < 0 || !dlp_predictor_session_run (session, error))
        {
          dlp_predictor_session_clear (session);
          return FALSE;
        }
      const float *p = dlp_predictor_session_get_probabilities (session, first);
      for (gint64 r = 0; r < n; r++)
        {
          const float *row = p + r * n_classes;
          if (probabilities)
            memcpy (probabilities + (start + r) * n_classes, row, n_classes * sizeof (float));
          if (classes)
            classes[start + r] = dlp_argmax (row, n_classes);
        }
      dlp_predictor_session_clear (session);
    }
  return TRUE;
}

gboolean
dlp_predictor_predict (DlpPredictor *predictor, DlpDataset *rows, float *probabilities,
                       gint32 *classes, GError **error)
{
  /* A session no other call is using, or a new one: calls run at once. */
  DlpPredictorSession *session = g_async_queue_try_pop (predictor->idle_sessions);
  if (session == NULL)
    {
      /* The pool's sessions hold no reference: the predictor frees them. */
      session = session_new (predictor, PREDICT_BATCH_ROWS, predictor->n_threads, FALSE, error);
      if (session == NULL)
        return FALSE;
    }
  gboolean preprocessed = dlp_predictor_is_preprocessed (predictor, rows);
  gboolean ok = predict_with (session, rows, preprocessed, probabilities, classes, error);
  g_async_queue_push (predictor->idle_sessions, session);
  return ok;
}
