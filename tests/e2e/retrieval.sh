# Modern Hopfield retrieval (recipes/modern-retrieval.toml; Ramsauer et al. 2020,
# "Hopfield Networks is All You Need", arXiv:2008.02217): K unit-norm random
# patterns in N = 100, probes at a stored pattern with 20% of the coordinates
# sign-flipped (renormalized), the update xi <- X softmax(beta X^T xi), retrieved
# when cos(x, the start's pattern) >= 0.95 (the cosine rule).
#
# What is asserted, per seed (three seeds: the recipe's repeats), for
# beta = 5, 10, 15 (beta = 20 puts the crossing near K = 30000, too slow here):
# K_half, where the retrieved fraction falls through 1/2 (interpolated in log K
# between the powers of two around it), grows exponentially with beta. The
# mean-field estimate (docs/recipes.md, modern-retrieval): a start of overlap a0
# with its pattern moves towards it while exp(beta a0) exceeds the other
# patterns' weight (K - 1) exp(beta^2 / 2N), and the median probe has a0 = 0.613
# (1 - 2 times the median share of |x|^2 in 20 of 100 coordinates), so
#   ln(K_half - 1) = 0.613 beta - beta^2 / 200 - ln(0.613 / 0.387),
# 2.48, 5.17 and 7.61 at beta = 5, 10, 15 (K_half = 13, 177, 2000). Checked:
#   - each step of 5 in beta multiplies K_half by more than e^1.5 = 4.5 (the
#     estimate: e^2.7 and e^2.4), and the two steps' log increments are within a
#     factor 2 of each other (exponential growth; a power law K ~ beta^p would
#     make the second 0.58 of the first, and a saturating capacity far less);
#   - each ln K_half lies within 0.7 (a factor 2 in K) of the estimate: wrong
#     corruption (a0 off by 0.1 moves ln K_half by 0.5 beta) or a wrong update
#     would leave it. With 100 probes the fraction near 1/2 has sd 0.05 and the
#     curve falls 0.3 or more per octave, so K_half is resolved to about 0.1 in
#     ln K.
. "$(dirname "$0")/lib.sh"

"$BASIN" run "$R/modern-retrieval.toml" --out "$T/ret" --quiet --threads 2 \
    --set repeats=3 --set init.count=100 --set 'model.beta=[5, 10, 15]' \
    --set 'dataset.count=[4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]'

# The header: the cosine rule's columns.
head -1 "$T/ret/records.csv" | grep -q ',target,cos_target,cos_max,cos_heldout$'
check "records.csv has the cosine rule's columns" [ $? -eq 0 ]
# A retrieved state has cos_target >= 0.95 and its target is its start.
bad=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { c = $h["class"] == "memorized"; t = $h["cos_target"] >= 0.95
      bad += c != t || $h["target"] != $h["start"] }
    END { print bad + 0 }' "$T/ret/records.csv")
check "memorized exactly when cos_target >= 0.95, target = start ($bad rows not)" \
    [ "$bad" -eq 0 ]

# ln K_half per repeat and beta: "repeat beta lnK" lines.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { key = $h["repeat"] SUBSEP $h["model.beta"] SUBSEP $h["dataset.count"]
      n[key]++; m[key] += $h["class"] == "memorized"
      reps[$h["repeat"]] = 1; betas[$h["model.beta"]] = 1; ks[$h["dataset.count"]] = 1 }
    END {
      nk = 0; for (k in ks) kk[++nk] = k + 0
      for (a = 1; a <= nk; a++) for (b = a + 1; b <= nk; b++)
          if (kk[b] < kk[a]) { t = kk[a]; kk[a] = kk[b]; kk[b] = t }
      for (r in reps) for (be in betas) {
          half = "nan"
          for (a = 2; a <= nk; a++) {
              k0 = r SUBSEP be SUBSEP kk[a - 1]; k1 = r SUBSEP be SUBSEP kk[a]
              f0 = m[k0] / n[k0]; f1 = m[k1] / n[k1]
              if (f0 >= 0.5 && f1 < 0.5) {
                  half = log(kk[a - 1]) + (f0 - 0.5) / (f0 - f1) * log(kk[a] / kk[a - 1])
                  break
              }
          }
          print r, be, half
      } }' "$T/ret/records.csv" | sort -k1,1n -k2,2n >"$T/half"
cat "$T/half"

for r in 0 1 2; do
    read -r l5 l10 l15 <<<"$(awk -v r="$r" '$1 == r { printf "%s ", $3 }' "$T/half")"
    check "seed $r: ln K_half = $l5, $l10, $l15 at beta = 5, 10, 15 all found" \
        awk -v a="$l5" -v b="$l10" -v c="$l15" \
        'BEGIN { exit !(a != "nan" && b != "nan" && c != "nan") }'
    check "seed $r: each +5 in beta multiplies K_half by more than e^1.5" \
        awk -v a="$l5" -v b="$l10" -v c="$l15" 'BEGIN { exit !(b - a > 1.5 && c - b > 1.5) }'
    check "seed $r: the log increments $l5 -> $l10 -> $l15 within a factor 2" \
        awk -v a="$l5" -v b="$l10" -v c="$l15" \
        'BEGIN { q = (c - b) / (b - a); exit !(q > 0.5 && q < 2) }'
    check "seed $r: ln K_half within 0.7 of the mean-field 2.48, 5.17, 7.61" \
        awk -v a="$l5" -v b="$l10" -v c="$l15" \
        'function near(x, y) { return x - y < 0.7 && y - x < 0.7 }
         BEGIN { exit !(near(a, log(1 + exp(2.48))) && near(b, log(1 + exp(5.17))) &&
                        near(c, log(1 + exp(7.61)))) }'
done

# Bad inputs: one line each, exit 2.
expect_fail 2 "measure.rule sweeps the cosine rule with another" \
    "a sweep of the cosine rule with another rule" \
    -- "$BASIN" run "$R/modern-retrieval.toml" --out "$T/bad" --quiet \
    --set 'dataset.count=[8]' --set 'model.beta=[5]' --set init.count=10 \
    --set 'measure.rule=["cosine", "pham"]'
expect_fail 2 'init.corruption = "gaussian" draws real values, but the data are +-1' \
    "gaussian corruption of +-1 data" \
    -- "$BASIN" run "$R/hopfield-spurious.toml" --out "$T/bad2" --quiet \
    --set dataset.count=5 --set init.kind=pattern --set init.flip=0.1 \
    --set init.corruption=gaussian
expect_fail 2 "'gaussain' is not one of auto|sign-flip|resample|gaussian" \
    "an unknown corruption" \
    -- "$BASIN" run "$R/modern-retrieval.toml" --out "$T/bad3" --quiet \
    --set init.corruption=gaussain
finish
