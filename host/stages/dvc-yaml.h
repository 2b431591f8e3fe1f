/* dvc-yaml.h: dvc.yaml from the stages' own declarations of what they
 * read and write, so that the two never drift apart. */
#pragma once

#include "stages.h"

G_BEGIN_DECLS

/* What `dlpipe version --components` writes for a dvc.yaml's stages. */
#define DLP_DVC_VERSIONS_FILE ".dlpipe/versions.txt"

/* The dvc.yaml text for @params (read from @params_file, NULL for
 * params.yaml). Each stage depends on what decides its result besides its
 * inputs: with @code_root (the dlpipe source folder, relative to the
 * pipeline's folder; for developing dlpipe) the source files and plugin
 * folders, else the versions of the installed dlpipe and plugins, written
 * by a first stage, dlpipe_versions. */
char *dlp_dvc_yaml_generate (DlpConfig *params, const char *params_file, const char *code_root);

G_END_DECLS
