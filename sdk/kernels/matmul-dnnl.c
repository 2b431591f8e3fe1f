/* matmul-dnnl.c: matrix products on oneDNN's matmul primitive.
 *
 * Each slice of the batch has its own stream and, per product, a few
 * kernels keyed by shape: the planned one, made by dlp_dnnl_prepare, and
 * the smaller ones a last batch or a last chunk asks for, made on first
 * use and kept. Scratch memory is the primitive's own, made with it
 * (scratchpad mode "user"), so that running one allocates nothing of
 * dlpipe's. In bf16, A and B are rounded into buffers made with the
 * kernel, and C accumulates in float32. */
#include <string.h>
#include <oneapi/dnnl/dnnl.h>

/* OpenMP's standard call, in libgomp, the runtime oneDNN runs on. */
extern void omp_set_num_threads (int n_threads);
#include "kernels-private.h"

/* The planned shape, and three more: a full and a last image chunk, and
 * the last batch of an epoch. */
#define DLP_DNNL_ENTRIES 4

typedef struct {
  gint64 m, n, k; /* 0: empty */
  guint64 used;   /* the slot's clock when last run */
  gboolean blas;  /* oneDNN has no kernel for the shape */
  dnnl_primitive_t primitive;
  dnnl_memory_t a, b, c, scratchpad;
  guint16 *a16, *b16; /* bf16 copies of A and B */
} DlpDnnlEntry;

struct _DlpDnnlSlot {
  dnnl_stream_t stream;
  guint64 clock;
  DlpDnnlEntry entries[DLP_DNNL_ENTRIES];
};

static dnnl_engine_t
cpu_engine (void)
{
  static gsize once;
  static dnnl_engine_t engine;
  if (g_once_init_enter (&once))
    {
      if (dnnl_engine_create (&engine, dnnl_cpu, 0) != dnnl_success)
        engine = NULL;
      g_once_init_leave (&once, 1);
    }
  return engine;
}

static void
entry_clear (DlpDnnlEntry *e)
{
  if (e->primitive)
    dnnl_primitive_destroy (e->primitive);
  dnnl_memory_t *memories[] = { &e->a, &e->b, &e->c, &e->scratchpad };
  for (guint i = 0; i < G_N_ELEMENTS (memories); i++)
    if (*memories[i])
      dnnl_memory_destroy (*memories[i]);
  g_free (e->a16);
  g_free (e->b16);
  memset (e, 0, sizeof *e);
}

static dnnl_status_t
make_primitive (const DlpMatmul *matmul, DlpDnnlEntry *e, dnnl_primitive_desc_t *pd)
{
  dnnl_engine_t engine = cpu_engine ();
  if (engine == NULL)
    return dnnl_runtime_error;
  dnnl_data_type_t in_type = matmul->precision == DLP_PRECISION_BF16 ? dnnl_bf16 : dnnl_f32;
  gboolean ta = matmul->flags & DLP_MATMUL_TRANS_A, tb = matmul->flags & DLP_MATMUL_TRANS_B;
  dnnl_dims_t a_dims = { e->m, e->k }, b_dims = { e->k, e->n }, c_dims = { e->m, e->n };
  dnnl_memory_desc_t a_md, b_md, c_md;
  dnnl_matmul_desc_t desc;
  dnnl_status_t s =
    dnnl_memory_desc_init_by_tag (&a_md, 2, a_dims, in_type, ta ? dnnl_ba : dnnl_ab);
  if (s == dnnl_success)
    s = dnnl_memory_desc_init_by_tag (&b_md, 2, b_dims, in_type, tb ? dnnl_ba : dnnl_ab);
  if (s == dnnl_success)
    s = dnnl_memory_desc_init_by_tag (&c_md, 2, c_dims, dnnl_f32, dnnl_ab);
  if (s == dnnl_success)
    s = dnnl_matmul_desc_init (&desc, &a_md, &b_md, NULL, &c_md);
  if (s != dnnl_success)
    return s;
  dnnl_primitive_attr_t attr;
  if ((s = dnnl_primitive_attr_create (&attr)) != dnnl_success)
    return s;
  s = dnnl_primitive_attr_set_scratchpad_mode (attr, dnnl_scratchpad_mode_user);
  if (s == dnnl_success && (matmul->flags & DLP_MATMUL_ACCUMULATE))
    {
      dnnl_post_ops_t post_ops;
      if ((s = dnnl_post_ops_create (&post_ops)) == dnnl_success)
        {
          s = dnnl_post_ops_append_sum (post_ops, 1.0f);
          if (s == dnnl_success)
            s = dnnl_primitive_attr_set_post_ops (attr, post_ops);
          dnnl_post_ops_destroy (post_ops);
        }
    }
  if (s == dnnl_success)
    s = dnnl_primitive_desc_create (pd, &desc, attr, engine, NULL);
  dnnl_primitive_attr_destroy (attr);
  if (s != dnnl_success)
    return s;
  if ((s = dnnl_primitive_create (&e->primitive, *pd)) != dnnl_success)
    return s;
  const dnnl_memory_desc_t *pad_md =
    dnnl_primitive_desc_query_md (*pd, dnnl_query_scratchpad_md, 0);
  if (pad_md && dnnl_memory_desc_get_size (pad_md) > 0)
    s = dnnl_memory_create (&e->scratchpad, pad_md, engine, DNNL_MEMORY_ALLOCATE);
  if (s == dnnl_success && in_type == dnnl_bf16)
    {
      e->a16 = g_try_new (guint16, e->m * e->k);
      e->b16 = g_try_new (guint16, e->k * e->n);
      if (e->a16 == NULL || e->b16 == NULL)
        return dnnl_out_of_memory;
    }
  if (s == dnnl_success)
    s = dnnl_memory_create (&e->a, &a_md, engine, e->a16 ? (void *) e->a16 : DNNL_MEMORY_NONE);
  if (s == dnnl_success)
    s = dnnl_memory_create (&e->b, &b_md, engine, e->b16 ? (void *) e->b16 : DNNL_MEMORY_NONE);
  if (s == dnnl_success)
    s = dnnl_memory_create (&e->c, &c_md, engine, DNNL_MEMORY_NONE);
  return s;
}

/* Makes the kernel of shape (m, n, k) into @e. Where oneDNN has none (a
 * layout its bf16 kernels do not take), @e is marked for OpenBLAS, which
 * computes it in fp32; out of memory leaves @e empty and fails. */
static gboolean
entry_make (const DlpMatmul *matmul, DlpDnnlEntry *e, gint64 m, gint64 n, gint64 k, GError **error)
{
  entry_clear (e);
  e->m = m, e->n = n, e->k = k;
  dnnl_primitive_desc_t pd = NULL;
  dnnl_status_t s = make_primitive (matmul, e, &pd);
  if (pd)
    dnnl_primitive_desc_destroy (pd);
  if (s == dnnl_success)
    return TRUE;
  entry_clear (e);
  e->m = m, e->n = n, e->k = k;
  if (s != dnnl_out_of_memory)
    {
      g_debug ("oneDNN has no %s kernel for a %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
               "x%" G_GINT64_FORMAT " product (flags 0x%x) on %s (status %d): OpenBLAS computes it",
               dlp_precision_get_name (matmul->precision), m, n, k, (unsigned) matmul->flags,
               dlp_dnnl_get_isa (), (int) s);
      e->blas = TRUE;
      return TRUE;
    }
  e->m = 0;
  g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
               "out of memory for a matrix product of %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
               "x%" G_GINT64_FORMAT,
               m, n, k);
  return FALSE;
}

gboolean
dlp_dnnl_prepare (DlpMatmul *matmul, gint64 m, gint64 n, gint64 k, GError **error)
{
  matmul->slots = g_new0 (DlpDnnlSlot *, matmul->n_slots);
  for (guint i = 0; i < matmul->n_slots; i++)
    {
      DlpDnnlSlot *slot = matmul->slots[i] = g_new0 (DlpDnnlSlot, 1);
      dnnl_engine_t engine = cpu_engine ();
      if (engine == NULL
          || dnnl_stream_create (&slot->stream, engine, dnnl_stream_default_flags) != dnnl_success)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "oneDNN cannot make a CPU stream");
          return FALSE;
        }
      if (m > 0 && n > 0 && k > 0 && !entry_make (matmul, &slot->entries[0], m, n, k, error))
        return FALSE;
    }
  return TRUE;
}

void
dlp_dnnl_release (DlpMatmul *matmul)
{
  for (guint i = 0; matmul->slots && i < matmul->n_slots; i++)
    {
      DlpDnnlSlot *slot = matmul->slots[i];
      if (slot == NULL)
        continue;
      for (guint e = 0; e < DLP_DNNL_ENTRIES; e++)
        entry_clear (&slot->entries[e]);
      if (slot->stream)
        dnnl_stream_destroy (slot->stream);
      g_free (slot);
    }
  g_clear_pointer (&matmul->slots, g_free);
}

static DlpDnnlEntry *
find_entry (const DlpMatmul *matmul, DlpDnnlSlot *slot, gint64 m, gint64 n, gint64 k)
{
  for (guint i = 0; i < DLP_DNNL_ENTRIES; i++)
    {
      DlpDnnlEntry *e = &slot->entries[i];
      if (e->m == m && e->n == n && e->k == k)
        return e;
    }
  /* An empty entry, else the one least recently run. */
  DlpDnnlEntry *victim = &slot->entries[0];
  for (guint i = 0; i < DLP_DNNL_ENTRIES && victim->m != 0; i++)
    if (slot->entries[i].m == 0 || slot->entries[i].used < victim->used)
      victim = &slot->entries[i];
  if (!entry_make (matmul, victim, m, n, k, NULL))
    return NULL; /* out of memory: OpenBLAS needs none */
  return victim;
}

static void
round_to_bf16 (const float *in, guint16 *out, gint64 n)
{
  for (gint64 i = 0; i < n; i++)
    out[i] = dlp_bf16_from_float (in[i]);
}

gboolean
dlp_dnnl_run (DlpMatmul *matmul, guint slot_index, gint64 m, gint64 n, gint64 k, const float *a,
              const float *b, float *c)
{
  g_return_val_if_fail (slot_index < matmul->n_slots, FALSE);
  DlpDnnlSlot *slot = matmul->slots[slot_index];
  DlpDnnlEntry *e = find_entry (matmul, slot, m, n, k);
  if (e == NULL || e->blas)
    return FALSE;
  e->used = ++slot->clock;
  if (e->a16)
    {
      round_to_bf16 (a, e->a16, m * k);
      round_to_bf16 (b, e->b16, k * n);
    }
  else
    {
      dnnl_memory_set_data_handle (e->a, (void *) a);
      dnnl_memory_set_data_handle (e->b, (void *) b);
    }
  dnnl_memory_set_data_handle (e->c, c);
  dnnl_exec_arg_t args[4] = {
    { DNNL_ARG_SRC, e->a },
    { DNNL_ARG_WEIGHTS, e->b },
    { DNNL_ARG_DST, e->c },
    { DNNL_ARG_SCRATCHPAD, e->scratchpad },
  };
  if (dnnl_primitive_execute (e->primitive, slot->stream, e->scratchpad ? 4 : 3, args)
        != dnnl_success
      || dnnl_stream_wait (slot->stream) != dnnl_success)
    return FALSE;
  return TRUE;
}

const char *
dlp_dnnl_get_isa (void)
{
  switch (dnnl_get_effective_cpu_isa ())
    {
    case dnnl_cpu_isa_sse41:
      return "sse41";
    case dnnl_cpu_isa_avx:
      return "avx";
    case dnnl_cpu_isa_avx2:
      return "avx2";
    case dnnl_cpu_isa_avx2_vnni:
      return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic:
    case dnnl_cpu_isa_avx512_mic_4ops:
      return "avx512_mic";
    case dnnl_cpu_isa_avx512_core:
      return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "unknown";
    }
}

gboolean
dlp_dnnl_has_native_bf16 (void)
{
  unsigned isa = (unsigned) dnnl_get_effective_cpu_isa ();
  return (isa & (unsigned) dnnl_cpu_isa_avx512_core_bf16)
         == (unsigned) dnnl_cpu_isa_avx512_core_bf16;
}

/* Whether oneDNN makes a bf16 product here at all (natively or, on plain
 * AVX-512, emulated). */
gboolean
dlp_dnnl_can_bf16 (void)
{
  static gsize once;
  static gboolean can;
  if (g_once_init_enter (&once))
    {
      DlpMatmul *probe = dlp_matmul_new (0, 16, 16, 16);
      probe->precision = DLP_PRECISION_BF16;
      DlpDnnlEntry e = { .m = 16, .n = 16, .k = 16 };
      dnnl_primitive_desc_t pd = NULL;
      can = make_primitive (probe, &e, &pd) == dnnl_success;
      if (pd)
        dnnl_primitive_desc_destroy (pd);
      entry_clear (&e);
      dlp_matmul_free (probe);
      g_once_init_leave (&once, 1);
    }
  return can;
}

void
dlp_dnnl_set_n_threads (int n_threads)
{
  omp_set_num_threads (MAX (n_threads, 1));
}

void
dlp_kernels_enter_worker (void)
{
  omp_set_num_threads (1);
}
