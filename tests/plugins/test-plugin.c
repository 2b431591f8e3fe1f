/* test-plugin.c: plugins for the loader tests, one per refusal.
 *
 * Compiled once per variant (VARIANT_GOOD, VARIANT_ABI, ...); each variant
 * breaks exactly one rule, and the loader test asserts the error code. */
#include <dlpipe/dlpipe.h>

G_GNUC_UNUSED static DlpDataset *
test_load (DlpConfig *config, DlpContext *context, GError **error)
{
  (void) config;
  (void) context;
  (void) error;
  return dlp_dataset_new (0);
}

static const DlpParamSpec test_params[] = {
  DLP_PARAM_REQUIRED ("path", DLP_PARAM_PATH, "Where the data is"),
  DLP_PARAM_INT ("rows", "How many rows", "10", 1, 100),
  DLP_PARAM_END,
};

G_GNUC_UNUSED static const DlpSourceClass test_source = {
  .struct_size = sizeof (DlpSourceClass),
  .name = "test_source",
  .description = "A source for tests",
  .params = test_params,
  .load = test_load,
};

G_GNUC_UNUSED static gpointer
transform_create (DlpConfig *config, GError **error)
{
  (void) config;
  (void) error;
  return g_new0 (int, 1);
}

G_GNUC_UNUSED static DlpDataset *
transform_apply (gpointer self, DlpDataset *dataset, DlpContext *context, GError **error)
{
  (void) self;
  (void) context;
  (void) error;
  return dlp_dataset_ref (dataset);
}

#if defined(VARIANT_GOOD)
/* As an older plugin would fill it: the struct ends before save_state. */
static const DlpTransformClass old_transform = {
  .struct_size = G_STRUCT_OFFSET (DlpTransformClass, save_state),
  .name = "test_old_transform",
  .description = "A transform built against an older, smaller DlpTransformClass",
  .create = transform_create,
  .destroy = g_free,
  .apply = transform_apply,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_source (registry, &test_source, error)
         && dlp_registry_add_transform (registry, &old_transform, error);
}

#elif defined(VARIANT_DUPLICATE_TYPE)
static const DlpSourceClass extra_source = {
  .struct_size = sizeof (DlpSourceClass),
  .name = "test_dup_extra",
  .description = "Registered before the duplicate; must be rolled back",
  .load = test_load,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  /* test_source also comes from test_good. */
  return dlp_registry_add_source (registry, &extra_source, error)
         && dlp_registry_add_source (registry, &test_source, error);
}

#elif defined(VARIANT_MISSING_CALLBACK)
static const DlpTransformClass no_apply = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "test_no_apply",
  .description = "A transform that cannot apply itself",
  .create = transform_create,
  .destroy = g_free,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_transform (registry, &no_apply, error);
}

#elif defined(VARIANT_INIT_FAILS)
static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  (void) registry;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the device it needs is absent");
  return FALSE;
}

#else
static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_source (registry, &test_source, error);
}
#endif

#if defined(VARIANT_NO_ENTRY)
/* Exported under a name the loader does not look for. */
DLP_PLUGIN_DEFINE (some_other_name, "1.0", "MIT", "Wrong entry symbol", plugin_init)

#elif defined(VARIANT_ABI) || defined(VARIANT_API_LEVEL) || defined(VARIANT_SIGNATURE) \
  || defined(VARIANT_NAME_MISMATCH)
#if defined(VARIANT_ABI)
#define ABI (DLP_ABI_VERSION + 1)
#else
#define ABI DLP_ABI_VERSION
#endif
#if defined(VARIANT_API_LEVEL)
#define LEVEL (DLP_API_LEVEL + 1)
#else
#define LEVEL DLP_API_LEVEL
#endif
#if defined(VARIANT_SIGNATURE)
#define SIGNATURE "abi=1;ptr=4;size=4;long=4;order=4321;glib=2"
#else
#define SIGNATURE DLP_BUILD_SIGNATURE
#endif
#if defined(VARIANT_NAME_MISMATCH)
#define DESC_NAME "test_someone_else"
#else
#define DESC_NAME G_STRINGIFY (PLUGIN_NAME)
#endif
DLP_PLUGIN_EXPORT const DlpPluginDesc *G_PASTE (dlp_plugin_,
                                                G_PASTE (PLUGIN_NAME, _get_desc)) (void);
const DlpPluginDesc *
G_PASTE (dlp_plugin_, G_PASTE (PLUGIN_NAME, _get_desc)) (void)
{
  static const DlpPluginDesc desc = {
    .struct_size = sizeof (DlpPluginDesc),
    .abi_version = ABI,
    .api_level = LEVEL,
    .build_signature = SIGNATURE,
    .name = DESC_NAME,
    .version = "1.0",
    .license = "MIT",
    .description = "A plugin that breaks one loader rule",
    .init = plugin_init,
  };
  return &desc;
}

#else
DLP_PLUGIN_DEFINE (PLUGIN_NAME, "1.2.3", "MIT", "A plugin for the loader tests", plugin_init)
#endif
