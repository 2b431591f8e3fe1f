/* exec-private.h: the executor's state, shared by its files. */
#pragma once

#include <pthread.h>
#include "graph-private.h"

G_BEGIN_DECLS

typedef enum {
  DLP_JOB_FORWARD,
  DLP_JOB_BACKWARD,
  DLP_JOB_TRAIN,
  DLP_JOB_EVALUATE,
} DlpJobKind;

typedef struct {
  DlpJobKind kind;
  const float *inputs;
  const gint32 *labels;
  float *outputs;
  const float *output_grads;
  float *input_grads;
  gint64 n_rows;
  gboolean training;
  double grad_scale;
  guint n_active; /* slices with rows; the others sit this job out */
} DlpJob;

struct _DlpSlice {
  DlpExec *exec;
  guint index;
  float *arena;
  float **outputs; /* per node */
  float **buffers; /* every node's buffers, from buffer_start[node] */
  float *grad_a, *grad_b;
  float *grads; /* parameter gradients */
  gboolean own_grads;
  double *sums; /* this slice's part of a collective sum */
  gint64 first_row, n_rows;
  DlpBatchStats stats;
  GError *error;
};

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  guint count;
  guint parties;
  gint generation; /* read without the lock while spinning */
} DlpBarrier;

struct _DlpExec {
  DlpGraph *graph;
  gint64 max_rows;
  guint n_threads;
  gint64 slice_rows;
  guint *buffer_start;
  DlpSlice *slices;
  GThread **threads;
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  gint generation; /* jobs posted; read without the lock while spinning */
  gint pending;    /* workers still running the job */
  gboolean quit;
  DlpBarrier barrier;
  DlpJob job;
};

void dlp_barrier_wait (DlpBarrier *b);
/* Spins a short while for *@value to differ from @seen. */
gboolean dlp_spin_until_changed (gint *value, gint seen);
gboolean dlp_spin_until_zero (gint *value);
void dlp_cpu_relax (void);
/* Runs exec->job on every slice; returns the first slice's error. */
gboolean dlp_exec_run_job (DlpExec *exec, GError **error);

G_END_DECLS
