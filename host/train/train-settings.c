/* train-settings.c: reading the train section, all of it. */
#include <string.h>
#include "../params/plugin-types.h"
#include "train-settings.h"

const DlpParamSpec dlp_train_params[] = {
  DLP_PARAM_INT ("epochs", "Passes over the training data", "10", 1, 1e6),
  DLP_PARAM_INT ("batch_size", "Rows per training step", "64", 1, 1e6),
  DLP_PARAM_INT_UNBOUNDED ("seed", "Seed of the shuffle and of dropout", "42"),
  DLP_PARAM_BOOL ("shuffle", "Shuffle the rows every epoch", "true"),
  DLP_PARAM_INT ("threads", "Worker threads (0: one per CPU core)", "0", 0, 256),
  DLP_PARAM_ENUM ("parallelism", "How threads share a step: split the batch, or inside OpenBLAS",
                  "batch", "batch|blas"),
  DLP_PARAM_ENUM ("precision",
                  "What matrix products compute in: fp32, bf16 (fp32 accumulation and "
                  "master weights), or auto (bf16 where the CPU has it natively)",
                  "fp32", "fp32|bf16|auto"),
  DLP_PARAM_MAPPING (
    "optimizer",
    "The optimizer: {type: adam|adamw|sgd, learning_rate, ...} ('dlpipe inspect adam')",
    "{type: adam}"),
  DLP_PARAM_MAPPING ("lr_schedule",
                     "Learning-rate schedule: {type: constant|step|cosine|plateau, ...}",
                     "{type: constant}"),
  DLP_PARAM_MAPPING (
    "early_stopping",
    "{monitor: val_loss, patience: 0 (off), min_delta: 0, restore_best_weights: true}", NULL),
  DLP_PARAM_DOUBLE ("clip_norm", "Clip gradients to this global L2 norm (0: off)", "0", 0, 1e12),
  DLP_PARAM_DOUBLE ("clip_value", "Clip each gradient into [-v, v] (0: off)", "0", 0, 1e12),
  DLP_PARAM_DOUBLE ("label_smoothing", "Label smoothing of the cross-entropy", "0", 0, 0.999),
  DLP_PARAM_ANY ("class_weights", "Loss weight per class: a list (one per class) or 'balanced'",
                 NULL),
  DLP_PARAM_MAPPING ("distributed",
                     "Data-parallel training: {ranks: N, collective: mpi, hosts: [...], "
                     "launcher_args: [...]} (docs/scaling.md)",
                     NULL),
  DLP_PARAM_END,
};

static const char *const distributed_keys[] = { "ranks", "hosts", "launcher_args", NULL };

static const DlpParamSpec early_stopping_params[] = {
  DLP_PARAM_ENUM ("monitor", "The metric watched", "val_loss",
                  "loss|accuracy|val_loss|val_accuracy"),
  DLP_PARAM_INT ("patience", "Epochs without improvement before stopping (0: never stop early)",
                 "0", 0, 1e6),
  DLP_PARAM_DOUBLE ("min_delta", "The smallest improvement", "0", 0, 1e12),
  DLP_PARAM_BOOL ("restore_best_weights", "End with the weights of the best epoch", "true"),
  DLP_PARAM_END,
};

const DlpParamSpec dlp_schedule_params[] = {
  DLP_PARAM_ENUM ("type", "The schedule", "constant", "constant|step|cosine|plateau"),
  DLP_PARAM_INT ("step_size", "step: epochs between decays", "10", 1, 1e9),
  DLP_PARAM_DOUBLE ("gamma", "step: factor applied at each decay", "0.1", 0, 1),
  DLP_PARAM_DOUBLE (
    "min_lr", "cosine: the rate reached at the last epoch; plateau: the lowest rate", "0", 0, 1e6),
  DLP_PARAM_DOUBLE ("factor", "plateau: factor applied on a plateau", "0.1", 0, 1),
  DLP_PARAM_INT ("patience", "plateau: epochs without improvement before the rate drops", "2", 0,
                 1e9),
  DLP_PARAM_DOUBLE ("threshold", "plateau: the smallest improvement", "0.0001", 0, 1e9),
  DLP_PARAM_ENUM ("monitor", "plateau: the metric watched", "val_loss",
                  "loss|accuracy|val_loss|val_accuracy"),
  DLP_PARAM_END,
};

static gboolean
read_options (DlpTrainSettings *s, GError **error)
{
  DlpConfig *section = s->section;
  if (!dlp_config_validate (section, dlp_train_params, NULL, error))
    return FALSE;
  DlpTrainOptions *o = &s->options;
  gint64 seed = 42, threads = 0;
  g_autofree char *parallelism = NULL, *precision = NULL;
  if (!dlp_config_get_int (section, "epochs", &o->epochs, error)
      || !dlp_config_get_int (section, "batch_size", &o->batch_size, error)
      || !dlp_config_get_int (section, "seed", &seed, error)
      || !dlp_config_get_bool (section, "shuffle", &o->shuffle, error)
      || !dlp_config_get_int (section, "threads", &threads, error)
      || !dlp_config_get_string (section, "parallelism", &parallelism, error)
      || !dlp_config_get_string (section, "precision", &precision, error)
      || !dlp_config_get_double (section, "clip_norm", &o->clip_norm, error)
      || !dlp_config_get_double (section, "clip_value", &o->clip_value, error)
      || !dlp_config_get_double (section, "label_smoothing", &s->label_smoothing, error))
    return FALSE;
  o->seed = (guint64) seed;
  s->threads = threads > 0 ? (guint) threads : g_get_num_processors ();
  s->split_batch = strcmp (parallelism, "batch") == 0;
  g_autoptr (GError) local = NULL;
  if (!dlp_precision_resolve (precision, &s->precision, &local))
    {
      dlp_config_set_error (section, "precision", error, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

/* A subsection, NULL without error when it is absent. */
static gboolean
get_subsection (DlpConfig *section, const char *key, DlpConfig **out, GError **error)
{
  g_autoptr (GError) local = NULL;
  *out = dlp_config_get_section (section, key, TRUE, &local);
  if (local == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

static gboolean
read_early_stopping (DlpTrainSettings *s, GError **error)
{
  DlpTrainOptions *o = &s->options;
  g_autoptr (DlpConfig) es = NULL;
  if (!get_subsection (s->section, "early_stopping", &es, error))
    return FALSE;
  s->monitor = g_strdup ("val_loss");
  o->restore_best = TRUE;
  if (es)
    {
      if (!dlp_config_validate (es, early_stopping_params, NULL, error)
          || !dlp_config_get_string (es, "monitor", &s->monitor, error)
          || !dlp_config_get_int (es, "patience", &o->patience, error)
          || !dlp_config_get_double (es, "min_delta", &o->min_delta, error)
          || !dlp_config_get_bool (es, "restore_best_weights", &o->restore_best, error))
        return FALSE;
    }
  o->monitor = s->monitor;
  return TRUE;
}

static gboolean
read_class_weights (DlpTrainSettings *s, GError **error)
{
  DlpConfig *section = s->section;
  JsonNode *weights = dlp_config_lookup (section, "class_weights");
  if (weights && JSON_NODE_HOLDS_ARRAY (weights))
    return dlp_config_get_double_list (section, "class_weights", &s->class_weight_values, error);
  if (weights && !JSON_NODE_HOLDS_NULL (weights))
    {
      if (!dlp_config_get_string (section, "class_weights", &s->class_weights, error))
        return FALSE;
      if (strcmp (s->class_weights, "balanced") != 0)
        {
          dlp_config_set_error (section, "class_weights", error,
                                "expected a list of weights, one per class, or 'balanced'");
          return FALSE;
        }
    }
  return TRUE;
}

/* The optimizer named in train.optimizer (adam by default). */
static gboolean
read_optimizer (DlpOptimizerSettings *o, DlpConfig *train, DlpRegistry *registry, GError **error)
{
  g_autoptr (DlpConfig) section = NULL;
  if (!get_subsection (train, "optimizer", &section, error))
    return FALSE;
  if (section == NULL)
    section = dlp_config_parse ("train.optimizer (default)", "type: adam\n", -1, NULL);
  const DlpTypeEntry *entry =
    dlp_params_resolve_type (registry, section, "type", DLP_KIND_OPTIMIZER, "adam", NULL, error);
  if (entry == NULL)
    return FALSE;
  o->klass = dlp_type_entry_get_class (entry);
  o->learning_rate = 0.001;
  if (!dlp_config_get_double (section, "learning_rate", &o->learning_rate, error))
    return FALSE;
  o->section = g_steal_pointer (&section);
  return TRUE;
}

gboolean
dlp_schedule_settings_load (DlpScheduleSettings *s, DlpConfig *section, double base_lr,
                            GError **error)
{
  if (!dlp_config_validate (section, dlp_schedule_params, NULL, error))
    return FALSE;
  g_autofree char *type = NULL;
  if (!dlp_config_get_string (section, "type", &type, error)
      || !dlp_config_get_int (section, "step_size", &s->step_size, error)
      || !dlp_config_get_double (section, "gamma", &s->gamma, error)
      || !dlp_config_get_double (section, "min_lr", &s->min_lr, error)
      || !dlp_config_get_double (section, "factor", &s->factor, error)
      || !dlp_config_get_int (section, "patience", &s->patience, error)
      || !dlp_config_get_double (section, "threshold", &s->threshold, error)
      || !dlp_config_get_string (section, "monitor", &s->monitor, error))
    return FALSE;
  const char *kinds[] = { "constant", "step", "cosine", "plateau" };
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (type, kinds[i]) == 0)
      s->kind = (DlpScheduleKind) i;
  if (s->min_lr > base_lr && (s->kind == DLP_SCHEDULE_COSINE || s->kind == DLP_SCHEDULE_PLATEAU))
    {
      dlp_config_set_error (section, "min_lr", error, "must not exceed the learning rate %g",
                            base_lr);
      return FALSE;
    }
  return TRUE;
}

/* train.lr_schedule, against the optimizer's learning rate; none is the
 * constant schedule. */
static gboolean
read_schedule (DlpTrainSettings *s, GError **error)
{
  g_autoptr (DlpConfig) section = NULL;
  if (!get_subsection (s->section, "lr_schedule", &section, error))
    return FALSE;
  return section == NULL
         || dlp_schedule_settings_load (&s->schedule, section, s->optimizer.learning_rate, error);
}

/* train.distributed; without it, one process. */
static gboolean
read_distributed (DlpDistributedSettings *d, DlpConfig *train, DlpRegistry *registry,
                  GError **error)
{
  d->ranks = 1;
  if (!get_subsection (train, "distributed", &d->section, error))
    return FALSE;
  if (d->section == NULL)
    return TRUE;
  g_autofree char *type = g_strdup ("mpi");
  if (!dlp_config_get_string (d->section, "collective", &type, error))
    return FALSE;
  if (dlp_registry_get_entry (registry, DLP_KIND_COLLECTIVE, type, NULL) == NULL)
    {
      dlp_config_set_error (
        d->section, "collective", error,
        "data-parallel training needs the %s collective plugin, which is "
        "not installed%s ('dlpipe plugins' lists the collectives)",
        type,
        strcmp (type, "mpi") == 0 ? " (it is built when Open MPI is found: libopenmpi-dev)" : "");
      return FALSE;
    }
  d->collective = dlp_params_resolve_type (registry, d->section, "collective", DLP_KIND_COLLECTIVE,
                                           "mpi", distributed_keys, error);
  if (d->collective == NULL)
    return FALSE;
  if (!dlp_config_get_int (d->section, "ranks", &d->ranks, error)
      || !dlp_config_get_strv (d->section, "hosts", &d->hosts, error)
      || !dlp_config_get_strv (d->section, "launcher_args", &d->launcher_args, error))
    return FALSE;
  if (d->ranks < 1 || d->ranks > 65536)
    {
      dlp_config_set_error (d->section, "ranks", error,
                            "expected 1 to 65536 ranks, not %" G_GINT64_FORMAT, d->ranks);
      return FALSE;
    }
  return TRUE;
}

gboolean
dlp_train_settings_load (DlpTrainSettings *s, DlpConfig *section, DlpRegistry *registry,
                         GError **error)
{
  s->section =
    section ? dlp_config_ref (section) : dlp_config_parse ("train (defaults)", "{}\n", -1, NULL);
  if (!read_options (s, error) || !read_early_stopping (s, error) || !read_class_weights (s, error)
      || !read_optimizer (&s->optimizer, s->section, registry, error) || !read_schedule (s, error)
      || !read_distributed (&s->distributed, s->section, registry, error))
    return FALSE;
  /* The section as written, overrides included: part of what decides a run. */
  s->leaves = dlp_config_flatten (s->section);
  return TRUE;
}

void
dlp_train_settings_clear (DlpTrainSettings *s)
{
  g_free (s->monitor);
  g_clear_pointer (&s->optimizer.section, dlp_config_unref);
  dlp_schedule_settings_clear (&s->schedule);
  g_free (s->class_weights);
  g_clear_pointer (&s->class_weight_values, g_array_unref);
  g_clear_pointer (&s->leaves, g_ptr_array_unref);
  g_clear_pointer (&s->section, dlp_config_unref);
  g_clear_pointer (&s->distributed.section, dlp_config_unref);
  g_clear_pointer (&s->distributed.hosts, g_strfreev);
  g_clear_pointer (&s->distributed.launcher_args, g_strfreev);
}

float *
dlp_train_settings_class_weights (const DlpTrainSettings *s, const gint32 *labels, gint64 n_rows,
                                  guint n_classes, GError **error)
{
  if (s->class_weight_values)
    {
      if (s->class_weight_values->len != n_classes)
        {
          dlp_config_set_error (s->section, "class_weights", error,
                                "gives %u weights for %u classes", s->class_weight_values->len,
                                n_classes);
          return NULL;
        }
      float *w = g_new (float, n_classes);
      for (guint c = 0; c < n_classes; c++)
        {
          double v = g_array_index (s->class_weight_values, double, c);
          if (v < 0)
            {
              dlp_config_set_error (s->section, "class_weights", error,
                                    "weights must not be negative");
              g_free (w);
              return NULL;
            }
          w[c] = (float) v;
        }
      return w;
    }
  if (s->class_weights == NULL)
    return NULL;
  g_autofree gint64 *counts = g_new0 (gint64, n_classes);
  for (gint64 r = 0; r < n_rows; r++)
    counts[labels[r]]++;
  float *w = g_new (float, n_classes);
  for (guint c = 0; c < n_classes; c++)
    w[c] = counts[c] ? (float) ((double) n_rows / ((double) n_classes * (double) counts[c])) : 0.0f;
  return w;
}
