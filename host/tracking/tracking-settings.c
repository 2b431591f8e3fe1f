/* tracking-settings.c: reading the tracking section. */
#include "../params/plugin-types.h"
#include "tracking-settings.h"

/* Keys of the tracking section that dlpipe reads itself; the rest belong
 * to the tracker type. */
#define DEFAULT_SPOOL_DIR ".dlpipe/tracking-spool"
#define DEFAULT_FLUSH_TIMEOUT 30.0
static const char *const host_keys[] = { "spool_dir", "flush_timeout", "run_name",
                                         "registered_model", NULL };

static gboolean
read_tracker (DlpTrackingSettings *s, DlpRegistry *registry, GError **error)
{
  /* Tracking switched off (--set tracking.tracker=none) keeps the other
   * tracker's settings in the section: they are ignored, not errors. */
  g_autofree char *type = g_strdup ("none");
  if (!dlp_config_get_string (s->section, "tracker", &type, error))
    return FALSE;
  const DlpTypeEntry *entry =
    g_strcmp0 (type, "none") == 0
      ? dlp_registry_get_entry (registry, DLP_KIND_TRACKER, "none", error)
      : dlp_params_resolve_type (registry, s->section, "tracker", DLP_KIND_TRACKER, "none",
                                 host_keys, error);
  if (entry == NULL)
    return FALSE;
  s->klass = dlp_type_entry_get_class (entry);
  s->tracker = g_strdup (dlp_type_entry_get_name (entry));
  return TRUE;
}

static gboolean
read_spool_dir (DlpTrackingSettings *s, GError **error)
{
  g_autofree char *spool_dir = g_strdup (DEFAULT_SPOOL_DIR);
  if (!dlp_config_get_path_value (s->section, "spool_dir", &spool_dir, error))
    return FALSE;
  if (!dlp_config_has (s->section, "spool_dir"))
    {
      g_autofree char *cwd = g_get_current_dir ();
      s->spool_dir = g_build_filename (cwd, DEFAULT_SPOOL_DIR, NULL);
    }
  else
    s->spool_dir = g_steal_pointer (&spool_dir);
  return TRUE;
}

static gboolean
read_run_keys (DlpTrackingSettings *s, GError **error)
{
  DlpConfig *section = s->section;
  s->flush_timeout = DEFAULT_FLUSH_TIMEOUT;
  s->model_name = g_strdup ("dlpipe-model");
  if (!dlp_config_get_double (section, "flush_timeout", &s->flush_timeout, error)
      || !dlp_config_get_string (section, "run_name", &s->run_name, error)
      || !dlp_config_get_string (section, "registered_model", &s->model_name, error))
    return FALSE;
  if (!(s->flush_timeout >= 0))
    {
      dlp_config_set_error (section, "flush_timeout", error, "expected seconds, 0 or more, got %g",
                            s->flush_timeout);
      return FALSE;
    }
  if (*s->model_name == '\0')
    {
      dlp_config_set_error (section, "registered_model", error, "expected a model name");
      return FALSE;
    }
  return TRUE;
}

gboolean
dlp_tracking_settings_load (DlpTrackingSettings *s, DlpConfig *section, DlpRegistry *registry,
                            GError **error)
{
  s->section =
    section ? dlp_config_ref (section) : dlp_config_parse ("tracking (defaults)", "{}", -1, error);
  if (s->section == NULL)
    return FALSE;
  if (registry == NULL)
    return read_spool_dir (s, error);
  return read_tracker (s, registry, error) && read_spool_dir (s, error) && read_run_keys (s, error);
}

void
dlp_tracking_settings_clear (DlpTrackingSettings *s)
{
  g_free (s->tracker);
  g_clear_pointer (&s->section, dlp_config_unref);
  g_free (s->spool_dir);
  g_free (s->run_name);
  g_free (s->model_name);
}
