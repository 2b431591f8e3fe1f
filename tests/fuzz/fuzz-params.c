/* fuzz-params.c: params.yaml parsing, getters and overrides on arbitrary
 * text. */
#include <string.h>
#include <dlpipe/dlpipe-host.h>
#include "fuzz.h"

static void
walk (DlpConfig *cfg, guint depth)
{
  g_autoptr (GPtrArray) keys = dlp_config_get_keys (cfg);
  for (guint i = 0; i < keys->len && depth < 8; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      gint64 n = 0;
      double d = 0;
      gboolean b = FALSE;
      g_autofree char *s = NULL;
      g_auto (GStrv) v = NULL;
      g_autoptr (GArray) list = NULL;
      dlp_config_get_int (cfg, key, &n, NULL);
      dlp_config_get_double (cfg, key, &d, NULL);
      dlp_config_get_bool (cfg, key, &b, NULL);
      dlp_config_get_string (cfg, key, &s, NULL);
      dlp_config_get_strv (cfg, key, &v, NULL);
      dlp_config_get_double_list (cfg, key, &list, NULL);
      g_autoptr (DlpConfig) child = dlp_config_get_section (cfg, key, TRUE, NULL);
      if (child)
        walk (child, depth + 1);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (DlpConfig) cfg =
    dlp_config_parse ("params.yaml", (const char *) data, (gssize) size, NULL);
  if (cfg == NULL)
    return 0;
  walk (cfg, 0);
  g_autoptr (GPtrArray) leaves = dlp_config_flatten (cfg);
  /* The first line, read as an override, must not crash either. */
  g_autofree char *line = g_strndup ((const char *) data, MIN (size, 200));
  char *nl = strchr (line, '\n');
  if (nl)
    *nl = '\0';
  dlp_config_set_override (cfg, line, NULL);
  return 0;
}
