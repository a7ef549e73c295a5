"""Column names of the result table, in one place.

A result row is a flat mapping of these columns to values; metric plugins may add columns of
their own. ``REQUIRED_COLUMNS`` must be present in every results file ganbench reads.
"""

RUN_KEY = "run_key"
SUITE = "suite"
STATUS = "status"
ERROR = "error"
DATASET = "dataset"
MODEL = "model"
METHOD = "method"
SPARSITY = "sparsity"
TARGET = "target"
SEED = "seed"
SPARSITY_ACHIEVED = "sparsity_achieved"
FINETUNE_STEPS = "finetune_steps"
# Generator updates the run trained: the fine-tuning budget, or the baseline's budget for
# methods that train from initialization.
TRAIN_STEPS = "train_steps"
# Reason the achieved sparsity misses the target, for methods that may miss it (whole blocks).
# Empty for every other run.
SPARSITY_NOTE = "sparsity_note"
BASELINE_KEY = "baseline_key"
METRICS_VERSION = "metrics_version"
FEATURES = "features"
METRIC_PROTOCOL = "metric_protocol"
DEVICE = "device"
DURATION = "duration_s"

# Training compute per phase (see ganbench.compute): optimizer steps, seconds, estimated FLOPs.
PRETRAIN_STEPS = "pretrain_steps"
PRETRAIN_SECONDS = "pretrain_s"
PRETRAIN_FLOPS = "pretrain_flops"
PRUNE_STEPS = "prune_steps"
PRUNE_SECONDS = "prune_s"
PRUNE_FLOPS = "prune_flops"
FINETUNE_SECONDS = "finetune_s"
FINETUNE_FLOPS = "finetune_flops"
TRAIN_FLOPS = "train_flops"

FID = "fid"
KID = "kid"
KID_STD = "kid_std"
PRECISION = "precision"
RECALL = "recall"
DENSITY = "density"
COVERAGE = "coverage"
MODES_COVERED = "modes_covered"
MODES_TOTAL = "modes_total"
HIGH_QUALITY_SHARE = "high_quality_share"
MODE_KL = "mode_kl"

G_PARAMS = "g_params"
G_PARAMS_NONZERO = "g_params_nonzero"
G_FLOPS = "g_flops"
G_FLOPS_EFFECTIVE = "g_flops_effective"
D_PARAMS = "d_params"
D_PARAMS_NONZERO = "d_params_nonzero"
D_FLOPS = "d_flops"
D_FLOPS_EFFECTIVE = "d_flops_effective"

G_LATENCY_MS = "g_latency_ms"
LATENCY_THREADS = "latency_threads"
# Evidence of a collapsed generator (see ganbench.collapse).
D_LOSS_FINAL = "d_loss_final"
FID_POINT_MASS = "fid_point_mass"
COLLAPSE = "collapse"

STATUS_OK = "ok"
STATUS_FAILED = "failed"
STATUS_DECLINED = "declined"

# The reference row of every (dataset, model, seed): no pruning, same fine-tuning budget.
DENSE_METHOD = "dense"
DENSE_TARGET = "none"

IDENTITY_COLUMNS = [RUN_KEY, SUITE, STATUS, ERROR, DATASET, MODEL, METHOD, SPARSITY, TARGET, SEED]
RUN_COLUMNS = [SPARSITY_ACHIEVED, FINETUNE_STEPS, BASELINE_KEY, METRICS_VERSION, FEATURES, DURATION]
COMPUTE_COLUMNS = [
    PRETRAIN_STEPS,
    PRETRAIN_SECONDS,
    PRETRAIN_FLOPS,
    PRUNE_STEPS,
    PRUNE_SECONDS,
    PRUNE_FLOPS,
    FINETUNE_SECONDS,
    FINETUNE_FLOPS,
    TRAIN_FLOPS,
]
"""Filled for successful runs; results recorded before these columns existed lack them."""

# Recorded by every run of this version, but absent from files written before they existed.
PROVENANCE_COLUMNS = [METRIC_PROTOCOL, DEVICE]
METRIC_COLUMNS = [
    FID,
    KID,
    KID_STD,
    PRECISION,
    RECALL,
    DENSITY,
    COVERAGE,
    MODES_COVERED,
    MODES_TOTAL,
    HIGH_QUALITY_SHARE,
    MODE_KL,
    G_PARAMS,
    G_PARAMS_NONZERO,
    G_FLOPS,
    G_FLOPS_EFFECTIVE,
    D_PARAMS,
    D_PARAMS_NONZERO,
    D_FLOPS,
    D_FLOPS_EFFECTIVE,
    G_LATENCY_MS,
    LATENCY_THREADS,
]

COLLAPSE_COLUMNS = [COLLAPSE, D_LOSS_FINAL, FID_POINT_MASS]
"""Filled for successful runs; ``collapse`` is empty unless a collapse rule fired."""

REQUIRED_COLUMNS = IDENTITY_COLUMNS + RUN_COLUMNS
"""Columns every results file must have; metric columns may be absent (for example when a
suite's datasets have no classes) and are then shown as missing."""

# Run columns added after the first results were committed: files without them stay readable.
LATER_RUN_COLUMNS = [TRAIN_STEPS, SPARSITY_NOTE]

ORDERED_COLUMNS = (
    IDENTITY_COLUMNS + RUN_COLUMNS + LATER_RUN_COLUMNS + PROVENANCE_COLUMNS + METRIC_COLUMNS
    + COMPUTE_COLUMNS + COLLAPSE_COLUMNS
)
"""The order of the core columns in a new results file; plugin metric columns follow."""

TIMING_COLUMNS = [DURATION, G_LATENCY_MS, PRETRAIN_SECONDS, PRUNE_SECONDS, FINETUNE_SECONDS]
"""Wall-time measurements: they differ between repeats of the same run, unlike every other
column, which the run's configuration determines."""
