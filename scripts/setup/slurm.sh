#!/usr/bin/env bash
# A one-node Slurm cluster on this machine for the executor tests (tests/slurm.rs): Debian's
# packages, munge, slurmctld and slurmd started without systemd. Idempotent: when `sinfo` already
# shows the node idle it returns at once. Facts behind the settings: docs/slurm.md.
# Stop it with `scripts/setup/slurm.sh stop`.
set -uo pipefail

conf_dir=/etc/slurm
log_dir=/var/log/slurm

stop() {
  for p in /run/slurmd.pid /run/slurmctld.pid; do
    [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
    rm -f "$p"
  done
  return 0
}

node_up() {
  command -v sinfo >/dev/null 2>&1 || return 1
  timeout 5 sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'
}

if [ "${1:-}" = stop ]; then stop; exit 0; fi

if node_up; then exit 0; fi

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v srun >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    echo "scripts/setup/slurm.sh: slurm is missing and cannot be installed here; the slurm tests will skip"
    exit 1
  fi
  echo "scripts/setup/slurm.sh: installing slurm"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      slurmctld slurmd slurm-client munge >/dev/null; } || {
    echo "scripts/setup/slurm.sh: could not install slurm; the slurm tests will skip"
    exit 1
  }
fi

mkdir -p "$conf_dir" "$log_dir" /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /run/munge /var/spool/slurmd
chown slurm "$log_dir" /var/lib/slurm/slurmctld 2>/dev/null
chown munge /run/munge
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
chown munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key

cpus=$(nproc)
cat >"$conf_dir/slurm.conf" <<CONF
ClusterName=exaxci
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_interval=2
ReturnToService=2
MpiDefault=none
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=/var/spool/slurmd
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd.log
KillWait=2
MinJobAge=300
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF

pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged || { echo "scripts/setup/slurm.sh: munged did not start"; exit 1; }
# Stale pid files from an earlier container make the daemons (and package removal) fail.
if ! pgrep -x slurmctld >/dev/null; then rm -f /run/slurmctld.pid; /usr/sbin/slurmctld; fi
if ! pgrep -x slurmd >/dev/null; then rm -f /run/slurmd.pid; /usr/sbin/slurmd -N localhost; fi

for _ in $(seq 1 100); do
  if node_up; then exit 0; fi
  # A node left down by an earlier run comes back here.
  scontrol update nodename=localhost state=resume >/dev/null 2>&1
  sleep 0.2
done
echo "scripts/setup/slurm.sh: the slurm node did not come up (see $log_dir)"
exit 1
