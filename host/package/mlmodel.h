/* mlmodel.h: the MLflow MLmodel file of a model package, so that MLflow
 * shows the model with its input signature and `mlflow models` tools
 * recognise the folder. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

/**
 * DlpMlmodel:
 * @run_id: the tracking run, or NULL
 * @artifact_path: where the run keeps the package ("model"), or NULL
 * @flavor: the dlpipe flavor's fields (format, architecture and weights
 *   file names...), or NULL
 * @signature_inputs: the input schema as JSON text, or NULL
 * @signature_outputs: the output schema as JSON text, or NULL
 * @model_size_bytes: the package's size, or -1
 */
typedef struct {
  const char *run_id;
  const char *artifact_path;
  JsonObject *flavor;
  const char *signature_inputs;
  const char *signature_outputs;
  gint64 model_size_bytes;
} DlpMlmodel;

/* The python_function flavor: the module of the Python binding
 * (python/dlpipe) that loads a package, and the environment file naming
 * it, beside the MLmodel. */
#define DLP_MLMODEL_LOADER_MODULE "dlpipe.pyfunc"
#define DLP_MLMODEL_PYTHON_ENV "python_env.yaml"
#define DLP_MLMODEL_REQUIREMENTS "requirements.txt"
/* Debian 12's, which the binding is tested with; it needs only ctypes
 * (Python 3.9 or later). */
#define DLP_MLMODEL_PYTHON_VERSION "3.11"

/* Writes the environment files of the python_function flavor into @dir:
 * python_env.yaml and the requirements it names (the dlpipe binding of
 * this version, numpy and pandas). */
gboolean dlp_mlmodel_write_python_env (const char *dir, GError **error);

/* MLflow's tensor schema: [{"type": "tensor", "tensor-spec": {"dtype":
 * DTYPE, "shape": [-1, DIMS...]}}], the batch dimension being variable. */
char *dlp_mlmodel_tensor_schema (const char *dtype, guint rank, const gint64 *dims);

/* Writes @path (normally MODEL_DIR/MLmodel) atomically, with a fresh
 * model_uuid and utc_time_created. */
gboolean dlp_mlmodel_write (const char *path, const DlpMlmodel *mlmodel, GError **error);

G_END_DECLS
