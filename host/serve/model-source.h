/* model-source.h: the model `dlpipe serve --model` names. Either a
 * package folder, or a model of the tracker's registry:
 *   models:/NAME@ALIAS     the version an alias points at (followable)
 *   models:/NAME/VERSION   one version
 *   runs:/RUN_ID/PATH      a run's artifact folder
 * A registry model is downloaded into a cache folder, into a temporary
 * folder first, loaded there to check it, and only then renamed into
 * place: a damaged or cut download is never served, nor left for the next
 * start. Versions never change in MLflow, so an entry once in the cache
 * is served from there. */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include <dlpipe/host/dlp-predictor.h>

G_BEGIN_DECLS

typedef struct _DlpModelSource DlpModelSource;

/* The source of @model. @tracking is the tracking section to reach the
 * registry with (NULL: `tracker: mlflow`, MLFLOW_TRACKING_URI and the
 * credentials variables); @cache_dir where downloads go (NULL: the user's
 * cache folder, dlpipe/models). Touches no network. */
DlpModelSource *dlp_model_source_new (const char *model, DlpConfig *tracking, DlpRegistry *registry,
                                      const char *cache_dir, GCancellable *cancellable,
                                      GError **error);
void dlp_model_source_free (DlpModelSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpModelSource, dlp_model_source_free)

/* Whether @model is a registry URI rather than a folder. */
gboolean dlp_model_source_is_uri (const char *model);
/* Whether the source names an alias, which can move. */
gboolean dlp_model_source_can_follow (DlpModelSource *source);

/* Resolves the source now and returns the predictor of what it names,
 * fetching it into the cache when it is not there. With @if_changed, NULL
 * and no error when it names the version last loaded. Callable from any
 * one thread at a time. */
DlpPredictor *dlp_model_source_load (DlpModelSource *source, gboolean if_changed, GError **error);
/* What was loaded last: "models:/NAME@champion (version 3)", or the
 * folder. */
const char *dlp_model_source_describe (DlpModelSource *source);

G_END_DECLS
