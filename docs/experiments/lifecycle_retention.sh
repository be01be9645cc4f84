#!/usr/bin/env bash
# Measures source retention after recalibration on a drifted batch, with and without replay.
#
# Runs the default pipeline into a fresh workspace, writes a batch of 300 held-out optdigits test
# rows rotated by 20 degrees, checks that drift advises recalibration, then recalibrates
# finetuned v1 (the pipeline's seed-1 fine-tuned model) with recalibration seeds 1, 2 and 3, once
# with the default replay (half of every minibatch from 1,000 mnist-clean and 1,000 optdigits
# train rows) and once with --replay-fraction 0. Every recalibration starts from v1, and each
# setting promotes to its own alias, so the runs do not depend on each other.
#
# Run from the repository root: docs/experiments/lifecycle_retention.sh [WORKSPACE]
# The numbers come from the recalibration reports; the script prints one line per run and the
# mean and sample standard deviation per setting.
set -euo pipefail

ws="${1:-target/lifecycle-retention}"
rm -rf "$ws"
bin/ktp pipeline -w "$ws" --run-id pipeline
bin/ktp batch -w "$ws" --output-domain rotated --transform rotate --rotation-degrees 20 \
  --rows 300 --seed 7 --run-id batch-rotated
status=0
bin/ktp drift -w "$ws" --model-version 1 --batch-domain rotated --run-id drift-rotated || status=$?
echo "drift exit status: $status (3 = recalibration advised)"

log="$ws/recalibrate.log"
: > "$log"
for seed in 1 2 3; do
  for setting in replay no-replay; do
    fraction=0.5
    [[ "$setting" == no-replay ]] && fraction=0
    status=0
    bin/ktp recalibrate -w "$ws" --model-version 1 --batch-domain rotated --seed "$seed" \
      --replay-fraction "$fraction" --alias "trial-$setting" --run-id "$setting-$seed" \
      2> >(tee -a "$ws/$setting-$seed.log" >&2) || status=$?
    line="$(grep -h 'Recalibration: finetuned v' "$ws/$setting-$seed.log" | tail -1)"
    echo "$setting seed $seed exit $status: ${line#*Recalibration: }" | tee -a "$log"
  done
done

for setting in replay no-replay; do
  grep "^$setting seed" "$log" | sed -E 's/.*source retention ([0-9.]+).*/\1/' \
    | awk -v name="$setting" '{ x[NR] = $1; s += $1 } END {
        m = s / NR; for (i = 1; i <= NR; i++) v += (x[i] - m) ^ 2
        printf "%s: source retention %.4f +- %.4f over %d seeds\n", name, m, sqrt(v / (NR - 1)), NR }'
  grep "^$setting seed" "$log" | sed -E 's/.*held-out accuracy ([0-9.]+) against ([0-9.]+).*/\1 \2/' \
    | awk -v name="$setting" '{ a[NR] = $1; s += $1; b = $2 } END {
        m = s / NR; for (i = 1; i <= NR; i++) v += (a[i] - m) ^ 2
        printf "%s: held-out batch accuracy %.4f +- %.4f (production %.4f)\n", name, m, sqrt(v / (NR - 1)), b }'
done
