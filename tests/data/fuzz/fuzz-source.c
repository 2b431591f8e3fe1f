/* fuzz-source.c: running a linked-in source on files from fuzz inputs. */
#include <glib/gstdio.h>
#include "fuzz-source.h"

const DlpSourceClass *
fuzz_source_class (const DlpPluginDesc *desc, const char *type)
{
  static DlpRegistry *registry;
  if (registry == NULL)
    {
      registry = dlp_registry_new ();
      g_assert (dlp_registry_add_plugin (registry, desc, NULL));
    }
  return dlp_registry_lookup (registry, DLP_KIND_SOURCE, type);
}

const char *
fuzz_write_file (const char *name, const void *data, gsize len)
{
  static char *dir;
  static GHashTable *paths;
  if (dir == NULL)
    {
      dir = g_dir_make_tmp ("dlpipe-fuzz-XXXXXX", NULL);
      g_assert (dir != NULL);
      paths = g_hash_table_new (g_str_hash, g_str_equal);
    }
  char *path = g_hash_table_lookup (paths, name);
  if (path == NULL)
    {
      path = g_build_filename (dir, name, NULL);
      g_hash_table_insert (paths, g_strdup (name), path);
    }
  g_assert (g_file_set_contents (path, data, (gssize) len, NULL));
  return path;
}

void
fuzz_load (const DlpSourceClass *klass, const char *yaml)
{
  g_autoptr (DlpConfig) config = dlp_config_parse ("fuzz.yaml", yaml, -1, NULL);
  g_assert (config != NULL);
  g_autoptr (DlpContext) context = dlp_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = klass->load (config, context, &error);
  g_assert ((ds == NULL) == (error != NULL));
}
