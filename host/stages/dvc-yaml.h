/* dvc-yaml.h: dvc.yaml from the stages' own declarations of what they
 * read and write, so that the two never drift apart. */
#pragma once

#include "stages.h"

G_BEGIN_DECLS

/* The dvc.yaml text for @params (read from @params_file, NULL for
 * params.yaml). With @code_root (the project's source folder, relative to
 * the pipeline's folder), each stage also depends on the source files and
 * plugin folders that decide its result. */
char *dlp_dvc_yaml_generate (DlpConfig *params, const char *params_file,
                             const char *code_root);

G_END_DECLS
