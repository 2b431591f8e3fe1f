/* init.c: parameter initialisers, named and configured as in Keras. */
#include <math.h>
#include <cblas.h>
#include <string.h>
#include "graph-private.h"

DlpInit
dlp_init_constant (double value)
{
  return (DlpInit){ .kind = DLP_INIT_CONSTANT, .value = value, .seed = -1 };
}

static DlpInit
variance_scaling (double scale, DlpFanMode mode, DlpDistribution distribution)
{
  return (DlpInit){ .kind = DLP_INIT_VARIANCE_SCALING,
                    .scale = scale,
                    .mode = mode,
                    .distribution = distribution,
                    .seed = -1 };
}

DlpInit
dlp_init_glorot_uniform (void)
{
  return variance_scaling (1.0, DLP_FAN_AVG, DLP_DISTRIBUTION_UNIFORM);
}

DlpInit
dlp_init_orthogonal (void)
{
  return (DlpInit){ .kind = DLP_INIT_ORTHOGONAL, .gain = 1.0, .seed = -1 };
}

/* Keras spells a name in snake_case ("he_normal") or as a class
 * ("HeNormal"); comparing without case and underscores accepts both. */
static gboolean
name_is (const char *name, const char *want)
{
  while (*name || *want)
    {
      if (*name == '_')
        {
          name++;
          continue;
        }
      if (g_ascii_tolower (*name) != *want)
        return FALSE;
      name++, want++;
    }
  return TRUE;
}

static const char *const init_names =
  "zeros, ones, constant, random_uniform, random_normal, truncated_normal, "
  "variance_scaling, glorot_uniform, glorot_normal, he_uniform, he_normal, "
  "lecun_uniform, lecun_normal, orthogonal";

static gboolean
init_from_name (const char *name, DlpInit *init)
{
  static const struct {
    const char *name;
    double scale;
    DlpFanMode mode;
    DlpDistribution dist;
  } vs[] = {
    { "glorotuniform", 1, DLP_FAN_AVG, DLP_DISTRIBUTION_UNIFORM },
    { "glorotnormal", 1, DLP_FAN_AVG, DLP_DISTRIBUTION_TRUNCATED_NORMAL },
    { "heuniform", 2, DLP_FAN_IN, DLP_DISTRIBUTION_UNIFORM },
    { "henormal", 2, DLP_FAN_IN, DLP_DISTRIBUTION_TRUNCATED_NORMAL },
    { "lecununiform", 1, DLP_FAN_IN, DLP_DISTRIBUTION_UNIFORM },
    { "lecunnormal", 1, DLP_FAN_IN, DLP_DISTRIBUTION_TRUNCATED_NORMAL },
    { "variancescaling", 1, DLP_FAN_IN, DLP_DISTRIBUTION_TRUNCATED_NORMAL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (vs); i++)
    if (name_is (name, vs[i].name))
      {
        *init = variance_scaling (vs[i].scale, vs[i].mode, vs[i].dist);
        return TRUE;
      }
  if (name_is (name, "zeros") || name_is (name, "zero"))
    *init = dlp_init_constant (0);
  else if (name_is (name, "ones") || name_is (name, "one"))
    *init = dlp_init_constant (1);
  else if (name_is (name, "constant"))
    *init = dlp_init_constant (0);
  else if (name_is (name, "randomuniform") || name_is (name, "uniform"))
    *init = (DlpInit){ .kind = DLP_INIT_UNIFORM, .low = -0.05, .high = 0.05, .seed = -1 };
  else if (name_is (name, "randomnormal") || name_is (name, "normal"))
    *init = (DlpInit){ .kind = DLP_INIT_NORMAL, .stddev = 0.05, .seed = -1 };
  else if (name_is (name, "truncatednormal"))
    *init = (DlpInit){ .kind = DLP_INIT_TRUNCATED_NORMAL, .stddev = 0.05, .seed = -1 };
  else if (name_is (name, "orthogonal"))
    *init = dlp_init_orthogonal ();
  else
    return FALSE;
  return TRUE;
}

/* An initializer's own settings, as Keras names them. */
static const DlpParamSpec init_settings_specs[] = {
  DLP_PARAM_INT_UNBOUNDED ("seed", "Seed of the draws (default: the model's)", NULL),
  DLP_PARAM_DOUBLE_UNBOUNDED ("value", "Constant: the value", NULL),
  DLP_PARAM_DOUBLE_UNBOUNDED ("minval", "RandomUniform: the low end", NULL),
  DLP_PARAM_DOUBLE_UNBOUNDED ("maxval", "RandomUniform: the high end", NULL),
  DLP_PARAM_DOUBLE_UNBOUNDED ("mean", "Normal draws: the mean", NULL),
  DLP_PARAM_DOUBLE_UNBOUNDED ("stddev", "Normal draws: the deviation", NULL),
  DLP_PARAM_DOUBLE_UNBOUNDED ("scale", "VarianceScaling: the scale", NULL),
  DLP_PARAM_STRING ("mode", "VarianceScaling: fan_in, fan_out, fan_avg", NULL),
  DLP_PARAM_STRING ("distribution", "VarianceScaling: the draws", NULL),
  DLP_PARAM_DOUBLE_UNBOUNDED ("gain", "Orthogonal: the factor", NULL),
  /* Keras 3.15: fans counted over chosen axes; dlpipe counts PyTorch's. */
  DLP_PARAM_KERAS_DEFAULT ("input_axes", DLP_PARAM_ANY, "Axes of the fan in", "null"),
  DLP_PARAM_KERAS_DEFAULT ("output_axes", DLP_PARAM_ANY, "Axes of the fan out", "null"),
  DLP_PARAM_END,
};

/* Reads the initializer's own settings ("config": {"seed": 1, ...}). */
static gboolean
init_settings (DlpConfig *settings, DlpInit *init, GError **error)
{
  if (!dlp_keras_validate_settings (settings, init_settings_specs, NULL, FALSE, error))
    return FALSE;
  g_autofree char *mode = NULL, *distribution = NULL;
  if (!dlp_config_get_int (settings, "seed", &init->seed, error)
      || !dlp_config_get_double (settings, "value", &init->value, error)
      || !dlp_config_get_double (settings, "minval", &init->low, error)
      || !dlp_config_get_double (settings, "maxval", &init->high, error)
      || !dlp_config_get_double (settings, "mean", &init->mean, error)
      || !dlp_config_get_double (settings, "stddev", &init->stddev, error)
      || !dlp_config_get_double (settings, "scale", &init->scale, error)
      || !dlp_config_get_double (settings, "gain", &init->gain, error)
      || !dlp_config_get_string (settings, "mode", &mode, error)
      || !dlp_config_get_string (settings, "distribution", &distribution, error))
    return FALSE;
  if (mode)
    {
      if (!strcmp (mode, "fan_in"))
        init->mode = DLP_FAN_IN;
      else if (!strcmp (mode, "fan_out"))
        init->mode = DLP_FAN_OUT;
      else if (!strcmp (mode, "fan_avg"))
        init->mode = DLP_FAN_AVG;
      else
        {
          dlp_config_set_error (settings, "mode", error,
                                "expected fan_in, fan_out or fan_avg, got \"%s\"", mode);
          return FALSE;
        }
    }
  if (distribution)
    {
      if (!strcmp (distribution, "uniform"))
        init->distribution = DLP_DISTRIBUTION_UNIFORM;
      else if (!strcmp (distribution, "truncated_normal") || !strcmp (distribution, "normal"))
        init->distribution = DLP_DISTRIBUTION_TRUNCATED_NORMAL;
      else if (!strcmp (distribution, "untruncated_normal"))
        init->distribution = DLP_DISTRIBUTION_NORMAL;
      else
        {
          dlp_config_set_error (settings, "distribution", error,
                                "expected uniform, truncated_normal or untruncated_normal, "
                                "got \"%s\"",
                                distribution);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
dlp_init_from_config (DlpConfig *config, const char *key, DlpInit *init, GError **error)
{
  JsonNode *node = dlp_config_lookup (config, key);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  g_autofree char *name = NULL;
  g_autoptr (DlpConfig) settings = NULL;
  g_autofree char *name_key = NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      name_key = g_strdup_printf ("%s.class_name", key);
      g_autofree char *settings_key = g_strdup_printf ("%s.config", key);
      if (!dlp_config_get_string (config, name_key, &name, error))
        return FALSE;
      if (name == NULL)
        {
          dlp_config_set_error (config, key, error,
                                "expected an initializer name or {class_name, config}");
          return FALSE;
        }
      if (dlp_config_has (config, settings_key))
        {
          settings = dlp_config_get_section (config, settings_key, FALSE, error);
          if (settings == NULL)
            return FALSE;
        }
    }
  else if (!dlp_config_get_string (config, key, &name, error))
    return FALSE;
  if (!init_from_name (name, init))
    {
      dlp_config_set_error (config, name_key ? name_key : key, error,
                            "unknown initializer \"%s\" (known: %s)", name, init_names);
      return FALSE;
    }
  if (settings && JSON_NODE_HOLDS_OBJECT (dlp_config_get_node (settings)))
    return init_settings (settings, init, error);
  return TRUE;
}

/* --- filling --- */

static double
truncated_normal (DlpRng *rng)
{
  double x;
  do
    x = dlp_rng_normal (rng);
  while (fabs (x) > 2.0);
  return x;
}

/* Removes from the @b rows of @block (each @n long) their components
 * along the @m orthonormal rows of @q: block -= (block q^T) q. */
static void
project_out (const double *q, gint64 m, double *block, gint64 b, gint64 n, double *coef)
{
  if (m == 0)
    return;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) b, (int) m, (int) n, 1.0, block,
               (int) n, q, (int) n, 0.0, coef, (int) m);
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) b, (int) n, (int) m, -1.0, coef,
               (int) m, q, (int) n, 1.0, block, (int) n);
}

#define ORTHO_BLOCK 64

/* Makes the @rows x @cols matrix at @data (semi-)orthogonal: orthonormal
 * columns if it is tall, rows if wide. Block Gram-Schmidt in double, each
 * projection done twice for accuracy and as matrix products, so that a
 * large recurrent layer initialises in a fraction of a second; the
 * diagonal of R comes out positive, as Keras makes it. */
static void
orthogonalize (float *data, gint64 rows, gint64 cols, double gain, DlpRng *rng)
{
  gboolean tall = rows >= cols;
  gint64 n = tall ? rows : cols; /* vector length */
  gint64 k = tall ? cols : rows; /* vectors */
  double *q = g_new (double, n *k);
  double *coef = g_new (double, MAX (k, 1) * ORTHO_BLOCK);
  for (gint64 i = 0; i < n * k; i++)
    q[i] = dlp_rng_normal (rng);
  for (gint64 j0 = 0; j0 < k; j0 += ORTHO_BLOCK)
    {
      gint64 b = MIN (ORTHO_BLOCK, k - j0);
      double *block = q + j0 * n;
      /* Against the blocks before, then vector by vector within. */
      for (int pass = 0; pass < 2; pass++)
        project_out (q, j0, block, b, n, coef);
      for (gint64 j = 0; j < b; j++)
        {
          double *v = block + j * n;
          for (int pass = 0; pass < 2; pass++)
            project_out (block, j, v, 1, n, coef);
          double norm = 0;
          for (gint64 i = 0; i < n; i++)
            norm += v[i] * v[i];
          norm = sqrt (norm);
          for (gint64 i = 0; i < n; i++)
            v[i] = norm > 0 ? v[i] / norm : 0;
        }
    }
  /* Vector j is column j of a tall matrix, row j of a wide one. */
  for (gint64 r = 0; r < rows; r++)
    for (gint64 c = 0; c < cols; c++)
      data[r * cols + c] = (float) (gain * (tall ? q[c * n + r] : q[r * n + c]));
  g_free (coef);
  g_free (q);
}

void
dlp_init_fill (const DlpInit *init, float *data, gsize n, gint64 rows, gint64 cols, gint64 fan_in,
               gint64 fan_out, guint64 seed)
{
  DlpRng rng;
  dlp_rng_init (&rng, init->seed >= 0 ? (guint64) init->seed : seed);
  switch (init->kind)
    {
    case DLP_INIT_CONSTANT:
      for (gsize i = 0; i < n; i++)
        data[i] = (float) init->value;
      break;
    case DLP_INIT_UNIFORM:
      for (gsize i = 0; i < n; i++)
        data[i] = (float) (init->low + (init->high - init->low) * dlp_rng_uniform (&rng));
      break;
    case DLP_INIT_NORMAL:
      for (gsize i = 0; i < n; i++)
        data[i] = (float) (init->mean + init->stddev * dlp_rng_normal (&rng));
      break;
    case DLP_INIT_TRUNCATED_NORMAL:
      for (gsize i = 0; i < n; i++)
        data[i] = (float) (init->mean + init->stddev * truncated_normal (&rng));
      break;
    case DLP_INIT_VARIANCE_SCALING:
      {
        double fan = init->mode == DLP_FAN_IN    ? (double) fan_in
                     : init->mode == DLP_FAN_OUT ? (double) fan_out
                                                 : ((double) fan_in + (double) fan_out) / 2.0;
        double variance = init->scale / MAX (1.0, fan);
        for (gsize i = 0; i < n; i++)
          {
            double x;
            switch (init->distribution)
              {
              case DLP_DISTRIBUTION_UNIFORM:
                x = sqrt (3.0 * variance) * (2.0 * dlp_rng_uniform (&rng) - 1.0);
                break;
              case DLP_DISTRIBUTION_TRUNCATED_NORMAL:
                /* The stddev of a normal truncated at 2 sigma is 0.87962566. */
                x = sqrt (variance) / 0.87962566103423978 * truncated_normal (&rng);
                break;
              case DLP_DISTRIBUTION_NORMAL:
              default:
                x = sqrt (variance) * dlp_rng_normal (&rng);
                break;
              }
            data[i] = (float) x;
          }
        break;
      }
    case DLP_INIT_ORTHOGONAL:
      if (rows <= 0 || cols <= 0 || (gsize) (rows * cols) != n)
        rows = (gint64) n, cols = 1;
      orthogonalize (data, rows, cols, init->gain, &rng);
      break;
    default:
      memset (data, 0, n * sizeof (float));
      break;
    }
  for (gint64 i = 0; i < init->fill_count; i++)
    if (init->fill_start + i >= 0 && (gsize) (init->fill_start + i) < n)
      data[init->fill_start + i] = (float) init->fill_value;
}
