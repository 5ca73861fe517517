# Spurious mixture states of the Hopfield network. Reference: Amit, Gutfreund &
# Sompolinsky, Phys. Rev. A 32:1007 (1985): at T = 0 and alpha -> 0 the symmetric
# 3-mixture sign(xi1 + xi2 + xi3) is a fixed point with overlap m = 1/2 with each
# of its three patterns (E[xi1 sign(xi1 + xi2 + xi3)] = 1/2 exactly), the
# symmetric 5-mixture one with overlap 3/8 with each of its five. records.csv
# labels each state (mixture: pattern, 3-mixture, 5-mixture, other) from its
# five largest overlaps and the sixth (measure/measure.h, measure_mixture_of).
. "$(dirname "$0")/lib.sh"

# Started exactly at 3-mixtures (N = 1000, K = 5): they stay, and are spurious.
"$BASIN" run "$R/hopfield-spurious.toml" --out "$T/mix" --quiet --threads 2 \
    --set dataset.count=5 --set init.kind=mixture --set init.count=100
stats=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { n++; conv += $h["converged"]; spu += ($h["class"] == "spurious")
      for (k = 1; k <= 3; k++) { m = $h["m" k]; m = m < 0 ? -m : m; s += m
          if (m < 0.4 || m > 0.6) out++ } }
    END { printf "%d %d %d %.4f", n, conv, spu, s / (3 * n) }' "$T/mix/records.csv")
read -r n conv spu mean <<<"$stats"
check "3-mixture starts: all $n converged ($conv)" [ "$conv" -eq "$n" ]
check "3-mixture starts: all spurious ($spu of $n)" [ "$spu" -eq "$n" ]
# 300 overlaps, each with standard deviation about 1/sqrt(N) = 0.03: the mean is
# 1/2 within 0.01 (over 5 standard errors).
check "3-mixture overlaps average $mean, within 0.01 of 1/2" \
    awk -v m="$mean" 'BEGIN { exit !(m > 0.49 && m < 0.51) }'
# Each is labelled a 3-mixture (the label's windows are 4/sqrt(N) wide, capped at
# 1/8: a true mixture falls outside with probability about 1e-4 per overlap).
m3=$(first "$T/mix/summary.csv" mixture3_rate)
check "3-mixture starts: labelled 3-mixture at rate $m3 = 1" num "$m3" '==' 1

# Started exactly at 5-mixtures: stable at T = 0 (AGS 1985: every symmetric odd
# mixture is), and labelled 5-mixtures, none 3-mixtures.
"$BASIN" run "$R/hopfield-spurious.toml" --out "$T/mix5" --quiet --threads 2 \
    --set dataset.count=10 --set init.kind=mixture --set init.order=5 \
    --set init.count=100
m5=$(first "$T/mix5/summary.csv" mixture5_rate)
m53=$(first "$T/mix5/summary.csv" mixture3_rate)
check "5-mixture starts: labelled 5-mixture at rate $m5 >= 0.98, 3-mixture $m53 = 0" \
    awk -v a="$m5" -v b="$m53" 'BEGIN { exit !(a >= 0.98 && b == 0) }'

# Random starts (the recipe's K = 5 point): a good share fall into 3-mixtures
# (0.282, 0.254, 0.266 at seeds 1, 2, 3), fewer into 5-mixtures (0.032, 0.027,
# 0.029); summary.csv's rates count the records' labels.
"$BASIN" run "$R/hopfield-spurious.toml" --out "$T/rand" --quiet --threads 2 \
    --set dataset.count=5
read -r n3 n5 bad <<<"$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { n++; n3 += $h["mixture"] == "3-mixture"; n5 += $h["mixture"] == "5-mixture"
      bad += $h["mixture"] != "pattern" && $h["class"] == "memorized" }
    END { printf "%.3f %.3f %d", n3 / n, n5 / n, bad }' "$T/rand/records.csv")"
check "random starts at K = 5: a fraction $n3 > 0.1 end in symmetric 3-mixtures" \
    num "$n3" '>' 0.1
check "random starts at K = 5: a fraction $n5 in (0, 0.1) end in symmetric 5-mixtures" \
    awk -v f="$n5" 'BEGIN { exit !(f > 0 && f < 0.1) }'
check "every memorized state is labelled pattern ($bad are not)" [ "$bad" -eq 0 ]
s3=$(first "$T/rand/summary.csv" mixture3_rate)
s5=$(first "$T/rand/summary.csv" mixture5_rate)
check "summary.csv's mixture rates $s3, $s5 are the records' $n3, $n5" \
    awk -v a="$s3" -v b="$n3" -v c="$s5" -v d="$n5" \
    'function abs(x) { return x < 0 ? -x : x }
     BEGIN { exit !(abs(a - b) < 5e-4 && abs(c - d) < 5e-4) }'
mem=$(col "$T/rand/summary.csv" samples 1000 memorized_rate)
check "random starts at K = 5: some are retrieved too ($mem in (0.2, 0.9))" \
    awk -v m="$mem" 'BEGIN { exit !(m > 0.2 && m < 0.9) }'
finish
