/* signals.h: SIGINT and SIGTERM stop a run cleanly. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The first SIGINT or SIGTERM cancels @cancellable, so the running stage
 * finishes its current step, saves what it must and stops; a second one
 * ends the process at once. Call it before the process starts any thread:
 * the signals are then blocked in every thread but the one that handles
 * them. */
void dlp_signals_install (GCancellable *cancellable);
/* The first signal received, or 0. */
int dlp_signals_received (void);
/* A GSpawnChildSetupFunc: a child process starts with SIGINT and SIGTERM
 * unblocked, as they are blocked in every thread of dlpipe but one. */
void dlp_signals_child_setup (gpointer user_data);

G_END_DECLS
