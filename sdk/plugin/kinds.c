/* kinds.c: what each kind of plugin type must provide. */
#include <stddef.h>
#include "kinds.h"

/* clang-format off */
#define REQ(type, field) { offsetof (type, field), #field }
/* clang-format on */

static const DlpRequiredField source_required[] = { REQ (DlpSourceClass, load), { 0, NULL } };
static const DlpRequiredField transform_required[] = { REQ (DlpTransformClass, create),
                                                       REQ (DlpTransformClass, destroy),
                                                       REQ (DlpTransformClass, apply),
                                                       { 0, NULL } };
static const DlpRequiredField splitter_required[] = { REQ (DlpSplitterClass, split), { 0, NULL } };
static const DlpRequiredField layer_required[] = { REQ (DlpLayerClass, keras_class),
                                                   REQ (DlpLayerClass, create),
                                                   REQ (DlpLayerClass, destroy),
                                                   REQ (DlpLayerClass, plan),
                                                   REQ (DlpLayerClass, forward),
                                                   REQ (DlpLayerClass, backward),
                                                   { 0, NULL } };
static const DlpRequiredField model_required[] = { REQ (DlpModelClass, build), { 0, NULL } };
static const DlpRequiredField optimizer_required[] = { REQ (DlpOptimizerClass, create),
                                                       REQ (DlpOptimizerClass, destroy),
                                                       REQ (DlpOptimizerClass, update),
                                                       { 0, NULL } };
static const DlpRequiredField tracker_required[] = { REQ (DlpTrackerClass, create),
                                                     REQ (DlpTrackerClass, destroy),
                                                     REQ (DlpTrackerClass, start_run),
                                                     REQ (DlpTrackerClass, end_run),
                                                     { 0, NULL } };

static const DlpRequiredField collective_required[] = { REQ (DlpCollectiveClass, create),
                                                        REQ (DlpCollectiveClass, destroy),
                                                        REQ (DlpCollectiveClass, rank),
                                                        REQ (DlpCollectiveClass, size),
                                                        REQ (DlpCollectiveClass, allreduce_sum),
                                                        REQ (DlpCollectiveClass, broadcast),
                                                        REQ (DlpCollectiveClass, barrier),
                                                        REQ (DlpCollectiveClass, abort),
                                                        { 0, NULL } };

static const DlpKindInfo kinds[DLP_N_KINDS] = {
  [DLP_KIND_SOURCE] = { "source", "DlpSourceClass", sizeof (DlpSourceClass), source_required },
  [DLP_KIND_TRANSFORM] = { "transform", "DlpTransformClass", sizeof (DlpTransformClass),
                           transform_required },
  [DLP_KIND_SPLITTER] = { "splitter", "DlpSplitterClass", sizeof (DlpSplitterClass),
                          splitter_required },
  [DLP_KIND_LAYER] = { "layer", "DlpLayerClass", sizeof (DlpLayerClass), layer_required },
  [DLP_KIND_MODEL] = { "model", "DlpModelClass", sizeof (DlpModelClass), model_required },
  [DLP_KIND_OPTIMIZER] = { "optimizer", "DlpOptimizerClass", sizeof (DlpOptimizerClass),
                           optimizer_required },
  [DLP_KIND_TRACKER] = { "tracker", "DlpTrackerClass", sizeof (DlpTrackerClass), tracker_required },
  [DLP_KIND_COLLECTIVE] = { "collective", "DlpCollectiveClass", sizeof (DlpCollectiveClass),
                            collective_required },
};

const DlpKindInfo *
dlp_kind_info (DlpKind kind)
{
  g_return_val_if_fail ((guint) kind < DLP_N_KINDS, NULL);
  return &kinds[kind];
}

const char *
dlp_kind_name (DlpKind kind)
{
  if ((guint) kind >= DLP_N_KINDS)
    return "?";
  return kinds[kind].name;
}

gboolean
dlp_kind_from_name (const char *name, DlpKind *kind_out)
{
  for (guint i = 0; i < DLP_N_KINDS; i++)
    if (g_strcmp0 (name, kinds[i].name) == 0)
      {
        *kind_out = (DlpKind) i;
        return TRUE;
      }
  return FALSE;
}
