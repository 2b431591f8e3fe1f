/* train-settings.h: the train section of params.yaml. */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include "trainer.h"

G_BEGIN_DECLS

typedef struct {
  DlpTrainOptions options;
  char *monitor;
  guint threads;           /* worker threads */
  gboolean split_batch;    /* threads split the batch (else OpenBLAS's) */
  double label_smoothing;
  char *class_weights;     /* "balanced", or NULL */
  GArray *class_weight_values;  /* explicit weights (double), or NULL */
} DlpTrainSettings;

extern const DlpParamSpec dlp_train_params[];

/* Validates and reads @section (train); the optimizer, lr_schedule,
 * early_stopping and loss subsections are read by their users. */
gboolean dlp_train_settings_load (DlpTrainSettings *settings,
                                  DlpConfig *section, GError **error);
void dlp_train_settings_clear (DlpTrainSettings *settings);

/* Class weights for the loss: explicit, "balanced" (n / (classes * count)
 * from the training labels, as scikit-learn computes them) or NULL. */
float *dlp_train_settings_class_weights (DlpTrainSettings *settings,
                                         const gint32 *labels, gint64 n_rows,
                                         guint n_classes, DlpConfig *section,
                                         GError **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DlpTrainSettings, dlp_train_settings_clear)

G_END_DECLS
