/* model-registry.h: the tracker's model registry, read and changed on the
 * calling thread (not through the worker and its spool): the champion
 * check of model_test, `dlpipe mlflow models` and `promote`.
 *
 * Versions are JSON objects as dlp-tracker.h describes them:
 *   {"name", "version", "run_id", "source", "aliases": [...],
 *    "metrics": {KEY: NUMBER}, "tags": {KEY: STRING}} */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

/* The tag model_test sets on its run: the MD5 of the test split it scored,
 * so that two versions' test metrics are compared only on the same rows. */
#define DLP_TEST_SPLIT_MD5_TAG "dlpipe.test_split_md5"

typedef struct _DlpModelRegistry DlpModelRegistry;

typedef enum {
  DLP_MODEL_REGISTRY_WAIT = 0,
  /* Calls give up, with DLP_ERROR_NETWORK, once tracking.flush_timeout
   * seconds have passed since the registry was opened: a stage does not
   * wait out the tracker's retries of a server that is down. */
  DLP_MODEL_REGISTRY_BOUNDED = 1 << 0,
} DlpModelRegistryFlags;

/* The registry of the tracker of params.yaml's tracking @section (NULL:
 * none), its type found in @registry; calls stop when @cancellable is
 * cancelled. DLP_ERROR_NOT_SUPPORTED when that tracker has no registry
 * (none). Touches no network. */
DlpModelRegistry *dlp_model_registry_open (DlpConfig *section, DlpRegistry *registry,
                                           DlpModelRegistryFlags flags, GCancellable *cancellable,
                                           GError **error);
/* tracking.registered_model of the section. */
const char *dlp_model_registry_get_model_name (DlpModelRegistry *registry);

/* The version @alias of @model_name points at; DLP_ERROR_NOT_FOUND when
 * the model or the alias does not exist. */
JsonObject *dlp_model_registry_get_alias (DlpModelRegistry *registry, const char *model_name,
                                          const char *alias, GError **error);
/* The versions of @model_name (NULL: of every model), newest first. */
JsonArray *dlp_model_registry_list (DlpModelRegistry *registry, const char *model_name,
                                    GError **error);
/* Version @version of @model_name; DLP_ERROR_NOT_FOUND when there is no
 * such model or version. */
JsonObject *dlp_model_registry_get_version (DlpModelRegistry *registry, const char *model_name,
                                            const char *version, GError **error);
/* Downloads the artifacts @uri names (a version's "source", or
 * runs:/RUN_ID/PATH) into @local_dir, an empty folder that exists.
 * DLP_ERROR_NOT_SUPPORTED when the tracker cannot download. */
gboolean dlp_model_registry_download (DlpModelRegistry *registry, const char *uri,
                                      const char *local_dir, GError **error);
gboolean dlp_model_registry_set_alias (DlpModelRegistry *registry, const char *model_name,
                                       const char *alias, const char *version, GError **error);

void dlp_model_registry_free (DlpModelRegistry *registry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpModelRegistry, dlp_model_registry_free)

/* The MD5 of the file @path in hex, as DVC computes it. */
char *dlp_file_md5 (const char *path, GError **error);

G_END_DECLS
