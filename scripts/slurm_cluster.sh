#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, for the submitit executor's tests in CI.
#
#   bash scripts/slurm_cluster.sh start    install (if missing) and start the daemons; wait for an idle node
#   bash scripts/slurm_cluster.sh stop     cancel every job, stop the daemons by their pidfiles
#   bash scripts/slurm_cluster.sh status   which daemons run; exit 0 only when the node answers
#
# Debian's slurm-wlm + munge, run as plain background daemons (no systemd, no cgroups), all
# traffic on loopback. Accounting (slurmdbd + MariaDB) is on by default: without it submitit
# never sees a cancelled or timed-out job end (sacct fails) and waits forever.
# Needs root (start/stop). Idempotent: `start` while running does nothing unless the generated
# slurm.conf changed, then slurmctld and slurmd are restarted.
#
# Knobs (environment):
#   SLURM_ACCOUNTING=1|0      slurmdbd + MariaDB accounting (default 1)
#   SLURM_PARTITION=debug     the one partition's name
#   SLURM_OVERSUBSCRIBE=0|N   N > 0: OverSubscribe=FORCE:N (N jobs per core), for more parallel tiny jobs
#   SLURM_WAIT_S=60           how long to wait for each daemon / the idle node
#   SLURM_CLUSTER_NAME=ci
# Facts and pitfalls behind each step: ../shared/notes/slurm-single-node.md (numbers cited below).
set -euo pipefail

ACCOUNTING=${SLURM_ACCOUNTING:-1}
PARTITION=${SLURM_PARTITION:-debug}
OVERSUBSCRIBE=${SLURM_OVERSUBSCRIBE:-0}
WAIT_S=${SLURM_WAIT_S:-60}
CLUSTER=${SLURM_CLUSTER_NAME:-ci}

CONF_DIR=/etc/slurm
RUN_DIR=/run/slurm
LOG_DIR=/var/log/slurm
SPOOL=/var/spool/slurm
MUNGE_PID=/run/munge/munged.pid
MARIADB_PID=/run/mysqld/mysqld.pid
MARIADB_SOCK=/run/mysqld/mysqld.sock
DBD_PID=$RUN_DIR/slurmdbd.pid
CTLD_PID=$RUN_DIR/slurmctld.pid
SLURMD_PID=$RUN_DIR/slurmd.pid
CONF_HASH=$RUN_DIR/conf.sha256
NODE=$(hostname -s)

log() { echo "slurm_cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- liveness: a pidfile's process is alive only if it is not a zombie and has the daemon's name
# (/run survives restarts here and PID 1 reaps late, so `kill -0` alone lies: pitfall 5).
pid_of() { [ -r "$1" ] && tr -dc '0-9' <"$1" || true; }
alive() {  # alive PIDFILE COMM
  local pid state comm
  pid=$(pid_of "$1")
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [ "$state" != Z ] && [ "$comm" = "$2" ]
}
wait_for() {  # wait_for WHAT COMMAND...  (polls every 0.1 s up to WAIT_S)
  local what=$1; shift
  local deadline=$((SECONDS + WAIT_S))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what did not come up within ${WAIT_S}s (logs in $LOG_DIR)"
    sleep 0.1
  done
}
stop_daemon() {  # stop_daemon PIDFILE COMM : SIGTERM, then SIGKILL after 10 s; never by name
  local pid
  if alive "$1" "$2"; then
    pid=$(pid_of "$1")
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while alive "$1" "$2" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if alive "$1" "$2"; then log "$2 ($pid) ignored SIGTERM, killing"; kill -KILL "$pid" 2>/dev/null || true; fi
    log "stopped $2 ($pid)"
  fi
  rm -f "$1"
}
tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- packages ---------------------------------------------------------------------------------
packages() {
  local want=(slurm-wlm munge slurm-client)
  [ "$ACCOUNTING" = 1 ] && want+=(slurmdbd slurm-wlm-mysql-plugin mariadb-server)
  local missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
  log "installing ${missing[*]}"
  # Services must not start from postinst (no systemd; we start the daemons ourselves): a
  # temporary policy-rc.d denies invoke-rc.d when the machine has none of its own (pitfall 2).
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  local apt=(apt-get -o DPkg::Lock::Timeout=300 -y -qq)
  "${apt[@]}" update >/dev/null
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "${missing[@]}" >/dev/null
  [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

# --- configuration ----------------------------------------------------------------------------
node_line() {
  # slurmd -C reports this machine's topology; RealMemory at 95 % so the node never drains
  # for "Low RealMemory" (pitfall 8).
  local c cpus boards sockets cores threads mem
  c=$(slurmd -C | head -n1)
  field() { sed -nE "s/.*\\b$1=([0-9]+).*/\\1/p" <<<"$c"; }
  cpus=$(field CPUs); boards=$(field Boards); sockets=$(field SocketsPerBoard)
  cores=$(field CoresPerSocket); threads=$(field ThreadsPerCore); mem=$(field RealMemory)
  [ -n "$cpus" ] && [ -n "$mem" ] || die "cannot parse 'slurmd -C': $c"
  echo "NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus Boards=$boards SocketsPerBoard=$sockets" \
       "CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$((mem * 95 / 100)) State=UNKNOWN"
}
slurm_conf() {
  local oversub=NO
  [ "$OVERSUBSCRIBE" != 0 ] && oversub="FORCE:$OVERSUBSCRIBE"
  cat <<EOF
# generated by scripts/slurm_cluster.sh: a single-node CI cluster on loopback
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$SPOOL/ctld
SlurmdSpoolDir=$SPOOL/d
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
SchedulerType=sched/backfill
# Slurm's default batch_sched_delay=3 adds 2-3 s to every sbatch (pitfall 7)
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# without it a job that asks no --mem takes the whole node
DefMemPerCPU=1024
InactiveLimit=0
MailProg=/bin/true
KillWait=5
MinJobAge=300
Waittime=0
EOF
  if [ "$ACCOUNTING" = 1 ]; then
    printf 'AccountingStorageType=accounting_storage/slurmdbd\nAccountingStorageHost=localhost\nAccountingStoragePort=6819\n'
  else
    printf 'AccountingStorageType=accounting_storage/none\n'
  fi
  node_line
  echo "PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=$oversub"
}
slurmdbd_conf() {
  cat <<EOF
# generated by scripts/slurm_cluster.sh
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=root
PidFile=$DBD_PID
LogFile=$LOG_DIR/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db
EOF
}

# --- daemons ----------------------------------------------------------------------------------
start_munge() {
  alive $MUNGE_PID munged && return 0
  install -d -o munge -g munge -m 755 /run/munge   # no systemd RuntimeDirectory (pitfall 3)
  install -d -o munge -g munge -m 700 /var/log/munge /var/lib/munge
  if [ ! -s /etc/munge/munge.key ]; then
    install -d -o munge -g munge -m 700 /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  fi
  # munge's shell is nologin: runuser, not su; --force starts over a stale socket (pitfall 4)
  runuser -u munge -- /usr/sbin/munged --force </dev/null >/dev/null 2>&1
  wait_for munged alive $MUNGE_PID munged
  log "munged up"
}
start_mariadb() {
  alive $MARIADB_PID mariadbd && return 0
  install -d -o mysql -g mysql -m 755 /run/mysqld
  [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  # slurmdbd warns below these InnoDB settings (pitfall 6); socket only, no TCP
  setsid /usr/sbin/mariadbd --user=mysql --datadir=/var/lib/mysql --skip-networking \
    --socket=$MARIADB_SOCK --pid-file=$MARIADB_PID --log-error=$LOG_DIR/mariadb.log \
    --innodb-buffer-pool-size=512M --innodb-lock-wait-timeout=900 </dev/null >/dev/null 2>&1 &
  wait_for mariadbd mariadb-admin --socket=$MARIADB_SOCK ping
  wait_for "mariadbd pidfile" alive $MARIADB_PID mariadbd
  log "mariadbd up"
}
start_slurmdbd() {
  alive $DBD_PID slurmdbd && return 0
  slurmdbd_conf >$CONF_DIR/slurmdbd.conf
  chmod 600 $CONF_DIR/slurmdbd.conf   # slurmdbd refuses another mode (pitfall 6)
  slurmdbd </dev/null >/dev/null 2>&1
  wait_for slurmdbd tcp_open 6819      # sacctmgr is no probe before slurmctld runs (pitfall 6)
  log "slurmdbd up"
}
start_slurm() {
  local new_hash old_hash
  install -d -m 755 $CONF_DIR $RUN_DIR $LOG_DIR $SPOOL/ctld $SPOOL/d
  slurm_conf >$RUN_DIR/slurm.conf.new
  new_hash=$(sha256sum <$RUN_DIR/slurm.conf.new | cut -d' ' -f1)
  old_hash=$(cat $CONF_HASH 2>/dev/null || true)
  if [ "$new_hash" != "$old_hash" ] || ! cmp -s $RUN_DIR/slurm.conf.new $CONF_DIR/slurm.conf; then
    mv $RUN_DIR/slurm.conf.new $CONF_DIR/slurm.conf
    echo "$new_hash" >$CONF_HASH
    # both daemons must read a changed slurm.conf (pitfall 8)
    stop_daemon $SLURMD_PID slurmd
    stop_daemon $CTLD_PID slurmctld
  else
    rm -f $RUN_DIR/slurm.conf.new
  fi
  if ! alive $CTLD_PID slurmctld; then
    slurmctld </dev/null >/dev/null 2>&1
    wait_for slurmctld scontrol ping
    log "slurmctld up"
  fi
  if ! alive $SLURMD_PID slurmd; then
    slurmd </dev/null >/dev/null 2>&1
    wait_for slurmd alive $SLURMD_PID slurmd
    log "slurmd up"
  fi
}
node_ready() {
  local state
  state=$(sinfo -h -n "$NODE" -o %t 2>/dev/null | head -n1)
  case "$state" in idle|mix|mixed|alloc|allocated) return 0 ;; esac
  # a node left down/drained by an earlier crash comes back (ReturnToService=2 covers most cases)
  case "$state" in down*|drain*|drng*) scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;; esac
  return 1
}

cmd_start() {
  [ "$(id -u)" = 0 ] || die "start needs root (it installs packages and runs the daemons)"
  local t0=$SECONDS
  packages
  install -d -m 755 $LOG_DIR $RUN_DIR $CONF_DIR
  start_munge
  if [ "$ACCOUNTING" = 1 ]; then start_mariadb; start_slurmdbd; fi
  start_slurm
  wait_for "an idle node in sinfo" node_ready
  log "cluster '$CLUSTER' up: partition $PARTITION, node $NODE, accounting=$ACCOUNTING ($((SECONDS - t0)) s)"
}
cmd_stop() {
  [ "$(id -u)" = 0 ] || die "stop needs root"
  if alive $CTLD_PID slurmctld; then
    # cancel every job and give slurmd time to kill their processes before it stops itself
    squeue -h -o %i | xargs -r scancel >/dev/null 2>&1 || true
    local deadline=$((SECONDS + 15))
    while [ -n "$(squeue -h -t PD,R,CG,S -o %i 2>/dev/null)" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  fi
  stop_daemon $SLURMD_PID slurmd
  stop_daemon $CTLD_PID slurmctld
  stop_daemon $DBD_PID slurmdbd
  stop_daemon $MARIADB_PID mariadbd
  stop_daemon $MUNGE_PID munged
}
cmd_status() {
  local ok=0 d
  for d in "$MUNGE_PID munged" "$MARIADB_PID mariadbd" "$DBD_PID slurmdbd" "$CTLD_PID slurmctld" "$SLURMD_PID slurmd"; do
    # shellcheck disable=SC2086
    set -- $d
    if alive "$1" "$2"; then echo "$2: running (pid $(pid_of "$1"))"; else echo "$2: stopped"; fi
  done
  if alive $CTLD_PID slurmctld && sinfo -h -o '%P %a %D %t' 2>/dev/null; then ok=1; fi
  [ $ok = 1 ]
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
