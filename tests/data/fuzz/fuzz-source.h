/* fuzz-source.h: running a source plugin that is linked into the fuzz
 * target on files written from the fuzzer's input. */
#pragma once

#include <dlpipe/dlpipe-host.h>

/* The source @type of the plugin @desc, registered once in-process. */
const DlpSourceClass *fuzz_source_class (const DlpPluginDesc *desc, const char *type);
/* Writes @len bytes to NAME in a private folder made once; returns the path. */
const char *fuzz_write_file (const char *name, const void *data, gsize len);
/* Loads with settings @yaml and frees whatever comes back. */
void fuzz_load (const DlpSourceClass *klass, const char *yaml);
