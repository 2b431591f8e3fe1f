/* champion.h: whether model_test's new version takes the alias champion. */
#pragma once

#include "stages.h"
#include "../tracking/tracking.h"

G_BEGIN_DECLS

/* TRUE when the version model_test registers becomes the champion: its
 * @accuracy reaches @threshold (test.champion_accuracy; NaN: never) and
 * beats the current champion's test_accuracy on the same test split
 * (@split_md5), or there is no champion yet. Asks the registry on this
 * thread; logs the champion's figure as champion_test_accuracy and says
 * what it decided, and why. A registry that cannot be read leaves the
 * champion as it is, with a warning. */
gboolean dlp_champion_decide (DlpStageRun *run, DlpTracking *tracking, double accuracy,
                              double threshold, const char *split_md5);

G_END_DECLS
