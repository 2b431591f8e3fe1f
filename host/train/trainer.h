/* trainer.h: the training loop.
 *
 * Epochs of seeded, shuffled mini-batches through dlp_graph_train_batch,
 * an optimizer step per batch, validation after each epoch, a learning
 * rate schedule, early stopping and gradient clipping. After every epoch,
 * and when the run is cancelled mid-epoch, the trainer writes a
 * checkpoint; resuming from it continues with the same batches and random
 * numbers, so an interrupted run ends with the same weights as an
 * uninterrupted one. */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include "train-settings.h"
#include "training-data.h"
#include "../collective/collective.h"

G_BEGIN_DECLS

typedef struct {
  gint64 epoch; /* 1-based */
  double loss;
  double accuracy;
  double val_loss; /* NaN without validation data */
  double val_accuracy;
  double learning_rate;
  double samples_per_second;
  double seconds;
  double allreduce_seconds; /* summing gradients over the ranks; NaN alone */
} DlpEpochResult;

typedef struct {
  gpointer user_data;
  /* After each batch; @stats sums the epoch so far. */
  void (*on_batch) (gpointer user_data, gint64 epoch, gint64 batch, gint64 n_batches,
                    const DlpBatchStats *stats, double samples_per_second);
  /* After each epoch and its checkpoint. */
  gboolean (*on_epoch) (gpointer user_data, const DlpEpochResult *result, GError **error);
} DlpTrainHooks;

typedef struct _DlpTrainer DlpTrainer;

/* A trainer of @graph, initialised (or loaded), which stays the caller's;
 * @settings is not kept. The trainer creates the optimizer and the
 * schedule @settings name and decides how threads share a step: they
 * split the batch in the graph, or work inside OpenBLAS, never both (the
 * BLAS thread count is the process's). It prepares @graph for the batch
 * size and its threads, and tells @context (may be NULL) the thread
 * count, for plugins. */
DlpTrainer *dlp_trainer_new (DlpGraph *graph, const DlpTrainSettings *settings, DlpContext *context,
                             GError **error);
void dlp_trainer_free (DlpTrainer *trainer);

/* Trains data-parallel with the ranks of @collective (borrowed; NULL or
 * one rank: alone): each takes its rows of every global batch, their
 * gradients are summed before every step, and they start from rank 0's
 * weights, optimizer state and position (which only rank 0 resumes).
 * Every rank then holds the same model; only rank 0 should checkpoint. */
void dlp_trainer_set_collective (DlpTrainer *trainer, DlpCollective *collective);

/* Restores weights, optimizer state and position from a checkpoint folder;
 * FALSE with DLP_ERROR_NOT_FOUND when there is none. */
gboolean dlp_trainer_resume (DlpTrainer *trainer, const char *checkpoint_dir, GError **error);
/* Trains until the last epoch or early stopping. @val may be NULL. A
 * cancelled run (SIGINT) finishes its step, checkpoints and returns
 * DLP_ERROR_CANCELLED; a NaN or infinite loss is an error naming the
 * epoch and the step. */
gboolean dlp_trainer_fit (DlpTrainer *trainer, const DlpTrainingData *train,
                          const DlpTrainingData *val, DlpContext *context,
                          const char *checkpoint_dir, const DlpTrainHooks *hooks, GError **error);

/* {"epoch", "loss", ...}: metrics without a value (no validation) null. */
JsonNode *dlp_epoch_result_to_json (const DlpEpochResult *result);

/* Epoch results so far, an array of DlpEpochResult (borrowed). */
GArray *dlp_trainer_get_history (DlpTrainer *trainer);
/* The epoch (1-based) whose weights the graph holds at the end. */
gint64 dlp_trainer_get_final_epoch (DlpTrainer *trainer);
/* The optimizer's state and step count as safetensors. */
gboolean dlp_trainer_save_optimizer (DlpTrainer *trainer, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpTrainer, dlp_trainer_free)

G_END_DECLS
