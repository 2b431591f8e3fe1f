/* predictions.h: scores written out, for the server's answers and for
 * `dlpipe predict`. The predicted class is the most probable one (the
 * first of equals), as model_test counts it. */
#pragma once

#include "../package/package.h"

G_BEGIN_DECLS

/* MLflow's answer for @n_rows rows of class probabilities:
 *   {"predictions": ["Bag", "Sneaker"]}
 * or, with @probabilities,
 *   {"predictions": [{"label": "Bag", "probabilities": {"T-shirt/top": 0.0012, ...}}]} */
void dlp_predictions_append_json (GString *out, DlpPredictor *predictor, const float *rows,
                                  gint64 n_rows, gboolean probabilities);

/* CSV as model_test's reports/predictions.csv lays it out, without the
 * actual class: "row,predicted,p_CLASS,...", rows numbered from
 * @first_row. */
void dlp_predictions_append_csv_header (GString *out, DlpPredictor *predictor);
void dlp_predictions_append_csv (GString *out, DlpPredictor *predictor, gint64 first_row,
                                 const float *rows, gint64 n_rows);

G_END_DECLS
