/* evaluation.h: classification metrics from predicted probabilities. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct {
  guint n_classes;
  gint64 n_rows;
  gint64 *confusion; /* [actual][predicted], n_classes^2 */
  double log_loss;   /* mean -log p[actual] */
  double accuracy;
  double *precision; /* per class; 0 when nothing was predicted as it */
  double *recall;
  double *f1;
  gint64 *support; /* rows per actual class */
  double macro_precision, macro_recall, macro_f1;
  double weighted_precision, weighted_recall, weighted_f1;
} DlpEvaluation;

/* From @n_rows rows of @n_classes probabilities and the true labels. The
 * predicted class is the most probable (the first on ties). */
DlpEvaluation *dlp_evaluation_new (const float *probabilities, const gint32 *labels, gint64 n_rows,
                                   guint n_classes);
void dlp_evaluation_free (DlpEvaluation *evaluation);

/* reports/metrics.json: the scalars (what `dvc metrics show` tabulates). */
JsonNode *dlp_evaluation_to_metrics_json (const DlpEvaluation *evaluation);
/* reports/per_class.json: one record per class, [{"class", "precision",
 * "recall", "f1", "support"}], a DVC plot (bar chart of f1 per class). */
JsonNode *dlp_evaluation_to_per_class_json (const DlpEvaluation *evaluation,
                                            const char *const *class_names);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpEvaluation, dlp_evaluation_free)

G_END_DECLS
