/* error.c: the SDK's GError domains. */
#include <dlpipe/dlp-error.h>

G_DEFINE_QUARK (dlp-error-quark, dlp_error)
G_DEFINE_QUARK (dlp-loader-error-quark, dlp_loader_error)
