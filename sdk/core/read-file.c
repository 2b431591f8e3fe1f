/* read-file.c: a whole file into memory, with the SDK's I/O error. */
#include "sdk-private.h"

gboolean
dlp_read_file (const char *path, char **text, gsize *length, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (g_file_get_contents (path, text, length, &local))
    return TRUE;
  g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot read %s: %s", path, local->message);
  return FALSE;
}
