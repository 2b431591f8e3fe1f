/* model-registry.c: a tracker instance of its own, driven from the
 * calling thread, for the registry's readers. */
#include "model-registry.h"
#include "tracking-settings.h"

struct _DlpModelRegistry {
  const DlpTrackerClass *klass;
  gpointer instance;
  char *model_name;
  DlpTrackerCall call;
  /* The calls' cancellable: cancelled with the caller's, or by the timer
   * thread once the time allowed is over. */
  GCancellable *cancellable;
  GCancellable *parent;
  gulong parent_handler;
  double timeout;
  GThread *timer;
  GMutex lock;
  GCond wake;
  gboolean closing;
  gboolean timed_out;
};

static void
cancel_child (GCancellable *parent, gpointer child)
{
  (void) parent;
  g_cancellable_cancel (child);
}

static gpointer
run_timer (gpointer data)
{
  DlpModelRegistry *r = data;
  gint64 end = g_get_monotonic_time () + (gint64) (r->timeout * G_USEC_PER_SEC);
  g_mutex_lock (&r->lock);
  while (!r->closing && g_cond_wait_until (&r->wake, &r->lock, end))
    ;
  r->timed_out = !r->closing;
  g_mutex_unlock (&r->lock);
  if (r->timed_out)
    g_cancellable_cancel (r->cancellable);
  return NULL;
}

/* A call given up on by the timer says so, as a network failure. */
static void
explain_timeout (DlpModelRegistry *r, GError **error)
{
  g_mutex_lock (&r->lock);
  gboolean timed_out = r->timed_out;
  g_mutex_unlock (&r->lock);
  if (timed_out && error && *error && (*error)->code == DLP_ERROR_CANCELLED)
    {
      g_autofree char *why = g_strdup ((*error)->message);
      g_clear_error (error);
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "no answer within %g s (tracking.flush_timeout): %s", r->timeout, why);
    }
}

DlpModelRegistry *
dlp_model_registry_open (DlpConfig *section, DlpRegistry *registry, DlpModelRegistryFlags flags,
                         GCancellable *cancellable, GError **error)
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
  r->cancellable = g_cancellable_new ();
  if (cancellable)
    {
      r->parent = g_object_ref (cancellable);
      r->parent_handler =
        g_cancellable_connect (cancellable, G_CALLBACK (cancel_child), r->cancellable, NULL);
    }
  g_mutex_init (&r->lock);
  g_cond_init (&r->wake);
  r->timeout = settings.flush_timeout;
  if (flags & DLP_MODEL_REGISTRY_BOUNDED)
    r->timer = g_thread_new ("dlp-registry-timer", run_timer, r);
  r->call = (DlpTrackerCall){ .struct_size = sizeof r->call, .cancellable = r->cancellable };
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
  explain_timeout (r, error);
  return node ? json_object_ref (json_node_get_object (node)) : NULL;
}

JsonArray *
dlp_model_registry_list (DlpModelRegistry *r, const char *model_name, GError **error)
{
  g_autoptr (JsonNode) node =
    check_answer (r->klass->list_model_versions (r->instance, model_name, &r->call, error),
                  JSON_NODE_ARRAY, "list of model versions", error);
  explain_timeout (r, error);
  return node ? json_array_ref (json_node_get_array (node)) : NULL;
}

JsonObject *
dlp_model_registry_get_version (DlpModelRegistry *r, const char *model_name, const char *version,
                                GError **error)
{
  g_autoptr (JsonArray) versions = dlp_model_registry_list (r, model_name, error);
  for (guint i = 0; versions && i < json_array_get_length (versions); i++)
    {
      JsonObject *v = dlp_json_array_get_object (versions, i);
      if (v && g_strcmp0 (dlp_json_get_string (v, "version"), version) == 0)
        return json_object_ref (v);
    }
  if (versions)
    g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "model '%s' has no version %s", model_name,
                 version);
  return NULL;
}

gboolean
dlp_model_registry_download (DlpModelRegistry *r, const char *uri, const char *local_dir,
                             GError **error)
{
  if (r->klass->download_artifacts == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED,
                   "tracker '%s' cannot download artifacts", r->klass->name);
      return FALSE;
    }
  gboolean ok = r->klass->download_artifacts (r->instance, uri, local_dir, &r->call, error);
  explain_timeout (r, error);
  return ok;
}

gboolean
dlp_model_registry_set_alias (DlpModelRegistry *r, const char *model_name, const char *alias,
                              const char *version, GError **error)
{
  gboolean ok =
    r->klass->set_model_alias (r->instance, model_name, alias, version, &r->call, error);
  explain_timeout (r, error);
  return ok;
}

void
dlp_model_registry_free (DlpModelRegistry *r)
{
  if (r == NULL)
    return;
  if (r->timer)
    {
      g_mutex_lock (&r->lock);
      r->closing = TRUE;
      g_cond_signal (&r->wake);
      g_mutex_unlock (&r->lock);
      g_thread_join (r->timer);
    }
  r->klass->destroy (r->instance);
  if (r->parent)
    g_cancellable_disconnect (r->parent, r->parent_handler);
  g_clear_object (&r->parent);
  g_object_unref (r->cancellable);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->wake);
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
