/* predictor.c: loading a model package (models/final) to score with it.
 *
 * The manifest is read as a config tree, so that every complaint about it
 * names dlpipe.json, the line and the key. Loading ends with one made-up
 * row sent through the preprocessing: a package whose steps do not give
 * the model's rows fails here, at start-up, not on the first request. */
#include <string.h>
#include "predict-private.h"
#include "../sdk-private.h"

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
  DLP_PARAM_INT ("abi_version", "The SDK ABI of the dlpipe that wrote it", NULL, 1, G_MAXINT32),
  DLP_PARAM_INT ("api_level", "The SDK API level of the dlpipe that wrote it", NULL, 1, G_MAXINT32),
  DLP_PARAM_STRING ("build_signature", "The build signature of that dlpipe", NULL),
  DLP_PARAM_LIST ("plugins", "The plugin types scoring needs", "[]"),
  DLP_PARAM_END,
};

static const DlpParamSpec plugin_params[] = {
  DLP_PARAM_REQUIRED ("kind", DLP_PARAM_STRING, "The kind of type (layer, transform)"),
  DLP_PARAM_REQUIRED ("type", DLP_PARAM_STRING, "The type's name"),
  DLP_PARAM_STRING ("plugin", "The plugin that provided it", NULL),
  DLP_PARAM_STRING ("version", "That plugin's version", NULL),
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
input_clear (DlpInputSlot *slot)
{
  g_free ((char *) slot->info.name);
  g_strfreev ((GStrv) slot->info.categories);
  g_clear_pointer (&slot->codes, g_hash_table_unref);
}

static void
predictor_free (DlpPredictor *predictor)
{
  for (guint i = 0; i < predictor->n_inputs; i++)
    input_clear (&predictor->inputs[i]);
  g_free (predictor->inputs);
  g_strfreev (predictor->classes);
  g_clear_pointer (&predictor->graph, dlp_graph_free);
  g_clear_pointer (&predictor->manifest, dlp_config_unref);
  g_clear_pointer (&predictor->registry, dlp_registry_unref);
  if (predictor->idle_sessions)
    {
      DlpPredictorSession *session;
      while ((session = g_async_queue_try_pop (predictor->idle_sessions)))
        dlp_predictor_session_free (session);
      g_async_queue_unref (predictor->idle_sessions);
    }
  g_free (predictor->dir);
  g_free (predictor);
}

DlpPredictor *
dlp_predictor_ref (DlpPredictor *predictor)
{
  g_atomic_int_inc (&predictor->ref_count);
  return predictor;
}

void
dlp_predictor_unref (DlpPredictor *predictor)
{
  if (predictor && g_atomic_int_dec_and_test (&predictor->ref_count))
    predictor_free (predictor);
}

static gboolean
read_input (DlpConfig *view, DlpInputSlot *slot, GError **error)
{
  DlpPredictorInput *input = &slot->info;
  g_autofree char *dtype = NULL, *name = NULL;
  g_auto (GStrv) categories = NULL;
  g_autoptr (GArray) shape = NULL;
  if (!dlp_config_validate (view, input_params, NULL, error)
      || !dlp_config_get_string (view, "name", &name, error)
      || !dlp_config_get_string (view, "dtype", &dtype, error)
      || !dlp_config_get_int_list (view, "shape", &shape, error)
      || !dlp_config_get_strv (view, "categories", &categories, error))
    return FALSE;
  input->name = g_steal_pointer (&name);
  input->categories = (const char *const *) g_steal_pointer (&categories);
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
  input->n_categories = g_strv_length ((GStrv) input->categories);
  slot->codes = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint c = 0; c < input->n_categories; c++)
    g_hash_table_insert (slot->codes, (gpointer) input->categories[c], GINT_TO_POINTER (c + 1));
  return TRUE;
}

static gboolean
read_inputs (DlpPredictor *predictor, GError **error)
{
  g_autoptr (GPtrArray) views = dlp_config_get_list (predictor->manifest, "inputs", error);
  if (views == NULL)
    return FALSE;
  if (views->len == 0)
    {
      dlp_config_set_error (predictor->manifest, "inputs", error, "the package has no inputs");
      return FALSE;
    }
  predictor->inputs = g_new0 (DlpInputSlot, views->len);
  predictor->n_inputs = views->len;
  for (guint i = 0; i < views->len; i++)
    {
      DlpConfig *view = g_ptr_array_index (views, i);
      if (!read_input (view, &predictor->inputs[i], error))
        return FALSE;
      for (guint j = 0; j < i; j++)
        if (strcmp (predictor->inputs[j].info.name, predictor->inputs[i].info.name) == 0)
          {
            dlp_config_set_error (view, "name", error, "input '%s' is listed twice",
                                  predictor->inputs[i].info.name);
            return FALSE;
          }
    }
  return TRUE;
}

/* "; refused: FILE: why; ..." for the plugin files the registry refused
 * (of another ABI, say), which may be why a type is missing. */
static void
append_refusals (GString *s, DlpRegistry *registry)
{
  GPtrArray *failures = dlp_registry_get_failures (registry);
  const guint shown = 3;
  for (guint i = 0; i < failures->len && i < shown; i++)
    g_string_append_printf (
      s, "%s%s", i ? "; " : "; refused: ", ((GError *) g_ptr_array_index (failures, i))->message);
  if (failures->len > shown)
    g_string_append_printf (s, " and %u more", failures->len - shown);
}

/* Every plugin type the manifest lists is in the registry: a missing one
 * is named with the plugin and version that provided it. */
static gboolean
check_plugins (DlpPredictor *predictor, GError **error)
{
  g_autoptr (GPtrArray) views = dlp_config_get_list (predictor->manifest, "plugins", error);
  if (views == NULL)
    return FALSE;
  for (guint i = 0; i < views->len; i++)
    {
      DlpConfig *view = g_ptr_array_index (views, i);
      g_autofree char *kind_name = NULL, *type = NULL, *plugin = NULL, *version = NULL;
      DlpKind kind;
      if (!dlp_config_validate (view, plugin_params, NULL, error)
          || !dlp_config_get_string (view, "kind", &kind_name, error)
          || !dlp_config_get_string (view, "type", &type, error)
          || !dlp_config_get_string (view, "plugin", &plugin, error)
          || !dlp_config_get_string (view, "version", &version, error))
        return FALSE;
      if (!dlp_kind_from_name (kind_name, &kind))
        {
          dlp_config_set_error (view, "kind", error, "'%s' is not a kind of plugin type",
                                kind_name);
          return FALSE;
        }
      if (dlp_registry_lookup_entry (predictor->registry, kind, type) != NULL)
        continue;
      g_autoptr (GString) msg = g_string_new (NULL);
      g_string_append_printf (msg, "the model needs the %s type '%s'", kind_name, type);
      if (plugin)
        g_string_append_printf (msg, " of plugin '%s'%s%s", plugin, version ? " " : "",
                                version ? version : "");
      g_string_append (msg, ", which no loaded plugin provides (install it, or name its folder "
                            "in DLPIPE_PLUGIN_PATH)");
      append_refusals (msg, predictor->registry);
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "%s: %s", predictor->dir, msg->str);
      return FALSE;
    }
  return TRUE;
}

DlpPrecision
dlp_precision_for_scoring (const char *name, const char *where)
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
dlp_predictor_set_precision (DlpPredictor *predictor, const char *name, GError **error)
{
  DlpPrecision precision;
  if (!dlp_precision_resolve (name, &precision, error))
    {
      g_prefix_error (error, "--precision %s: ", name);
      return FALSE;
    }
  dlp_graph_set_precision (predictor->graph, precision);
  return TRUE;
}

static gboolean
read_precision (DlpPredictor *predictor, GError **error)
{
  g_autofree char *name = NULL;
  if (!dlp_config_get_string (predictor->manifest, "precision", &name, error))
    return FALSE;
  dlp_graph_set_precision (predictor->graph, dlp_precision_for_scoring (name, predictor->dir));
  return TRUE;
}

static gboolean
read_model (DlpPredictor *predictor, GError **error)
{
  g_autofree char *arch = NULL, *weights = NULL;
  if (!dlp_config_get_string (predictor->manifest, "architecture", &arch, error)
      || !dlp_config_get_string (predictor->manifest, "weights", &weights, error))
    return FALSE;
  g_autofree char *arch_path = g_build_filename (predictor->dir, arch, NULL);
  g_autofree char *weights_path = g_build_filename (predictor->dir, weights, NULL);
  predictor->graph = dlp_graph_load (predictor->registry, arch_path, error);
  if (predictor->graph == NULL || !dlp_graph_load_weights (predictor->graph, weights_path, error)
      || !read_precision (predictor, error))
    return FALSE;

  if (!dlp_config_get_strv (predictor->manifest, "classes", &predictor->classes, error))
    return FALSE;
  predictor->n_classes = g_strv_length (predictor->classes);
  if ((gint64) predictor->n_classes != dlp_graph_get_output_size (predictor->graph))
    {
      dlp_config_set_error (predictor->manifest, "classes", error,
                            "%u class names, but the model in %s has %" G_GINT64_FORMAT " outputs",
                            predictor->n_classes, arch_path,
                            dlp_graph_get_output_size (predictor->graph));
      return FALSE;
    }
  return TRUE;
}

/* One row of zeros (the first category of categorical inputs). */
static DlpDataset *
probe_row (const DlpPredictor *predictor)
{
  DlpDataset *ds = dlp_dataset_new (1);
  for (guint i = 0; i < predictor->n_inputs; i++)
    {
      const DlpPredictorInput *in = &predictor->inputs[i].info;
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
check_pipeline (DlpPredictor *predictor, GError **error)
{
  g_autoptr (DlpPreprocessor) pre = dlp_preprocessor_new (predictor, error);
  if (pre == NULL)
    return FALSE;
  g_autoptr (DlpDataset) raw = probe_row (predictor);
  g_autoptr (DlpDataset) processed = dlp_preprocessor_apply (pre, raw, error);
  if (processed == NULL)
    return FALSE;
  gint64 size = dlp_graph_get_input_size (predictor->graph);
  g_autofree float *row = g_new0 (float, size + 1);
  g_autoptr (GError) local = NULL;
  if (dlp_gather_features (processed, size, 0, row, &local)
      /* Zeros may well be out of a step's domain: only the layout counts. */
      || g_error_matches (local, DLP_ERROR, DLP_ERROR_FORMAT))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* The plugins of DLPIPE_PLUGIN_PATH's folders and of the installed
 * plugins folder, for a program that brings no registry of its own. */
static DlpRegistry *
default_registry (void)
{
  DlpRegistry *registry = dlp_registry_new ();
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  const char *path = g_getenv ("DLPIPE_PLUGIN_PATH");
  g_auto (GStrv) parts = g_strsplit (path ? path : "", G_SEARCHPATH_SEPARATOR_S, -1);
  for (guint i = 0; parts[i]; i++)
    if (*parts[i])
      g_strv_builder_add (b, parts[i]);
  g_strv_builder_add (b, DLP_PLUGINS_DIR);
  g_auto (GStrv) dirs = g_strv_builder_end (b);
  dlp_registry_load_dirs (registry, (const char *const *) dirs, FALSE);
  GPtrArray *failures = dlp_registry_get_failures (registry);
  for (guint i = 0; i < failures->len; i++)
    g_warning ("plugin refused: %s", ((GError *) g_ptr_array_index (failures, i))->message);
  return registry;
}

DlpPredictor *
dlp_predictor_new (DlpRegistry *registry, const char *dir, GError **error)
{
  g_autoptr (DlpPredictor) predictor = g_new0 (DlpPredictor, 1);
  predictor->ref_count = 1;
  predictor->n_threads = 1;
  predictor->idle_sessions = g_async_queue_new ();
  predictor->dir = g_strdup (dir);
  predictor->registry = registry ? dlp_registry_ref (registry) : default_registry ();
  g_autofree char *manifest_path = g_build_filename (dir, DLP_PACKAGE_MANIFEST, NULL);
  if (!g_file_test (manifest_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND,
                   "%s is not a model package: it has no %s (model_test writes the "
                   "package to models/final)",
                   dir, DLP_PACKAGE_MANIFEST);
      return NULL;
    }
  predictor->manifest = dlp_config_load (manifest_path, error);
  if (predictor->manifest == NULL
      || !dlp_config_validate (predictor->manifest, manifest_params, NULL, error))
    return NULL;
  g_autofree char *format = NULL;
  if (!dlp_config_get_string (predictor->manifest, "format", &format, error))
    return NULL;
  if (strcmp (format, DLP_PACKAGE_FORMAT) != 0)
    {
      dlp_config_set_error (predictor->manifest, "format", error,
                            "'%s' is not a format this "
                            "dlpipe reads (%s)",
                            format, DLP_PACKAGE_FORMAT);
      return NULL;
    }
  if (!check_plugins (predictor, error) || !read_inputs (predictor, error)
      || !read_model (predictor, error) || !check_pipeline (predictor, error))
    return NULL;
  return g_steal_pointer (&predictor);
}

const char *
dlp_predictor_get_dir (const DlpPredictor *predictor)
{
  return predictor->dir;
}

guint
dlp_predictor_get_n_inputs (const DlpPredictor *predictor)
{
  return predictor->n_inputs;
}

const DlpPredictorInput *
dlp_predictor_get_input (const DlpPredictor *predictor, guint input)
{
  g_return_val_if_fail (input < predictor->n_inputs, NULL);
  return &predictor->inputs[input].info;
}

int
dlp_predictor_find_input (const DlpPredictor *predictor, const char *name)
{
  for (guint i = 0; i < predictor->n_inputs; i++)
    if (strcmp (predictor->inputs[i].info.name, name) == 0)
      return (int) i;
  return -1;
}

gint32
dlp_predictor_input_code (const DlpPredictor *predictor, guint input, const char *name)
{
  GHashTable *codes = predictor->inputs[input].codes;
  if (codes == NULL)
    return -1;
  return GPOINTER_TO_INT (g_hash_table_lookup (codes, name)) - 1;
}

char *
dlp_predictor_list_categories (const DlpPredictor *predictor, guint input)
{
  const DlpPredictorInput *in = &predictor->inputs[input].info;
  const guint shown = 20;
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint c = 0; c < in->n_categories && c < shown; c++)
    g_string_append_printf (s, "%s%s", c ? ", " : "", in->categories[c]);
  if (in->n_categories > shown)
    g_string_append_printf (s, " and %u more", in->n_categories - shown);
  return g_strdup (s->str);
}

char *
dlp_predictor_list_inputs (const DlpPredictor *predictor)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < predictor->n_inputs; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", predictor->inputs[i].info.name);
  return g_strdup (s->str);
}

guint
dlp_predictor_get_n_classes (const DlpPredictor *predictor)
{
  return predictor->n_classes;
}

const char *
dlp_predictor_get_class_name (const DlpPredictor *predictor, guint index)
{
  g_return_val_if_fail (index < predictor->n_classes, NULL);
  return predictor->classes[index];
}

DlpPrecision
dlp_predictor_get_precision (const DlpPredictor *predictor)
{
  return dlp_graph_get_precision (predictor->graph);
}

void
dlp_predictor_set_n_threads (DlpPredictor *predictor, guint n_threads)
{
  predictor->n_threads = MAX (n_threads, 1);
}

gboolean
dlp_predictor_is_preprocessed (const DlpPredictor *predictor, DlpDataset *dataset)
{
  JsonNode *theirs = json_object_get_member (dlp_dataset_get_metadata (dataset), "preprocessing");
  JsonNode *ours = dlp_config_lookup (predictor->manifest, "preprocessing");
  if (theirs == NULL || !JSON_NODE_HOLDS_ARRAY (theirs) || ours == NULL)
    return FALSE;
  return json_node_equal (theirs, ours);
}
