/* package-read.c: loading models/final for serving and prediction.
 *
 * The manifest is read as a config tree, so that every complaint about it
 * names dlpipe.json, the line and the key. Loading ends with one made-up
 * row sent through the preprocessing: a package whose steps do not give
 * the model's rows fails here, at start-up, not on the first request. */
#include <string.h>
#include "package.h"

static const DlpParamSpec manifest_params[] = {
  DLP_PARAM_REQUIRED ("format", DLP_PARAM_STRING, "The package format"),
  DLP_PARAM_STRING ("dlpipe_version", "The dlpipe that wrote it", NULL),
  DLP_PARAM_STRING ("architecture", "The architecture file", "model.json"),
  DLP_PARAM_STRING ("weights", "The weights file", "weights.safetensors"),
  DLP_PARAM_ENUM ("precision", "What the model was trained and is scored in", "fp32", "fp32|bf16"),
  DLP_PARAM_STRING ("kernels", "The kernel library it was trained on", NULL),
  DLP_PARAM_STRING ("kernels_isa", "The instruction set those kernels ran", NULL),
  DLP_PARAM_REQUIRED ("inputs", DLP_PARAM_LIST, "The raw input columns"),
  DLP_PARAM_LIST ("preprocessing", "The transform steps", "[]"),
  DLP_PARAM_REQUIRED ("classes", DLP_PARAM_LIST, "The class names"),
  DLP_PARAM_ANY ("test_metrics", "What model_test measured", NULL),
  DLP_PARAM_END,
};

static const DlpParamSpec input_params[] = {
  DLP_PARAM_REQUIRED ("name", DLP_PARAM_STRING, "The column"),
  DLP_PARAM_REQUIRED ("dtype", DLP_PARAM_STRING, "The element type"),
  DLP_PARAM_LIST ("shape", "The shape of one row", "[]"),
  DLP_PARAM_LIST ("categories", "The categories, if categorical", NULL),
  DLP_PARAM_END,
};

static void
input_clear (DlpPackageInput *input)
{
  g_free (input->name);
  g_strfreev (input->categories);
  g_clear_pointer (&input->codes, g_hash_table_unref);
}

void
dlp_package_free (DlpPackage *package)
{
  if (package == NULL)
    return;
  for (guint i = 0; i < package->n_inputs; i++)
    input_clear (&package->inputs[i]);
  g_free (package->inputs);
  g_strfreev (package->classes);
  g_clear_pointer (&package->graph, dlp_graph_free);
  g_clear_pointer (&package->manifest, dlp_config_unref);
  g_clear_pointer (&package->registry, dlp_registry_unref);
  g_free (package->dir);
  g_free (package);
}

static gboolean
read_input (DlpConfig *view, DlpPackageInput *input, GError **error)
{
  g_autofree char *dtype = NULL;
  g_autoptr (GArray) shape = NULL;
  if (!dlp_config_validate (view, input_params, NULL, error)
      || !dlp_config_get_string (view, "name", &input->name, error)
      || !dlp_config_get_string (view, "dtype", &dtype, error)
      || !dlp_config_get_int_list (view, "shape", &shape, error)
      || !dlp_config_get_strv (view, "categories", &input->categories, error))
    return FALSE;
  if (!dlp_dtype_from_name (dtype, &input->dtype))
    {
      dlp_config_set_error (view, "dtype", error,
                            "unknown element type '%s' (expected F32, "
                            "F64, I32, I64, U8 or BOOL)",
                            dtype);
      return FALSE;
    }
  if (shape->len >= DLP_TENSOR_MAX_RANK)
    {
      dlp_config_set_error (view, "shape", error, "at most %d dimensions per row",
                            DLP_TENSOR_MAX_RANK - 1);
      return FALSE;
    }
  input->rank = shape->len;
  input->n_values = 1;
  for (guint d = 0; d < shape->len; d++)
    {
      input->shape[d] = g_array_index (shape, gint64, d);
      if (input->shape[d] < 1 || input->shape[d] > G_MAXINT32
          || !g_size_checked_mul (&input->n_values, input->n_values, (gsize) input->shape[d]))
        {
          dlp_config_set_error (view, "shape", error,
                                "dimensions must be positive and small "
                                "enough to hold in memory");
          return FALSE;
        }
    }
  if (input->categories == NULL)
    return TRUE;
  if (input->dtype != DLP_DTYPE_I32 || input->rank != 0)
    {
      g_autofree char *shape_text = dlp_shape_to_string (input->rank, input->shape);
      dlp_config_set_error (view, "categories", error,
                            "a categorical input holds one I32 "
                            "code per row, not %s with shape %s",
                            dtype, shape_text);
      return FALSE;
    }
  input->n_categories = g_strv_length (input->categories);
  input->codes = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint c = 0; c < input->n_categories; c++)
    g_hash_table_insert (input->codes, input->categories[c], GINT_TO_POINTER (c + 1));
  return TRUE;
}

static gboolean
read_inputs (DlpPackage *package, GError **error)
{
  g_autoptr (GPtrArray) views = dlp_config_get_list (package->manifest, "inputs", error);
  if (views == NULL)
    return FALSE;
  if (views->len == 0)
    {
      dlp_config_set_error (package->manifest, "inputs", error, "the package has no inputs");
      return FALSE;
    }
  package->inputs = g_new0 (DlpPackageInput, views->len);
  package->n_inputs = views->len;
  for (guint i = 0; i < views->len; i++)
    {
      DlpConfig *view = g_ptr_array_index (views, i);
      if (!read_input (view, &package->inputs[i], error))
        return FALSE;
      for (guint j = 0; j < i; j++)
        if (strcmp (package->inputs[j].name, package->inputs[i].name) == 0)
          {
            dlp_config_set_error (view, "name", error, "input '%s' is listed twice",
                                  package->inputs[i].name);
            return FALSE;
          }
    }
  return TRUE;
}

DlpPrecision
dlp_scoring_precision (const char *name, const char *where)
{
  DlpPrecision precision = DLP_PRECISION_FP32;
  g_autoptr (GError) local = NULL;
  if (dlp_precision_from_name (name, &precision) && precision == DLP_PRECISION_BF16
      && !dlp_precision_resolve ("bf16", &precision, &local))
    {
      g_warning ("%s: the model was trained in bf16; scoring in fp32: %s", where, local->message);
      precision = DLP_PRECISION_FP32;
    }
  return precision;
}

gboolean
dlp_package_precision_name_valid (const char *name)
{
  return g_strcmp0 (name, "fp32") == 0 || g_strcmp0 (name, "bf16") == 0
         || g_strcmp0 (name, "auto") == 0;
}

gboolean
dlp_package_set_precision (DlpPackage *package, const char *name, GError **error)
{
  DlpPrecision precision;
  if (!dlp_precision_resolve (name, &precision, error))
    {
      g_prefix_error (error, "--precision %s: ", name);
      return FALSE;
    }
  dlp_graph_set_precision (package->graph, precision);
  return TRUE;
}

static gboolean
read_precision (DlpPackage *package, GError **error)
{
  g_autofree char *name = NULL;
  if (!dlp_config_get_string (package->manifest, "precision", &name, error))
    return FALSE;
  dlp_graph_set_precision (package->graph, dlp_scoring_precision (name, package->dir));
  return TRUE;
}

static gboolean
read_model (DlpPackage *package, GError **error)
{
  g_autofree char *arch = NULL, *weights = NULL;
  if (!dlp_config_get_string (package->manifest, "architecture", &arch, error)
      || !dlp_config_get_string (package->manifest, "weights", &weights, error))
    return FALSE;
  g_autofree char *arch_path = g_build_filename (package->dir, arch, NULL);
  g_autofree char *weights_path = g_build_filename (package->dir, weights, NULL);
  package->graph = dlp_graph_load (package->registry, arch_path, error);
  if (package->graph == NULL || !dlp_graph_load_weights (package->graph, weights_path, error)
      || !read_precision (package, error))
    return FALSE;

  if (!dlp_config_get_strv (package->manifest, "classes", &package->classes, error))
    return FALSE;
  package->n_classes = g_strv_length (package->classes);
  if ((gint64) package->n_classes != dlp_graph_get_output_size (package->graph))
    {
      dlp_config_set_error (package->manifest, "classes", error,
                            "%u class names, but the model in %s has %" G_GINT64_FORMAT " outputs",
                            package->n_classes, arch_path,
                            dlp_graph_get_output_size (package->graph));
      return FALSE;
    }
  return TRUE;
}

/* One row of zeros (the first category of categorical inputs). */
static DlpDataset *
probe_row (const DlpPackage *package)
{
  DlpDataset *ds = dlp_dataset_new (1);
  for (guint i = 0; i < package->n_inputs; i++)
    {
      const DlpPackageInput *in = &package->inputs[i];
      gint64 shape[DLP_TENSOR_MAX_RANK + 1] = { 1 };
      memcpy (shape + 1, in->shape, in->rank * sizeof (gint64));
      g_autoptr (DlpTensor) t = dlp_tensor_new (in->dtype, in->rank + 1, shape, NULL);
      if (in->categories)
        {
          ((gint32 *) dlp_tensor_get_data_mut (t))[0] = in->n_categories > 0 ? 0 : -1;
          dlp_dataset_add_categorical (ds, in->name, t, (const char *const *) in->categories,
                                       in->n_categories, DLP_COLUMN_FEATURE, NULL);
        }
      else
        dlp_dataset_add_column (ds, in->name, t, DLP_COLUMN_FEATURE, NULL);
    }
  return ds;
}

/* The preprocessing of a made-up row gives rows of the model's size. */
static gboolean
check_pipeline (DlpPackage *package, GError **error)
{
  g_autoptr (DlpPreprocessor) pre = dlp_preprocessor_new (package, error);
  if (pre == NULL)
    return FALSE;
  g_autoptr (DlpDataset) raw = probe_row (package);
  g_autoptr (DlpDataset) processed = dlp_preprocessor_apply (pre, raw, error);
  if (processed == NULL)
    return FALSE;
  gint64 size = dlp_graph_get_input_size (package->graph);
  g_autofree float *row = g_new0 (float, size + 1);
  g_autoptr (GError) local = NULL;
  if (dlp_package_gather_features (processed, size, 0, row, &local)
      /* Zeros may well be out of a step's domain: only the layout counts. */
      || g_error_matches (local, DLP_ERROR, DLP_ERROR_FORMAT))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

DlpPackage *
dlp_package_load (DlpRegistry *registry, const char *dir, GError **error)
{
  g_autoptr (DlpPackage) package = g_new0 (DlpPackage, 1);
  package->dir = g_strdup (dir);
  package->registry = dlp_registry_ref (registry);
  g_autofree char *manifest_path = g_build_filename (dir, DLP_PACKAGE_MANIFEST, NULL);
  if (!g_file_test (manifest_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND,
                   "%s is not a model package: it has no %s (model_test writes the "
                   "package to models/final)",
                   dir, DLP_PACKAGE_MANIFEST);
      return NULL;
    }
  package->manifest = dlp_config_load (manifest_path, error);
  if (package->manifest == NULL
      || !dlp_config_validate (package->manifest, manifest_params, NULL, error))
    return NULL;
  g_autofree char *format = NULL;
  if (!dlp_config_get_string (package->manifest, "format", &format, error))
    return NULL;
  if (strcmp (format, DLP_PACKAGE_FORMAT) != 0)
    {
      dlp_config_set_error (package->manifest, "format", error,
                            "'%s' is not a format this "
                            "dlpipe reads (%s)",
                            format, DLP_PACKAGE_FORMAT);
      return NULL;
    }
  if (!read_inputs (package, error) || !read_model (package, error)
      || !check_pipeline (package, error))
    return NULL;
  return g_steal_pointer (&package);
}

int
dlp_package_find_input (const DlpPackage *package, const char *name)
{
  for (guint i = 0; i < package->n_inputs; i++)
    if (strcmp (package->inputs[i].name, name) == 0)
      return (int) i;
  return -1;
}

gint32
dlp_package_input_code (const DlpPackageInput *input, const char *name)
{
  if (input->codes == NULL)
    return -1;
  return GPOINTER_TO_INT (g_hash_table_lookup (input->codes, name)) - 1;
}

char *
dlp_package_input_list_categories (const DlpPackageInput *input)
{
  const guint shown = 20;
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint c = 0; c < input->n_categories && c < shown; c++)
    g_string_append_printf (s, "%s%s", c ? ", " : "", input->categories[c]);
  if (input->n_categories > shown)
    g_string_append_printf (s, " and %u more", input->n_categories - shown);
  return g_strdup (s->str);
}

char *
dlp_package_list_inputs (const DlpPackage *package)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < package->n_inputs; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", package->inputs[i].name);
  return g_strdup (s->str);
}

gboolean
dlp_package_is_preprocessed (const DlpPackage *package, DlpDataset *dataset)
{
  JsonNode *theirs = json_object_get_member (dlp_dataset_get_metadata (dataset), "preprocessing");
  JsonNode *ours = dlp_config_lookup (package->manifest, "preprocessing");
  if (theirs == NULL || !JSON_NODE_HOLDS_ARRAY (theirs) || ours == NULL)
    return FALSE;
  return json_node_equal (theirs, ours);
}
