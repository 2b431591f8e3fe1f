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
int dlp_cmd_predict (DlpApp *app, int argc, char **argv);
#ifdef DLP_HAVE_SERVE
int dlp_cmd_serve (DlpApp *app, int argc, char **argv);
#endif

/* Prints JSON to stdout, pretty and newline-terminated. */
void dlp_print_json (JsonNode *node);

G_END_DECLS
