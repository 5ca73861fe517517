# A single-node Slurm cluster (Debian's slurm-wlm with munge), set up and started
# here in a temporary folder: `basin submit slurm --now` runs a 4-task job array
# of a small sweep and the merge job after it, and the merged folder equals the
# one-machine run byte for byte (but for summary.csv's seconds). Skipped (exit
# 77) where the daemons cannot be started: not root, or no slurm-wlm / munge
# (./setup installs them). The daemons are stopped however the test ends.
. "$(dirname "$0")/lib.sh"

skip() { echo "SKIP: $1"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "the Slurm daemons need root here"
for p in munged slurmctld slurmd sbatch squeue sinfo; do
    command -v "$p" >/dev/null || skip "no $p (./setup installs slurm-wlm and munge)"
done

# The daemons, stopped by their pid files (only the ones this test started).
stop() {
    for f in "$T/slurmd.pid" "$T/slurmctld.pid" "$T/munge/munged.pid"; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    for f in "$T/slurmd.pid" "$T/slurmctld.pid" "$T/munge/munged.pid"; do
        for _ in $(seq 1 50); do
            [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null || break
            sleep 0.1
        done
    done
    rm -rf "$T"
}
trap stop EXIT

mkdir -p "$T/state" "$T/spool" "$T/munge"
head -c 1024 /dev/urandom >"$T/munge/munge.key"
chmod 400 "$T/munge/munge.key"
munged --force --key-file="$T/munge/munge.key" --socket="$T/munge/munge.sock" \
    --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" \
    --seed-file="$T/munge/seed" || skip "munged does not start"
# Ports of this test's own (two tests at once must not meet).
port=$((20000 + ($$ % 10000) * 2))
node=$(slurmd -C | head -1) # NodeName=... CPUs=... RealMemory=...: this machine
cat >"$T/slurm.conf" <<CONF
ClusterName=basintest
SlurmctldHost=$(hostname -s)
$node State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
AuthType=auth/munge
AuthInfo=socket=$T/munge/munge.sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
CONF
export SLURM_CONF=$T/slurm.conf
slurmctld -f "$SLURM_CONF" || skip "slurmctld does not start"
slurmd -f "$SLURM_CONF" || skip "slurmd does not start"
idle=0
for _ in $(seq 1 150); do
    sinfo -h -o %T 2>/dev/null | grep -qx idle && { idle=1; break; }
    sleep 0.2
done
[ "$idle" -eq 1 ] || skip "the node did not come up idle: $(tail -2 "$T/slurmd.log" | tr '\n' ' ')"

# The sweep: 3 points x 2 repeats, 6 jobs over 4 array tasks.
sets=(--threads 1 --set repeats=2 --set dataset.dim=200 --set init.count=40)
"$BASIN" run "$R/hopfield-spurious.toml" --out "$T/one" --quiet "${sets[@]}"
cd "$T"
out=$("$BASIN" submit slurm "$R/hopfield-spurious.toml" --shards 4 --throttle 2 --now \
    --out "$T/m" "${sets[@]}")
check "submit --now queues the array and the merge ($out)" grep -q "submitted the array" <<<"$out"
check "the array script asks for 4 tasks, 2 at once" grep -qx '#SBATCH --array=0-3%2' "$T/m.slurm/run.sbatch"
check "the merge script joins the 4 shards" grep -q "merge $T/m $T/m.shards/0-of-4 .* $T/m.shards/3-of-4$" "$T/m.slurm/merge.sbatch"
done=0
for _ in $(seq 1 300); do
    [ -z "$(squeue -h 2>/dev/null)" ] && { done=1; break; }
    sleep 0.2
done
check "the array and the merge ran" [ "$done" -eq 1 ]
check "a log per task ($(ls "$T/m.slurm/logs" | tr "\n" " "))" [ -e "$T/m.slurm/logs/shard-3.log" ]
check "the merge job wrote the results ($(cat "$T/m.slurm/logs/merge.log" 2>/dev/null | head -2))" \
    [ -s "$T/m/records.csv" ]
check "a task's log shows its progress ($(head -1 "$T/m.slurm/logs/shard-0.log"))" \
    grep -q "^basin: job 1/2 done, " "$T/m.slurm/logs/shard-0.log"
strip() { awk -F, '{ $NF = ""; print }' "$1"; }
check "records.csv: Slurm = one machine" cmp -s "$T/one/records.csv" "$T/m/records.csv"
check "samples.npy: Slurm = one machine" cmp -s "$T/one/samples.npy" "$T/m/samples.npy"
check "run.toml: Slurm = one machine" cmp -s "$T/one/run.toml" "$T/m/run.toml"
check "summary.csv: Slurm = one machine but for seconds" \
    cmp -s <(strip "$T/one/summary.csv") <(strip "$T/m/summary.csv")
cd /
finish
