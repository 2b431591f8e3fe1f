/* sdk-private.h: helpers shared inside libdlpipe, not part of the SDK. */
#pragma once

#include <dlpipe/dlpipe.h>

G_BEGIN_DECLS

JsonNode *dlp_json_deep_copy (JsonNode *node);
JsonObject *dlp_json_object_deep_copy (JsonObject *object);
char *dlp_json_to_string (JsonNode *node, gboolean pretty);
/* Parses JSON text into a new mutable tree; errors are DLP_ERROR_FORMAT
 * prefixed with @what. */
JsonNode *dlp_json_parse (const char *text, gssize length, const char *what,
                          GError **error);

/* Zeroed, 64-byte aligned memory of at least one byte, freed with free();
 * NULL when memory runs out. For blocks whose size comes from input. */
gpointer dlp_try_alloc0_aligned (gsize size);

G_END_DECLS
