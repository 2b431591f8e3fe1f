/* replay.h: delivering spooled records, in order, each once. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct {
  guint n_files;     /* spool files emptied and removed */
  guint n_delivered; /* records delivered */
  guint n_rejected;  /* records the server refused (kept in rejected.jsonl) */
} DlpReplayStats;

/* Delivers the records of spool file @name in @dir that were not
 * delivered yet, each as a possible redelivery, and removes the file when
 * all are done. Records the server refuses go to rejected.jsonl. Stops at
 * the first record that cannot be delivered now (the server cannot be
 * reached, or the run cannot be started), and on a file locked by another
 * process (DLP_ERROR_NETWORK with "in use" in the message). */
gboolean dlp_tracking_replay_file (DlpRegistry *registry, const char *dir, const char *name,
                                   GCancellable *cancellable, DlpReplayStats *stats,
                                   GError **error);

/* Replays every spool file of @dir in the order they were made, stopping
 * at the first that cannot be finished (later files may continue its runs). */
gboolean dlp_tracking_replay_all (DlpRegistry *registry, const char *dir, GCancellable *cancellable,
                                  DlpReplayStats *stats, GError **error);

G_END_DECLS
