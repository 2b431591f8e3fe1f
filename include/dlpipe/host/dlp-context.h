/* host/dlp-context.h: making a DlpContext and wiring it to the run. */
#pragma once

#include <dlpipe/dlp-context.h>

G_BEGIN_DECLS

/**
 * DlpProgressFunc:
 * @task: (transfer none): what the plugin is doing
 * @done: units done so far
 * @total: units in all, 0 if unknown
 * @user_data: what dlp_context_set_progress_func() was given
 *
 * Called for each dlp_context_progress(), on the plugin's thread.
 */
typedef void (*DlpProgressFunc) (const char *task, guint64 done, guint64 total, gpointer user_data);

/**
 * dlp_context_new:
 * @registry: (transfer none) (nullable): the registry plugins may use; the
 *   context takes its own reference
 *
 * Makes a context with a cancellable of its own, one thread and no
 * progress function.
 *
 * Returns: (transfer full): the context
 */
DLP_API DlpContext *dlp_context_new (DlpRegistry *registry);

/**
 * dlp_context_set_cancellable:
 * @context: the context
 * @cancellable: (transfer none): the run's cancellable (one per process
 *   run); the context takes its own reference
 *
 * Shares the run's cancellable with the plugins given @context.
 */
DLP_API void dlp_context_set_cancellable (DlpContext *context, GCancellable *cancellable);

/**
 * dlp_context_set_n_threads:
 * @context: the context
 * @n_threads: the worker threads plugins may use; 0 counts as 1
 */
DLP_API void dlp_context_set_n_threads (DlpContext *context, guint n_threads);

/**
 * dlp_context_set_progress_func:
 * @context: the context
 * @func: (nullable): called for each dlp_context_progress()
 * @user_data: (transfer full) (nullable): passed to @func; the context
 *   owns it and frees it with @destroy
 * @destroy: (nullable): frees @user_data when replaced or when the context
 *   is freed
 *
 * Sets the function that receives progress, freeing the previous one's
 * data.
 */
DLP_API void dlp_context_set_progress_func (DlpContext *context, DlpProgressFunc func,
                                            gpointer user_data, GDestroyNotify destroy);

G_END_DECLS
