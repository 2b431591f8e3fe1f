/* test-optimizers.c: each optimizer's update against values worked out by
 * hand from PyTorch's update rules. */
#include <math.h>
#include "../unit/dlp-check.h"

static DlpRegistry *registry;

static void
setup (void)
{
  registry = dlp_test_registry_new ();
}

static void
teardown (void)
{
  g_clear_pointer (&registry, dlp_registry_unref);
}

typedef struct {
  const DlpOptimizerClass *klass;
  gpointer self;
  float *state;
  guint64 step;
  double lr;
} Opt;

static Opt
make (const char *type, const char *settings_yaml, gsize n)
{
  Opt o = { 0 };
  const DlpTypeEntry *entry = dlp_registry_get_entry (registry, DLP_KIND_OPTIMIZER, type, NULL);
  ck_assert_msg (entry != NULL, "no optimizer %s", type);
  o.klass = dlp_type_entry_get_class (entry);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) root = dlp_config_parse ("params.yaml", settings_yaml, -1, &error);
  dlp_assert_no_error (error);
  g_autoptr (DlpConfig) section = dlp_config_get_section (root, "optimizer", FALSE, &error);
  const char *extra[] = { "type", NULL };
  ck_assert (dlp_config_validate (section, dlp_type_entry_get_params (entry), extra, &error));
  ck_assert (dlp_config_get_double (section, "learning_rate", &o.lr, &error));
  o.self = o.klass->create (section, &error);
  dlp_assert_no_error (error);
  gsize state = o.klass->get_state_size ? o.klass->get_state_size (o.self, n) : 0;
  o.state = g_new0 (float, MAX (state, 1));
  return o;
}

static void
step (Opt *o, float *params, const float *grads, gsize n)
{
  DlpOptimizerStep s = { sizeof s, o->lr, ++o->step };
  o->klass->update (o->self, params, grads, o->state, n, &s);
}

static void
clear (Opt *o)
{
  o->klass->destroy (o->self);
  g_free (o->state);
}

/* Within float32 rounding of the moment estimates. */
/* clang-format off */
#define assert_close(got, want) \
  ck_assert_msg (fabs ((double) (got) - (want)) < 1e-5, "got %.9g, want %.9g", (double) (got), (double) (want))
/* clang-format on */

START_TEST (test_sgd_plain_and_weight_decay)
{
  Opt o = make ("sgd", "optimizer: {type: sgd, learning_rate: 0.1}", 1);
  float p = 1, g = 0.5f;
  step (&o, &p, &g, 1);
  assert_close (p, 0.95);
  clear (&o);

  Opt w = make ("sgd", "optimizer: {type: sgd, learning_rate: 0.1, weight_decay: 0.1}", 1);
  p = 1;
  step (&w, &p, &g, 1);
  assert_close (p, 0.94); /* g = 0.5 + 0.1 * 1 */
  clear (&w);
}
END_TEST

START_TEST (test_sgd_momentum_nesterov_dampening)
{
  float g = 0.5f, p = 1;
  Opt m = make ("sgd", "optimizer: {type: sgd, learning_rate: 0.1, momentum: 0.9}", 1);
  step (&m, &p, &g, 1);
  assert_close (p, 0.95); /* v = g */
  step (&m, &p, &g, 1);
  assert_close (p, 0.855); /* v = 0.9 * 0.5 + 0.5 = 0.95 */
  clear (&m);

  p = 1;
  Opt n =
    make ("sgd", "optimizer: {type: sgd, learning_rate: 0.1, momentum: 0.9, nesterov: true}", 1);
  step (&n, &p, &g, 1);
  assert_close (p, 0.905); /* d = g + 0.9 v = 0.95 */
  step (&n, &p, &g, 1);
  assert_close (p, 0.7695); /* v = 0.95, d = 0.5 + 0.855 */
  clear (&n);

  p = 1;
  Opt d =
    make ("sgd", "optimizer: {type: sgd, learning_rate: 0.1, momentum: 0.9, dampening: 0.5}", 1);
  step (&d, &p, &g, 1);
  assert_close (p, 0.95); /* no dampening on the first step */
  step (&d, &p, &g, 1);
  assert_close (p, 0.88); /* v = 0.45 + 0.25 */
  clear (&d);
}
END_TEST

START_TEST (test_sgd_rejects_nesterov_without_momentum)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) root =
    dlp_config_parse ("params.yaml", "optimizer: {type: sgd, nesterov: true}\n", -1, NULL);
  g_autoptr (DlpConfig) section = dlp_config_get_section (root, "optimizer", FALSE, NULL);
  const DlpTypeEntry *entry = dlp_registry_get_entry (registry, DLP_KIND_OPTIMIZER, "sgd", NULL);
  const char *extra[] = { "type", NULL };
  ck_assert (dlp_config_validate (section, dlp_type_entry_get_params (entry), extra, NULL));
  const DlpOptimizerClass *k = dlp_type_entry_get_class (entry);
  ck_assert_ptr_null (k->create (section, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                    "optimizer.nesterov: Nesterov momentum needs");
}
END_TEST

START_TEST (test_adam)
{
  Opt o = make ("adam", "optimizer: {type: adam, learning_rate: 0.1}", 2);
  ck_assert_uint_eq (o.klass->get_state_size (o.self, 2), 4);
  float p[2] = { 1, 1 }, g[2] = { 0.5f, 1 };
  step (&o, p, g, 2);
  assert_close (p[0], 0.9); /* the first step moves lr against the sign */
  assert_close (p[1], 0.9);
  g[0] = 0.5f, g[1] = -1;
  step (&o, p, g, 2);
  assert_close (p[0], 0.8);
  /* m = 0.09 - 0.1, v = 0.000999 + 0.001: m^ = -0.01 / 0.19, v^ = 1 */
  assert_close (p[1], 0.9 + 0.1 * 0.01 / 0.19);
  clear (&o);
}
END_TEST

START_TEST (test_adam_l2_and_adamw_decoupled)
{
  float p = 1, g = 0.5f;
  Opt l2 = make ("adam", "optimizer: {type: adam, learning_rate: 0.1, weight_decay: 0.1}", 1);
  step (&l2, &p, &g, 1);
  assert_close (p, 0.9);
  step (&l2, &p, &g, 1);
  /* g2 = 0.5 + 0.1 * 0.9; m2 = 0.054 + 0.059; v2 = 0.00035964 + 0.0003481 */
  double m = 0.113 / 0.19, v = 0.00070774 / (1 - 0.999 * 0.999);
  assert_close (p, 0.9 - 0.1 * m / (sqrt (v) + 1e-8));
  clear (&l2);

  p = 1;
  Opt w = make ("adamw", "optimizer: {type: adamw, learning_rate: 0.1}", 1);
  step (&w, &p, &g, 1);
  assert_close (p, 1 * (1 - 0.1 * 0.01) - 0.1); /* default decay 0.01 */
  clear (&w);
}
END_TEST

static Suite *
optimizer_suite (void)
{
  Suite *s = suite_create ("optimizers");
  TCase *tc = tcase_create ("optimizers");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_sgd_plain_and_weight_decay);
  tcase_add_test (tc, test_sgd_momentum_nesterov_dampening);
  tcase_add_test (tc, test_sgd_rejects_nesterov_without_momentum);
  tcase_add_test (tc, test_adam);
  tcase_add_test (tc, test_adam_l2_and_adamw_decoupled);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (optimizer_suite)
