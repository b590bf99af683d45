#!/usr/bin/env bash
# Make sure a Docker engine answers on /var/run/docker.sock. Installs docker.io if dockerd is
# missing; starts it with systemd when systemd is PID 1, else as a plain background daemon
# (this build machine has no init system). Idempotent: does nothing when the engine answers.
set -euo pipefail
sock=/var/run/docker.sock
log=${BERTH_DOCKERD_LOG:-/var/log/berth-dockerd.log}
ping() { curl -sf --max-time 2 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1; }
ping && exit 0
command -v dockerd >/dev/null 2>&1 || "$(dirname "$0")/ensure-deps.sh" --engine-only
if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
  systemctl start docker
else
  if pkill -x dockerd 2>/dev/null; then sleep 1; fi
  rm -f /var/run/docker.pid
  nohup dockerd >>"$log" 2>&1 </dev/null &
fi
for _ in $(seq 1 120); do
  ping && { echo "docker engine is up"; exit 0; }
  sleep 0.5
done
echo "the docker engine did not answer on $sock within 60 s; last lines of $log:" >&2
tail -20 "$log" >&2 || true
exit 1
