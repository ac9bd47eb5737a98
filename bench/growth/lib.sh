# Shared by the bench/growth scripts (sourced, after they set $dir, their temp dir): a free port,
# and stopping the gateway under test, whose pid they keep in $gw_pid.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# SIGTERM to $gw_pid, SIGKILL if it is still there after 30 s; then $gw_pid is empty.
stop_gw() {
  [ -n "$gw_pid" ] || return 0
  kill -TERM "$gw_pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$gw_pid" 2>/dev/null || true
  wait "$gw_pid" 2>/dev/null || true
  gw_pid=
}
