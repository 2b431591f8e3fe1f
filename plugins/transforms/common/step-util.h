/* step-util.h: what the built-in transform steps share.
 *
 * Steps act on named columns. Without a `columns` setting a step picks the
 * feature columns it can handle (numeric ones for normalize, categorical
 * ones for one_hot...); the label and auxiliary columns are only touched
 * when named. The columns a step acted on are part of its saved state, so
 * the same step applied at serving time finds the same columns; there the
 * label column is absent, and a step skips it. */
#pragma once

#include <dlpipe/dlpipe.h>

G_BEGIN_DECLS

typedef enum {
  STEP_NUMERIC = 1 << 0, /* numeric columns of any dtype */
  STEP_CATEGORICAL = 1 << 1,
  STEP_FLOAT = 1 << 2, /* only f32/f64 among numeric ones */
} StepKinds;

/* The columns setting (NULL when absent). */
gboolean step_get_columns (DlpConfig *config, GStrv *out, GError **error);

/* Names of the columns to act on: @names if not NULL (each must exist and
 * be of @kinds; @step names the step in messages), else every feature
 * column of @kinds. */
GStrv step_pick_columns (DlpDataset *ds, const char *const *names, StepKinds kinds,
                         const char *step, GError **error);

/* Index of column @name in @ds; -1 without error if it is absent and was
 * the label when the step was fitted (@label), else -1 with an error. */
int step_find_column (DlpDataset *ds, const char *name, const char *label, GError **error);
/* The label column's name, or NULL. */
const char *step_label_name (DlpDataset *ds);

gboolean step_column_is_kind (DlpDataset *ds, guint index, StepKinds kinds);

/* A copy of @ds whose column @index is replaced by @tensor, as a numeric
 * column (@categories NULL) or a categorical one; order, roles and
 * metadata are kept. The column may change kind, dtype and shape. */
DlpDataset *step_with_column (DlpDataset *ds, guint index, DlpTensor *tensor,
                              const char *const *categories, guint n_categories, GError **error);

/* The values of a numeric column as a new float32 tensor of its shape. */
DlpTensor *step_to_f32 (DlpTensor *tensor, GError **error);

/* For each category of @have, its index in @want (-1 if @want lacks it):
 * how codes of a dataset map onto the categories a step was fitted on. */
gint32 *step_map_categories (const char *const *have, guint n_have, const char *const *want,
                             guint n_want);

/* States as JSON. */
JsonNode *step_strv_to_json (const char *const *strv);
GStrv step_json_to_strv (JsonNode *node, const char *what, GError **error);
/* A step's saved state: @state (taken) with the label column's name, when
 * the step was fitted with one, last. */
JsonNode *step_state_to_json (JsonObject *state, const char *label);
/* The label column's name saved in @state, or NULL: a new string. */
char *step_state_get_label (JsonNode *state);
/* The object member @key of @state, with a clear error if absent. */
JsonNode *step_state_member (JsonNode *state, const char *key, const char *step, GError **error);

G_END_DECLS
