/* run-facts.h: what a run records about where it ran: the user, the git
 * commit, the versions of dlpipe, its plugins and OpenBLAS, DVC's stage. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

/* A new run key: 32 hex digits, like MLflow's run ids. */
char *dlp_run_key_new (void);
gboolean dlp_run_key_is_valid (const char *key);

/* Adds to the start_run @record: user, source_name, git_commit, git_branch,
 * git_repo_url (when the working folder is in a git repository), and tags:
 * dlpipe.version, dlpipe.plugin.NAME (each plugin's version),
 * dlpipe.openblas.core and .threads, dvc.stage and dvc.exp_name (under
 * DVC), dlpipe.stage when @new_run. */
void dlp_run_facts_add (JsonObject *record, DlpRegistry *registry, const char *stage,
                        gboolean new_run);

G_END_DECLS
