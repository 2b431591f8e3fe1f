/* http-source.c: the http source, a CSV or IDX file fetched over HTTP(S).
 *
 *   data_ingestion:
 *     source: http
 *     url: https://example.org/penguins.csv
 *     sha256: 3f1c...
 *     parse: {label: species}
 *
 * The body is downloaded into the cache (see http-fetch.c) and read by the
 * csv or idx source, chosen by `format`, or else by the URL's file name or
 * the response's content type; `parse` holds that source's settings (its
 * path is the downloaded file). IDX data need a second URL for the labels. */
#include <string.h>
#include "http-fetch.h"

static const DlpParamSpec http_params[] = {
  DLP_PARAM_REQUIRED ("url", DLP_PARAM_STRING, "The http or https URL to fetch"),
  DLP_PARAM_STRING ("sha256",
                    "The expected SHA-256 of the body (hex); with it, a rerun uses the cached "
                    "download",
                    NULL),
  DLP_PARAM_STRING ("labels_url",
                    "For format idx: the URL of the labels file (url is the images file)", NULL),
  DLP_PARAM_STRING ("labels_sha256", "The expected SHA-256 of the labels file", NULL),
  DLP_PARAM_ENUM ("format",
                  "How to read the body; auto looks at the file name, then the content type",
                  "auto", "auto|csv|idx"),
  DLP_PARAM_MAPPING ("parse",
                     "Settings of the csv or idx source that reads the file (without path)", "{}"),
  DLP_PARAM_INT ("connect_timeout", "Seconds to wait for the connection and the response headers",
                 "30", 1, 3600),
  DLP_PARAM_INT ("read_timeout", "Seconds a read of the body may wait for data", "60", 1, 3600),
  DLP_PARAM_INT ("max_size", "Largest body accepted, in bytes", "1073741824", 1, 1e15),
  DLP_PARAM_INT ("max_redirects", "Redirects followed at most", "5", 0, 50),
  DLP_PARAM_BOOL ("tls_verify", "Check the server's certificate against the system's authorities",
                  "true"),
  DLP_PARAM_PATH ("cache_dir",
                  "Where downloads are kept (default: $XDG_CACHE_HOME/dlpipe/downloads)", NULL),
  DLP_PARAM_END,
};

static gboolean
is_sha256 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

static gboolean
read_limits (DlpConfig *config, HttpLimits *limits, char **cache_dir, GError **error)
{
  gint64 connect = 30, read = 60, redirects = 5;
  limits->tls_verify = TRUE;
  if (!dlp_config_get_int (config, "connect_timeout", &connect, error)
      || !dlp_config_get_int (config, "read_timeout", &read, error)
      || !dlp_config_get_int (config, "max_size", &limits->max_size, error)
      || !dlp_config_get_int (config, "max_redirects", &redirects, error)
      || !dlp_config_get_bool (config, "tls_verify", &limits->tls_verify, error)
      || !dlp_config_get_path_value (config, "cache_dir", cache_dir, error))
    return FALSE;
  limits->connect_timeout = (guint) connect;
  limits->read_timeout = (guint) read;
  limits->max_redirects = (guint) redirects;
  if (*cache_dir == NULL)
    *cache_dir = g_build_filename (g_get_user_cache_dir (), "dlpipe", "downloads", NULL);
  limits->cache_dir = *cache_dir;
  return TRUE;
}

static gboolean
get_checksum (DlpConfig *config, const char *key, char **out, GError **error)
{
  if (!dlp_config_get_string (config, key, out, error))
    return FALSE;
  if (*out && !is_sha256 (*out))
    {
      dlp_config_set_error (config, key, error, "expected 64 hexadecimal digits");
      return FALSE;
    }
  return TRUE;
}

/* csv or idx, from the setting, the file name or the content type. */
static const char *
pick_format (DlpConfig *config, const char *format, HttpDownload *d, GError **error)
{
  if (g_strcmp0 (format, "auto") != 0)
    return format;
  g_autofree char *name = g_path_get_basename (d->path);
  g_autofree char *lower = g_ascii_strdown (name, -1);
  if (g_str_has_suffix (lower, ".csv") || g_str_has_suffix (lower, ".tsv"))
    return "csv";
  if (strstr (lower, "-ubyte") || strstr (lower, ".idx"))
    return "idx";
  if (d->content_type
      && (g_str_equal (d->content_type, "text/csv")
          || g_str_equal (d->content_type, "application/csv")))
    return "csv";
  dlp_config_set_error (config, "format", error,
                        "cannot tell how to read %s (content "
                        "type %s); set format: csv or idx",
                        d->final_url, d->content_type ? d->content_type : "unknown");
  return NULL;
}

/* Sets parse.KEY to @value (as a YAML scalar) in the params tree. */
static gboolean
set_parse_path (DlpConfig *config, const char *key, const char *value, GError **error)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, value);
  g_autofree char *quoted = json_to_string (node, FALSE);
  g_autofree char *assignment = g_strdup_printf ("parse.%s=%s", key, quoted);
  return dlp_config_set_override (config, assignment, error);
}

static void
add_provenance (DlpDataset *ds, const char *url, const char *format, HttpDownload *d,
                HttpDownload *labels)
{
  JsonObject *meta = dlp_dataset_get_metadata (ds);
  JsonObject *p = json_object_new ();
  json_object_set_string_member (p, "source", "http");
  json_object_set_string_member (p, "url", url);
  json_object_set_string_member (p, "final_url", d->final_url);
  json_object_set_string_member (p, "format", format);
  json_object_set_int_member (p, "size", d->size + (labels ? labels->size : 0));
  json_object_set_string_member (p, "sha256", d->sha256);
  if (labels)
    json_object_set_string_member (p, "labels_sha256", labels->sha256);
  json_object_set_int_member (p, "rows", dlp_dataset_get_n_rows (ds));
  json_object_set_boolean_member (p, "cached", d->cached);
  json_object_set_string_member (p, "cache_path", d->path);
  if (json_object_has_member (meta, "provenance"))
    json_object_set_member (p, "parsed",
                            json_node_copy (json_object_get_member (meta, "provenance")));
  json_object_set_object_member (meta, "provenance", p);
}

static DlpDataset *
http_load (DlpConfig *config, DlpContext *context, GError **error)
{
  g_autofree char *url = NULL, *sha256 = NULL, *labels_url = NULL, *labels_sha256 = NULL;
  g_autofree char *format = NULL, *cache_dir = NULL;
  HttpLimits limits = { 0 };
  if (!dlp_config_get_string (config, "url", &url, error)
      || !get_checksum (config, "sha256", &sha256, error)
      || !dlp_config_get_string (config, "labels_url", &labels_url, error)
      || !get_checksum (config, "labels_sha256", &labels_sha256, error)
      || !dlp_config_get_string (config, "format", &format, error)
      || !read_limits (config, &limits, &cache_dir, error))
    return NULL;
  if (!g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "https://"))
    {
      dlp_config_set_error (config, "url", error, "expected an http:// or https:// URL");
      return NULL;
    }

  g_autoptr (HttpDownload) body = http_fetch (url, sha256, &limits, context, error);
  if (body == NULL)
    return NULL;
  const char *kind = pick_format (config, format, body, error);
  if (kind == NULL)
    return NULL;
  g_autoptr (HttpDownload) labels = NULL;
  if (g_str_equal (kind, "idx"))
    {
      if (labels_url == NULL)
        {
          dlp_config_set_error (config, "labels_url", error,
                                "IDX images need the URL of their labels file");
          return NULL;
        }
      labels = http_fetch (labels_url, labels_sha256, &limits, context, error);
      if (labels == NULL)
        return NULL;
      if (!set_parse_path (config, "images", body->path, error)
          || !set_parse_path (config, "labels", labels->path, error))
        return NULL;
    }
  else if (!set_parse_path (config, "path", body->path, error))
    return NULL;

  const DlpTypeEntry *entry =
    dlp_registry_get_entry (dlp_context_get_registry (context), DLP_KIND_SOURCE, kind, error);
  if (entry == NULL)
    return NULL;
  g_autoptr (DlpConfig) parse = dlp_config_get_section (config, "parse", FALSE, error);
  if (parse == NULL || !dlp_config_validate (parse, dlp_type_entry_get_params (entry), NULL, error))
    return NULL;
  const DlpSourceClass *parser = dlp_type_entry_get_class (entry);
  g_autoptr (DlpDataset) ds = parser->load (parse, context, error);
  if (ds == NULL)
    {
      g_prefix_error (error, "%s (downloaded from %s): ", body->path, url);
      return NULL;
    }
  add_provenance (ds, url, kind, body, labels);
  return g_steal_pointer (&ds);
}

static const DlpSourceClass http_source = {
  .struct_size = sizeof (DlpSourceClass),
  .name = "http",
  .description = "A CSV or IDX file fetched over HTTP or HTTPS, cached by URL and checksum",
  .params = http_params,
  .load = http_load,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_source (registry, &http_source, error);
}

DLP_PLUGIN_DEFINE (source_http, "0.1.0", "LGPL-2.1-or-later", "Fetches data over HTTP(S)",
                   plugin_init)
