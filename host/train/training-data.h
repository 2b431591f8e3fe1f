/* training-data.h: a dataset as the rows a model trains on.
 *
 * The features of a row are all feature columns, each flattened, in
 * column order; the label is the label column's class code. A single
 * float32 feature column (images after normalisation) is used in place,
 * from the mapped file, without a copy. */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include <dlpipe/host/dlp-graph.h>

G_BEGIN_DECLS

typedef struct {
  gint64 n_rows;
  gint64 row_size;       /* floats per row */
  const float *features; /* [n_rows, row_size] */
  const gint32 *labels;  /* [n_rows], each in [0, n_classes) */
  guint n_classes;
  GStrv class_names;
  char *layout; /* "'image' [28, 28, 1]" for messages */
  char *what;   /* the file, for messages */

  /* what the pointers above point into */
  DlpDataset *dataset;
  float *owned_features;
} DlpTrainingData;

/* Checks and gathers @dataset's rows; @what names it in errors (the file).
 * Categorical feature columns must be encoded first, and no feature or
 * label may be missing. */
DlpTrainingData *dlp_training_data_new (DlpDataset *dataset, const char *what, GError **error);
DlpTrainingData *dlp_training_data_load (const char *path, GError **error);
/* Checks that rows fit @graph's input and classes its outputs; errors
 * name both shapes and @model_dir. */
gboolean dlp_training_data_check_model (const DlpTrainingData *data, DlpGraph *graph,
                                        const char *model_dir, GError **error);
void dlp_training_data_free (DlpTrainingData *data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpTrainingData, dlp_training_data_free)

G_END_DECLS
