# A diffusion recipe with model.plugin = "scores/ffi" bound to ref_denoise of
# foreign_model.so (the empirical denoiser as a plain C function, in double)
# gives the samples of the same recipe with scores/empirical.
# The environment gives BASIN, SOURCE_ROOT, FOREIGN_MODEL and NPY_DIFF.
. "$SOURCE_ROOT/tests/e2e/lib.sh"

cat >"$T/empirical.toml" <<'TOML'
name = "ffi-vs-empirical"
seed = 5
[dataset]
plugin = "datasets/gaussian"
dim = 8
count = 20
heldout = 0
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddim"
steps = 50
[schedule]
name = "ddpm-linear"
t_min = [0.001, 0.5]               # DDPM step 1, and step 500 of 1000
[init]
kind = "noise"
count = 200
[measure]
rule = "ratio"
TOML
sed 's|^plugin = "scores/empirical"|plugin = "scores/ffi"\
library = "'"$FOREIGN_MODEL"'"\
prototype = "int ref_denoise(const float *x, uint64_t n, uint32_t dim, double alpha, double sigma, const float *train, uint64_t k, float *out)"\
bindings = "x, n, dim, alpha, sigma, train, k, out"\
thread_safe = true|' "$T/empirical.toml" >"$T/ffi.toml"

check "the empirical recipe runs" \
    "$BASIN" run "$T/empirical.toml" --out "$T/empirical" --quiet --threads 2
check "the same recipe with scores/ffi runs" \
    "$BASIN" run "$T/ffi.toml" --out "$T/ffi" --quiet --threads 2
# The two denoisers differ by the float SGEMM rounding of scores/empirical's
# logits (tests/plugins/ffi/test_ffi.c bounds it per call, ~1e-6 here). DDIM is
# deterministic from the same initial noise, so each sample follows the same
# trajectory: run to DDPM step 1 both end on the same training point; stopped at
# step 500 and denoised there, the posterior average still spreads over several
# points, and the samples agree to the per-call difference accumulated over the
# 50 steps: every row within 1e-4 (entries are O(1)).
read -r rows worst over < <("$NPY_DIFF" "$T/empirical/samples.npy" "$T/ffi/samples.npy" 1e-4)
check "400 samples compared ($rows rows)" [ "${rows:-0}" -eq 400 ]
check "every scores/ffi sample within 1e-4 of scores/empirical's (max difference $worst, $over rows over)" \
    [ "${over:-1}" -eq 0 ]
for t in 0.001 0.5; do
    m_emp=$(col "$T/empirical/summary.csv" schedule.t_min $t ratio_memorized_rate)
    m_ffi=$(col "$T/ffi/summary.csv" schedule.t_min $t ratio_memorized_rate)
    check "t_min = $t: the same memorized rate ($m_emp and $m_ffi)" \
        num "${m_emp:-0}" '==' "${m_ffi:-1}"
done
m_ffi=$(col "$T/ffi/summary.csv" schedule.t_min 0.001 ratio_memorized_rate)
check "K = 20 run to step 1 memorizes: rate $m_ffi >= 0.99" num "${m_ffi:-0}" '>=' 0.99
m_ffi=$(col "$T/ffi/summary.csv" schedule.t_min 0.5 ratio_memorized_rate)
check "stopped at step 500 it does not: rate $m_ffi < 0.5" num "${m_ffi:-1}" '<' 0.5

# A bad prototype stops the run before any sampling, with one line naming the key.
expect_fail 2 "prototype: unsupported type 'struct' at column 17" "a struct in the prototype" -- \
    "$BASIN" run "$T/ffi.toml" --out "$T/bad" --quiet \
    --set 'model.prototype="int ref_denoise(struct s *x)"'
check "no samples written for the bad prototype" [ ! -e "$T/bad/samples.npy" ]

# energies/ffi under gradient descent: E(x) = ½ Σ_i (i + 1)(x_i − m_i)² of
# foreign_model.c (m the training mean) has one minimum, at m, where E = 0: every
# one of 20 random starts ends there, one attractor with all 20 members, its
# energy 0 up to the descent's tolerance (‖∇E‖/√N ≤ 1e-6 gives E ≲ 1e-12).
cat >"$T/energy.toml" <<TOML
[dataset]
plugin = "datasets/gaussian"
dim = 4
count = 10
heldout = 0
[model]
plugin = "energies/ffi"
library = "$FOREIGN_MODEL"
energy_prototype = "void quad_energy(const float *x, size_t n, int dim, const float *train, long k, double shift, double *out)"
energy_bindings = "x, n, dim, train, k, const:0, out"
gradient_prototype = "int quad_gradient(const float *x, int n, int dim, const float *train, int k, double shift, float *out)"
gradient_bindings = "x, n, dim, train, k, const:0, out"
[sampler]
plugin = "samplers/gradient-descent"
[init]
kind = "random"
count = 20
[landscape]
attractors = true
TOML
check "an energies/ffi recipe runs" \
    "$BASIN" run "$T/energy.toml" --out "$T/energy" --quiet --threads 2
A=$T/energy/attractors.csv
members=$(first "$A" members)
energy=$(first "$A" energy)
check "one attractor holds all 20 descents ($members; $(($(wc -l <"$A") - 1)) attractors)" \
    [ "${members:-0}" -eq 20 ]
check "its energy $energy < 1e-9 (the minimum, E = 0)" num "${energy:-1}" '<' 1e-9
# `basin check` runs the whole conformance battery on the three adapters bound to
# the foreign library (the denoiser's limits, the energy's gradient against finite
# differences, the feature map's determinism across calls and threads): nothing
# fails and nothing is skipped.
out=$("$BASIN" check "$FFI_PLUGIN" --set "scores/ffi.library=$FOREIGN_MODEL" \
    --set "scores/ffi.prototype=int ref_denoise(const float *x, uint64_t n, uint32_t dim, double alpha, double sigma, const float *train, uint64_t k, float *out)" \
    --set "scores/ffi.bindings=x, n, dim, alpha, sigma, train, k, out" \
    --set "energies/ffi.library=$FOREIGN_MODEL" \
    --set "energies/ffi.energy_prototype=void quad_energy(const float *x, size_t n, int dim, const float *train, long k, double shift, double *out)" \
    --set "energies/ffi.energy_bindings=x, n, dim, train, k, const:0, out" \
    --set "energies/ffi.gradient_prototype=int quad_gradient(const float *x, int n, int dim, const float *train, int k, double shift, float *out)" \
    --set "energies/ffi.gradient_bindings=x, n, dim, train, k, const:0, out" \
    --set "embeddings/ffi.library=$FOREIGN_MODEL" \
    --set "embeddings/ffi.prototype=int features(const float *x, uint64_t n, uint32_t dim, uint32_t m, const float *train, uint64_t k, float *out)" \
    --set "embeddings/ffi.bindings=x, n, dim, m, train, k, out" 2>&1)
check "basin check passes the three adapters bound to the foreign library ($(tail -1 <<<"$out"))" \
    grep -q ' passed, 0 failed, 0 skipped$' <<<"$out"
finish
