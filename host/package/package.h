/* package.h: the model package in models/final, everything `dlpipe serve`
 * and `dlpipe predict` need to score raw inputs:
 *   model.json            the architecture
 *   weights.safetensors   the trained weights (PyTorch state-dict names)
 *   dlpipe.json           the manifest: the raw inputs it accepts (names,
 *                         types, shapes, categories), the preprocessing
 *                         steps with their fitted state, the class names,
 *                         the test metrics, and what scoring needs: the
 *                         dlpipe version, ABI, API level, build signature
 *                         and every plugin type (with its plugin and
 *                         version)
 *   MLmodel               MLflow's description, with the input signature */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include <dlpipe/host/dlp-graph.h>

G_BEGIN_DECLS

/* The package's environment: the dlpipe version, ABI, API level, build
 * signature, precision and kernels, and every plugin type it needs; the
 * run logs it as an artifact of its own. */
#define DLP_PACKAGE_ENVIRONMENT "environment.json"

/* Writes the package into folder @dir: @graph's architecture and weights,
 * and from @test_data's metadata the input schema and preprocessing the
 * data stages recorded; @class_names label the outputs; @metrics (may be
 * NULL) are kept in the manifest; @run_id (may be NULL) goes to MLmodel;
 * @registry names the plugins of the types used. */
gboolean dlp_package_write (const char *dir, DlpRegistry *registry, DlpGraph *graph,
                            DlpDataset *test_data, const char *const *class_names,
                            JsonNode *metrics, const char *run_id, GError **error);

/* The plugin types that scoring @graph after the preprocessing @steps
 * (the manifest's array, may be NULL) needs: [{kind, type, plugin,
 * version}], in the order first used (package-plugins.c). */
JsonArray *dlp_package_plugins (DlpRegistry *registry, DlpGraph *graph, JsonNode *steps);

/* Reading a package is the SDK's predictor: <dlpipe/host/dlp-predictor.h>. */

G_END_DECLS
