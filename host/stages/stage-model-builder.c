/* stage-model-builder.c: the model_builder stage.
 *
 * Reads the model section of params.yaml, asks the model type for its
 * architecture, builds the graph (shape inference checks every layer),
 * initialises the weights from model.seed and writes models/built/
 * model.json and weights.safetensors, both or neither. */
#include "stages.h"
#include "output-dir.h"
#include "paths.h"

static const DlpParamSpec model_section_params[] = {
  DLP_PARAM_REQUIRED ("type", DLP_PARAM_STRING, "The model type (mlp, cnn, lstm, json...)"),
  DLP_PARAM_REQUIRED ("input_shape", DLP_PARAM_LIST, "Shape of one sample, such as [28, 28, 1]"),
  DLP_PARAM_REQUIRED_INT ("num_classes", "Number of classes", 2, G_MAXINT32),
  DLP_PARAM_INT_UNBOUNDED ("seed", "Seed of the initial weights", "42"),
  DLP_PARAM_STRING ("name", "Name of the model (default: the type)", NULL),
  DLP_PARAM_END,
};

/* The section may hold a settings subsection for every model type. */
static GStrv
model_type_names (DlpRegistry *registry)
{
  g_autoptr (GPtrArray) types = dlp_registry_list_types (registry, DLP_KIND_MODEL);
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();
  for (guint i = 0; i < types->len; i++)
    g_strv_builder_add (names, dlp_type_entry_get_name (g_ptr_array_index (types, i)));
  return g_strv_builder_end (names);
}

static gboolean
read_spec (DlpConfig *section, const char *type, DlpModelSpec *spec, char **name_out,
           guint64 *seed_out, GError **error)
{
  g_autoptr (GArray) shape = NULL;
  gint64 seed = 42;
  *spec = (DlpModelSpec){ .struct_size = sizeof (DlpModelSpec) };
  *name_out = g_strdup (type);
  if (!dlp_config_get_int_list (section, "input_shape", &shape, error)
      || !dlp_config_get_int (section, "num_classes", &spec->num_classes, error)
      || !dlp_config_get_int (section, "seed", &seed, error)
      || !dlp_config_get_string (section, "name", name_out, error))
    return FALSE;
  if (shape->len == 0 || shape->len > DLP_TENSOR_MAX_RANK)
    {
      dlp_config_set_error (section, "input_shape", error,
                            "expected 1 to %d dimensions, such as [28, 28, 1]",
                            DLP_TENSOR_MAX_RANK);
      return FALSE;
    }
  for (guint i = 0; i < shape->len; i++)
    {
      spec->input_shape[i] = g_array_index (shape, gint64, i);
      if (spec->input_shape[i] < 1)
        {
          dlp_config_set_error (section, "input_shape", error, "dimensions must be at least 1");
          return FALSE;
        }
    }
  spec->input_rank = shape->len;
  *seed_out = (guint64) seed;
  return TRUE;
}

/* The type's settings: model.TYPE, or an empty mapping when absent. */
static DlpConfig *
type_settings (DlpConfig *section, const DlpTypeEntry *entry, GError **error)
{
  const char *type = dlp_type_entry_get_name (entry);
  g_autoptr (DlpConfig) settings = dlp_config_get_section (section, type, TRUE, error);
  if (settings == NULL)
    {
      if (error && *error)
        return NULL;
      for (const DlpParamSpec *p = dlp_type_entry_get_params (entry); p && p->name; p++)
        if (p->required)
          {
            dlp_config_set_error (section, "type", error,
                                  "model type '%s' needs a section '%s:' with '%s'", type, type,
                                  p->name);
            return NULL;
          }
      settings = dlp_config_parse (dlp_config_get_file (section), "{}", -1, error);
      if (settings == NULL)
        return NULL;
    }
  if (!dlp_config_validate (settings, dlp_type_entry_get_params (entry), NULL, error))
    return NULL;
  return g_steal_pointer (&settings);
}

static gboolean
check_output (DlpGraph *graph, const DlpModelSpec *spec, DlpConfig *section, GError **error)
{
  guint rank = dlp_graph_get_output_rank (graph);
  const gint64 *shape = dlp_graph_get_output_shape (graph);
  if (rank == 1 && shape[0] == spec->num_classes)
    return TRUE;
  g_autofree char *got = dlp_shape_to_string (rank, shape);
  dlp_config_set_error (section, "num_classes", error,
                        "the model's output has shape %s, expected [%" G_GINT64_FORMAT "]", got,
                        spec->num_classes);
  return FALSE;
}

static gboolean
write_model (DlpGraph *graph, GError **error)
{
  g_autoptr (DlpOutputDir) built = dlp_output_dir_new (DLP_PATH_BUILT, error);
  if (built == NULL)
    return FALSE;
  g_autofree char *arch = dlp_output_dir_file (built, "model.json");
  g_autofree char *weights = dlp_output_dir_file (built, "weights.safetensors");
  return dlp_graph_save_architecture (graph, arch, error)
         && dlp_graph_save_weights (graph, weights, error) && dlp_output_dir_commit (built, error);
}

gboolean
dlp_stage_model_builder (DlpStageRun *run, GError **error)
{
  g_autoptr (DlpConfig) section = dlp_stage_get_section (run, "model", FALSE, error);
  if (section == NULL)
    return FALSE;
  g_auto (GStrv) type_names = model_type_names (run->registry);
  if (!dlp_config_validate (section, model_section_params, (const char *const *) type_names, error))
    return FALSE;
  g_autofree char *type = NULL;
  if (!dlp_config_get_string (section, "type", &type, error))
    return FALSE;
  g_autoptr (GError) local = NULL;
  const DlpTypeEntry *entry = dlp_registry_get_entry (run->registry, DLP_KIND_MODEL, type, &local);
  if (entry == NULL)
    {
      dlp_config_set_error (section, "type", error, "%s", local->message);
      return FALSE;
    }
  DlpModelSpec spec;
  g_autofree char *name = NULL;
  guint64 seed = 0;
  g_autoptr (DlpConfig) settings = NULL;
  if (!read_spec (section, type, &spec, &name, &seed, error)
      || !(settings = type_settings (section, entry, error)))
    return FALSE;
  spec.name = name;

  const DlpModelClass *klass = dlp_type_entry_get_class (entry);
  g_autoptr (JsonNode) json = klass->build (&spec, settings, run->context, error);
  if (json == NULL)
    {
      g_prefix_error (error, "model type '%s': ", type);
      return FALSE;
    }
  g_autofree char *what = g_strdup_printf ("the architecture of model type '%s'", type);
  DlpGraph *graph =
    dlp_graph_new_from_json (run->registry, json, what, spec.input_rank, spec.input_shape, error);
  if (graph == NULL)
    {
      g_autofree char *where = dlp_config_get_location (section);
      g_prefix_error (error, "%s: model: the %s architecture: ", where, type);
      return FALSE;
    }
  dlp_graph_init (graph, seed);
  gboolean ok = check_output (graph, &spec, section, error) && write_model (graph, error);
  if (ok)
    {
      g_autofree char *summary = dlp_graph_summary (graph);
      g_info ("%s", summary);
    }
  dlp_graph_free (graph);
  return ok;
}
