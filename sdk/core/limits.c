/* limits.c: resource limits with defaults and environment overrides. */
#include <dlpipe/dlp-error.h>
#include <dlpipe/dlp-limits.h>

static const struct {
  const char *env;
  guint64 fallback;
  guint64 ceiling; /* the most the variable may ask for; 0: no bound */
} limits[DLP_N_LIMITS] = {
  [DLP_LIMIT_YAML_NODES] = { "DLPIPE_LIMIT_YAML_NODES", 100000 },
  /* The YAML and JSON readers recurse once per level (json-glib too): a
   * few thousand levels is what a thread's stack holds, sanitizers on. */
  [DLP_LIMIT_YAML_DEPTH] = { "DLPIPE_LIMIT_YAML_DEPTH", 64, 2000 },
  [DLP_LIMIT_TENSOR_BYTES] = { "DLPIPE_LIMIT_TENSOR_BYTES", G_GUINT64_CONSTANT (64) << 30 },
  [DLP_LIMIT_HEADER_BYTES] = { "DLPIPE_LIMIT_HEADER_BYTES", 100u << 20 },
  [DLP_LIMIT_CSV_FIELD_BYTES] = { "DLPIPE_LIMIT_CSV_FIELD_BYTES", 1u << 20 },
  [DLP_LIMIT_CSV_ROW_BYTES] = { "DLPIPE_LIMIT_CSV_ROW_BYTES", 16u << 20 },
  [DLP_LIMIT_GZIP_RATIO] = { "DLPIPE_LIMIT_GZIP_RATIO", 100 },
  [DLP_LIMIT_HTTP_BODY_BYTES] = { "DLPIPE_LIMIT_HTTP_BODY_BYTES", 64u << 20 },
  /* 1 GB of weights; training with Adam holds four times that. */
  [DLP_LIMIT_MODEL_PARAMS] = { "DLPIPE_LIMIT_MODEL_PARAMS", 250000000 },
  /* Each byte is held about three times (value, text as written, copy). */
  [DLP_LIMIT_YAML_BYTES] = { "DLPIPE_LIMIT_YAML_BYTES", 16u << 20 },
};

guint64
dlp_limit_get (DlpLimit limit)
{
  static guint64 values[DLP_N_LIMITS];
  static gsize initialised;
  g_return_val_if_fail ((guint) limit < DLP_N_LIMITS, 0);
  if (g_once_init_enter (&initialised))
    {
      for (guint i = 0; i < DLP_N_LIMITS; i++)
        {
          const char *text = g_getenv (limits[i].env);
          guint64 v;
          if (text && g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT64, &v, NULL))
            {
              values[i] = v;
              if (limits[i].ceiling && v > limits[i].ceiling)
                {
                  g_warning ("%s=%s: using %" G_GUINT64_FORMAT ", the most it can be",
                             limits[i].env, text, limits[i].ceiling);
                  values[i] = limits[i].ceiling;
                }
            }
          else
            {
              if (text)
                g_warning ("ignoring %s=%s: expected a positive integer", limits[i].env, text);
              values[i] = limits[i].fallback;
            }
        }
      g_once_init_leave (&initialised, 1);
    }
  return values[limit];
}

const char *
dlp_limit_env_name (DlpLimit limit)
{
  g_return_val_if_fail ((guint) limit < DLP_N_LIMITS, "?");
  return limits[limit].env;
}

void
dlp_limit_set_error (GError **error, DlpLimit limit, const char *what, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT, "%s: %s (raise the limit with %s)", what, msg,
               dlp_limit_env_name (limit));
}
