/* package.h: the model package in models/final, everything `dlpipe serve`
 * and `dlpipe predict` need to score raw inputs:
 *   model.json            the architecture
 *   weights.safetensors   the trained weights (PyTorch state-dict names)
 *   dlpipe.json           the manifest: the raw inputs it accepts (names,
 *                         types, shapes, categories), the preprocessing
 *                         steps with their fitted state, the class names,
 *                         the test metrics
 *   MLmodel               MLflow's description, with the input signature */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include <dlpipe/host/dlp-graph.h>

G_BEGIN_DECLS

#define DLP_PACKAGE_FORMAT "dlpipe-package-1"
#define DLP_PACKAGE_MANIFEST "dlpipe.json"

/* Writes the package into folder @dir: @graph's architecture and weights,
 * and from @test_data's metadata the input schema and preprocessing the
 * data stages recorded; @class_names label the outputs; @metrics (may be
 * NULL) are kept in the manifest; @run_id (may be NULL) goes to MLmodel. */
gboolean dlp_package_write (const char *dir, DlpGraph *graph, DlpDataset *test_data,
                            const char *const *class_names, JsonNode *metrics, const char *run_id,
                            GError **error);

/* --- reading a package (package-read.c) --- */

/* One raw input column the package accepts, as the data stages recorded
 * it: scoring builds a dataset of these columns from a request. */
typedef struct {
  char *name;
  DlpDtype dtype; /* of the values; categorical inputs hold I32 codes */
  guint rank;     /* of one row: 0 for a scalar, 2 for a 28x28 image */
  gint64 shape[DLP_TENSOR_MAX_RANK];
  gsize n_values;   /* per row: the product of shape */
  GStrv categories; /* NULL for a numeric input */
  guint n_categories;
  GHashTable *codes; /* category name -> code + 1 */
} DlpPackageInput;

/* A loaded package. Read-only once loaded, so threads may share it. */
typedef struct {
  char *dir;
  DlpRegistry *registry;
  DlpConfig *manifest; /* dlpipe.json, so that errors name its lines */
  DlpPackageInput *inputs;
  guint n_inputs;
  GStrv classes;
  guint n_classes;
  DlpGraph *graph; /* with its weights; each thread runs a copy */
} DlpPackage;

/* Reads and checks the package in @dir: the manifest, the architecture,
 * the weights, and that the preprocessing turns the inputs into rows the
 * model takes and its outputs are the classes. Errors name the file and,
 * in the manifest, the line and key. */
DlpPackage *dlp_package_load (DlpRegistry *registry, const char *dir, GError **error);
void dlp_package_free (DlpPackage *package);

/* The precision to score a model trained in @name ("fp32", "bf16"; NULL
 * for fp32) in: fp32, with a warning naming @where, where this CPU has
 * no bf16. */
DlpPrecision dlp_scoring_precision (const char *name, const char *where);

/* Scores in @name ("fp32", "bf16" or "auto") instead of the package's
 * precision. Asked for explicitly, bf16 where the CPU or the build cannot
 * compute it is an error, not a fallback. */
gboolean dlp_package_set_precision (DlpPackage *package, const char *name, GError **error);
/* TRUE if @name is one that dlp_package_set_precision() takes. */
gboolean dlp_package_precision_name_valid (const char *name);

/* Index of the input called @name, or -1. */
int dlp_package_find_input (const DlpPackage *package, const char *name);
/* The code of category @name of @input, or -1 if it has no such category. */
gint32 dlp_package_input_code (const DlpPackageInput *input, const char *name);
/* "Biscoe, Dream, Torgersen" (the first ones, for long lists). */
char *dlp_package_input_list_categories (const DlpPackageInput *input);
/* "island, bill_length_mm, ..." */
char *dlp_package_list_inputs (const DlpPackage *package);
/* TRUE if @dataset went through this package's preprocessing already (a
 * split written by data_split): its features are the model's rows. */
gboolean dlp_package_is_preprocessed (const DlpPackage *package, DlpDataset *dataset);

/* --- the preprocessing (preprocessor.c) --- */

/* The package's steps, created from their settings with their fitted
 * state; steps marked training_only are left out. One per thread. */
typedef struct _DlpPreprocessor DlpPreprocessor;

DlpPreprocessor *dlp_preprocessor_new (const DlpPackage *package, GError **error);
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
gboolean dlp_package_gather_features (DlpDataset *processed, gint64 row_size, gint64 row_base,
                                      float *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpPackage, dlp_package_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpPreprocessor, dlp_preprocessor_free)

G_END_DECLS
