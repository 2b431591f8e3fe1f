/* train-settings.h: the train section of params.yaml, read once.
 *
 * dlp_train_settings_load reads the whole section: the loop's options,
 * the optimizer, the learning-rate schedule, early stopping, the loss,
 * the threads and what the run's fingerprint hashes. The settings are
 * handed on; nothing else reads the section. */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include "schedule.h"

G_BEGIN_DECLS

/* What the training loop does. */
typedef struct {
  gint64 epochs;
  gint64 batch_size;
  guint64 seed;
  gboolean shuffle;
  double clip_norm;    /* global L2 norm, 0: off */
  double clip_value;   /* 0: off */
  const char *monitor; /* early stopping: loss, accuracy, val_loss, val_accuracy */
  gint64 patience;     /* epochs without improvement; 0: no early stopping */
  double min_delta;
  gboolean restore_best;   /* end with the weights of the best epoch */
  const char *fingerprint; /* of everything that decides the run; checked on resume */
} DlpTrainOptions;

/* train.optimizer: its type and learning rate, and its settings for the
 * type's create, which reads them itself. */
typedef struct {
  const DlpOptimizerClass *klass;
  double learning_rate;
  DlpConfig *section;
} DlpOptimizerSettings;

/* train.distributed: how many ranks train data-parallel, over which
 * collective type, and how they are launched. */
typedef struct {
  gint64 ranks;                   /* 1: this process alone */
  const DlpTypeEntry *collective; /* NULL without the section */
  DlpConfig *section;             /* for the collective's create, and errors */
  GStrv hosts;                    /* mpirun --host; NULL: this machine */
  GStrv launcher_args;            /* more mpirun arguments */
} DlpDistributedSettings;

typedef struct {
  DlpTrainOptions options;
  DlpOptimizerSettings optimizer;
  DlpScheduleSettings schedule; /* train.lr_schedule */
  char *monitor;                /* what options.monitor points at */
  guint threads;                /* worker threads */
  gboolean split_batch;         /* threads split the batch (else OpenBLAS's) */
  double label_smoothing;
  char *class_weights;                /* "balanced", or NULL */
  GArray *class_weight_values;        /* explicit weights (double), or NULL */
  GPtrArray *leaves;                  /* the section's DlpConfigLeaf, for the fingerprint */
  DlpConfig *section;                 /* for errors only the data reveals */
  DlpPrecision precision;             /* train.precision, auto resolved */
  DlpDistributedSettings distributed; /* train.distributed */
} DlpTrainSettings;

extern const DlpParamSpec dlp_train_params[];
extern const DlpParamSpec dlp_schedule_params[];

/* Validates and reads @section (train; NULL: there is none, the
 * defaults), the optimizer type found in @registry. */
gboolean dlp_train_settings_load (DlpTrainSettings *settings, DlpConfig *section,
                                  DlpRegistry *registry, GError **error);
void dlp_train_settings_clear (DlpTrainSettings *settings);

/* Validates and reads @section (train.lr_schedule) into @schedule; a
 * min_lr above @base_lr is an error. */
gboolean dlp_schedule_settings_load (DlpScheduleSettings *schedule, DlpConfig *section,
                                     double base_lr, GError **error);

/* Class weights for the loss: explicit, "balanced" (n / (classes * count)
 * from the training labels, as scikit-learn computes them) or NULL. */
float *dlp_train_settings_class_weights (const DlpTrainSettings *settings, const gint32 *labels,
                                         gint64 n_rows, guint n_classes, GError **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DlpTrainSettings, dlp_train_settings_clear)

G_END_DECLS
