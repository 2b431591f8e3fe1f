/* data-test-util.h: loading the built plugins and driving sources,
 * transform steps and splitters directly, as the data stages do. */
#pragma once

#include "../unit/dlp-check.h"

/* A context of dlp_test_registry (). */
DlpContext *data_test_context (void);

/* A params view parsed from YAML text (file name "params.yaml"). */
DlpConfig *data_test_config (const char *yaml);

/* Runs source @type on settings @yaml (validated like the stage does). */
DlpDataset *data_test_load (const char *type, const char *yaml, GError **error);

/* Creates step @type from @yaml settings, fits it on @ds (if it can be
 * fitted) and applies it; *state_out (may be NULL) gets its saved state. */
DlpDataset *data_test_step (const char *type, const char *yaml, DlpDataset *ds,
                            JsonNode **state_out, GError **error);
/* Creates step @type, loads @state instead of fitting, and applies it:
 * what serving does. */
DlpDataset *data_test_step_from_state (const char *type, const char *yaml, JsonNode *state,
                                       DlpDataset *ds, GError **error);

/* Runs splitter @type with settings @yaml. */
gboolean data_test_split (const char *type, const char *yaml, DlpDataset *ds, DlpDataset **train,
                          DlpDataset **test, DlpDataset **val, GError **error);

/* A float32 [n] column / int32 categorical column from values. */
void data_test_add_floats (DlpDataset *ds, const char *name, const float *values,
                           DlpColumnRole role);
void data_test_add_codes (DlpDataset *ds, const char *name, const gint32 *codes,
                          const char *const *categories, DlpColumnRole role);
const float *data_test_floats (DlpDataset *ds, const char *name);
const gint32 *data_test_codes (DlpDataset *ds, const char *name);
