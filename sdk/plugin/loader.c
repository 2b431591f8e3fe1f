/* loader.c: opening plugin files and scanning plugin folders. */
#include <string.h>
#include <gmodule.h>
#include "registry-private.h"

#define PLUGIN_PREFIX "libdlp-"
#define PLUGIN_SUFFIX "." G_MODULE_SUFFIX

/* "libdlp-csv.so" -> "csv"; NULL if the file name is not a plugin's. */
static char *
plugin_name_from_file (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  if (!g_str_has_prefix (base, PLUGIN_PREFIX) || !g_str_has_suffix (base, PLUGIN_SUFFIX))
    return NULL;
  gsize len = strlen (base) - strlen (PLUGIN_PREFIX) - strlen (PLUGIN_SUFFIX);
  if (len == 0)
    return NULL;
  return g_strndup (base + strlen (PLUGIN_PREFIX), len);
}

/* The descriptor name and entry symbol use '_' where the file has '-'. */
static char *
c_identifier (const char *name)
{
  char *id = g_strdup (name);
  g_strdelimit (id, "-", '_');
  return id;
}

static gboolean
load_file (DlpRegistry *registry, const char *path, GError **error)
{
  g_autofree char *file_name = plugin_name_from_file (path);
  if (file_name == NULL)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_OPEN,
                   "not a plugin file name (expected %sNAME%s)", PLUGIN_PREFIX, PLUGIN_SUFFIX);
      return FALSE;
    }
  g_autofree char *name = c_identifier (file_name);
  DlpPluginInfo *other = g_hash_table_lookup (registry->plugin_names, name);
  if (other)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_DUPLICATE,
                   "a plugin named '%s' is already loaded from %s", name,
                   other->filename ? other->filename : "this program");
      return FALSE;
    }

  /* Bind now, so missing symbols fail here rather than mid-run; bind
   * locally, so plugins cannot interpose on each other. */
  g_autoptr (GError) local = NULL;
  GModule *module = g_module_open_full (path, G_MODULE_BIND_LOCAL, &local);
  if (module == NULL)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_OPEN, "cannot open: %s",
                   local->message);
      return FALSE;
    }
  g_autofree char *symbol = g_strdup_printf ("dlp_plugin_%s_get_desc", name);
  gpointer entry = NULL;
  if (!g_module_symbol (module, symbol, &entry) || entry == NULL)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_NO_ENTRY,
                   "does not export %s (was it built with DLP_PLUGIN_DEFINE (%s, ...)?)", symbol,
                   name);
      g_module_close (module);
      return FALSE;
    }
  const DlpPluginDesc *(*get_desc) (void) = (const DlpPluginDesc *(*) (void) ) entry;
  gboolean init_ran;
  if (!dlp_registry_register_desc (registry, get_desc (), name, path, &init_ran, error))
    {
      /* Once init code has run, the module may have left state behind
       * (quarks, threads): keep it mapped rather than risk a dangling call. */
      if (init_ran)
        g_module_make_resident (module);
      else
        g_module_close (module);
      return FALSE;
    }
  g_module_make_resident (module);
  return TRUE;
}

gboolean
dlp_registry_load_file (DlpRegistry *registry, const char *path, GError **error)
{
  g_rec_mutex_lock (&registry->lock);
  g_autoptr (GError) local = NULL;
  gboolean ok = load_file (registry, path, &local);
  g_rec_mutex_unlock (&registry->lock);
  if (!ok)
    {
      g_set_error (error, local->domain, local->code, "%s: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static guint
load_dir (DlpRegistry *registry, const char *dir, gboolean recursive, guint depth)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return 0;
  /* Sorted, so that which of two same-named files wins never depends on
   * the file system's order. */
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);

  guint loaded = 0;
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (recursive && depth < 8)
            loaded += load_dir (registry, path, recursive, depth + 1);
          continue;
        }
      g_autofree char *file_name = plugin_name_from_file (path);
      if (file_name == NULL)
        continue;
      g_autofree char *plugin = c_identifier (file_name);
      if (g_hash_table_contains (registry->plugin_names, plugin))
        {
          g_debug ("skipping %s: plugin '%s' is already loaded", path, plugin);
          continue;
        }
      GError *error = NULL;
      if (dlp_registry_load_file (registry, path, &error))
        loaded++;
      else
        {
          g_debug ("%s", error->message);
          g_ptr_array_add (registry->failures, error);
        }
    }
  return loaded;
}

guint
dlp_registry_load_dirs (DlpRegistry *registry, const char *const *dirs, gboolean recursive)
{
  guint loaded = 0;
  for (guint i = 0; dirs && dirs[i]; i++)
    if (*dirs[i])
      loaded += load_dir (registry, dirs[i], recursive, 0);
  return loaded;
}
