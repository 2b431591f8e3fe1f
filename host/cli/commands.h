/* commands.h: the host's subcommands. Each gets argv with argv[0] set to
 * "dlpipe COMMAND" and returns an exit status. */
#pragma once

#include "../app/app.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;
  const char *summary;
  int (*run) (DlpApp *app, int argc, char **argv);
} DlpCommand;

int dlp_cmd_plugins (DlpApp *app, int argc, char **argv);
int dlp_cmd_inspect (DlpApp *app, int argc, char **argv);
int dlp_cmd_version (DlpApp *app, int argc, char **argv);
int dlp_cmd_stage (DlpApp *app, int argc, char **argv);
int dlp_cmd_run (DlpApp *app, int argc, char **argv);
int dlp_cmd_dag (DlpApp *app, int argc, char **argv);
int dlp_cmd_dvc_yaml (DlpApp *app, int argc, char **argv);
int dlp_cmd_mlflow (DlpApp *app, int argc, char **argv);
int dlp_cmd_mlflow_models (DlpApp *app, int argc, char **argv);
int dlp_cmd_mlflow_promote (DlpApp *app, int argc, char **argv);
int dlp_cmd_predict (DlpApp *app, int argc, char **argv);
#ifdef DLP_HAVE_SERVE
int dlp_cmd_serve (DlpApp *app, int argc, char **argv);
#endif

/* Parses a command's options: @entries (NULL-ended; may be NULL) after
 * any already in @ctx, then the global ones; --help shows @summary. With
 * @operands FALSE, an argument left is a usage error. Returns -1 to go on,
 * or the exit status to return now. */
int dlp_cmd_parse_options (DlpApp *app, GOptionContext *ctx, const char *summary,
                           const GOptionEntry *entries, gboolean operands, int *argc, char ***argv);

/* TRUE if @name is a --precision that serve and predict take: fp32, bf16
 * or auto. */
gboolean dlp_cmd_precision_name_valid (const char *name);

/* Prints JSON to stdout, pretty and newline-terminated. */
void dlp_print_json (JsonNode *node);

G_END_DECLS
