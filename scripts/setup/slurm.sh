#!/usr/bin/env bash
# A Slurm cluster on this machine for the executor tests (tests/slurm.rs): Debian's packages,
# munge, slurmctld and two slurmds started without systemd. Node `node1` runs on this host;
# node `node2` runs in network, UTS, mount and PID namespaces of its own (`unshare`, a veth pair
# 10.231.0.1 <-> 10.231.0.2): another host name, another address, the same filesystem (as a
# cluster's shared filesystem). Partition `debug` (the default) is node1 alone; partition
# `two` holds both nodes, one job per core. Idempotent: when both nodes answer it returns at once.
# When the namespaces cannot be made, the cluster has one node and the two-node tests skip.
# Facts behind the settings: docs/slurm.md. Stop it with `scripts/setup/slurm.sh stop`.
set -uo pipefail

conf_dir=/etc/slurm
log_dir=/var/log/slurm
ns=exax-node2
# This host as node2 sees it, and node2.
host_ip=10.231.0.1
node2_ip=10.231.0.2

stop() {
  # node2's pid file names the namespace's outer process: ending it ends all node2 runs.
  local pids=""
  for p in /run/exax-node2.pid /run/slurmd/node1.pid /run/slurmctld.pid; do
    [ -f "$p" ] && pids="$pids $(cat "$p")" && kill "$(cat "$p")" 2>/dev/null
    rm -f "$p"
  done
  # Until they are gone (slurmctld saves its state first).
  for _ in $(seq 1 50); do
    local alive=0
    for pid in $pids; do
      [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  return 0
}

# Every node named answers (idle, mixed or allocated).
nodes_up() {
  command -v sinfo >/dev/null 2>&1 || return 1
  local states
  states=$(timeout 5 sinfo -h -N -o '%N %t' 2>/dev/null) || return 1
  for n in "$@"; do
    echo "$states" | grep -qE "^$n (idle|mix|alloc)$" || return 1
  done
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if [ "${1:-}" = stop ]; then stop; exit 0; fi

if nodes_up node1 node2; then exit 0; fi

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

mkdir -p "$conf_dir" "$log_dir" /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /run/munge /var/spool/slurmd/node1 /var/spool/slurmd/node2 /run/slurmd
chown slurm "$log_dir" /var/lib/slurm/slurmctld 2>/dev/null
chown munge /run/munge
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
chown munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key

# The second node's network: a namespace and a veth pair (idempotent).
two=1
if ! ip netns exec "$ns" true 2>/dev/null; then
  ip netns add "$ns" 2>/dev/null || two=0
fi
if [ "$two" = 1 ] && ! ip link show exax-v0 >/dev/null 2>&1; then
  { ip link add exax-v0 type veth peer name exax-v1 netns "$ns" &&
    ip addr add "$host_ip/24" dev exax-v0 && ip link set exax-v0 up &&
    ip -n "$ns" addr add "$node2_ip/24" dev exax-v1 && ip -n "$ns" link set exax-v1 up &&
    ip -n "$ns" link set lo up && ip -n "$ns" route add default via "$host_ip"; } 2>/dev/null || two=0
fi
if [ "$two" = 0 ]; then
  echo "scripts/setup/slurm.sh: cannot make a network namespace here; one node only (the two-node tests will skip)"
fi
# node2's /etc/hosts: this host's name is reached over the veth pair, as a cluster's DNS would.
printf '127.0.0.1 localhost\n%s node2\n%s %s\n' "$node2_ip" "$host_ip" "$(hostname)" >"$conf_dir/node2.hosts"

cpus=$(nproc)
nodes="NodeName=node1 NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN"
two_part=""
if [ "$two" = 1 ]; then
  nodes="$nodes
NodeName=node2 NodeAddr=$node2_ip CPUs=$cpus State=UNKNOWN"
  two_part="PartitionName=two Nodes=node1,node2 MaxTime=INFINITE State=UP OverSubscribe=NO"
fi
cat >"$conf_dir/slurm.conf.new" <<CONF
ClusterName=exaxci
SlurmctldHost=localhost($host_ip)
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
SlurmdPidFile=/run/slurmd/%n.pid
SlurmdSpoolDir=/var/spool/slurmd/%n
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd-%n.log
SlurmdTimeout=30
KillWait=2
InactiveLimit=20
MinJobAge=300
$nodes
PartitionName=debug Nodes=node1 Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
$two_part
CONF

pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged || { echo "scripts/setup/slurm.sh: munged did not start"; exit 1; }
# A configuration that changed (other nodes: an older one-node cluster) needs fresh daemons:
# `scontrol reconfigure` cannot rename nodes.
if ! cmp -s "$conf_dir/slurm.conf.new" "$conf_dir/slurm.conf"; then
  stop
  for p in /run/slurmd.pid; do # the one-node layout's slurmd
    [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
    rm -f "$p"
  done
fi
mv "$conf_dir/slurm.conf.new" "$conf_dir/slurm.conf"
# Stale pid files from an earlier container make the daemons (and package removal) fail.
if ! running /run/slurmctld.pid; then
  rm -f /run/slurmctld.pid; /usr/sbin/slurmctld
fi
if ! running /run/slurmd/node1.pid; then
  rm -f /run/slurmd/node1.pid; /usr/sbin/slurmd -N node1
fi
if [ "$two" = 1 ] && ! running /run/exax-node2.pid; then
  # Its own host name, /etc/hosts and /run/slurmd (its pid file holds a pid of its namespace);
  # slurmd in the foreground as the namespace's first process, and unshare kills it when it ends,
  # so ending the outer process (its pid in /run/exax-node2.pid) ends everything node2 runs.
  setsid nohup nsenter --net=/run/netns/"$ns" unshare --uts --mount --pid --fork --kill-child --mount-proc \
    --propagation private sh -c "hostname node2 && mount --bind $conf_dir/node2.hosts /etc/hosts &&
      mount -t tmpfs tmpfs /run/slurmd && exec /usr/sbin/slurmd -D -N node2" \
    >>"$log_dir/slurmd-node2.out" 2>&1 </dev/null &
  echo $! >/run/exax-node2.pid
fi

want="node1"
[ "$two" = 1 ] && want="node1 node2"
for _ in $(seq 1 150); do
  # shellcheck disable=SC2086
  if nodes_up $want; then exit 0; fi
  # A node left down by an earlier run comes back here.
  for n in $want; do scontrol update nodename="$n" state=resume >/dev/null 2>&1; done
  sleep 0.2
done
echo "scripts/setup/slurm.sh: the slurm nodes ($want) did not come up (see $log_dir)"
exit 1
