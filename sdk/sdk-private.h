/* sdk-private.h: helpers shared inside libdlpipe, not part of the SDK. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

JsonObject *dlp_json_object_deep_copy (JsonObject *object);
char *dlp_json_to_string (JsonNode *node, gboolean pretty);

/* g_file_get_contents(), failing with DLP_ERROR_IO "cannot read PATH: ...". */
gboolean dlp_read_file (const char *path, char **text, gsize *length, GError **error);

/* Zeroed, 64-byte aligned memory of at least one byte, freed with free();
 * NULL when memory runs out. For blocks whose size comes from input. */
gpointer dlp_try_alloc0_aligned (gsize size);

G_END_DECLS
