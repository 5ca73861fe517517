# Spurious mixture states of the Hopfield network. Reference: Amit, Gutfreund &
# Sompolinsky, Phys. Rev. A 32:1007 (1985): at T = 0 and alpha -> 0 the symmetric
# 3-mixture sign(xi1 + xi2 + xi3) is a fixed point with overlap m = 1/2 with each
# of its three patterns (E[xi1 sign(xi1 + xi2 + xi3)] = 1/2 exactly).
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

# Random starts (the recipe's K = 5 point): a good share fall into 3-mixtures.
"$BASIN" run "$R/hopfield-spurious.toml" --out "$T/rand" --quiet --threads 2 \
    --set dataset.count=5
frac=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { n++; if ($h["class"] != "spurious") next; mix = 1
      for (k = 1; k <= 3; k++) { m = $h["m" k]; m = m < 0 ? -m : m
          if (m < 0.4 || m > 0.6) mix = 0 }
      c += mix }
    END { printf "%.3f", c / n }' "$T/rand/records.csv")
check "random starts at K = 5: a fraction $frac > 0.1 end in symmetric 3-mixtures" \
    num "$frac" '>' 0.1
mem=$(col "$T/rand/summary.csv" samples 1000 memorized_rate)
check "random starts at K = 5: some are retrieved too ($mem in (0.2, 0.9))" \
    awk -v m="$mem" 'BEGIN { exit !(m > 0.2 && m < 0.9) }'
finish
