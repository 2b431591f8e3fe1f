/* error.c: the SDK's GError domains, and the message of a failed file
 * operation. */
#include <dlpipe/dlp-error.h>

G_DEFINE_QUARK (dlp - error - quark, dlp_error)
G_DEFINE_QUARK (dlp - loader - error - quark, dlp_loader_error)

gboolean
dlp_set_io_error (GError **error, int errsv, const char *action, const char *path)
{
  g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot %s %s: %s", action, path,
               g_strerror (errsv));
  return FALSE;
}
