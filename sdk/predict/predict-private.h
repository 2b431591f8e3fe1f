/* predict-private.h: what the parts of the predictor share inside
 * libdlpipe (the interface is <dlpipe/host/dlp-predictor.h>). */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include <dlpipe/host/dlp-predictor.h>

G_BEGIN_DECLS

/* An input as loaded: the public description, and the codes of its
 * categories. */
typedef struct {
  DlpPredictorInput info; /* name and categories are owned here */
  GHashTable *codes;      /* category name -> code + 1 */
} DlpInputSlot;

struct _DlpPredictor {
  gint ref_count;
  char *dir;
  DlpRegistry *registry;
  DlpConfig *manifest; /* dlpipe.json, so that errors name its lines */
  DlpInputSlot *inputs;
  guint n_inputs;
  GStrv classes;
  guint n_classes;
  DlpGraph *graph;            /* with its weights; each session runs a copy */
  guint n_threads;            /* of each dlp_predictor_predict() call */
  GAsyncQueue *idle_sessions; /* those of dlp_predictor_predict() */
};

/* The code of category @name of input @input, or -1 if it has no such
 * category. */
gint32 dlp_predictor_input_code (const DlpPredictor *predictor, guint input, const char *name);
/* "Biscoe, Dream, Torgersen" (the first ones, for long lists). */
char *dlp_predictor_list_categories (const DlpPredictor *predictor, guint input);

/* --- the preprocessing (preprocessor.c) --- */

/* The package's steps, created from their settings with their fitted
 * state; steps marked training_only are left out. One per thread. */
typedef struct _DlpPreprocessor DlpPreprocessor;

DlpPreprocessor *dlp_preprocessor_new (const DlpPredictor *predictor, GError **error);
void dlp_preprocessor_free (DlpPreprocessor *preprocessor);
/* Applies the steps to @raw (columns named and typed as the package's
 * inputs) and returns the result as a new reference. */
DlpDataset *dlp_preprocessor_apply (DlpPreprocessor *preprocessor, DlpDataset *raw, GError **error);

/* --- model rows (features.c) --- */

/* Writes the rows the model reads from @processed into @out (n_rows x
 * @row_size floats): every feature column, flattened, in column order, as
 * float32 (what the trainer reads). A row size other than @row_size, a
 * categorical feature or a missing or infinite value is an error naming
 * the row (numbered from @row_base) and the column. */
gboolean dlp_gather_features (DlpDataset *processed, gint64 row_size, gint64 row_base, float *out,
                              GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpPreprocessor, dlp_preprocessor_free)

G_END_DECLS
