/* model-registry.c: a tracker instance of its own, driven from the
 * calling thread, for the registry's readers. */
#include "model-registry.h"
#include "tracking-settings.h"

struct _DlpModelRegistry {
  const DlpTrackerClass *klass;
  gpointer instance;
  char *model_name;
  DlpTrackerCall call;
};

DlpModelRegistry *
dlp_model_registry_open (DlpConfig *section, DlpRegistry *registry, GCancellable *cancellable,
                         GError **error)
{
  g_auto (DlpTrackingSettings) settings = { 0 };
  if (!dlp_tracking_settings_load (&settings, section, registry, error))
    return NULL;
  const DlpTrackerClass *klass = settings.klass;
  if (klass->get_model_version == NULL || klass->list_model_versions == NULL
      || klass->set_model_alias == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED,
                   "tracker '%s' (tracking.tracker) has no model registry; set "
                   "tracking.tracker: mlflow",
                   settings.tracker);
      return NULL;
    }
  gpointer instance = klass->create (settings.section, error);
  if (instance == NULL)
    return NULL;
  DlpModelRegistry *r = g_new0 (DlpModelRegistry, 1);
  r->klass = klass;
  r->instance = instance;
  r->model_name = g_steal_pointer (&settings.model_name);
  r->call = (DlpTrackerCall){ .struct_size = sizeof r->call, .cancellable = cancellable };
  return r;
}

const char *
dlp_model_registry_get_model_name (DlpModelRegistry *r)
{
  return r->model_name;
}

/* A tracker's answer of the expected JSON type, else an error. */
static JsonNode *
check_answer (JsonNode *node, JsonNodeType type, const char *what, GError **error)
{
  if (node == NULL || JSON_NODE_TYPE (node) == type)
    return node;
  g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "the tracker's %s is not a JSON %s", what,
               type == JSON_NODE_OBJECT ? "object" : "array");
  json_node_unref (node);
  return NULL;
}

JsonObject *
dlp_model_registry_get_alias (DlpModelRegistry *r, const char *model_name, const char *alias,
                              GError **error)
{
  g_autoptr (JsonNode) node =
    check_answer (r->klass->get_model_version (r->instance, model_name, alias, &r->call, error),
                  JSON_NODE_OBJECT, "model version", error);
  return node ? json_object_ref (json_node_get_object (node)) : NULL;
}

JsonArray *
dlp_model_registry_list (DlpModelRegistry *r, const char *model_name, GError **error)
{
  g_autoptr (JsonNode) node =
    check_answer (r->klass->list_model_versions (r->instance, model_name, &r->call, error),
                  JSON_NODE_ARRAY, "list of model versions", error);
  return node ? json_array_ref (json_node_get_array (node)) : NULL;
}

gboolean
dlp_model_registry_set_alias (DlpModelRegistry *r, const char *model_name, const char *alias,
                              const char *version, GError **error)
{
  return r->klass->set_model_alias (r->instance, model_name, alias, version, &r->call, error);
}

void
dlp_model_registry_free (DlpModelRegistry *r)
{
  if (r == NULL)
    return;
  r->klass->destroy (r->instance);
  g_free (r->model_name);
  g_free (r);
}

char *
dlp_file_md5 (const char *path, GError **error)
{
  g_autoptr (GMappedFile) map = g_mapped_file_new (path, FALSE, error);
  if (map == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_MD5,
                                      (const guchar *) g_mapped_file_get_contents (map),
                                      g_mapped_file_get_length (map));
}
