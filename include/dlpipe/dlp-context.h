/* dlp-context.h: what the host gives a plugin while it works. */
#pragma once

#include <gio/gio.h>
#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

typedef struct _DlpContext DlpContext;
typedef struct _DlpRegistry DlpRegistry;

/**
 * dlp_context_ref:
 * @context: the context
 *
 * Takes a reference, to keep a context given to a callback past the call;
 * any thread may.
 *
 * Returns: (transfer full): @context
 */
DLP_API DlpContext *dlp_context_ref (DlpContext *context);

/**
 * dlp_context_unref:
 * @context: (nullable) (transfer full): the context
 *
 * Drops a reference, freeing the context with the last one.
 */
DLP_API void dlp_context_unref (DlpContext *context);

/**
 * dlp_context_get_registry:
 * @context: the context
 *
 * The registry, so that one plugin can use types of another (the http
 * source parses with the csv source, say).
 *
 * Returns: (transfer none) (nullable): the registry, valid while @context
 *   lives; %NULL if the host gave none
 */
DLP_API DlpRegistry *dlp_context_get_registry (DlpContext *context);

/**
 * dlp_context_get_cancellable:
 * @context: the context
 *
 * Returns: (transfer none): the run's cancellable, cancelled when the user
 *   asks the run to stop (SIGINT, SIGTERM); valid while @context lives
 */
DLP_API GCancellable *dlp_context_get_cancellable (DlpContext *context);

/**
 * dlp_context_is_cancelled:
 * @context: the context
 * @error: (nullable): return location for an error
 *
 * Checks whether the run should stop; cheap enough for every chunk of work.
 *
 * Returns: %TRUE with @error set to DLP_ERROR_CANCELLED if the run should
 *   stop; %FALSE otherwise
 */
DLP_API gboolean dlp_context_is_cancelled (DlpContext *context, GError **error);

/**
 * dlp_context_get_n_threads:
 * @context: the context
 *
 * Returns: the worker threads the run may use, 1 or more
 */
DLP_API guint dlp_context_get_n_threads (DlpContext *context);

/**
 * dlp_context_progress:
 * @context: the context
 * @task: (transfer none): what is being done ("reading train.csv")
 * @done: units done so far
 * @total: units in all, 0 if unknown
 *
 * Reports progress of long work; cheap enough to call per chunk.
 */
DLP_API void dlp_context_progress (DlpContext *context, const char *task, guint64 done,
                                   guint64 total);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpContext, dlp_context_unref)

G_END_DECLS
