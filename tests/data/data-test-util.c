/* data-test-util.c: driving plugins and the host from the data tests. */
#include "data-test-util.h"

DlpContext *
data_test_context (void)
{
  return dlp_context_new (dlp_test_registry ());
}

DlpConfig *
data_test_config (const char *yaml)
{
  g_autoptr (GError) error = NULL;
  DlpConfig *config = dlp_config_parse ("params.yaml", yaml, -1, &error);
  dlp_assert_no_error (error);
  return config;
}

/* Settings @yaml for @type of @kind, checked against its schema as the
 * stages check them; NULL with @error when refused. *klass_out gets the
 * type's class. */
static DlpConfig *
checked_settings (DlpKind kind, const char *type, const char *yaml, gconstpointer *klass_out,
                  GError **error)
{
  g_autoptr (GError) local = NULL;
  const DlpTypeEntry *entry = dlp_registry_get_entry (dlp_test_registry (), kind, type, &local);
  dlp_assert_no_error (local);
  g_autoptr (DlpConfig) config = data_test_config (yaml);
  if (!dlp_config_validate (config, dlp_type_entry_get_params (entry), NULL, error))
    return NULL;
  *klass_out = dlp_type_entry_get_class (entry);
  return g_steal_pointer (&config);
}

DlpDataset *
data_test_load (const char *type, const char *yaml, GError **error)
{
  const DlpSourceClass *klass = NULL;
  g_autoptr (DlpConfig) config =
    checked_settings (DLP_KIND_SOURCE, type, yaml, (gconstpointer *) &klass, error);
  if (config == NULL)
    return NULL;
  g_autoptr (DlpContext) context = data_test_context ();
  return klass->load (config, context, error);
}

static gpointer
create_step (const char *type, const char *yaml, const DlpTransformClass **klass_out,
             GError **error)
{
  g_autoptr (DlpConfig) config =
    checked_settings (DLP_KIND_TRANSFORM, type, yaml, (gconstpointer *) klass_out, error);
  return config ? (*klass_out)->create (config, error) : NULL;
}

DlpDataset *
data_test_step (const char *type, const char *yaml, DlpDataset *ds, JsonNode **state_out,
                GError **error)
{
  const DlpTransformClass *klass = NULL;
  gpointer step = create_step (type, yaml, &klass, error);
  if (step == NULL)
    return NULL;
  g_autoptr (DlpContext) context = data_test_context ();
  DlpDataset *out = NULL;
  if (klass->fit == NULL || klass->fit (step, ds, context, error))
    out = klass->apply (step, ds, context, error);
  if (out && state_out)
    *state_out = klass->save_state ? klass->save_state (step) : NULL;
  klass->destroy (step);
  return out;
}

DlpDataset *
data_test_step_from_state (const char *type, const char *yaml, JsonNode *state, DlpDataset *ds,
                           GError **error)
{
  const DlpTransformClass *klass = NULL;
  gpointer step = create_step (type, yaml, &klass, error);
  if (step == NULL)
    return NULL;
  g_autoptr (DlpContext) context = data_test_context ();
  DlpDataset *out = NULL;
  if (klass->load_state == NULL || klass->load_state (step, state, error))
    out = klass->apply (step, ds, context, error);
  klass->destroy (step);
  return out;
}

gboolean
data_test_split (const char *type, const char *yaml, DlpDataset *ds, DlpDataset **train,
                 DlpDataset **test, DlpDataset **val, GError **error)
{
  const DlpSplitterClass *klass = NULL;
  g_autoptr (DlpConfig) config =
    checked_settings (DLP_KIND_SPLITTER, type, yaml, (gconstpointer *) &klass, error);
  if (config == NULL)
    return FALSE;
  g_autoptr (DlpContext) context = data_test_context ();
  return klass->split (config, ds, context, train, test, val, error);
}

void
data_test_add_floats (DlpDataset *ds, const char *name, const float *values, DlpColumnRole role)
{
  gint64 n = dlp_dataset_get_n_rows (ds);
  g_autoptr (DlpTensor) t = dlp_tensor_new_1d (DLP_DTYPE_F32, n, NULL);
  memcpy (dlp_tensor_get_data_mut (t), values, (gsize) n * sizeof (float));
  ck_assert (dlp_dataset_add_column (ds, name, t, role, NULL));
}

void
data_test_add_codes (DlpDataset *ds, const char *name, const gint32 *codes,
                     const char *const *categories, DlpColumnRole role)
{
  gint64 n = dlp_dataset_get_n_rows (ds);
  g_autoptr (DlpTensor) t = dlp_tensor_new_1d (DLP_DTYPE_I32, n, NULL);
  memcpy (dlp_tensor_get_data_mut (t), codes, (gsize) n * sizeof (gint32));
  ck_assert (dlp_dataset_add_categorical (ds, name, t, categories,
                                          g_strv_length ((char **) categories), role, NULL));
}

const float *
data_test_floats (DlpDataset *ds, const char *name)
{
  int index = dlp_dataset_find_column (ds, name);
  ck_assert_msg (index >= 0, "no column %s", name);
  DlpTensor *t = dlp_dataset_get_column_tensor (ds, (guint) index);
  ck_assert_int_eq (dlp_tensor_get_dtype (t), DLP_DTYPE_F32);
  return dlp_tensor_get_data (t);
}

const gint32 *
data_test_codes (DlpDataset *ds, const char *name)
{
  int index = dlp_dataset_find_column (ds, name);
  ck_assert_msg (index >= 0, "no column %s", name);
  ck_assert (dlp_dataset_column_is_categorical (ds, (guint) index));
  return dlp_tensor_get_data (dlp_dataset_get_column_tensor (ds, (guint) index));
}
