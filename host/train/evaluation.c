/* evaluation.c: accuracy, precision, recall, F1, log loss, confusion. */
#include <math.h>
#include "evaluation.h"

/* Probabilities are clipped before the log, as scikit-learn's log_loss
 * does, so one confident mistake costs a finite amount. */
#define LOG_LOSS_EPS 1e-15

static double
ratio (double num, double den)
{
  return den > 0 ? num / den : 0.0;
}

DlpEvaluation *
dlp_evaluation_new (const float *probabilities, const gint32 *labels, gint64 n_rows,
                    guint n_classes)
{
  DlpEvaluation *e = g_new0 (DlpEvaluation, 1);
  e->n_classes = n_classes;
  e->n_rows = n_rows;
  e->confusion = g_new0 (gint64, (gsize) n_classes * n_classes);
  e->precision = g_new0 (double, n_classes);
  e->recall = g_new0 (double, n_classes);
  e->f1 = g_new0 (double, n_classes);
  e->support = g_new0 (gint64, n_classes);

  double loss = 0;
  gint64 correct = 0;
  for (gint64 r = 0; r < n_rows; r++)
    {
      const float *p = probabilities + r * n_classes;
      gint32 actual = labels[r], predicted = dlp_argmax (p, n_classes);
      e->confusion[(gsize) actual * n_classes + (gsize) predicted]++;
      correct += actual == predicted;
      loss -= log (CLAMP ((double) p[actual], LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS));
    }
  e->log_loss = ratio (loss, (double) n_rows);
  e->accuracy = ratio ((double) correct, (double) n_rows);

  guint present = 0;
  for (guint c = 0; c < n_classes; c++)
    {
      gint64 tp = e->confusion[(gsize) c * n_classes + c], predicted = 0;
      for (guint a = 0; a < n_classes; a++)
        {
          predicted += e->confusion[(gsize) a * n_classes + c];
          e->support[c] += e->confusion[(gsize) c * n_classes + a];
        }
      e->precision[c] = ratio ((double) tp, (double) predicted);
      e->recall[c] = ratio ((double) tp, (double) e->support[c]);
      e->f1[c] = ratio (2 * e->precision[c] * e->recall[c], e->precision[c] + e->recall[c]);
      /* Macro averages over the classes the data has, as scikit-learn's
       * labels=None does. */
      if (e->support[c] == 0)
        continue;
      present++;
      e->macro_precision += e->precision[c];
      e->macro_recall += e->recall[c];
      e->macro_f1 += e->f1[c];
      double w = (double) e->support[c] / (double) n_rows;
      e->weighted_precision += w * e->precision[c];
      e->weighted_recall += w * e->recall[c];
      e->weighted_f1 += w * e->f1[c];
    }
  e->macro_precision = ratio (e->macro_precision, present);
  e->macro_recall = ratio (e->macro_recall, present);
  e->macro_f1 = ratio (e->macro_f1, present);
  return e;
}

void
dlp_evaluation_free (DlpEvaluation *e)
{
  if (e == NULL)
    return;
  g_free (e->confusion);
  g_free (e->precision);
  g_free (e->recall);
  g_free (e->f1);
  g_free (e->support);
  g_free (e);
}

JsonNode *
dlp_evaluation_to_metrics_json (const DlpEvaluation *e)
{
  JsonObject *o = json_object_new ();
  const struct {
    const char *name;
    double value;
  } scalars[] = {
    { "accuracy", e->accuracy },
    { "log_loss", e->log_loss },
    { "macro_precision", e->macro_precision },
    { "macro_recall", e->macro_recall },
    { "macro_f1", e->macro_f1 },
    { "weighted_precision", e->weighted_precision },
    { "weighted_recall", e->weighted_recall },
    { "weighted_f1", e->weighted_f1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (scalars); i++)
    json_object_set_double_member (o, scalars[i].name, scalars[i].value);
  json_object_set_int_member (o, "rows", e->n_rows);
  return dlp_json_node_new_object (o);
}

JsonNode *
dlp_evaluation_to_per_class_json (const DlpEvaluation *e, const char *const *class_names)
{
  JsonArray *a = json_array_sized_new (e->n_classes);
  for (guint c = 0; c < e->n_classes; c++)
    {
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "class", class_names[c]);
      json_object_set_double_member (o, "precision", e->precision[c]);
      json_object_set_double_member (o, "recall", e->recall[c]);
      json_object_set_double_member (o, "f1", e->f1[c]);
      json_object_set_int_member (o, "support", e->support[c]);
      json_array_add_object_element (a, o);
    }
  return dlp_json_node_new_array (a);
}
