/* source-sha256.c: SHA-256 through nettle or GLib. */
#include "source-sha256.h"

#ifdef HAVE_NETTLE
#include <nettle/sha2.h>
#endif

struct _SourceSha256 {
#ifdef HAVE_NETTLE
  struct sha256_ctx ctx;
#else
  GChecksum *checksum;
#endif
  char hex[65];
  gboolean finished;
};

SourceSha256 *
source_sha256_new (void)
{
  SourceSha256 *h = g_new0 (SourceSha256, 1);
#ifndef HAVE_NETTLE
  h->checksum = g_checksum_new (G_CHECKSUM_SHA256);
#endif
  source_sha256_reset (h);
  return h;
}

void
source_sha256_free (SourceSha256 *hash)
{
  if (hash == NULL)
    return;
#ifndef HAVE_NETTLE
  g_checksum_free (hash->checksum);
#endif
  g_free (hash);
}

void
source_sha256_reset (SourceSha256 *hash)
{
#ifdef HAVE_NETTLE
  sha256_init (&hash->ctx);
#else
  g_checksum_reset (hash->checksum);
#endif
  hash->finished = FALSE;
}

void
source_sha256_update (SourceSha256 *hash, const void *data, gsize len)
{
  g_return_if_fail (!hash->finished);
#ifdef HAVE_NETTLE
  sha256_update (&hash->ctx, len, data);
#else
  g_checksum_update (hash->checksum, data, (gssize) len);
#endif
}

const char *
source_sha256_finish (SourceSha256 *hash)
{
  if (hash->finished)
    return hash->hex;
#ifdef HAVE_NETTLE
  guint8 digest[SHA256_DIGEST_SIZE];
  sha256_digest (&hash->ctx, sizeof digest, digest);
  for (guint i = 0; i < sizeof digest; i++)
    g_snprintf (hash->hex + 2 * i, 3, "%02x", digest[i]);
#else
  g_strlcpy (hash->hex, g_checksum_get_string (hash->checksum), sizeof hash->hex);
#endif
  hash->finished = TRUE;
  return hash->hex;
}
