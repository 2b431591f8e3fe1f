/* http-fetch.h: downloading one URL into the download cache. */
#pragma once

#include <dlpipe/dlpipe.h>

typedef struct {
  guint connect_timeout; /* seconds until the response headers arrive */
  guint read_timeout;    /* seconds a read may wait for data */
  gint64 max_size;       /* bytes */
  guint max_redirects;
  gboolean tls_verify;
  const char *cache_dir;
} HttpLimits;

typedef struct {
  char *path; /* the file in the cache */
  char *sha256;
  gint64 size;
  char *content_type; /* NULL when served from the cache */
  char *final_url;    /* after redirects */
  gboolean cached;
} HttpDownload;

void http_download_free (HttpDownload *download);

/* Fetches @url (http or https) into the cache, unless a file downloaded
 * earlier from the same URL with the same @sha256 is there. With @sha256,
 * the body must have that digest. Nothing is left in the cache on
 * failure. */
HttpDownload *http_fetch (const char *url, const char *sha256, const HttpLimits *limits,
                          DlpContext *context, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttpDownload, http_download_free)
