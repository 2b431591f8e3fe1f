/* preprocessor.c: the package's transform steps, rebuilt to prepare raw
 * inputs as data_transformation prepared the training data.
 *
 * Each step is created from its recorded settings and given its fitted
 * state instead of being fitted again (docs/data.md). Steps that only
 * make sense on training data (dropping rows with missing values) are
 * left out. */
#include "predict-private.h"

static const DlpParamSpec step_params[] = {
  DLP_PARAM_REQUIRED ("type", DLP_PARAM_STRING, "The transform type"),
  DLP_PARAM_ANY ("settings", "Its settings", NULL),
  DLP_PARAM_ANY ("state", "What it learned from the training data", NULL),
  DLP_PARAM_BOOL ("training_only", "Skipped when scoring", "false"),
  DLP_PARAM_END,
};

typedef struct {
  const DlpTransformClass *klass;
  gpointer instance;
  char *type;
  guint number; /* 1-based, as listed in the manifest */
} Step;

struct _DlpPreprocessor {
  GArray *steps; /* Step */
  DlpContext *context;
};

static void
step_clear (gpointer data)
{
  Step *step = data;
  if (step->instance)
    step->klass->destroy (step->instance);
  g_free (step->type);
}

void
dlp_preprocessor_free (DlpPreprocessor *preprocessor)
{
  if (preprocessor == NULL)
    return;
  g_array_unref (preprocessor->steps);
  g_clear_pointer (&preprocessor->context, dlp_context_unref);
  g_free (preprocessor);
}

/* The settings of @view as a validated config ({} when absent). */
static DlpConfig *
step_settings (DlpConfig *view, const DlpTypeEntry *entry, GError **error)
{
  g_autoptr (DlpConfig) settings = dlp_config_get_section (view, "settings", TRUE, error);
  if (settings == NULL)
    {
      if (error && *error)
        return NULL;
      settings = dlp_config_parse (dlp_config_get_file (view), "{}\n", -1, error);
    }
  if (settings == NULL
      || !dlp_config_validate (settings, dlp_type_entry_get_params (entry), NULL, error))
    return NULL;
  return g_steal_pointer (&settings);
}

static gboolean
add_step (DlpPreprocessor *pre, DlpRegistry *registry, DlpConfig *view, guint number,
          GError **error)
{
  g_autofree char *type = NULL;
  gboolean training_only = FALSE;
  if (!dlp_config_validate (view, step_params, NULL, error)
      || !dlp_config_get_string (view, "type", &type, error)
      || !dlp_config_get_bool (view, "training_only", &training_only, error))
    return FALSE;
  if (training_only)
    return TRUE;
  g_autoptr (GError) local = NULL;
  const DlpTypeEntry *entry = dlp_registry_get_entry (registry, DLP_KIND_TRANSFORM, type, &local);
  if (entry == NULL)
    {
      dlp_config_set_error (view, "type", error, "%s", local->message);
      return FALSE;
    }
  g_autoptr (DlpConfig) settings = step_settings (view, entry, error);
  if (settings == NULL)
    return FALSE;
  Step step = { dlp_type_entry_get_class (entry), NULL, g_steal_pointer (&type), number };
  step.instance = step.klass->create (settings, error);
  if (step.instance == NULL)
    {
      step_clear (&step);
      return FALSE;
    }
  /* Appended first, so that a failure below frees it with the others. */
  g_array_append_val (pre->steps, step);
  JsonNode *state = dlp_config_lookup (view, "state");
  if (state && !JSON_NODE_HOLDS_NULL (state) && step.klass->load_state
      && !step.klass->load_state (step.instance, state, error))
    {
      g_autofree char *where = dlp_config_get_location (view);
      g_prefix_error (error, "%s: preprocessing step %u (%s): state: ", where, number, step.type);
      return FALSE;
    }
  return TRUE;
}

DlpPreprocessor *
dlp_preprocessor_new (const DlpPredictor *predictor, GError **error)
{
  g_autoptr (DlpPreprocessor) pre = g_new0 (DlpPreprocessor, 1);
  pre->steps = g_array_new (FALSE, TRUE, sizeof (Step));
  g_array_set_clear_func (pre->steps, step_clear);
  pre->context = dlp_context_new (predictor->registry);
  g_autoptr (GPtrArray) views = dlp_config_get_list (predictor->manifest, "preprocessing", error);
  if (views == NULL)
    return NULL;
  for (guint i = 0; i < views->len; i++)
    if (!add_step (pre, predictor->registry, g_ptr_array_index (views, i), i + 1, error))
      return NULL;
  return g_steal_pointer (&pre);
}

DlpDataset *
dlp_preprocessor_apply (DlpPreprocessor *preprocessor, DlpDataset *raw, GError **error)
{
  g_autoptr (DlpDataset) ds = dlp_dataset_ref (raw);
  for (guint i = 0; i < preprocessor->steps->len; i++)
    {
      Step *step = &g_array_index (preprocessor->steps, Step, i);
      DlpDataset *next = step->klass->apply (step->instance, ds, preprocessor->context, error);
      if (next == NULL)
        {
          g_prefix_error (error, "preprocessing step %u (%s): ", step->number, step->type);
          return NULL;
        }
      dlp_dataset_unref (ds);
      ds = next;
    }
  return g_steal_pointer (&ds);
}
